"""Requests as Twilio makes them for an SMS, signed with the tests' auth token, and the TwiML messages they
are answered with."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from bot.channels.secrets import TwilioSecrets
from bot.channels.store import MemoryStore
from bot.channels.twilio_sms import TwilioSmsInput
from tests.channels.platform_fakes import Answer, AsgiClient, twilio_sign
from tests.factories import FakeSms

AUTH_TOKEN = "12345"
PUBLIC_URL = "https://hotline.example.com"
WEBHOOK = "/webhooks/twilio_sms/webhook"
NOTE = "（详见热线）"


def make_channel(reply_seconds: float = 2.0, transport: FakeSms | None = None) -> TwilioSmsInput:
    settings = TwilioSecrets("AC123", AUTH_TOKEN, PUBLIC_URL, reply_seconds=reply_seconds)
    return TwilioSmsInput(settings, store=MemoryStore(), transport=transport or FakeSms())


def sms_form(body: str = "生化仪KR-2000报警E03", sid: str = "SM0001", **extra: str) -> list[tuple[str, str]]:
    # The order Twilio sends, blank parameters included.
    return [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("FromCity", ""),
        ("Body", body),
        ("FromState", ""),
        ("MessageSid", sid),
        ("AccountSid", "AC123"),
        ("From", "+8613800138000"),
        ("To", "+18005551212"),
        *extra.items(),
    ]


async def send(client: AsgiClient, form: list[tuple[str, str]], signature: str | None = "sign") -> Answer:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "sign":
        signature = twilio_sign(AUTH_TOKEN, PUBLIC_URL + WEBHOOK, form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return await client.post(WEBHOOK, urlencode(form).encode(), headers=headers)


def messages(answer: Answer) -> list[str]:
    assert answer.status == 200, answer.body
    assert answer.content_type.startswith("text/xml")
    root = ET.fromstring(answer.body)
    assert root.tag == "Response"
    return [element.text or "" for element in root.iter("Message")]
