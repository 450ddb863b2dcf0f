"""What callers asked the knowledge base: every question logged, feedback kept, unanswered ones listed as
gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import KbQuestion
from bot.knowledge.base import Verdict


@dataclass(frozen=True)
class Gap:
    question: str
    count: int
    last_asked: datetime


def record_question(
    session: Session,
    question: str,
    verdict: Verdict,
    faq_id: str | None,
    score: float | None,
    *,
    channel: str,
    sender_id: str,
    at: datetime,
) -> int:
    """Logs a question with what it got: the verdict, the (first) entry answered or offered, the retriever's
    score."""
    row = KbQuestion(
        question=question.strip(),
        verdict=verdict.value,
        faq_id=faq_id,
        score=score,
        channel=channel,
        sender_id=sender_id,
        asked_at=at,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def record_feedback(session: Session, question_id: int, helpful: bool) -> None:
    row = session.get(KbQuestion, question_id)
    if row is not None:
        row.helpful = helpful


def gaps(session: Session, limit: int = 50) -> list[Gap]:
    """Questions the knowledge base could not answer, most asked first."""
    query = (
        select(KbQuestion.question, func.count(KbQuestion.id), func.max(KbQuestion.asked_at))
        .where(KbQuestion.verdict == Verdict.NONE.value)
        .group_by(KbQuestion.question)
        .order_by(func.count(KbQuestion.id).desc(), func.max(KbQuestion.asked_at).desc())
        .limit(limit)
    )
    return [Gap(question, count, last) for question, count, last in session.execute(query)]
