"""Satisfaction ratings: a 1-5 score read from the caller's words, the ticket it is for, stored once per
caller and ticket; below the policy's bar (satisfaction.review_below) it waits for a manager's review, who
needs a phone.

A rating belongs to a service that happened: a ticket resolved or closed. A ticket still being handled is not
rated yet (the caller is told it is not finished; words said with a score go on it as a note, no
rating); when the caller has several finished tickets they are
asked which; when none is known they are asked for its number. Saying the score again, or adding a reason,
changes the one rating instead of adding a second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Rating, Ticket
from bot.ops.texts import say
from bot.policy import ServicePolicy
from bot.tickets import TicketStatus, find_ticket, record_note, tickets_for_caller

_SCORE_NUMERALS = {"五": 5, "四": 4, "三": 3, "二": 2, "两": 2, "一": 1}
# How callers rate in words; the longest phrase found wins, so 「不满意」 is never read as 「满意」.
_SCORE_WORDS = {
    "非常不满意": 1,
    "很不满意": 1,
    "太差": 1,
    "很差": 1,
    "差劲": 1,
    "不太满意": 2,
    "不满意": 2,
    "不怎么样": 2,
    "一般": 3,
    "还行": 3,
    "凑合": 3,
    "比较满意": 4,
    "还不错": 4,
    "满意": 4,
    "很满意": 5,
    "非常满意": 5,
    "十分满意": 5,
    "满分": 5,
    "特别好": 5,
}


def score_in(text: str, entities: list[dict[str, Any]]) -> int | None:
    """A 1-5 score from the caller's words (「给5分」, 「四星」, 「不满意」), else from NLU's score entity."""
    match = re.search(r"(?<!\d)([1-5])(?:\s*(?:分|星|颗星))?(?!\d)", text)
    if match:
        return int(match.group(1))
    match = re.search(r"([一二两三四五])\s*(?:分|星|颗星)", text)
    if match:
        return _SCORE_NUMERALS[match.group(1)]
    words = [word for word in _SCORE_WORDS if word in text]
    if words:
        return _SCORE_WORDS[max(words, key=len)]
    for entity in entities:
        digits = re.search(r"^[1-5]$", str(entity.get("value")))
        if entity.get("entity") == "score" and digits:
            return int(digits.group())
    return None


# Said of a ticket's number the caller cannot give, besides bot.intake's 「不记得」「找不到」 (dialect too:
# 「单号冇记」「在群里没翻到」).
_NO_NUMBER = re.compile(
    r"冇记|没记|未记|没翻到|翻不到|没找到|找不着|寻不到|不晓得|晓不得|搞丢|弄丢|删了|冇单号|没单号"
)


def cannot_name_ticket(text: str) -> bool:
    return bool(_NO_NUMBER.search(text))


RATEABLE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Target(str, Enum):
    TICKET = "ticket"  # rate this one
    NOT_DONE = "not_done"  # the ticket is still being handled: not rated yet
    WHICH = "which"  # several finished tickets: ask which
    UNKNOWN = "unknown"  # no ticket known: ask for its number


@dataclass(frozen=True)
class RatingTarget:
    kind: Target
    ticket: Ticket | None = None
    choices: tuple[str, ...] = ()  # the ticket numbers to choose from (WHICH) or still open (NOT_DONE)


def ticket_to_rate(
    session: Session, number: str | None, *, sender_id: str, phone: str | None
) -> RatingTarget:
    """The ticket a rating is for: the one named, else the caller's only finished ticket (this conversation or
    this phone). A named or only ticket still being handled is NOT_DONE."""
    if number:
        ticket = find_ticket(session, number)
        if ticket is None:
            return RatingTarget(Target.UNKNOWN)
        if TicketStatus(ticket.status) not in RATEABLE:
            return RatingTarget(Target.NOT_DONE, ticket, (ticket.number,))
        return RatingTarget(Target.TICKET, ticket)
    return _target_among(tickets_for_caller(session, sender_id=sender_id, phone=phone, limit=10))


@dataclass(frozen=True)
class Rater:
    """Who rates, as they said it when they could not give the ticket's number (「单号冇记 孝感市…医院检验科
    冯晓琴 137…」)."""

    hospital: str | None = None
    person: str | None = None
    phone: str | None = None

    def __bool__(self) -> bool:
        return bool(self.hospital or self.phone)

    def __str__(self) -> str:
        return " ".join(part for part in (self.hospital, self.person, self.phone) if part)


RECENT = timedelta(days=90)  # how far back a hospital's tickets are a service the caller may mean


def ticket_of_rater(session: Session, rater: Rater, now: datetime) -> RatingTarget:
    """The ticket a caller who cannot give its number means, found by who they are: their phone's tickets,
    else their hospital's of the last RECENT days (the person's own when they named themselves and have
    one)."""
    mine = tickets_for_caller(session, phone=rater.phone, limit=10) if rater.phone else []
    if not mine and rater.hospital:
        query = (
            select(Ticket)
            .where(Ticket.hospital == rater.hospital, Ticket.created_at >= now - RECENT)
            .order_by(Ticket.id.desc())
            .limit(10)
        )
        theirs = list(session.execute(query).scalars())
        mine = [t for t in theirs if rater.person and t.contact_person == rater.person] or theirs
    return _target_among(mine)


def _target_among(mine: Sequence[Ticket]) -> RatingTarget:
    """The only finished ticket, several to choose from, or the ticket still being handled."""
    finished = [t for t in mine if TicketStatus(t.status) in RATEABLE]
    if len(finished) == 1:
        return RatingTarget(Target.TICKET, finished[0])
    if len(finished) > 1:
        return RatingTarget(Target.WHICH, choices=tuple(t.number for t in finished))
    still_open = [t for t in mine if TicketStatus(t.status) not in (*RATEABLE, TicketStatus.CANCELLED)]
    if still_open:
        return RatingTarget(Target.NOT_DONE, still_open[0], tuple(t.number for t in still_open))
    return RatingTarget(Target.UNKNOWN)


def record_rating(
    session: Session,
    ticket: Ticket | None,
    score: int,
    comment: str,
    *,
    sender_id: str,
    channel: str,
    at: datetime,
) -> Rating:
    """The caller's rating of this ticket: stored once; a later message from the same caller about the same
    ticket changes the score and adds a reason not already there, never a second rating. Without a ticket
    (the caller cannot say which service it was) the score is kept all the same, for the manager to read."""
    ticket_id = ticket.id if ticket is not None else None
    same_service = Rating.ticket_id.is_(None) if ticket_id is None else Rating.ticket_id == ticket_id
    existing = session.execute(
        select(Rating).where(same_service, Rating.sender_id == sender_id).order_by(Rating.id)
    ).scalar_one_or_none()
    if existing is None:
        rating = Rating(
            ticket_id=ticket_id,
            score=score,
            comment=comment,
            channel=channel,
            sender_id=sender_id,
            created_at=at,
        )
        session.add(rating)
        session.flush()
        return rating
    existing.score = score
    _add_comment(existing, comment)
    return existing


def add_reasons(session: Session, rating_id: int, words: str) -> None:
    """What the caller says right after rating (why, who they are) goes on that rating, once."""
    rating = session.get(Rating, rating_id)
    if rating is not None:
        _add_comment(rating, words.strip())


def _add_comment(rating: Rating, comment: str) -> None:
    if comment and comment not in (rating.comment or ""):
        rating.comment = f"{rating.comment}\n{comment}" if rating.comment else comment


def note_early_rating(session: Session, ticket: Ticket, words: str, *, actor: str, at: datetime) -> None:
    """A score for a ticket still being handled is no rating yet; the caller's words are kept on the ticket
    as feedback, for whoever closes it."""
    record_note(session, ticket, say("notes.rating_before_done", words=words.strip()), actor=actor, at=at)


def needs_review(score: int, policy: ServicePolicy) -> bool:
    """Below the policy's bar a score opens a review: a manager calls the caller."""
    return score < int(policy.value("satisfaction.review_below"))


def contact_for_review(ticket: Ticket, phones: Sequence[str | None]) -> str | None:
    """The number a reviewer calls: the ticket's contact, else one the caller gave in this conversation."""
    return ticket.contact_phone or next((p for p in phones if p), None)


def add_review_contact(session: Session, ticket: Ticket, phone: str, *, actor: str, at: datetime) -> None:
    """A phone left for the review of a low score: on the ticket when it had none (remote fixes often have
    none), and as a note either way, so that the reviewer sees it."""
    if not ticket.contact_phone:
        ticket.contact_phone = phone
    record_note(session, ticket, say("notes.review_contact", phone=phone), actor=actor, at=at)
