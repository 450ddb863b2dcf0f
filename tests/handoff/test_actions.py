"""The service-request action's hand-off hooks (actions/handoff.py): who is queued for a person, and when."""

from __future__ import annotations

from datetime import timedelta

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.handoff import queue_after_complaint, queue_after_incident, queue_instead_of_callback
from bot.db import session_scope
from bot.db.models import Handoff
from bot.tickets import TicketKind
from tests.factories import START
from tests.support import make_tracker, texts

EVENING = START + timedelta(hours=10)  # 20:00 local: the desk is closed


def handoffs(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Handoff).order_by(Handoff.id)).scalars()
        return [(h.conversation.sender_id, h.status, h.reason) for h in rows]


def test_asking_for_a_person_on_the_web_chat_in_office_hours_queues_the_caller(database: Engine) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "转人工",
        "request_human",
        channel="webchat",
        sender_id="web-1",
        slots={"contact_phone": "13912345678"},
    )
    assert queue_instead_of_callback(dispatcher, tracker, TicketKind.CALLBACK, START)
    assert "排第1位" in texts(dispatcher) and "回电" in texts(dispatcher)
    assert handoffs(database) == [("web-1", "waiting", "asked")]
    with session_scope(database) as session:
        [handoff] = session.execute(select(Handoff)).scalars().all()
        assert handoff.snapshot["fields"] == {"contact_phone": "13912345678"}
        assert handoff.snapshot["transcript"][-1]["text"] == "转人工"


def test_after_hours_the_phone_and_plain_rest_get_the_call_back(database: Engine) -> None:
    for channel, at in (("webchat", EVENING), ("rest", START), ("twilio_voice", START)):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("转人工", "request_human", channel=channel, sender_id=f"s-{channel}")
        assert not queue_instead_of_callback(dispatcher, tracker, TicketKind.CALLBACK, at)
        assert dispatcher.messages == []
    assert handoffs(database) == []


def test_after_two_misses_the_person_asked_for_is_recorded_as_such(database: Engine) -> None:
    tracker = make_tracker(
        "转人工", "request_human", channel="wechat", sender_id="oA", slots={"faq_misses": 2}
    )
    assert queue_instead_of_callback(CollectingDispatcher(), tracker, TicketKind.CALLBACK, START)
    assert handoffs(database) == [("oA", "waiting", "two_misses")]


def test_asking_for_a_call_back_while_waiting_leaves_the_queue(database: Engine) -> None:
    human = make_tracker("转人工", "request_human", channel="webchat", sender_id="web-1")
    queue_instead_of_callback(CollectingDispatcher(), human, TicketKind.CALLBACK, START)
    callback = make_tracker("还是给我回电吧", "request_callback", channel="webchat", sender_id="web-1")
    assert not queue_instead_of_callback(CollectingDispatcher(), callback, TicketKind.CALLBACK, START)
    assert handoffs(database) == [("web-1", "ended", "asked")]


def test_an_angry_or_harmful_complaint_also_gets_a_person(database: Engine) -> None:
    for sender, said, reason in (
        ("web-a", "你们工程师三次都没修好，气死我了", "angry_complaint"),
        ("web-b", "仪器漏电，护士被电了一下，手受伤了", "safety_incident"),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            said, "complaint", channel="webchat", sender_id=sender, slots={"request_text": said}
        )
        queue_after_complaint(dispatcher, tracker, TicketKind.COMPLAINT, START)
        assert "转接人工客服" in texts(dispatcher) and "排第" in texts(dispatcher)
        assert handoffs(database)[-1] == (sender, "waiting", reason)
    calm = make_tracker(
        "工程师迟到了半小时",
        "complaint",
        channel="webchat",
        sender_id="web-c",
        slots={"request_text": "工程师迟到了半小时"},
    )
    dispatcher = CollectingDispatcher()
    queue_after_complaint(dispatcher, calm, TicketKind.COMPLAINT, START)
    assert dispatcher.messages == [] and len(handoffs(database)) == 2


def test_a_registered_safety_incident_also_gets_a_person(database: Engine) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("护士被仪器电了一下", "report_hazard", channel="wechat", sender_id="oB")
    queue_after_incident(dispatcher, tracker, START)
    assert "在线跟进这次事件" in texts(dispatcher) and "排第1位" in texts(dispatcher)
    assert handoffs(database) == [("oB", "waiting", "safety_incident")]
    after_hours = CollectingDispatcher()
    queue_after_incident(
        after_hours, make_tracker("漏电", "report_hazard", channel="wechat", sender_id="oC"), EVENING
    )
    assert after_hours.messages == [] and len(handoffs(database)) == 1
