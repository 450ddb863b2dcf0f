"""The console's 会话 view (bot/console/conversations.py) behind aiohttp's test client: the queue with what
the bot
collected, 接入 by one agent only, replies on the caller's channel, a ticket from the conversation, 结束."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage, TicketEvent
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import gate_caller_message
from bot.policy import current_policy
from bot.tickets import find_ticket
from tests.factories import START, FakeClock
from tests.handoff.support import queue as handoff_queue
from tests.support import Console

pytestmark = pytest.mark.anyio


def queue(engine: Engine, sender: str, channel: str = "webchat", **fields: str) -> int:
    return handoff_queue(engine, sender, channel, at=START, hospital="商丘市博爱医院", **fields)


async def test_the_queue_shows_the_transcript_fields_and_open_tickets_oldest_first(
    console: Console, database: Engine
) -> None:
    first = queue(database, "web-first", serial_number="BC25010266")
    second = queue(database, "web-second")
    await console.login("li")
    status, page = await console.get("/conversations")
    assert status == 200
    assert page.index(f'id="handoff-{first}"') < page.index(f'id="handoff-{second}"')
    assert "生化仪一直报温度异常" in page and "BC25010266" in page and "商丘市博爱医院" in page
    assert "来电人要求转人工" in page and "第1位" in page and "第2位" in page


async def test_only_one_agent_takes_a_conversation(console: Console, database: Engine) -> None:
    handoff_id = queue(database, "web-a")
    await console.login("li")
    assert (await console.post(f"/conversations/{handoff_id}/claim"))[0] == 303
    await console.login("wang")
    status, page = await console.post(f"/conversations/{handoff_id}/claim")
    assert status == 409 and "已由李工接入" in page
    status, body = await console.post(f"/conversations/{handoff_id}/reply", text="我来答")
    assert status == 409 and "由李工负责" in json.loads(body)["error"]
    status, page = await console.post(f"/conversations/{handoff_id}/end")
    assert status == 409 and "由李工负责" in page


async def test_live_messages_both_ways_and_the_hand_back(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    handoff_id = queue(database, "web-a")
    await console.login("li")
    await console.post(f"/conversations/{handoff_id}/claim")
    with session_scope(database) as session:
        gate_caller_message(
            session,
            sender_id="web-a",
            said="计数池一直报堵孔",
            external_id="m1",
            config=HandoffConfig.of(current_policy()),
            at=START,
        )
    status, body = await console.get(f"/conversations/{handoff_id}/messages?after=0&wait=0")
    live = json.loads(body)
    assert [(m["author"], m["text"]) for m in live["messages"]] == [
        ("system", "人工客服李工已接入，请直接说明您的情况。"),
        ("caller", "计数池一直报堵孔"),
    ]
    assert live["status"] == "with_agent"
    status, body = await console.post(f"/conversations/{handoff_id}/reply", text="请做一次反冲洗")
    assert status == 200 and json.loads(body)["ok"]
    last = live["messages"][-1]["seq"]
    status, body = await console.get(f"/conversations/{handoff_id}/messages?after={last}&wait=0")
    assert [(m["author"], m["agent"], m["text"]) for m in json.loads(body)["messages"]] == [
        ("agent", "李工", "请做一次反冲洗")
    ]
    assert (await console.post(f"/conversations/{handoff_id}/end"))[0] == 303
    with session_scope(database) as session:
        handoff = session.get(Handoff, handoff_id)
        assert (handoff.status, handoff.ended_by, handoff.end_reason) == ("ended", "console:li", "agent")
    status, page = await console.get(f"/conversations/{handoff_id}")
    assert "已结束：客服结束" in page


async def test_a_wechat_caller_silent_for_two_days_gets_the_reply_by_sms(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    handoff_id = queue(database, "oNURSE", channel="wechat")
    with session_scope(database) as session:
        gate_caller_message(
            session,
            sender_id="oNURSE",
            said="在吗",
            external_id=None,
            config=HandoffConfig.of(current_policy()),
            at=START - timedelta(hours=49),  # the caller's last WeChat message
        )
    await console.login("li")
    await console.post(f"/conversations/{handoff_id}/claim")
    status, body = await console.post(f"/conversations/{handoff_id}/reply", text="工程师明天上午到")
    refused = json.loads(body)
    assert (
        status == 409
        and refused["sms"]
        and "超过48小时" in refused["error"]
        and "13912345678" in refused["error"]
    )
    status, body = await console.post(
        f"/conversations/{handoff_id}/reply", text="工程师明天上午到", by_sms="1"
    )
    assert status == 200
    with session_scope(database) as session:
        sent = session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
        assert (sent.channel, sent.recipient, sent.text) == ("sms", "+8613912345678", "工程师明天上午到")


async def test_a_ticket_from_the_conversation_keeps_the_transcript_and_who_took_over(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    handoff_id = queue(database, "web-a", serial_number="BC25010266", device="血细胞分析仪 BC-5390")
    await console.login("li")
    await console.post(f"/conversations/{handoff_id}/claim")
    await console.post(f"/conversations/{handoff_id}/reply", text="我给您登记报修")
    status, page = await console.post(
        f"/conversations/{handoff_id}/ticket", kind="fault", description="计数池堵孔，反冲洗无效"
    )
    assert status == 200
    number = re.search(r"已从会话登记工单 (SR\d+)", page)
    assert number, page
    again = await console.post(f"/conversations/{handoff_id}/ticket", kind="fault", description="再点一次")
    assert number.group(1) in again[1]  # the same ticket, not a second one
    with session_scope(database) as session:
        ticket = find_ticket(session, number.group(1))
        assert ticket is not None
        assert (ticket.kind, ticket.serial_number, ticket.contact_phone) == (
            "fault",
            "BC25010266",
            "13912345678",
        )
        assert ticket.transcript[0]["text"] == "生化仪一直报温度异常"
        assert ticket.transcript[-1]["text"] == "我给您登记报修"
        notes = [
            e.note
            for e in session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).scalars()
            if e.kind == "note"
        ]
        assert any("人工会话（李工" in note and "我给您登记报修" in note for note in notes)
        assert session.get(Handoff, handoff_id).ticket_number == number.group(1)
    status, page = await console.post(f"/conversations/{handoff_id}/ticket", number="SR000000000000")
    assert status == 400 and "没有找到工单 SR000000000000" in page


async def test_a_knowledge_answer_can_go_into_the_reply(console: Console, database: Engine) -> None:
    handoff_id = queue(database, "web-a")
    await console.login("li")
    status, body = await console.get(f"/conversations/{handoff_id}/kb?q=保修期是多久")
    answers = json.loads(body)["answers"]
    assert status == 200 and "2年" in answers[0]["answer"]
    status, body = await console.get(f"/conversations/{handoff_id}/kb?q=")
    assert json.loads(body) == {"answers": [], "error": "知识库里没有找到合适的答案。"}


async def test_the_queue_needs_a_login(console: Console, database: Engine) -> None:
    queue(database, "web-a")
    status, _ = await console.get("/conversations")
    assert status == 303
    status, _ = await console.post("/conversations/1/claim")
    assert status == 403
