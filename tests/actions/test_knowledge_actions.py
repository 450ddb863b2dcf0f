"""Answering from the knowledge base inside the conversation, with feedback and honest misses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.conversation import ActionAcknowledge
from actions.knowledge import ActionAnswerQuestion
from bot.db import session_scope
from bot.db.models import KbQuestion
from tests.support import VERIFIED_SMS, contact_of_every_hospital, make_tracker, slot_values, texts

pytestmark = pytest.mark.anyio
ANSWERED = [
    {"event": "action", "name": "action_answer_question"},
    {"event": "action", "name": "action_listen"},
]


async def test_answer_asks_for_feedback_and_stores_it(database, dispatcher, domain) -> None:
    events = await ActionAnswerQuestion().run(
        dispatcher, make_tracker("你们保修几年啊", "ask_question"), domain
    )
    assert "2年" in texts(dispatcher) and "这个回答有帮助吗" in texts(dispatcher)
    question_id = slot_values(events)["faq_question_id"]
    tracker = make_tracker("没用", "deny", slots={"faq_question_id": question_id}, events=ANSWERED)
    assert slot_values(await ActionAcknowledge().run(dispatcher, tracker, domain)) == {
        "faq_question_id": None
    }
    assert "转人工" in dispatcher.messages[-1]["text"]
    with session_scope(database) as session:
        row = session.execute(select(KbQuestion)).scalar_one()
        assert (row.faq_id, row.helpful) == ("warranty.length", False)


async def test_mid_form_answer_does_not_ask_for_feedback(database, dispatcher, domain) -> None:
    await ActionAnswerQuestion().run(
        dispatcher, make_tracker("保修期多久？", "ask_question", active_loop="fault_form"), domain
    )
    assert "2年" in texts(dispatcher) and "有帮助吗" not in texts(dispatcher)


async def test_a_short_question_naming_no_topic_is_asked_which_topic_is_meant(
    database, dispatcher, domain
) -> None:
    await ActionAnswerQuestion().run(dispatcher, make_tracker("要钱吗", "ask_question"), domain)
    message = dispatcher.messages[-1]
    assert "保修、收费、上门时间" in message["text"] and "有帮助吗" not in message["text"]
    assert any("收费" in button["title"] for button in message["buttons"])


async def test_two_misses_in_a_row_offer_a_person(database, dispatcher, domain) -> None:
    events = await ActionAnswerQuestion().run(
        dispatcher, make_tracker("你们食堂几点开饭", "ask_question"), domain
    )
    assert slot_values(events)["faq_misses"] == 1 and "已经记录" in texts(dispatcher)
    await ActionAnswerQuestion().run(
        dispatcher, make_tracker("能帮我订机票吗", "ask_question", slots={"faq_misses": 1}), domain
    )
    assert "转人工" in dispatcher.messages[-1]["text"] and "400-800-6626" in dispatcher.messages[-1]["text"]
    with session_scope(database) as session:
        assert session.execute(select(KbQuestion.verdict)).scalars().all() == ["none", "none"]


async def test_a_serial_in_a_question_tells_its_warranty_only_to_a_contact_of_its_hospital(
    database, dispatcher, domain
) -> None:
    asked = "GF23070519 保修期多久"
    entities = [{"entity": "serial_number", "value": "GF23070519"}]
    await ActionAnswerQuestion().run(
        dispatcher, make_tracker(asked, "ask_question", entities=entities), domain
    )
    # Unverified: the policy's general answer, nothing of that device's registry entry (bot/identity.py).
    assert (
        "2年" in texts(dispatcher) and "GF-990" not in texts(dispatcher) and "2027" not in texts(dispatcher)
    )
    dispatcher.messages.clear()
    contact_of_every_hospital(database)
    verified = make_tracker(asked, "ask_question", entities=entities, **VERIFIED_SMS)
    await ActionAnswerQuestion().run(dispatcher, verified, domain)
    assert "您这台GF-990（序列号 GF23070519）是延保，到2027-07-13" in texts(dispatcher)


@pytest.mark.parametrize(
    "slots",
    [
        {"cancelled_registration": {"device": "化学发光免疫分析仪 KR-i300", "fault_description": "质控偏高"}},
        {"device": "化学发光免疫分析仪"},  # in the middle of the report
    ],
)
async def test_a_question_naming_no_device_is_about_the_one_reported(
    database, dispatcher, domain, slots
) -> None:
    tracker = make_tracker("试剂换了新批号要不要重新定标", "ask_question", slots=slots)
    await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert "定标" in texts(dispatcher) and "您是想" not in texts(dispatcher)
