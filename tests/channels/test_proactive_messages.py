"""Messages the bot sends on its own: Rasa's trigger_intent API with ?output_channel=…, and reminders."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import quote

import pytest
import sanic.asgi
from sanic import Sanic

from bot.channels.secrets import TwilioSecrets
from bot.channels.store import MemoryStore
from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_voice import TwilioVoiceInput
from bot.channels.wechat import WeChatInput
from tests.channels.platform_fakes import AsgiClient, FakeBot, FakeWeChatApi, serve
from tests.channels.twilio_sms_requests import AUTH_TOKEN, PUBLIC_URL, messages, send, sms_form
from tests.channels.wechat_requests import make_channel as make_wechat
from tests.channels.wechat_requests import message_xml, post, reply_fields
from tests.factories import FakeSms

OUR_SMS_NUMBER = "+18005550000"
ETA_REMINDER = {"text": "工程师预计30分钟后到达，请安排人员在科室等候。"}


def rasa_server() -> Sanic:
    # Imported here: rasa.server pulls in much of Rasa, seconds that only these tests need.
    from rasa.server import create_app

    return create_app()


async def trigger(client: AsgiClient, conversation: str, output_channel: str) -> dict[str, Any]:
    answer = await client.request(
        "POST",
        f"/conversations/{conversation}/trigger_intent",
        query={"output_channel": output_channel},
        body=json.dumps({"name": "remind_engineer_eta"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 200, answer.body
    return dict(json.loads(answer.body))


def make_sms(transport: FakeSms, sms_number: str = OUR_SMS_NUMBER) -> TwilioSmsInput:
    settings = TwilioSecrets("AC123", AUTH_TOKEN, PUBLIC_URL, sms_number=sms_number)
    return TwilioSmsInput(settings, store=MemoryStore(), transport=transport)


@pytest.mark.anyio
async def test_trigger_intent_for_wechat_reaches_the_follower_as_a_customer_service_message() -> None:
    api = FakeWeChatApi()
    bot = FakeBot(replies=[ETA_REMINDER])
    async with serve([make_wechat(api=api), make_sms(FakeSms())], bot, app=rasa_server()) as client:
        result = await trigger(client, "oNURSE", "wechat")
    assert bot.triggered == [("oNURSE", "remind_engineer_eta")]
    assert [(body["touser"], body["text"]["content"]) for _, body in api.sent] == [
        ("oNURSE", ETA_REMINDER["text"])
    ]
    assert "messages" not in result  # sent, not handed back to the API caller


@pytest.mark.anyio
async def test_choices_in_a_triggered_wechat_message_can_be_answered_by_number() -> None:
    api = FakeWeChatApi()
    buttons = [{"title": "已到达", "payload": "/affirm"}, {"title": "还没到", "payload": "/deny"}]
    bot = FakeBot(replies=[{"text": "工程师到了吗？", "buttons": buttons}])
    async with serve(make_wechat(api=api), bot, app=rasa_server()) as client:
        await trigger(client, "oNURSE", "wechat")
        bot.replies = [{"text": "好的。"}]
        await post(client, message_xml("2", openid="oNURSE"))
    assert "1. 已到达" in api.contents[0] and "2. 还没到" in api.contents[0]
    assert bot.texts == ["/deny"]


@pytest.mark.anyio
async def test_trigger_intent_for_sms_sends_numbered_parts_from_our_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sanic's ASGI adapter, which these tests use, percent-encodes "+" in the path; Sanic's own server, which
    # `rasa run` uses, passes "/conversations/+8613800138000/…" as it is.
    monkeypatch.setattr(sanic.asgi, "quote", functools.partial(quote, safe="/+"))
    transport = FakeSms()
    long_notice = "您报修的全自动生化分析仪已安排工程师上门。" * 5  # 105 characters, cut at sentence ends
    bot = FakeBot(replies=[{"text": long_notice}])
    async with serve([make_wechat(), make_sms(transport)], bot, app=rasa_server()) as client:
        await trigger(client, "+8613800138000", "twilio_sms")
    assert bot.triggered == [("+8613800138000", "remind_engineer_eta")]
    assert {(to, sender) for to, _, sender in transport.sent} == {("+8613800138000", OUR_SMS_NUMBER)}
    bodies = [body for _, body, _ in transport.sent]
    assert [body[:5] for body in bodies] == ["(1/3)", "(2/3)", "(3/3)"]
    assert "".join(body[5:] for body in bodies) == long_notice


@pytest.mark.anyio
async def test_an_unconfigured_or_unknown_output_channel_hands_the_messages_back_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_APPSECRET"):
        monkeypatch.delenv(name, raising=False)
    bot = FakeBot(replies=[ETA_REMINDER])
    channels = [WeChatInput.from_credentials({}), TwilioVoiceInput(None, store=MemoryStore())]
    async with serve(channels, bot, app=rasa_server()) as client:
        for output_channel in ("wechat", "twilio_voice", "no_such_channel"):
            result = await trigger(client, "oNURSE", output_channel)
            assert result["messages"] == [{"recipient_id": "oNURSE", **ETA_REMINDER}]


@pytest.mark.anyio
async def test_a_reminder_set_during_a_wechat_turn_later_arrives_as_a_customer_service_message() -> None:
    api = FakeWeChatApi()
    bot = FakeBot(replies=[{"text": "已登记，30分钟后提醒您。"}])
    async with serve(make_wechat(api=api), bot) as client:
        answer = reply_fields(await post(client, message_xml("提醒我", openid="oNURSE")))["Content"]
        # What Rasa keeps for the reminder and uses when it fires (MessageProcessor.handle_reminder).
        kept = bot.received[0].output_channel
        await kept.send_response("oNURSE", ETA_REMINDER)
    assert answer == "已登记，30分钟后提醒您。"  # the turn's own answer stayed in the passive reply
    assert [(body["touser"], body["text"]["content"]) for _, body in api.sent] == [
        ("oNURSE", ETA_REMINDER["text"])
    ]


@pytest.mark.anyio
async def test_a_reminder_set_during_an_sms_turn_is_sent_from_the_number_the_user_wrote_to() -> None:
    transport = FakeSms()
    bot = FakeBot(replies=[{"text": "已登记。"}])
    async with serve(make_sms(transport, sms_number=""), bot) as client:
        answered = messages(await send(client, sms_form("提醒我")))
        await bot.received[0].output_channel.send_response("+8613800138000", ETA_REMINDER)
    assert answered == ["已登记。"]
    assert transport.sent == [("+8613800138000", ETA_REMINDER["text"], "+18005551212")]
