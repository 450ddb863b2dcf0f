"""Satisfaction ratings: a 1-5 score read from the caller's words, stored against their latest ticket; below the
policy's bar (satisfaction.review_below) it waits for a manager's review (bot/reports/follow_ups.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import Rating
from bot.policy import ServicePolicy
from bot.tickets import tickets_for_caller

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


def record_rating(
    session: Session,
    score: int,
    comment: str,
    *,
    channel: str,
    sender_id: str,
    phone: str | None,
    at: datetime,
) -> Rating:
    """Store a score, tied to the caller's latest ticket (by conversation, else by phone) when there is one."""
    tickets = tickets_for_caller(session, sender_id=sender_id, phone=phone, limit=1)
    rating = Rating(
        ticket_id=tickets[0].id if tickets else None,
        score=score,
        comment=comment,
        channel=channel,
        sender_id=sender_id,
        created_at=at,
    )
    session.add(rating)
    return rating


def needs_review(score: int, policy: ServicePolicy) -> bool:
    return score < int(policy.value("satisfaction.review_below"))
