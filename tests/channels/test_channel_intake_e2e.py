"""The whole bot as `hotline serve` runs it, reached the way WeChat and Twilio reach it: one fault intake per
channel, each ending in exactly one ticket with that channel and the caller's contact.

Needs the three channel entries in bot/credentials.yml (see bot/channels/__init__.py).
"""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import requests

from bot.channels.twilio_voice import read_codes_aloud
from bot.config import PROJECT_ROOT
from tests.channels.platform_fakes import twilio_sign, wechat_sign
from tests.support import CHANNEL_SECRETS, RunningBot

pytestmark = pytest.mark.slow


# Where each hospital of the cases below is, as its caller says it.
ADDRESSES = {"嘉禾医院": "郑州市金水区嘉禾路88号", "仁济医院": "新乡市红旗区仁济街9号"}


def conversation(serial: str, hospital: str, phone: str) -> list[str]:
    # A different device per channel: a second fault on the same device is added to its open ticket. A caller
    # the directory does not know is told nothing of the serial's registry entry: they name the hospital and
    # its address as without a serial (bot/identity.py).
    return [
        "你好，检验科的生化分析仪开机一直报温度异常，急诊样本在等，快派工程师来",
        f"序列号{serial}",
        hospital,
        ADDRESSES[hospital],
        "王敏",
        phone,
        "对",
    ]


Say = Callable[[str], str]


@pytest.fixture(scope="module")
def server(running_bot: RunningBot) -> RunningBot:
    entries = (PROJECT_ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8")
    for channel in (
        "limits.LimitedWeChatInput",
        "limits.LimitedTwilioSmsInput",
        "limits.LimitedTwilioVoiceInput",
    ):
        if f"bot.channels.{channel}" not in entries:
            pytest.fail(f"bot/credentials.yml has no entry bot.channels.{channel}: {{}}")
    return running_bot


# WeChat's MsgIds are unique across all users (the channel answers a repeated one as a retry).
_MSG_IDS = iter(range(6_000_000_000_000_000_000, 7_000_000_000_000_000_000))


def wechat(base: str, openid: str) -> Say:
    sent = _MSG_IDS

    def say(words: str) -> str:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex  # WeChat's nonces differ per request
        query = {
            "signature": wechat_sign(CHANNEL_SECRETS["WECHAT_TOKEN"], timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName><![CDATA[gh_hotline]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{words}]]></Content><MsgId>{next(sent)}</MsgId></xml>"
        )
        answer = requests.post(
            f"{base}/webhooks/wechat/webhook", params=query, data=body.encode(), timeout=90
        )
        assert answer.status_code == 200 and answer.text != "success", answer.text
        return ET.fromstring(answer.text).findtext("Content") or ""

    return say


def _twilio(base: str, path: str, form: list[tuple[str, str]], env_token: str) -> requests.Response:
    headers = {
        "X-Twilio-Signature": twilio_sign(env_token, base + path, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return requests.post(base + path, data=urlencode(form).encode(), headers=headers, timeout=90)


def sms(base: str, phone: str) -> Say:
    count = iter(range(1000))

    def say(words: str) -> str:
        form = [
            ("MessageSid", f"SMe2e{next(count)}"),
            ("From", phone),
            ("To", "+18005551212"),
            ("Body", words),
            ("FromCity", ""),
        ]
        answer = _twilio(base, "/webhooks/twilio_sms/webhook", form, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
        assert answer.status_code == 200, answer.text
        return "".join(message.text or "" for message in ET.fromstring(answer.text).iter("Message"))

    return say


def _gather_action(twiml: str) -> str:
    gather = ET.fromstring(twiml).find("Gather")
    assert gather is not None, twiml
    return gather.get("action") or ""


def voice(base: str, call: str, phone: str) -> Say:
    form = [("CallSid", call), ("From", phone), ("To", "+18005551212"), ("CallStatus", "ringing")]
    greeting = _twilio(base, "/webhooks/twilio_voice/webhook", form, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
    assert greeting.status_code == 200 and "<Gather" in greeting.text
    # Twilio posts each answer to the Gather's action, a one-time URL (replays are refused).
    listening = {"action": _gather_action(greeting.text)}

    def say(words: str) -> str:
        heard = [*form[:3], ("CallStatus", "in-progress"), ("SpeechResult", words), ("Confidence", "0.9")]
        answer = _twilio("", listening["action"], heard, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
        assert answer.status_code == 200, answer.text
        document = ET.fromstring(answer.text)
        # A slow turn (a fresh server's first ones): 「请稍候」 and a redirect to its answer, followed as
        # Twilio does.
        redirect = document.find("Redirect")
        while document.find("Gather") is None and redirect is not None and "wait=" in (redirect.text or ""):
            answer = _twilio(
                "",
                redirect.text or "",
                [*form[:3], ("CallStatus", "in-progress")],
                CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"],
            )
            assert answer.status_code == 200, answer.text
            document = ET.fromstring(answer.text)
            redirect = document.find("Redirect")
        if document.find("Gather") is not None:
            listening["action"] = _gather_action(answer.text)
        return "".join(said.text or "" for said in document.iter("Say"))

    return say


@pytest.mark.parametrize(
    ("channel", "make_say", "sender", "serial", "hospital", "phone"),
    [
        (
            "wechat",
            lambda base: wechat(base, "oE2Ewechat"),
            "oE2Ewechat",
            "KR23060142",
            "嘉禾医院",
            "13912345671",
        ),
        (
            "twilio_sms",
            lambda base: sms(base, "+8613800000001"),
            "+8613800000001",
            "KR22110037",
            "嘉禾医院",
            "13912345672",
        ),
        (
            "twilio_voice",
            lambda base: voice(base, "CAe2e0001", "+8613800000002"),
            "CAe2e0001",
            "HX22090815",
            "仁济医院",
            "13912345673",
        ),
    ],
    ids=["wechat", "twilio_sms", "twilio_voice"],
)
def test_fault_intake_ends_in_one_ticket_with_channel_and_contact(
    server: RunningBot,
    channel: str,
    make_say: Callable[[str], Say],
    sender: str,
    serial: str,
    hospital: str,
    phone: str,
) -> None:
    say = make_say(server.base_url)
    replies = [say(words) for words in conversation(serial, hospital, phone)]
    assert all(replies), replies
    mine = [ticket for ticket in server.tickets() if ticket["channel"] == channel]
    assert len(mine) == 1, replies
    [ticket] = mine
    assert (ticket["sender_id"], ticket["serial_number"], ticket["contact_phone"]) == (sender, serial, phone)
    # On the phone the ticket number is read out one character at a time.
    assert (read_codes_aloud(ticket["number"]) if channel == "twilio_voice" else ticket["number"]) in replies[
        -1
    ]
