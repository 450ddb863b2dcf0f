"""What the console lists: open tickets with filters, complaints, and low satisfaction scores awaiting
review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.console.config import ConsoleConfig
from bot.console.countdown import Colour, Countdown, countdown
from bot.console.texts import say
from bot.db.models import Rating, RatingReview, Ticket
from bot.errors import Refused
from bot.safety import SAFETY_SEVERITY
from bot.tickets import OPEN_STATUSES, TicketKind, TicketStatus

OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters; None means "any". Status defaults to every open status."""

    status: str | None = None
    region: str | None = None
    kind: str | None = None
    urgent: bool | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> QueueFilter:
        """From the page's query string; unknown values are ignored rather than failing the page."""
        status = query.get("status") or None
        kind = query.get("kind") or None
        urgent = {"1": True, "0": False}.get(query.get("urgent", ""))
        return cls(
            status=status if status in {s.value for s in TicketStatus} else None,
            region=(query.get("region") or "").strip() or None,
            kind=kind if kind in {k.value for k in TicketKind} else None,
            urgent=urgent,
        )


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    countdown: Countdown | None


def queue(session: Session, wanted: QueueFilter, now: datetime, config: ConsoleConfig) -> list[QueueRow]:
    """Matching tickets, most pressing first: safety incidents, then red, amber, green, no deadline; urgent
    first within a colour, then the nearest deadline."""
    query = select(Ticket)
    query = (
        query.where(Ticket.status == wanted.status) if wanted.status else query.where(Ticket.status.in_(OPEN))
    )
    if wanted.region:
        query = query.where(Ticket.site_city.contains(wanted.region))
    if wanted.kind:
        query = query.where(Ticket.kind == wanted.kind)
    if wanted.urgent is not None:
        query = query.where(Ticket.urgent.is_(wanted.urgent))
    rows = [
        QueueRow(ticket, countdown(ticket, now, config.countdown, config.amber_below_fraction))
        for ticket in session.execute(query).scalars()
    ]
    rows.sort(key=_pressing_first)
    return rows


COLOUR_ORDER = {Colour.RED: 0, Colour.AMBER: 1, Colour.GREEN: 2}


def _pressing_first(row: QueueRow) -> tuple[bool, int, bool, datetime]:
    colour = COLOUR_ORDER[row.countdown.colour] if row.countdown else len(COLOUR_ORDER)
    due = row.countdown.due if row.countdown else row.ticket.created_at
    # A safety incident goes above everything, whatever its countdown.
    return (row.ticket.severity != SAFETY_SEVERITY, colour, not row.ticket.urgent, due)


def regions(session: Session) -> list[str]:
    """The site cities of open tickets, for the region filter."""
    found = session.execute(
        select(Ticket.site_city).where(Ticket.status.in_(OPEN), Ticket.site_city.is_not(None)).distinct()
    ).scalars()
    return sorted(found)


@dataclass(frozen=True)
class ReviewRow:
    rating: Rating
    ticket: Ticket | None
    review: RatingReview | None


def low_ratings(session: Session, below: int) -> list[ReviewRow]:
    """Scores below the policy's threshold, unreviewed first, newest first within each group."""
    found = session.execute(
        select(Rating, Ticket, RatingReview)
        .outerjoin(Ticket, Ticket.id == Rating.ticket_id)
        .outerjoin(RatingReview, RatingReview.rating_id == Rating.id)
        .where(Rating.score < below)
        .order_by(Rating.created_at.desc())
    ).all()
    rows = [ReviewRow(rating, ticket, review) for rating, ticket, review in found]
    return sorted(rows, key=lambda row: row.review is not None)


class ReviewError(Refused):
    """A review cannot be recorded; the message is shown to the manager as it is."""


def record_review(
    session: Session, rating_id: int, outcome: str, *, actor: str, now: datetime, below: int
) -> None:
    """Close the review of one low score with what was found and done."""
    rating = session.get(Rating, rating_id)
    if rating is None or rating.score >= below:
        raise ReviewError(say("reviews.not_found"))
    if not outcome.strip():
        raise ReviewError(say("reviews.outcome_missing"))
    if session.execute(select(RatingReview.id).where(RatingReview.rating_id == rating_id)).first():
        raise ReviewError(say("reviews.already_reviewed"))
    try:
        # Two managers submitting at once: the unique rating_id lets only the first one through.
        with session.begin_nested():
            session.add(
                RatingReview(rating_id=rating_id, reviewed_by=actor, reviewed_at=now, outcome=outcome.strip())
            )
    except IntegrityError as error:
        raise ReviewError(say("reviews.already_reviewed")) from error
