"""The monthly report's numbers day by day (bot/reports/metrics.py): tickets, response on time, remote
resolution, satisfaction. A ticket counts on the local day it was reported, a score on the day it was
given."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import to_local
from bot.db.models import Rating, Ticket
from bot.reports.metrics import (
    Share,
    mean_score,
    remote_resolution,
    response_on_time,
    score_counts,
    utc_midnight,
)


@dataclass(frozen=True)
class KpiReport:
    days: list[date]
    tickets: list[int]
    response_on_time: list[Share]
    remote_resolution: list[Share]
    satisfaction: list[float | None]
    score_counts: dict[int, int]

    @property
    def response_on_time_total(self) -> Share:
        return sum(self.response_on_time, Share(0, 0))

    @property
    def remote_resolution_total(self) -> Share:
        return sum(self.remote_resolution, Share(0, 0))

    @property
    def satisfaction_mean(self) -> float | None:
        count = sum(self.score_counts.values())
        return round(sum(s * n for s, n in self.score_counts.items()) / count, 2) if count else None


def last_days(now: datetime, days: int, zone: str) -> tuple[date, date]:
    """The first and last local day of the `days` days up to today."""
    today = to_local(now, zone).date()
    return today - timedelta(days=days - 1), today


def kpi_report(
    session: Session, first_day: date, last_day: date, *, now: datetime, zone: str, scale_max: int
) -> KpiReport:
    """Each local day from first_day to last_day, judged as of `now`."""
    window = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    start, end = utc_midnight(first_day, zone), utc_midnight(last_day + timedelta(days=1), zone)

    def day_of(moment: datetime) -> date:
        return to_local(moment, zone).date()

    created: dict[date, list[Ticket]] = defaultdict(list)
    for ticket in session.execute(
        select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    ).scalars():
        created[day_of(ticket.created_at)].append(ticket)
    scores: dict[date, list[int]] = defaultdict(list)
    for rating in session.execute(
        select(Rating).where(Rating.created_at >= start, Rating.created_at < end)
    ).scalars():
        scores[day_of(rating.created_at)].append(rating.score)

    return KpiReport(
        days=window,
        tickets=[len(created[day]) for day in window],
        response_on_time=[Share.of(response_on_time(t, now) for t in created[day]) for day in window],
        remote_resolution=[Share.of(remote_resolution(t) for t in created[day]) for day in window],
        satisfaction=[mean_score(scores[day]) for day in window],
        score_counts=score_counts((s for day in window for s in scores[day]), scale_max),
    )
