"""Hand-off over the channels, driven as the platforms drive them (tests/channels/platform_fakes.py): the gate
in front of the bot (bot/channels/handoff_gate.py) keeps the bot silent while an agent has the conversation,
the agent's replies go out on the caller's channel, and the web chat shows everything once, in order."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.channels.handoff_gate import gated
from bot.channels.webchat import WebChatInput
from bot.clock import utc_now
from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage
from bot.handoff.conversations import claim, hand_back, reply
from bot.handoff.delivery import OutsideWindow
from bot.identity import device_token, identity_secret, web_sender
from tests.channels import twilio_sms_requests as sms
from tests.channels import wechat_requests as wechat
from tests.channels.platform_fakes import AsgiClient, FakeBot, serve
from tests.handoff.support import queue
from tests.support import add_contact

pytestmark = pytest.mark.anyio


@dataclass
class GatedBot(FakeBot):
    """The fake agent behind the hand-off gate, as bot/app/launch.py puts the gate in front of Rasa's
    agent."""

    logged: list[str] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> Any:
        return await gated(self, message, super().handle_message)

    async def parse_message(self, said: str) -> dict[str, Any]:
        return {"intent": {"name": "request_callback" if "回电" in said else "inform"}}

    async def log_message(self, message: UserMessage) -> None:
        self.logged.append(message.text or "")


def outbox(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(m.channel, m.recipient, m.text) for m in rows]


def take(engine: Engine, handoff_id: int, agent: int) -> None:
    with session_scope(engine) as session:
        claim(session, handoff_id, user_id=agent, agent_name="周客服", at=utc_now())


async def test_wechat_caller_talks_to_the_agent_and_the_bot_stays_silent(
    database: Engine, agents: dict[str, int]
) -> None:
    bot = GatedBot(replies=[{"text": "我是机器人"}])
    async with serve(wechat.make_channel(), bot) as client:
        handoff_id = queue(database, "oNURSE", "wechat", at=utc_now())
        # Waiting: the caller hears their place, the bot does not answer.
        waiting = wechat.reply_fields(
            await wechat.post(client, wechat.message_xml("还要多久", msg_id="1", openid="oNURSE"))
        )
        assert "排第1位" in waiting["Content"] and bot.received == []
        take(database, handoff_id, agents["zhou"])
        answer = await wechat.post(client, wechat.message_xml("仪器报E03", msg_id="2", openid="oNURSE"))
        assert (answer.status, answer.body) == (200, "success")  # nothing said by the bot
        assert bot.received == [] and bot.logged == ["还要多久", "仪器报E03"]
        with session_scope(database) as session:
            reply(session, handoff_id, user_id=agents["zhou"], said="请先重启试试", at=utc_now())
        assert outbox(database)[-1] == ("wechat", "oNURSE", "请先重启试试")
        # Two days later WeChat would refuse a customer-service message: the agent is told, and may send an
        # SMS.
        with pytest.raises(OutsideWindow) as closed, session_scope(database) as session:
            reply(
                session,
                handoff_id,
                user_id=agents["zhou"],
                said="还有问题吗",
                at=utc_now() + timedelta(hours=49),
            )
        assert closed.value.phone == "13912345678"
        with session_scope(database) as session:
            hand_back(session, handoff_id, user_id=agents["zhou"], by="console:zhou", at=utc_now())
        after = wechat.reply_fields(
            await wechat.post(client, wechat.message_xml("谢谢", msg_id="3", openid="oNURSE"))
        )
        assert after["Content"] == "我是机器人" and bot.texts == ["谢谢"]
    assert [text for channel, _, text in outbox(database)][-1].startswith("人工客服已结束本次服务")


async def test_sms_caller_talks_to_the_agent_and_may_ask_for_a_call_back_while_waiting(
    database: Engine, agents: dict[str, int]
) -> None:
    caller = "+8613800138000"
    bot = GatedBot(replies=[{"text": "已为您登记回电。"}])
    async with serve(sms.make_channel(), bot) as client:
        handoff_id = queue(database, caller, "twilio_sms", at=utc_now())
        take(database, handoff_id, agents["zhou"])
        assert sms.messages(await sms.send(client, sms.sms_form("屏幕黑了", sid="SM1"))) == []
        assert bot.received == []
        with session_scope(database) as session:
            reply(session, handoff_id, user_id=agents["zhou"], said="工程师下午到", at=utc_now())
        assert outbox(database)[-1] == ("sms", caller, "工程师下午到")
        with session_scope(database) as session:
            hand_back(session, handoff_id, user_id=agents["zhou"], by="console:zhou", at=utc_now())

        second = queue(database, caller, "twilio_sms", at=utc_now())
        told = sms.messages(await sms.send(client, sms.sms_form("在吗", sid="SM2")))
        assert "排第1位" in "".join(told) and bot.received == []
        # 「回电」 while waiting goes to the bot, whose call-back request takes the caller out of the queue.
        assert sms.messages(await sms.send(client, sms.sms_form("不等了，给我回电", sid="SM3"))) == [
            "已为您登记回电。"
        ]
    with session_scope(database) as session:
        assert session.get(Handoff, second).status == "waiting"  # the action (not this fake bot) ends it


async def session_of(client: AsgiClient, **body: Any) -> dict[str, Any]:
    answer = await client.post("/webhooks/webchat/session", json.dumps(body).encode())
    assert answer.status == 200, answer.body
    return dict(json.loads(answer.body))


async def events(client: AsgiClient, token: str, after: int = 0) -> list[dict[str, Any]]:
    answer = await client.get(
        "/webhooks/webchat/events", {"session": token, "after": str(after), "wait": "0"}
    )
    assert answer.status == 200, answer.body
    return list(json.loads(answer.body)["messages"])


async def say(client: AsgiClient, token: str, message: str, message_id: str) -> int:
    body = json.dumps({"session": token, "message": message, "id": message_id}).encode()
    return (await client.post("/webhooks/webchat/webhook", body)).status


async def test_web_chat_shows_every_message_once_in_order_across_a_reload(
    database: Engine, agents: dict[str, int]
) -> None:
    bot = GatedBot(
        replies=[{"text": "请问设备序列号？", "buttons": [{"title": "找不到", "payload": "找不到"}]}]
    )
    async with serve(WebChatInput(), bot) as client:
        session = await session_of(client)
        token = session["session"]
        assert await say(client, token, "生化仪报警", "a1") == 200
        assert (
            await say(client, token, "生化仪报警", "a1") == 200
        )  # the page retried: stored and answered once
        seen = await events(client, token)
        assert [(m["author"], m["text"]) for m in seen][1:] == [
            ("caller", "生化仪报警"),
            ("bot", "请问设备序列号？"),
        ]
        assert seen[2]["buttons"] == [{"title": "找不到", "payload": "找不到"}] and len(bot.received) == 1

        handoff_id = queue(database, session["sender"], "webchat", at=utc_now())
        take(database, handoff_id, agents["zhou"])
        assert await say(client, token, "报警代码E03", "a2") == 200
        with session_scope(database) as session_:
            reply(session_, handoff_id, user_id=agents["zhou"], said="请检查水箱", at=utc_now())
        latest = await events(client, token, after=seen[-1]["seq"])
        assert [(m["author"], m["text"]) for m in latest] == [
            ("system", "人工客服周客服已接入，请直接说明您的情况。"),
            ("caller", "报警代码E03"),
            ("agent", "请检查水箱"),
        ]
        assert len(bot.received) == 1 and outbox(database) == []
        # A reload asks again from the start with the same session: the same conversation, every message once.
        again = await session_of(client, session=token)
        assert again["session"] == token
        everything = await events(client, token)
        assert [m["seq"] for m in everything] == list(range(1, len(everything) + 1))
        # A session the server did not issue is refused.
        assert await say(client, token[:-1] + ("0" if token[-1] != "0" else "1"), "你好", "a3") == 401


async def test_a_device_label_opens_the_chat_about_that_device(database: Engine) -> None:
    bot = GatedBot()
    async with serve(WebChatInput(), bot) as client:
        session = await session_of(client, device=device_token(identity_secret(), "KR23060142"))
        [greeting] = await events(client, session["session"])
        assert "KR-2000（序列号 KR23060142）" in greeting["text"] and "请描述故障" in greeting["text"]
        # The label names the device, not who scans it: no hospital or department from the registry.
        assert "嘉禾" not in greeting["text"] and "检验科" not in greeting["text"]
        assert await say(client, session["session"], "开机报温度异常", "b1") == 200
        assert bot.received[0].metadata == {"device_serial": "KR23060142"}
        # A reload keeps the session and the device (kept with the conversation, not in the token).
        again = await session_of(
            client, session=session["session"], device=device_token(identity_secret(), "KR23060142")
        )
        assert again["session"] == session["session"]
        assert await say(client, session["session"], "还有报警声", "b2") == 200
        assert bot.received[1].metadata == {"device_serial": "KR23060142"}
        forged = await session_of(client, device="KR23060142.0000")
        assert "无法识别" in (await events(client, forged["session"]))[-1]["text"]


async def test_the_web_chat_and_rest_share_one_kind_of_session(database: Engine) -> None:
    """bot/identity.py signs both: a token is `<id>.<mac>` for a `web:<id>` conversation, one key (the
    identity secret); a session of another key, or a made-up one, is refused."""
    async with serve(WebChatInput(), GatedBot()) as client:
        session = await session_of(client)
        assert web_sender(identity_secret(), session["session"]) == session["sender"]
        assert session["sender"].startswith("web:")
        assert await say(client, "web-0123456789abcdef01234567.0000", "你好", "c1") == 401
        fresh = await session_of(client, session="0123456789abcdef01234567.0000")
        assert fresh["session"] != "0123456789abcdef01234567.0000"


async def test_codes_and_slashes_on_the_web_chat_are_handled_before_the_bot(database: Engine) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    bot = GatedBot(
        replies=[{"text": "要转人工吗？", "buttons": [{"title": "转人工", "payload": "/request_human"}]}]
    )
    async with serve(WebChatInput(), bot) as client:
        token = (await session_of(client))["session"]
        assert await say(client, token, "验证 13900000001", "d1") == 200
        [sms] = outbox(database)
        code = re.search(r"\d{6}", sms[2])
        assert code and await say(client, token, code.group(0), "d2") == 200
        log = [(m["author"], m["text"]) for m in await events(client, token)]
        # The code never reaches the bot nor the log (dots), the caller is verified.
        assert bot.received == [] and code.group(0) not in str(log) and ("caller", "●●●●●●") in log
        assert "验证成功" in log[-1][1] and "嘉禾" in log[-1][1]
        # A typed /intent is text; the button the bot just offered passes as its payload.
        assert await say(client, token, "/affirm", "d3") == 200
        assert await say(client, token, "/request_human", "d4") == 200
    assert [m.text for m in bot.received] == ["affirm", "/request_human"]
