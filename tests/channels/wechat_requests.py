"""Deliveries as WeChat's servers make them (Tencent's published sample keys, signed queries, message and
event XML), and the XML replies they are answered with."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from bot.channels.secrets import WeChatSecrets
from bot.channels.store import MemoryStore
from bot.channels.wechat import WeChatInput
from tests.channels.platform_fakes import (
    Answer,
    AsgiClient,
    FakeWeChatApi,
    wechat_sign,
)

WEBHOOK = "/webhooks/wechat/webhook"
TOKEN = "test"
# Tencent's WXBizMsgCrypt sample (PLATFORM_VECTORS.md)
SAMPLE_TOKEN = "spamtest"
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXp"
    "bUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlp"
    "Kn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD"
    "1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


# The server clock of the tests: the moment the published URL-verification vector was signed.
NOW = "1410685589"


def make_channel(
    reply_seconds: float = 2.0,
    api: FakeWeChatApi | None = None,
    token: str = TOKEN,
    aes_key: str | None = None,
    now: str = NOW,
    max_age_seconds: float = 300,
) -> WeChatInput:
    settings = WeChatSecrets(
        token,
        SAMPLE_APPID,
        "appsecret",
        aes_key,
        reply_seconds=reply_seconds,
        max_age_seconds=max_age_seconds,
    )
    return WeChatInput(settings, store=MemoryStore(), http=api or FakeWeChatApi(), clock=lambda: float(now))


def signed(token: str = TOKEN, timestamp: str = NOW, nonce: str = "test") -> dict[str, str]:
    return {"signature": wechat_sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def message_xml(
    content: str = "血球仪开机报警",
    msg_id: str | None = "6054768590064713728",
    openid: str = "oUSER1",
    **extra: str,
) -> bytes:
    fields = {"MsgType": "text", "Content": content, **extra}
    body = "".join(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items())
    ident = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[gh_hotline]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>1409735668</CreateTime>{body}{ident}</xml>"
    ).encode()


def event_xml(event: str, key: str = "", openid: str = "oUSER1", create_time: str = "1409735700") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_hotline]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    ).encode()


def reply_fields(answer: Answer) -> dict[str, str]:
    assert answer.status == 200, answer.body
    return {child.tag: child.text or "" for child in ET.fromstring(answer.body)}


async def post(client: AsgiClient, body: bytes, query: dict[str, str] | None = None) -> Answer:
    """Signed as WeChat signs each delivery: a nonce of its own (a (timestamp, nonce) pair is accepted
    once)."""
    return await client.post(WEBHOOK, body, query=signed(nonce=uuid.uuid4().hex) if query is None else query)


def safe_mode_query(
    encrypted: str, timestamp: str = SAMPLE_TIMESTAMP, nonce: str = SAMPLE_NONCE
) -> dict[str, str]:
    return {
        "signature": wechat_sign(SAMPLE_TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": wechat_sign(SAMPLE_TOKEN, timestamp, nonce, encrypted),
        "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
    }


def envelope(encrypted: str) -> bytes:
    return (
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()
