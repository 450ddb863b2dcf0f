"""The security review's channel findings (docs/security.md), replayed against each channel with the platform
fakes: each one refused, while signed, well-formed platform traffic is still answered."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

import pytest

from bot.channels.user_text import caller_text
from bot.identity import identity_secret, issue_web_session
from tests.channels.platform_fakes import (
    AsgiClient,
    FakeBot,
    serve,
    tencent_encrypt,
    twilio_sign,
)
from tests.channels.twilio_sms_requests import AUTH_TOKEN as SMS_TOKEN
from tests.channels.twilio_sms_requests import PUBLIC_URL, messages, sms_form
from tests.channels.twilio_sms_requests import make_channel as sms_channel
from tests.channels.twilio_voice_requests import AUTH_TOKEN as VOICE_TOKEN
from tests.channels.twilio_voice_requests import CALL, call_form, spoken, twiml
from tests.channels.twilio_voice_requests import make_channel as voice_channel
from tests.channels.wechat_requests import (
    SAMPLE_APPID,
    SAMPLE_KEY,
    SAMPLE_TIMESTAMP,
    SAMPLE_TOKEN,
    WEBHOOK,
    envelope,
    event_xml,
    make_channel,
    message_xml,
    reply_fields,
    safe_mode_query,
    signed,
)
from tests.factories import limiter, rest_channel

pytestmark = pytest.mark.anyio

SMS_WEBHOOK = "/webhooks/twilio_sms/webhook"
VOICE_WEBHOOK = "/webhooks/twilio_voice/webhook"
REST_WEBHOOK = "/webhooks/rest/webhook"
HUGE = b"x" * (10 * 1024 * 1024)


# --- WeChat: safe mode cannot be downgraded, nonces are used once
# ------------------------------------------------


async def test_with_an_aes_key_a_signed_plaintext_message_is_refused() -> None:
    bot = FakeBot()
    channel = make_channel(token=SAMPLE_TOKEN, aes_key=SAMPLE_KEY, now=SAMPLE_TIMESTAMP)
    async with serve(channel, bot) as client:
        query = signed(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, "n1")  # a signed URL from a proxy log, no encrypt_type
        plain = await client.post(WEBHOOK, message_xml("转人工", openid="oVICTIM"), query)
        sealed = tencent_encrypt(SAMPLE_KEY, SAMPLE_APPID, message_xml("你好").decode())
        good = await client.post(WEBHOOK, envelope(sealed), safe_mode_query(sealed, nonce="n2"))
    assert plain.status == 403 and "safe mode" in plain.body
    assert good.status == 200 and [m.text for m in bot.received] == ["你好"]


async def test_a_nonce_is_accepted_once_but_wechats_own_retry_of_the_same_body_is_answered() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        first = await client.post(WEBHOOK, message_xml("生化仪报警", msg_id="1"), signed(nonce="n1"))
        retry = await client.post(WEBHOOK, message_xml("生化仪报警", msg_id="1"), signed(nonce="n1"))
        forged = await client.post(
            WEBHOOK, message_xml("查一下我的工单", msg_id="2", openid="oVICTIM"), signed(nonce="n1")
        )
    assert reply_fields(first)["Content"] == reply_fields(retry)["Content"]
    assert forged.status == 403
    assert [(m.text, m.sender_id) for m in bot.received] == [("生化仪报警", "oUSER1")]


async def test_safe_mode_nonces_are_used_once_too() -> None:
    bot = FakeBot()
    channel = make_channel(token=SAMPLE_TOKEN, aes_key=SAMPLE_KEY, now=SAMPLE_TIMESTAMP)
    async with serve(channel, bot) as client:
        one = tencent_encrypt(SAMPLE_KEY, SAMPLE_APPID, message_xml("一", msg_id="1").decode())
        two = tencent_encrypt(SAMPLE_KEY, SAMPLE_APPID, message_xml("二", msg_id="2").decode())
        assert (await client.post(WEBHOOK, envelope(one), safe_mode_query(one, nonce="n9"))).status == 200
        again = await client.post(WEBHOOK, envelope(two), safe_mode_query(two, nonce="n9"))
    assert again.status == 403 and [m.text for m in bot.received] == ["一"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_wechat_body_above_64_kib_is_refused_unparsed(declared: bool) -> None:
    bot = FakeBot()
    body = message_xml("很" * 30_000)
    headers = {"Content-Length": str(len(body))} if declared else None
    async with serve(make_channel(), bot) as client:
        answer = await client.request("POST", WEBHOOK, signed(), body, headers)
    assert answer.status == 413 and bot.received == []


# --- Twilio: bodies capped before parsing, replays refused
# --------------------------------------------------------


@pytest.mark.parametrize("path", [SMS_WEBHOOK, VOICE_WEBHOOK])
async def test_an_unsigned_10_mb_twilio_body_is_refused_at_once_without_reading_it(path: str) -> None:
    bot = FakeBot()
    async with serve([sms_channel(), voice_channel()], bot) as client:
        started = time.perf_counter()
        answer = await client.request(
            "POST", path, "", HUGE, {"Content-Length": str(len(HUGE)), "Content-Type": "text/plain"}
        )
        elapsed = time.perf_counter() - started
        unsigned = await client.post(path, urlencode(sms_form()).encode())
    assert answer.status == 413 and unsigned.status == 403 and bot.received == []
    # Refused from the header: nothing near the 2.7 s the review measured for parsing 10 MB (a loose bound).
    assert elapsed < 1.0


async def test_a_chunked_twilio_body_is_cut_off_at_the_cap() -> None:
    async with serve(sms_channel(), FakeBot()) as client:
        answer = await client.request("POST", SMS_WEBHOOK, "", HUGE, {"X-Twilio-Signature": "x"})
    assert answer.status == 413


def _voice_request(query: str, **extra: str) -> tuple[bytes, dict[str, str]]:
    form = call_form(**extra)
    url = PUBLIC_URL + VOICE_WEBHOOK + (f"?{query}" if query else "")
    return urlencode(form).encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_sign(VOICE_TOKEN, url, form),
    }


async def test_a_recorded_voice_request_replayed_is_refused_and_never_reaches_the_bot() -> None:
    bot = FakeBot(replies=[{"text": "好的，已登记。"}])
    async with serve(voice_channel(), bot) as client:
        body, headers = _voice_request("")
        greeting = await client.request("POST", VOICE_WEBHOOK, "", body, headers)
        action = next(twiml(greeting).iter("Gather")).get("action") or ""
        query = action.split("?", 1)[1]
        assert "step=" in query
        body, headers = _voice_request(query, SpeechResult="设备坏了")
        answered = await client.request("POST", VOICE_WEBHOOK, query, body, headers)
        replayed = await client.request("POST", VOICE_WEBHOOK, query, body, headers)
        greeting_again = await client.request("POST", VOICE_WEBHOOK, "", *_voice_request(""))
    assert "好的，已登记。" in spoken(twiml(answered))
    assert replayed.status == 409 and greeting_again.status == 409
    assert [m.text for m in bot.received] == ["设备坏了"]
    assert CALL in {m.sender_id for m in bot.received}


async def test_an_sms_replayed_is_answered_from_the_record_and_runs_no_second_turn() -> None:
    bot = FakeBot()
    form = sms_form("设备报警", sid="SMreplay")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_sign(SMS_TOKEN, PUBLIC_URL + SMS_WEBHOOK, form),
    }
    async with serve(sms_channel(), bot) as client:
        first = await client.post(SMS_WEBHOOK, urlencode(form).encode(), headers=headers)
        again = await client.post(SMS_WEBHOOK, urlencode(form).encode(), headers=headers)
    assert messages(first) == messages(again) and len(bot.received) == 1


# --- Rasa's /intent syntax is text on every channel
# ---------------------------------------------------------------


async def test_intent_syntax_typed_on_wechat_sms_and_voice_reaches_the_bot_as_text() -> None:
    bot = FakeBot()
    async with serve([make_channel(), sms_channel(), voice_channel()], bot) as client:
        await client.post(WEBHOOK, message_xml('/affirm{"x": 1}', msg_id="7"), signed(nonce="n7"))
        form = sms_form(" /request_human", sid="SMslash")
        await client.post(
            SMS_WEBHOOK,
            urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_sign(SMS_TOKEN, PUBLIC_URL + SMS_WEBHOOK, form),
            },
        )
        step = f"step={uuid.uuid4().hex}"
        await client.request("POST", VOICE_WEBHOOK, step, *_voice_request(step, SpeechResult="/cancel"))
    # with entities: text; a bare intent name: the words on its button, read by the NLU like anything said
    assert bot.texts == ['affirm{"x": 1}', "转人工客服", "取消当前操作"]


async def test_our_own_payloads_still_work_menu_click_and_numbered_choice() -> None:
    bot = FakeBot(replies=[{"text": "请选择：", "buttons": [{"title": "报修", "payload": "/report_fault"}]}])
    async with serve(make_channel(), bot) as client:
        await client.post(WEBHOOK, message_xml("你好", msg_id="1"), signed(nonce="a"))
        await client.post(WEBHOOK, message_xml("1", msg_id="2"), signed(nonce="b"))
        await client.post(WEBHOOK, event_xml("CLICK", "REQUEST_HUMAN"), signed(nonce="c"))
    assert bot.texts == ["你好", "/report_fault", "/request_human"]


# --- REST: server-issued sessions, offered payloads only
# ---------------------------------------------------------


async def rest(client: AsgiClient, sender: str, message: str) -> tuple[int, list[dict[str, str]]]:
    answer = await client.post(
        REST_WEBHOOK,
        json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return answer.status, json.loads(answer.body)


async def test_rest_takes_only_sessions_the_server_issued() -> None:
    bot = FakeBot()
    async with serve(rest_channel(limiter()), bot) as client:
        issued = json.loads((await client.post("/webhooks/rest/session", b"")).body)["session"]
        other = json.loads((await client.post("/webhooks/rest/session", b"")).body)["session"]
        refused = [
            await rest(client, sender, "查一下我的工单")
            for sender in (
                "oVICTIMxxxxxxxxxxxxxxxxxxxxxxxx",  # a WeChat openid
                "CA0123456789abcdef0123456789abcdef",  # a voice CallSid
                "web-1",
                issued.split(".")[0] + "." + "0" * 32,  # a forged signature
                issue_web_session("another server's key").token,
            )
        ]
        ok = await rest(client, issued, "你好")
        ok_other = await rest(client, other, "你好")
    assert all(status == 401 and "会话已失效" in replies[0]["text"] for status, replies in refused)
    assert ok[0] == ok_other[0] == 200
    senders = [m.sender_id for m in bot.received]
    assert len(senders) == 2 and senders[0] != senders[1] and all(s.startswith("web:") for s in senders)


async def test_rest_passes_a_payload_only_when_the_last_reply_offered_it() -> None:
    bot = FakeBot(replies=[{"text": "需要转人工吗？", "buttons": [{"title": "是", "payload": "/affirm"}]}])
    token = issue_web_session(identity_secret()).token
    async with serve(rest_channel(limiter()), bot) as client:
        await rest(client, token, "/request_human")  # nothing offered yet: the words on that button
        await rest(client, token, "/affirm")  # offered by the reply before: the payload
        await rest(client, token, '/affirm{"contact_phone": "+88216000000"}')  # not what was offered: text
    assert bot.texts == ["转人工客服", "/affirm", 'affirm{"contact_phone": "+88216000000"}']


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("/report_fault", "设备故障报修"),
        ("  //check_ticket ", "查询工单进度"),
        ("/report_hazard", "report_hazard"),  # a stale click never raises a safety incident
        ("/no_such_intent", "no_such_intent"),
        ('/report_fault{"serial_number": "KR1"}', 'report_fault{"serial_number": "KR1"}'),
        ("报修 /report_fault", "报修 /report_fault"),
    ],
)
def test_a_button_payload_not_just_offered_is_read_as_its_words(said: str, read: str) -> None:
    assert caller_text(said) == read


async def test_rest_bodies_are_capped_from_the_header() -> None:
    async with serve(rest_channel(limiter()), FakeBot()) as client:
        answer = await client.request(
            "POST",
            REST_WEBHOOK,
            "",
            HUGE,
            {"Content-Length": str(len(HUGE)), "Content-Type": "application/json"},
        )
    assert answer.status == 413
