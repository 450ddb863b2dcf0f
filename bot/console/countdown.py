"""The queue's SLA countdown: which deadline a ticket runs against now, how long is left, and its colour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.console.texts import labels, say
from bot.db.models import Ticket

DEADLINE_LABELS = labels("deadlines")


class Colour(str, Enum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Countdown:
    deadline: str
    due: datetime
    left: timedelta
    colour: Colour

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.deadline]

    @property
    def text(self) -> str:
        """「还剩 1小时05分」 or 「已超时 20分」."""
        minutes = int(abs(self.left).total_seconds() // 60)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        amount = (
            (say("countdown.days", days=days) if days else "")
            + (say("countdown.hours", hours=hours) if days or hours else "")
            + say("countdown.minutes", minutes=f"{minutes:02d}")
        )
        return say("countdown.overdue" if self.left < timedelta(0) else "countdown.left", amount=amount)


def countdown(
    ticket: Ticket, now: datetime, countdown_by_status: dict[str, list[str]], amber_below_fraction: float
) -> Countdown | None:
    """The countdown to the earliest deadline that still matters in the ticket's status; None when none
    does."""
    dues = [
        (getattr(ticket, name), name)
        for name in countdown_by_status.get(ticket.status, [])
        if getattr(ticket, name) is not None
    ]
    if not dues:
        return None
    due, name = min(dues)
    left = due - now
    window = due - ticket.created_at
    if left < timedelta(0):
        colour = Colour.RED
    elif window > timedelta(0) and left < window * amber_below_fraction:
        colour = Colour.AMBER
    else:
        colour = Colour.GREEN
    return Countdown(name, due, left, colour)
