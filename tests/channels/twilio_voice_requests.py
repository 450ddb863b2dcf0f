"""Requests as Twilio makes them during a call (first request, Gather results, Redirects), signed with the
tests' auth token, and the TwiML they are answered with."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from bot.channels.secrets import TwilioSecrets
from bot.channels.store import MemoryStore
from bot.channels.twilio_voice import TwilioVoiceInput
from tests.channels.platform_fakes import Answer, AsgiClient, twilio_sign

AUTH_TOKEN = "voice-token"
PUBLIC_URL = "https://hotline.example.com"
WEBHOOK = "/webhooks/twilio_voice/webhook"
CALL = "CA0123456789abcdef0123456789abcdef"
CALLER = "+8613912345678"


def make_channel(
    voice: str = "Polly.Zhiyu", reply_seconds: float = 2.0, hold_tries: int = 3
) -> TwilioVoiceInput:
    settings = TwilioSecrets(
        "",
        AUTH_TOKEN,
        PUBLIC_URL,
        voice=voice,
        voice_reply_seconds=reply_seconds,
        voice_hold_tries=hold_tries,
    )
    return TwilioVoiceInput(settings, store=MemoryStore())


def call_form(**extra: str) -> list[tuple[str, str]]:
    return [
        ("AccountSid", "AC123"),
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", "+18005551212"),
        ("CallStatus", "in-progress" if extra else "ringing"),
        ("Direction", "inbound"),
        ("CallerCity", ""),
        *extra.items(),
    ]


def without_step(url: str) -> str:
    """A URL the channel gave Twilio, without its one-time `step` (each request's own, see test_replays)."""
    return re.sub(r"[?&]step=[^&]*$", "", url).replace("?step=", "?").replace("&step=", "&")


async def step(client: AsgiClient, query: str = "", signature: str | None = "sign", **extra: str) -> Answer:
    """One request as Twilio makes it; each gets a fresh `step`, as the URLs the channel hands Twilio have."""
    if extra or query:
        query = "&".join(filter(None, [query, f"step={uuid.uuid4().hex}"]))
    form = call_form(**extra)
    url = PUBLIC_URL + WEBHOOK + (f"?{query}" if query else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = (
            twilio_sign(AUTH_TOKEN, url, form) if signature == "sign" else signature
        )
    return await client.post(WEBHOOK, urlencode(form).encode(), query=query, headers=headers)


def twiml(answer: Answer) -> ET.Element:
    assert answer.status == 200, answer.body
    assert answer.content_type.startswith("text/xml")
    return ET.fromstring(answer.body)


def spoken(document: ET.Element) -> list[str]:
    return [say.text or "" for say in document.iter("Say")]


def assert_mandarin(document: ET.Element) -> None:
    for spoken in document.iter("Say"):
        assert spoken.get("voice") == "Polly.Zhiyu" and spoken.get("language") == "cmn-CN"
    for gather in document.iter("Gather"):
        assert gather.get("language") == "cmn-Hans-CN" and gather.get("input") == "speech dtmf"
