"""The hand-off state machine on a real (SQLite) database: queue, one agent per conversation, messages to the
caller's channel, hand-back, and the worker's call-back and idle sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage, Ticket
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import (
    AlreadyTaken,
    Gate,
    HandoffError,
    NotYours,
    append,
    claim,
    find_conversation,
    gate_caller_message,
    hand_back,
    leave_queue,
    messages_after,
    place_of,
    reply,
)
from bot.handoff.delivery import OutsideWindow
from bot.handoff.jobs import handoff_sweep_job
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from tests.factories import START
from tests.handoff.support import queue


def gate(
    engine: Engine,
    sender: str,
    said: str,
    config: HandoffConfig,
    at: datetime = START,
    external_id: str | None = None,
) -> Gate:
    with session_scope(engine) as session:
        return gate_caller_message(
            session, sender_id=sender, said=said, external_id=external_id, config=config, at=at
        )


def log_of(engine: Engine, sender: str) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        conversation = find_conversation(session, sender)
        assert conversation is not None
        return [(m.author, m.text) for m in messages_after(session, conversation.id, 0)]


def outbox(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(m.channel, m.recipient, m.text) for m in rows]


def test_callers_are_told_their_place_and_a_wait_from_recent_pick_ups(
    database: Engine, agents: dict[str, int], handoff_config: HandoffConfig
) -> None:
    first = queue(database, "web-a", "webchat")
    second = queue(database, "web-b", "webchat", at=START + timedelta(minutes=1))
    with session_scope(database) as session:
        place = place_of(session, session.get(Handoff, second), handoff_config, START + timedelta(minutes=1))
    # No history yet: the policy's default per caller ahead, the second caller waits for two pick-ups.
    assert (place.position, place.minutes) == (2, 2 * handoff_config.default_estimate_minutes)
    with session_scope(database) as session:
        claim(session, first, user_id=agents["zhou"], agent_name="周客服", at=START + timedelta(minutes=8))
        after = START + timedelta(minutes=8)
        place = place_of(session, session.get(Handoff, second), handoff_config, after)
    # Now the one pick-up took 8 minutes; the second caller is first and has already waited 7 of them.
    assert (place.position, place.minutes) == (1, 1)


def test_asking_again_while_waiting_keeps_the_place(database: Engine) -> None:
    first = queue(database, "web-a", "webchat")
    assert queue(database, "web-a", "webchat", at=START + timedelta(minutes=3)) == first


def test_one_conversation_is_never_taken_by_two_agents(database: Engine, agents: dict[str, int]) -> None:
    handoff_id = queue(database, "web-a", "webchat")
    with session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["zhou"], agent_name="周客服", at=START)
    with pytest.raises(AlreadyTaken, match="周客服"), session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["wu"], agent_name="吴主管", at=START)
    with pytest.raises(NotYours, match="周客服"), session_scope(database) as session:
        reply(session, handoff_id, user_id=agents["wu"], said="我来回答", at=START)
    with session_scope(database) as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.status, handoff.agent_name) == ("with_agent", "周客服")
    assert log_of(database, "web-a") == [("system", "人工客服周客服已接入，请直接说明您的情况。")]


def test_caller_messages_go_to_the_agent_and_not_to_the_bot(
    database: Engine, agents: dict[str, int], handoff_config: HandoffConfig
) -> None:
    assert gate(database, "web-x", "你好", handoff_config).route == "bot"  # no conversation log: nothing kept
    handoff_id = queue(database, "web-a", "webchat")
    waiting = gate(database, "web-a", "还要等多久", handoff_config, external_id="m1")
    assert waiting.route == "waiting" and waiting.place is not None and waiting.place.position == 1
    with session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["zhou"], agent_name="周客服", at=START)
    assert gate(database, "web-a", "仪器报E03", handoff_config, external_id="m2").route == "agent"
    assert gate(database, "web-a", "仪器报E03", handoff_config, external_id="m2").route == "duplicate"
    with session_scope(database) as session:
        reply(session, handoff_id, user_id=agents["zhou"], said="请先关机重启试试", at=START)
    with session_scope(database) as session:
        hand_back(session, handoff_id, user_id=agents["zhou"], by="console:zhou", at=START)
    assert gate(database, "web-a", "谢谢", handoff_config).route == "bot"
    assert log_of(database, "web-a") == [
        ("caller", "还要等多久"),
        ("system", "人工客服周客服已接入，请直接说明您的情况。"),
        ("caller", "仪器报E03"),
        ("agent", "请先关机重启试试"),
        ("system", "人工客服已结束本次服务。接下来由智能助手继续为您服务：还有什么可以帮您？"),
        ("caller", "谢谢"),
    ]
    assert outbox(database) == []  # the web chat reads its log; nothing goes through SMS or WeChat
    with session_scope(database) as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.status, handoff.ended_by, handoff.end_reason) == ("ended", "console:zhou", "agent")
        with pytest.raises(HandoffError):
            reply(session, handoff_id, user_id=agents["zhou"], said="还在吗", at=START)


def test_sms_replies_go_through_the_outbox_to_the_callers_number(
    database: Engine, agents: dict[str, int]
) -> None:
    handoff_id = queue(database, "+8613800138000", "twilio_sms")
    with session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["zhou"], agent_name="周客服", at=START)
        reply(session, handoff_id, user_id=agents["zhou"], said="工程师下午两点到", at=START)
    assert [(c, r) for c, r, _ in outbox(database)] == [("sms", "+8613800138000")] * 2
    assert outbox(database)[1][2] == "工程师下午两点到"


def test_wechat_replies_only_within_48_hours_of_the_callers_last_message(
    database: Engine, agents: dict[str, int], handoff_config: HandoffConfig
) -> None:
    handoff_id = queue(database, "oNURSE", "wechat")
    gate(database, "oNURSE", "在吗", handoff_config)  # the caller's last message: now
    with session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["zhou"], agent_name="周客服", at=START)
        reply(session, handoff_id, user_id=agents["zhou"], said="在的，请讲", at=START + timedelta(hours=47))
    assert outbox(database)[-1] == ("wechat", "oNURSE", "在的，请讲")
    late = START + timedelta(hours=49)
    with pytest.raises(OutsideWindow) as closed, session_scope(database) as session:
        reply(session, handoff_id, user_id=agents["zhou"], said="工程师明天到", at=late)
    assert closed.value.phone == "13912345678"
    with session_scope(database) as session:
        reply(session, handoff_id, user_id=agents["zhou"], said="工程师明天到", at=late, by_sms=True)
    assert outbox(database)[-1] == ("sms", "+8613912345678", "工程师明天到")
    assert ("agent", "工程师明天到") in log_of(database, "oNURSE")
    assert log_of(database, "oNURSE").count(("agent", "工程师明天到")) == 1  # the refused one was rolled back


def test_nobody_picks_up_in_time_the_caller_gets_the_call_back_ticket(database: Engine) -> None:
    policy = current_policy()
    job = handoff_sweep_job(database, policy=policy, calendar=current_calendar())
    with_phone = queue(database, "web-a", "webchat")
    without_phone = queue(database, "web-b", "webchat", phone=None)
    job(START + timedelta(minutes=5))
    with session_scope(database) as session:
        assert session.get(Handoff, with_phone).status == "waiting"  # within the limit
    job(START + timedelta(minutes=11))
    with session_scope(database) as session:
        handoff = session.get(Handoff, with_phone)
        assert (handoff.status, handoff.end_reason) == ("ended", "no_agent")
        [ticket] = session.execute(select(Ticket)).scalars().all()
        assert (ticket.kind, ticket.contact_phone, ticket.number) == (
            "callback",
            "13912345678",
            handoff.ticket_number,
        )
        assert ticket.transcript[0]["text"] == "生化仪一直报温度异常"
        assert session.get(Handoff, without_phone).ticket_number is None
    [(_, told)] = [line for line in log_of(database, "web-a") if line[0] == "system"]
    assert handoff.ticket_number in told and "10分钟内没有客服能接入" in told and "13912345678" in told
    assert policy.hotline_phone in log_of(database, "web-b")[-1][1]
    job(START + timedelta(minutes=20))  # a second round registers nothing more
    with session_scope(database) as session:
        assert len(session.execute(select(Ticket)).scalars().all()) == 1


def test_callers_still_waiting_when_the_desk_closes_are_called_back(database: Engine) -> None:
    job = handoff_sweep_job(database, policy=current_policy(), calendar=current_calendar())
    handoff_id = queue(database, "web-a", "webchat", at=START + timedelta(hours=7, minutes=25))
    job(START + timedelta(hours=7, minutes=31))  # 17:31 local, a minute after closing
    with session_scope(database) as session:
        assert session.get(Handoff, handoff_id).end_reason == "desk_closed"
    assert "已下班" in log_of(database, "web-a")[-1][1]


def test_an_idle_conversation_goes_back_to_the_bot(
    database: Engine, agents: dict[str, int], handoff_config: HandoffConfig
) -> None:
    job = handoff_sweep_job(database, policy=current_policy(), calendar=current_calendar())
    handoff_id = queue(database, "web-a", "webchat")
    with session_scope(database) as session:
        claim(session, handoff_id, user_id=agents["zhou"], agent_name="周客服", at=START)
    gate(database, "web-a", "好的我看看", handoff_config, at=START + timedelta(minutes=10))
    job(START + timedelta(minutes=20))  # 10 minutes since the caller wrote: not idle yet
    with session_scope(database) as session:
        assert session.get(Handoff, handoff_id).status == "with_agent"
    job(START + timedelta(minutes=26))
    with session_scope(database) as session:
        assert session.get(Handoff, handoff_id).end_reason == "idle"
    assert gate(database, "web-a", "还在吗", handoff_config, at=START + timedelta(minutes=27)).route == "bot"


def test_a_caller_who_chooses_a_call_back_leaves_the_queue(database: Engine) -> None:
    handoff_id = queue(database, "web-a", "webchat")
    with session_scope(database) as session:
        assert leave_queue(session, "web-a", reason="callback", at=START)
        assert not leave_queue(session, "web-a", reason="callback", at=START)
    with session_scope(database) as session:
        assert session.get(Handoff, handoff_id).end_reason == "callback"


def test_message_numbers_have_no_gaps_and_a_retry_is_stored_once(database: Engine) -> None:
    queue(database, "web-a", "webchat")
    with session_scope(database) as session:
        conversation = find_conversation(session, "web-a")
        assert conversation is not None
        numbers = [append(session, conversation, "bot", f"第{i}条", START).seq for i in range(5)]  # type: ignore[union-attr]
        assert append(session, conversation, "caller", "重发", START, external_id="x") is not None
        assert append(session, conversation, "caller", "重发", START, external_id="x") is None
    assert numbers == [1, 2, 3, 4, 5]
    assert [seq for (seq,) in _seqs(database)] == [1, 2, 3, 4, 5, 6]


def _seqs(engine: Engine) -> list[tuple[int]]:
    from bot.db.models import ConversationMessage

    with session_scope(engine) as session:
        return [
            (m.seq,)
            for m in session.execute(select(ConversationMessage).order_by(ConversationMessage.seq)).scalars()
        ]
