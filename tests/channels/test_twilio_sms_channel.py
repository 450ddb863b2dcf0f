"""The SMS channel, driven the way Twilio drives it, and the sizing of Chinese SMS."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.channels.texts import say
from bot.channels.twilio_sms import TwilioSmsInput
from bot.platforms.signatures import twilio_signature
from bot.platforms.splitting import SMS_PART, SMS_SINGLE, sms_parts, split_text, ucs2_length
from tests.channels.platform_fakes import FakeBot, eventually, serve, twilio_sign
from tests.channels.twilio_sms_requests import (
    AUTH_TOKEN,
    NOTE,
    PUBLIC_URL,
    WEBHOOK,
    make_channel,
    messages,
    send,
    sms_form,
)
from tests.factories import FakeSms

# --- signatures
# ----------------------------------------------------------------------------------------------

PUBLISHED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PUBLISHED_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+12349013030"),
    ("Digits", "1234"),
    ("From", "+12349013030"),
    ("To", "+18005551212"),
]


def test_published_twilio_vector() -> None:
    assert (
        twilio_sign("12345", PUBLISHED_URL, PUBLISHED_PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )  # the test's own
    assert twilio_signature("12345", PUBLISHED_URL, PUBLISHED_PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.anyio
async def test_signed_sms_with_blank_parameters_is_answered_with_twiml() -> None:
    bot = FakeBot(replies=[{"text": "已收到，请提供设备序列号。"}])
    async with serve(make_channel(), bot) as client:
        answer = await send(client, sms_form())
    assert messages(answer) == ["已收到，请提供设备序列号。"]
    [message] = bot.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "生化仪KR-2000报警E03",
        "+8613800138000",
        "twilio_sms",
    )
    assert message.metadata == {"phone": "+8613800138000", "hotline_number": "+18005551212"}


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
        # signed without the blank parameters, as code reading request.form would compute it
        twilio_sign(AUTH_TOKEN, PUBLIC_URL + WEBHOOK, [(k, v) for k, v in sms_form() if v]),
        twilio_sign(AUTH_TOKEN, "http://hotline.example.com" + WEBHOOK, sms_form()),
        twilio_sign("another-token", PUBLIC_URL + WEBHOOK, sms_form()),
    ],
    ids=["missing", "other-request", "blank-parameters-dropped", "other-url", "other-token"],
)
@pytest.mark.anyio
async def test_bad_signature_is_refused_and_never_reaches_the_bot(signature: str | None) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await send(client, sms_form(), signature)
    assert answer.status == 403
    assert bot.received == []


@pytest.mark.anyio
async def test_a_tampered_body_is_refused() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        signature = twilio_sign(AUTH_TOKEN, PUBLIC_URL + WEBHOOK, sms_form("查询工单"))
        answer = await send(client, sms_form("取消全部工单"), signature)
    assert answer.status == 403 and bot.received == []


@pytest.mark.anyio
async def test_duplicate_message_sid_is_processed_once_with_the_same_reply() -> None:
    bot = FakeBot(replies=[{"text": "工单已登记：GD003。"}], delay=0.2)
    async with serve(make_channel(), bot) as client:
        first = asyncio.ensure_future(send(client, sms_form(sid="SMdup")))
        await asyncio.sleep(0.05)
        second = await send(client, sms_form(sid="SMdup"))
        third = await send(client, sms_form(sid="SMdup"))
        replies = [messages(answer) for answer in (await first, second, third)]
    assert len(bot.received) == 1
    assert replies == [["工单已登记：GD003。"]] * 3


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, "sms.empty_body"), ({"NumMedia": "1", "MediaUrl0": "https://x/y.jpg"}, "sms.media_only")],
)
@pytest.mark.anyio
async def test_sms_without_text_gets_a_polite_answer_not_a_500(extra: dict[str, str], expected: str) -> None:
    bot = FakeBot()
    form = [(k, v) for k, v in sms_form("   ") if not (k == "NumMedia" and extra)] + list(extra.items())
    async with serve(make_channel(), bot) as client:
        answer = await send(client, form)
    assert messages(answer) == [say(expected)]
    assert bot.received == []


@pytest.mark.anyio
async def test_long_answer_becomes_several_sms_each_within_67_characters() -> None:
    answer_text = (
        "请先关闭分析仪电源。等待三十秒后重新开机，观察是否仍然报警。"
        "如果仍有报警，请记录屏幕上的报警代码和设备序列号，回复给我们。"
        "工程师将在收到信息后尽快与您联系，请保持电话畅通。"
    )
    async with serve(make_channel(), FakeBot(replies=[{"text": answer_text}])) as client:
        parts = messages(await send(client, sms_form()))
    assert len(parts) >= 2
    assert all(0 < ucs2_length(part) <= SMS_PART for part in parts)
    assert [part[:5] for part in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    assert "".join(unnumbered(parts)) == answer_text
    assert all(part[-1] in "。，" for part in parts)


@pytest.mark.anyio
async def test_slow_bot_gets_an_empty_twiml_in_time_and_the_answer_by_rest() -> None:
    transport = FakeSms()
    bot = FakeBot(replies=[{"text": "工程师今天下午到场。"}], delay=0.5)
    async with serve(make_channel(reply_seconds=0.1, transport=transport), bot) as client:
        started = time.monotonic()
        answer = await send(client, sms_form(sid="SMslow"))
        elapsed = time.monotonic() - started
        await eventually(lambda: bool(transport.sent))
    assert messages(answer) == [] and elapsed < 0.4
    assert transport.sent == [("+8613800138000", "工程师今天下午到场。", "+18005551212")]


@pytest.mark.anyio
async def test_buttons_are_numbered_and_a_digit_reply_picks_the_payload() -> None:
    bot = FakeBot(
        replies=[
            {
                "text": "是否确认报修？",
                "buttons": [
                    {"title": "确认", "payload": "/affirm"},
                    {"title": "取消", "payload": "/deny"},
                ],
            }
        ]
    )
    async with serve(make_channel(), bot) as client:
        shown = messages(await send(client, sms_form("报修", sid="SM1")))
        await send(client, sms_form(" 1 ", sid="SM2"))
    assert "1. 确认" in "".join(shown) and "2. 取消" in "".join(shown)
    assert bot.texts == ["报修", "/affirm"]


@pytest.mark.anyio
async def test_unconfigured_channel_answers_503(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)

    bot = FakeBot()
    async with serve(TwilioSmsInput.from_credentials(None), bot) as client:
        assert (await send(client, sms_form())).status == 503
    assert bot.received == []
    assert "TWILIO_AUTH_TOKEN" in caplog.text


# --- sizing Chinese SMS
# --------------------------------------------------------------------------------------


def label(index: int, total: int) -> str:
    return f"({index}/{total})"


NUMBERED = re.compile(r"^\((\d+)/(\d+)\)")


def unnumbered(parts: list[str]) -> list[str]:
    """The parts without their 「(i/n)」, after checking that they count 1..n in order."""
    found = [NUMBERED.match(part) for part in parts]
    assert all(found), parts
    assert [(int(m.group(1)), int(m.group(2))) for m in found if m] == [
        (i, len(parts)) for i in range(1, len(parts) + 1)
    ]
    return [part[m.end() :] for part, m in zip(parts, found, strict=True) if m]


CONTENT = "设备序列号核对无误工程师将尽快联系您" * 20  # no punctuation: cut anywhere


@pytest.mark.parametrize(
    ("length", "expected_parts"),
    # 67 per part, 5 of them for 「(1/3)」: 62 characters of the answer in each
    [(1, 1), (70, 1), (71, 2), (124, 2), (125, 3), (135, 3), (186, 3), (187, 4)],
)
def test_chinese_sms_part_counts(length: int, expected_parts: int) -> None:
    content = CONTENT[:length]
    parts = sms_parts(content, max_parts=10, overflow_note=NOTE, label=label)
    assert len(parts) == expected_parts
    assert all(0 < ucs2_length(part) <= (SMS_SINGLE if len(parts) == 1 else SMS_PART) for part in parts)
    if len(parts) == 1:
        assert parts == [content]  # a single SMS carries no number
    else:
        assert "".join(unnumbered(parts)) == content


def test_a_135_character_answer_is_three_numbered_sms() -> None:
    parts = sms_parts(CONTENT[:135], max_parts=10, overflow_note=NOTE, label=label)
    assert [part[:5] for part in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert [ucs2_length(part) for part in parts] == [67, 67, 16]


def test_numbering_widens_with_ten_parts_or_more() -> None:
    content = CONTENT * 2  # 720 characters
    parts = sms_parts(content, max_parts=20, overflow_note=NOTE, label=label)
    assert len(parts) == 12 and parts[0].startswith("(1/12)") and parts[-1].startswith("(12/12)")
    assert all(0 < ucs2_length(part) <= SMS_PART for part in parts)
    assert "".join(unnumbered(parts)) == content


def test_emoji_count_twice_in_ucs2() -> None:
    assert ucs2_length("好👍") == 3
    parts = sms_parts("👍" * 36, max_parts=10, overflow_note=NOTE, label=label)  # 72 UCS-2 units
    assert len(parts) == 2 and all(ucs2_length(part) <= SMS_PART for part in parts)
    assert "".join(unnumbered(parts)) == "👍" * 36


def test_sms_cut_prefers_sentence_ends() -> None:
    content = "您的设备已登记，工程师将尽快与您联系。" + "请核对序列号和安装地址" * 6 + "。"
    parts = split_text(content, SMS_PART, ucs2_length)
    assert "".join(parts) == content
    assert parts[0] == "您的设备已登记，工程师将尽快与您联系。"


def test_a_hard_cut_never_splits_a_serial_number() -> None:
    content = "请核对" * 20 + "KR2000SN123456789" + "是否正确" * 5  # no punctuation at all
    parts = split_text(content, SMS_PART, ucs2_length)
    assert "".join(parts) == content
    assert parts[1].startswith("KR2000SN123456789")


def test_too_long_answer_is_cut_to_a_few_sms_with_a_pointer_to_the_hotline() -> None:
    parts = sms_parts("请按说明书步骤逐项检查。" * 100, max_parts=5, overflow_note=NOTE, label=label)
    assert len(parts) == 5 and parts[-1].startswith("(5/5)")
    assert parts[-1].endswith(NOTE)
    assert all(0 < ucs2_length(part) <= SMS_PART for part in parts)


@pytest.mark.parametrize("content", ["", "   ", "\n\n"])
def test_never_an_empty_sms(content: str) -> None:
    assert sms_parts(content, max_parts=5, overflow_note=NOTE, label=label) == []
