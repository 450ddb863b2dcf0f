"""The monthly-report numbers, day by day over a window: tickets, response on time, remote resolution, satisfaction."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import to_local
from bot.db.models import Rating, Ticket
from bot.tickets import TicketKind


@dataclass(frozen=True)
class Share:
    """A count of hits out of a total; percent is None when there was nothing to measure."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.hits / self.total, 1) if self.total else None


@dataclass(frozen=True)
class KpiReport:
    days: list[date]
    tickets: list[int]
    response_on_time: list[Share]
    remote_resolution: list[Share]
    satisfaction: list[float | None]
    score_counts: dict[int, int]

    @staticmethod
    def _sum(shares: list[Share]) -> Share:
        return Share(sum(s.hits for s in shares), sum(s.total for s in shares))

    @property
    def response_on_time_total(self) -> Share:
        return self._sum(self.response_on_time)

    @property
    def remote_resolution_total(self) -> Share:
        return self._sum(self.remote_resolution)

    @property
    def satisfaction_mean(self) -> float | None:
        count = sum(self.score_counts.values())
        return round(sum(s * n for s, n in self.score_counts.items()) / count, 2) if count else None


def kpi_report(session: Session, now: datetime, *, days: int, zone: str, scale_max: int) -> KpiReport:
    """The last `days` local days up to today. A ticket counts on the day it was created (response), resolved
    (remote resolution) or rated (satisfaction)."""
    today = to_local(now, zone).date()
    window = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    # One day of slack: the window is in local days, the database in UTC.
    since = now - timedelta(days=days + 1)

    def day_of(moment: datetime) -> date:
        return to_local(moment, zone).date()

    created: Counter[date] = Counter()
    on_time: dict[date, list[bool]] = defaultdict(list)
    remote: dict[date, list[bool]] = defaultdict(list)
    tickets = session.execute(
        select(Ticket).where(or_(Ticket.created_at >= since, Ticket.resolved_at >= since))
    ).scalars()
    for ticket in tickets:
        resolved_by_bot = "remote_resolved" in (ticket.flags or [])
        if ticket.created_at >= since:
            created[day_of(ticket.created_at)] += 1
            responded = ticket.first_response_at or (ticket.created_at if resolved_by_bot else None)
            if ticket.response_due is not None:
                if responded is not None:
                    on_time[day_of(ticket.created_at)].append(responded <= ticket.response_due)
                elif now > ticket.response_due:
                    on_time[day_of(ticket.created_at)].append(False)
        if ticket.kind == TicketKind.FAULT.value:
            resolved_at = ticket.resolved_at or (ticket.created_at if resolved_by_bot else None)
            if resolved_at is not None and resolved_at >= since:
                remote[day_of(resolved_at)].append(bool(ticket.resolved_remotely) or resolved_by_bot)

    scores: dict[date, list[int]] = defaultdict(list)
    score_counts: Counter[int] = Counter()
    for rating in session.execute(select(Rating).where(Rating.created_at >= since)).scalars():
        if day_of(rating.created_at) in window:
            scores[day_of(rating.created_at)].append(rating.score)
            score_counts[rating.score] += 1

    return KpiReport(
        days=window,
        tickets=[created[day] for day in window],
        response_on_time=[Share(sum(on_time[day]), len(on_time[day])) for day in window],
        remote_resolution=[Share(sum(remote[day]), len(remote[day])) for day in window],
        satisfaction=[round(sum(scores[day]) / len(scores[day]), 2) if scores[day] else None for day in window],
        score_counts={score: score_counts[score] for score in range(1, scale_max + 1)},
    )
