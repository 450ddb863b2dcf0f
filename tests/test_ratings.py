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


def test_a_caller_rating_a_ticket_again_changes_the_one_rating(database: Engine) -> None:
    ticket = make_ticket(database, "r1")
    with session_scope(database) as session:
        first = record_rating(session, ticket, 2, "太慢了", sender_id="caller-r1", channel="sms", at=AT)
        again = record_rating(session, ticket, 3, "工程师态度好", sender_id="caller-r1", channel="sms", at=AT)
        assert again.id == first.id and again.score == 3
        assert again.comment == "太慢了\n工程师态度好"


def test_scores_below_the_policys_bar_need_a_review() -> None:
    bar = int(current_policy().value("satisfaction.review_below"))
    assert needs_review(bar - 1, current_policy()) and not needs_review(bar, current_policy())


def test_a_score_for_a_service_the_caller_cannot_name_is_kept_without_a_ticket(database: Engine) -> None:
    with session_scope(database) as session:
        first = record_rating(session, None, 5, "工程师很耐心", sender_id="caller-r2", channel="sms", at=AT)
        again = record_rating(session, None, 4, "", sender_id="caller-r2", channel="sms", at=AT)
        assert again.id == first.id and again.ticket_id is None and again.score == 4
