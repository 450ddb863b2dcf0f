"""How each ticket counts in the service-quality numbers (DOMAIN.md "Quality metrics"), in one place: the
monthly report adds them up over a month, the console's KPI page day by day, so both show the same numbers.

Tickets count on the local day they were reported, judged as of `now`; every judgement is True (on time /
hit), False (late / miss) or None (not counted: a deadline still running, or a step made unnecessary).

    response on time      first response by response_due; the bot's own guided fix answers at once
    dispatch on time      an engineer assigned within deadlines.handoff_minutes
    arrival on time       an engineer on site by onsite_due
    resolution            a fault ticket resolved or closed, of those not cancelled
    remote resolution     of the resolved faults, fixed without a visit: by the bot's guided check (no
                          ticket for tier 2) or by an engineer on the phone
    complaints            contacted by response_due, answered by deadlines.complaint_answer_working_days

A dispatch or arrival made unnecessary by a resolution (or cancellation) before its deadline is not counted;
one that never came and whose deadline passed is late. First times are read from the audit log, so a
re-assignment or a second visit does not hide a late first one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from bot.db.models import Ticket, TicketEvent
from bot.ops.calendar import BusinessCalendar
from bot.ops.sla import deadline_after
from bot.policy import ServicePolicy
from bot.tickets import TicketKind, TicketStatus

RESOLVED = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)


@dataclass(frozen=True)
class Share:
    """hits out of total; percent is None when there was nothing to measure."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.hits / self.total, 1) if self.total else None

    @classmethod
    def of(cls, judgements: Iterable[bool | None]) -> Share:
        counted = [j for j in judgements if j is not None]
        return cls(sum(counted), len(counted))

    def __add__(self, other: Share) -> Share:
        return Share(self.hits + other.hits, self.total + other.total)


def utc_midnight(day: date, zone: str) -> datetime:
    """The local midnight starting `day`, as the naive UTC the database stores."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc).replace(tzinfo=None)


def fixed_by_guided_check(ticket: Ticket) -> bool:
    """The caller fixed the fault with the bot's remote guidance: resolved at its creation, no engineer
    involved."""
    return "remote_resolved" in (ticket.flags or [])


def fixed_remotely(ticket: Ticket) -> bool:
    return bool(ticket.resolved_remotely) or fixed_by_guided_check(ticket)


def resolved_at(ticket: Ticket) -> datetime | None:
    return ticket.resolved_at or (ticket.created_at if fixed_by_guided_check(ticket) else None)


def first_status(events: Sequence[TicketEvent], *statuses: str) -> datetime | None:
    return min((e.at for e in events if e.kind == "status" and e.to_status in statuses), default=None)


def on_time(
    done_at: datetime | None, stopped_at: datetime | None, due: datetime, now: datetime
) -> bool | None:
    """Whether a step came by its deadline; None when not counted (still running, or not needed after all)."""
    if done_at is not None and (stopped_at is None or done_at <= stopped_at):
        return done_at <= due
    if stopped_at is not None:
        return None if stopped_at <= due else False
    return False if now > due else None


def response_on_time(ticket: Ticket, now: datetime) -> bool | None:
    if ticket.response_due is None:
        return None
    responded = ticket.created_at if fixed_by_guided_check(ticket) else ticket.first_response_at
    return on_time(responded, None, ticket.response_due, now)


def fault_resolved(ticket: Ticket) -> bool | None:
    if ticket.kind != TicketKind.FAULT.value or ticket.status == TicketStatus.CANCELLED.value:
        return None
    return ticket.status in RESOLVED


def remote_resolution(ticket: Ticket) -> bool | None:
    if ticket.kind != TicketKind.FAULT.value or ticket.status not in RESOLVED:
        return None
    return fixed_remotely(ticket)


def _stopped_at(events: Sequence[TicketEvent]) -> datetime | None:
    return first_status(events, TicketStatus.RESOLVED.value, TicketStatus.CANCELLED.value)


def dispatch_on_time(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    now: datetime,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
) -> bool | None:
    if ticket.kind != TicketKind.FAULT.value or fixed_by_guided_check(ticket):
        return None  # a guided fix left nobody to dispatch
    due = deadline_after(ticket.created_at, "deadlines.handoff_minutes", policy, calendar)
    return on_time(first_status(events, TicketStatus.DISPATCHED.value), _stopped_at(events), due, now)


def arrival_on_time(ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> bool | None:
    if ticket.kind != TicketKind.FAULT.value or fixed_by_guided_check(ticket) or ticket.onsite_due is None:
        return None
    return on_time(
        first_status(events, TicketStatus.ON_SITE.value), _stopped_at(events), ticket.onsite_due, now
    )


def complaint_contacted(ticket: Ticket, now: datetime) -> bool | None:
    if ticket.kind != TicketKind.COMPLAINT.value or ticket.response_due is None:
        return None
    return on_time(ticket.first_response_at, None, ticket.response_due, now)


def complaint_answered(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    now: datetime,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
) -> bool | None:
    if ticket.kind != TicketKind.COMPLAINT.value:
        return None
    due = deadline_after(ticket.created_at, "deadlines.complaint_answer_working_days", policy, calendar)
    return on_time(first_status(events, TicketStatus.RESOLVED.value), None, due, now)


def mean_score(scores: Sequence[int]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


def score_counts(scores: Iterable[int], scale_max: int) -> dict[int, int]:
    """How many of each score, every score of the scale listed (0 for none)."""
    counted = Counter(scores)
    return {score: counted[score] for score in range(1, scale_max + 1)}
