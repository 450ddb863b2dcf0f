"""The whole bot as `hotline serve` runs it, reached the way WeChat and Twilio reach it: one fault intake per
channel, each ending in exactly one ticket with that channel and the caller's contact.

Needs the three channel entries in bot/credentials.yml (see bot/channels/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.channels.twilio_voice import read_codes_aloud
from bot.config import PROJECT_ROOT
from tests.support import RunningBot, Say, sms, voice, wechat

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
