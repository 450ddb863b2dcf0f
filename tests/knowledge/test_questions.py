"""Logging questions asked of the knowledge base, the caller's feedback, and the gaps report."""

from __future__ import annotations

from datetime import datetime

from bot.db import session_scope
from bot.db.models import KbQuestion
from bot.knowledge import Answer, FaqHit, Verdict
from bot.knowledge.questions import gaps, record_feedback, record_question

NONE = Answer(Verdict.NONE, [])
HIT = Answer(Verdict.ANSWER, [FaqHit("warranty.length", "保修多久？", "两年。", 0.9)])


def ask(engine, question: str, answer: Answer, minute: int) -> int:
    with session_scope(engine) as session:
        top = answer.hits[0] if answer.hits else None
        return record_question(
            session,
            question,
            answer.verdict,
            top.id if top else None,
            top.score if top else None,
            channel="rest",
            sender_id="s",
            at=datetime(2026, 11, 21, 9, minute),
        )


def test_unanswered_questions_are_listed_most_asked_first(database) -> None:
    ask(database, "能开发票吗", NONE, 1)
    ask(database, "保修多久", HIT, 2)
    ask(database, "设备能租吗", NONE, 3)
    ask(database, "能开发票吗", NONE, 4)
    with session_scope(database) as session:
        found = gaps(session)
    assert [(g.question, g.count) for g in found] == [("能开发票吗", 2), ("设备能租吗", 1)]
    assert found[0].last_asked == datetime(2026, 11, 21, 9, 4)


def test_feedback_is_stored_on_the_question(database) -> None:
    question_id = ask(database, "保修多久", HIT, 1)
    with session_scope(database) as session:
        record_feedback(session, question_id, helpful=False)
    with session_scope(database) as session:
        row = session.get(KbQuestion, question_id)
        assert (row.faq_id, row.helpful, row.score) == ("warranty.length", False, 0.9)
