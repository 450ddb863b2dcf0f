"""Rate limits and message size, on REST (HTTP statuses with a Chinese reply) and on a platform channel (a
reply)."""

from __future__ import annotations

import json
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import redis

from bot.channels.limits import (
    Bucket,
    LimitedTwilioSmsInput,
    MemoryBuckets,
    RedisBuckets,
    clean_text,
)
from bot.channels.secrets import TwilioSecrets
from bot.channels.store import MemoryStore
from bot.channels.texts import say
from bot.identity import WebSession, identity_secret, issue_web_session
from tests.channels.platform_fakes import Answer, AsgiClient, FakeBot, serve, twilio_sign
from tests.factories import FakeClock, FakeSms, limiter, rest_channel
from tests.support import skip_or_fail

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HOTLINE_PHONE = "400-800-6626"  # kb/policy.yml hotline.phone


def web_session() -> WebSession:
    """A web chat session as POST /webhooks/rest/session issues it (the tests' HOTLINE_IDENTITY_SECRET)."""
    return issue_web_session(identity_secret())


WEB_1, WEB_2 = web_session().token, web_session().token


async def post(client: AsgiClient, body: object, headers: dict[str, str] | None = None) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return await client.post(
        "/webhooks/rest/webhook", raw, headers={"Content-Type": "application/json", **(headers or {})}
    )


def reply_texts(answer: Answer) -> list[str]:
    return [message["text"] for message in json.loads(answer.body)]


# --- the buckets -------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_bucket_allows_the_burst_then_refuses_until_it_refills() -> None:
    clock = FakeClock(1000.0)
    buckets = MemoryBuckets(clock)
    bucket = Bucket(burst=2, per_minute=6)  # one token every 10 s
    assert [await buckets.take("a", bucket) for _ in range(2)] == [0, 0]
    assert await buckets.take("a", bucket) == pytest.approx(10)
    assert await buckets.take("b", bucket) == 0  # another sender has its own bucket
    clock.now += 10
    assert await buckets.take("a", bucket) == 0
    assert await buckets.take("a", bucket) > 0


@pytest.mark.anyio
async def test_refused_caller_is_told_once_per_wait_in_chinese_with_the_hotline() -> None:
    clock = FakeClock(1000.0)
    rate_limits = limiter(clock)
    assert [await rate_limits.admit("twilio_sms", "+8613800138000", "你好") for _ in range(3)] == [None] * 3
    first = await rate_limits.admit("twilio_sms", "+8613800138000", "你好")
    second = await rate_limits.admit("twilio_sms", "+8613800138000", "你好")
    assert first is not None and first.status == 429 and first.tell
    assert "请稍等10秒" in first.text and HOTLINE_PHONE in first.text
    assert second is not None and not second.tell
    clock.now += 10
    assert await rate_limits.admit("twilio_sms", "+8613800138000", "你好") is None


@pytest.mark.anyio
async def test_a_message_over_the_limit_is_refused_whatever_the_rate() -> None:
    rate_limits = limiter(max_message_chars=10)
    refusal = await rate_limits.admit("rest", "a", "很" * 11)
    assert refusal is not None and refusal.status == 413 and "最多10个字" in refusal.text
    assert await rate_limits.admit("rest", "a", "很" * 10) is None


def test_control_characters_and_lone_surrogates_are_removed_line_breaks_stay() -> None:
    assert clean_text("KR2306\x000142\r\n第二行\t好\ud800\x7f\x9f😀") == "KR23060142\n第二行\t好😀"


# --- REST -------------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_rest_refuses_too_fast_with_429_retry_after_and_a_chinese_reply() -> None:
    bot = FakeBot()
    async with serve(rest_channel(limiter()), bot) as client:
        answers = [await post(client, {"sender": WEB_1, "message": f"问题{i}"}) for i in range(4)]
        other = await post(client, {"sender": WEB_2, "message": "保修多久"})
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert reply_texts(answers[0]) == ["好的，已收到。"]
    assert "请稍等" in reply_texts(answers[3])[0] and HOTLINE_PHONE in reply_texts(answers[3])[0]
    assert json.loads(answers[3].body)[0]["recipient_id"] == WEB_1
    assert other.status == 200
    assert bot.texts == ["问题0", "问题1", "问题2", "保修多久"]  # the refused message never reached the bot


@pytest.mark.anyio
async def test_rest_limits_each_client_address_across_senders() -> None:
    rate_limits = limiter(per_client_address=Bucket(burst=2, per_minute=1))
    async with serve(rest_channel(rate_limits), FakeBot()) as client:
        statuses = [
            (await post(client, {"sender": web_session().token, "message": "你好"})).status for i in range(3)
        ]
    assert statuses == [200, 200, 429]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"{not json", 400, "请求格式不正确"),
        (b"", 400, "请求格式不正确"),
        ([1, 2], 400, "请求格式不正确"),
        ({"sender": WEB_1}, 400, "请求格式不正确"),
        ({"sender": 7, "message": "你好"}, 400, "请求格式不正确"),
        ({"sender": WEB_1, "message": {"text": "你好"}}, 400, "请求格式不正确"),
        ({"message": "你好"}, 400, "请求格式不正确"),
        ({"sender": "+8613800138000", "message": "你好"}, 400, "会话标识"),
        ({"sender": "x" * 65, "message": "你好"}, 400, "会话标识"),
        ({"sender": WEB_1, "message": " \x00\x01 "}, 400, "没有收到消息内容"),
        ({"sender": WEB_1, "message": "很" * 1001}, 413, "最多1000个字"),
        (json.dumps({"sender": WEB_1, "message": "a" * 20000}).encode(), 413, "太长"),
    ],
    ids=[
        "broken",
        "empty",
        "list",
        "no-message",
        "number-sender",
        "object-message",
        "no-sender",
        "phone-sender",
        "long-sender",
        "only-control",
        "long-message",
        "huge-body",
    ],
)
async def test_rest_refuses_a_malformed_request_in_chinese_and_never_reaches_the_bot(
    body: object, status: int, says: str
) -> None:
    bot = FakeBot()
    async with serve(rest_channel(limiter()), bot) as client:
        answer = await post(client, body)
    assert answer.status == status
    assert says in reply_texts(answer)[0]
    assert bot.received == []


@pytest.mark.anyio
async def test_rest_ignores_the_clients_channel_and_metadata_and_cleans_the_text() -> None:
    bot = FakeBot()
    async with serve(rest_channel(limiter()), bot) as client:
        answer = await post(
            client,
            {
                "sender": WEB_1,
                "message": "电话\x00139\u200b12345678",
                "input_channel": "twilio_sms",
                "metadata": {"phone": "+8613800138000"},
            },
        )
    assert answer.status == 200
    [message] = bot.received
    assert (message.text, message.input_channel, message.metadata) == ("电话139\u200b12345678", "rest", None)


@pytest.mark.anyio
async def test_rest_answers_503_with_the_apology_when_the_bot_fails() -> None:
    class BrokenBot(FakeBot):
        async def handle_message(self, message: object) -> None:
            raise RuntimeError("tracker store unreachable")

    async with serve(rest_channel(limiter()), BrokenBot()) as client:
        answer = await post(client, {"sender": WEB_1, "message": "你好"})
    assert answer.status == 503
    assert reply_texts(answer) == [say("common.bot_error")]
    assert "Traceback" not in answer.body and "tracker store" not in answer.body


# --- a platform channel: SMS
# ---------------------------------------------------------------------------------

SMS_WEBHOOK = "/webhooks/twilio_sms/webhook"


async def sms(client: AsgiClient, body: str, sid: str) -> list[str]:
    form = [("MessageSid", sid), ("From", "+8613800138000"), ("To", "+18005551212"), ("Body", body)]
    signature = twilio_sign("token", "https://hotline.example.com" + SMS_WEBHOOK, form)
    answer = await client.post(
        SMS_WEBHOOK,
        urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    assert answer.status == 200, answer.body
    return [element.text or "" for element in ET.fromstring(answer.body).iter("Message")]


@pytest.mark.anyio
async def test_sms_flood_gets_one_polite_reply_then_silence_and_never_reaches_the_bot() -> None:
    channel = LimitedTwilioSmsInput(
        TwilioSecrets("AC1", "token", "https://hotline.example.com"),
        store=MemoryStore(),
        transport=FakeSms(),
    )
    channel.limiter = limiter()
    bot = FakeBot()
    async with serve(channel, bot) as client:
        replies = [await sms(client, f"第{i}条", f"SM{i}") for i in range(6)]
    assert replies[:3] == [["好的，已收到。"]] * 3
    assert "请稍等" in "".join(replies[3]) and HOTLINE_PHONE in "".join(replies[3])
    assert replies[4:] == [[], []]  # told once: a flood does not become a flood of SMS
    assert bot.texts == ["第0条", "第1条", "第2条"]


# --- shared by every instance through Redis
# -------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {error}")
    yield REDIS_URL
    client.close()


@pytest.mark.services
@pytest.mark.anyio
async def test_two_processes_share_one_bucket_in_redis(redis_url: str) -> None:
    prefix = f"hotline-test:{uuid.uuid4().hex}:"
    first, second = RedisBuckets(redis_url, prefix), RedisBuckets(redis_url, prefix)
    bucket = Bucket(burst=3, per_minute=1)
    try:
        waits = [await (first if i % 2 else second).take("sender:rest:web-1", bucket) for i in range(4)]
        assert waits[:3] == [0, 0, 0]
        assert 55 < waits[3] <= 60  # the fourth, on either process, waits for the next token (one a minute)
        assert await first.take("sender:rest:web-2", bucket) == 0
    finally:
        await first.close()
        await second.close()
