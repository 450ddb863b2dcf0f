"""Satisfaction ratings (bot/ratings.py): the score in the caller's words, and where it is stored."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.policy import current_policy
from bot.ratings import needs_review, record_rating, score_in
from tests.factories import make_ticket

AT = datetime(2026, 11, 21, 6, 30)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("给5分", 5),
        ("四星吧", 4),
        ("打3分，来得太慢", 3),
        ("不满意，来得太晚", 2),
        ("非常满意", 5),
        ("还行吧 一般般", 3),
        ("嗯", None),
    ],
)
def test_scores_in_words_and_digits(text: str, score: int | None) -> None:
    assert score_in(text, []) == score


def test_a_score_from_nlu_counts_when_the_words_say_none() -> None:
    assert score_in("就这个", [{"entity": "score", "value": "4"}]) == 4
    assert score_in("就这个", [{"entity": "score", "value": "12"}]) is None


def test_a_rating_is_tied_to_the_callers_latest_ticket_by_phone(database: Engine) -> None:
    ticket = make_ticket(database, "r1", contact_phone="13912345678")
    with session_scope(database) as session:
        by_phone = record_rating(
            session, 2, "太慢了", channel="sms", sender_id="other-conversation", phone="13912345678", at=AT
        )
        stranger = record_rating(session, 5, "很好", channel="rest", sender_id="nobody", phone=None, at=AT)
        session.flush()
        assert (by_phone.ticket_id, stranger.ticket_id) == (ticket.id, None)


def test_scores_below_the_policys_bar_need_a_review() -> None:
    bar = int(current_policy().value("satisfaction.review_below"))
    assert needs_review(bar - 1, current_policy()) and not needs_review(bar, current_policy())
