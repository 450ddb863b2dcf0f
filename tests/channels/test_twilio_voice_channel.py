"""The voice channel, driven the way Twilio drives a call: first request, Gather results, Redirects."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.secrets import TwilioSecrets
from bot.channels.texts import say
from bot.channels.twilio_voice import TwilioVoiceInput, read_codes_aloud
from tests.channels.platform_fakes import FakeBot, eventually, serve, twilio_sign
from tests.channels.twilio_voice_requests import (
    AUTH_TOKEN,
    CALL,
    CALLER,
    PUBLIC_URL,
    WEBHOOK,
    assert_mandarin,
    call_form,
    make_channel,
    spoken,
    step,
    twiml,
    without_step,
)


@pytest.mark.anyio
async def test_greeting_is_mandarin_with_keypad_menu_and_catalogue_hints() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        document = twiml(await step(client))
    assert bot.received == []  # no made-up "hello" turn
    assert_mandarin(document)
    [gather] = document.iter("Gather")
    assert without_step(gather.get("action") or "") == PUBLIC_URL + WEBHOOK and gather.get("numDigits") == "1"
    hints = (gather.get("hints") or "").split(", ")
    assert {"全自动生化分析仪", "血球仪", "KR-2000", "康瑞", "报修"} <= set(hints)
    words = "".join(spoken(document))
    assert say("voice.greeting") in words
    for menu_line in ("报修请按1", "查询工单请按2", "咨询请按3", "人工服务请按0"):
        assert menu_line in words
    assert [child.tag for child in document] == ["Gather", "Redirect"]
    assert without_step(document.find("Redirect").text) == f"{PUBLIC_URL}{WEBHOOK}?silence=1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("digit", "intent"),
    [("1", "/report_fault"), ("2", "/check_ticket"), ("3", "/ask_question"), ("0", "/request_human")],
)
@pytest.mark.anyio
async def test_keypad_digits_map_to_intents(digit: str, intent: str) -> None:
    bot = FakeBot(replies=[{"text": "好的。"}])
    async with serve(make_channel(), bot) as client:
        await step(client)
        await step(client, Digits=digit)
    [message] = bot.received
    assert message.text == intent
    assert message.sender_id == CALL and message.input_channel == "twilio_voice"
    assert message.metadata == {"phone": CALLER, "hotline_number": "+18005551212", "call_sid": CALL}


@pytest.mark.anyio
async def test_speech_goes_to_the_bot_and_the_answer_is_spoken_while_listening() -> None:
    bot = FakeBot(replies=[{"text": "请说出设备序列号。"}])
    async with serve(make_channel(), bot) as client:
        await step(client)
        document = twiml(await step(client, SpeechResult="血球仪开机报警", Confidence="0.91"))
    assert bot.texts == ["血球仪开机报警"]
    assert_mandarin(document)
    [gather] = document.iter("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None  # a serial may be keyed in
    assert spoken(document) == ["请说出设备序列号。"]


@pytest.mark.anyio
async def test_serial_number_is_read_back_digit_by_digit_and_confirmed_by_key() -> None:
    buttons = [{"title": "确认", "payload": "/affirm"}, {"title": "重新输入", "payload": "/deny"}]
    bot = FakeBot(replies=[{"text": "您的序列号是KR2000A1234，对吗？", "buttons": buttons}])
    async with serve(make_channel(), bot) as client:
        await step(client)
        document = twiml(await step(client, SpeechResult="序列号KR2000A1234"))
        await step(client, Digits="1")
    words = spoken(document)
    assert "K R 二 零 零 零 A 幺 二 三 四" in words[0]
    assert words[1] == "确认请按1，重新输入请按2。"
    assert next(document.iter("Gather")).get("numDigits") == "1"
    assert bot.texts == ["序列号KR2000A1234", "/affirm"]


@pytest.mark.anyio
async def test_after_one_silence_the_last_question_and_its_keys_are_repeated() -> None:
    buttons = [{"title": "确认", "payload": "/affirm"}, {"title": "重新输入", "payload": "/deny"}]
    bot = FakeBot(replies=[{"text": "已为您登记。"}, {"text": "序列号SN12345对吗？", "buttons": buttons}])
    async with serve(make_channel(), bot) as client:
        await step(client, SpeechResult="报修")
        again = twiml(await step(client, query="silence=1"))
        await step(client, Digits="2")
    assert spoken(again) == [
        say("voice.no_input"),
        "序列号 S N 幺 二 三 四 五 对吗？确认请按1，重新输入请按2。",
    ]
    assert bot.texts == ["报修", "/deny"]


def test_codes_are_spelled_but_quantities_are_not() -> None:
    assert read_codes_aloud("热线400-800-6626") == "热线 四 零 零 八 零 零 六 六 二 六"
    assert read_codes_aloud("工单GD20240501") == "工单 G D 二 零 二 四 零 五 零 幺"
    assert read_codes_aloud("48小时内到场，2024年") == "48小时内到场，2024年"


@pytest.mark.anyio
async def test_silence_twice_offers_a_call_back_and_hangs_up_politely() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        await step(client)
        first = twiml(await step(client, query="silence=1"))
        second = twiml(await step(client, query="silence=2"))
        await eventually(lambda: len(bot.received) == 1)
    assert_mandarin(first)
    assert spoken(first)[0] == say("voice.no_input") and "报修请按1" in spoken(first)[1]  # the menu again
    assert without_step(first.find("Redirect").text) == f"{PUBLIC_URL}{WEBHOOK}?silence=2"  # type: ignore[union-attr]
    assert next(first.iter("Gather")).get("numDigits") == "1"
    assert [child.tag for child in second] == ["Say", "Hangup"]
    assert_mandarin(second)
    assert spoken(second) == [say("voice.callback")]
    [callback] = bot.received
    assert callback.text == "/request_callback" and callback.metadata is not None
    assert callback.metadata["phone"] == CALLER and callback.metadata["reason"] == "no_input"


@pytest.mark.anyio
async def test_no_english_is_spoken_anywhere_in_the_channel_own_flows() -> None:
    async with serve(make_channel(), FakeBot()) as client:
        documents = [
            twiml(await step(client)),
            twiml(await step(client, query="silence=1")),
            twiml(await step(client, query="silence=2")),
        ]
    for document in documents:
        for words in spoken(document):
            assert words and not re.search("[A-Za-z]", words), words


@pytest.mark.anyio
async def test_bot_can_end_the_call_or_hand_it_to_the_duty_desk() -> None:
    bot = FakeBot(replies=[{"text": "正在为您转接值班工程师。"}, {"custom": {"dial": "+862188886666"}}])
    async with serve(make_channel(), bot) as client:
        transfer = twiml(await step(client, Digits="0"))
        bot.replies = [{"text": "感谢您的来电，再见。"}, {"custom": {"hangup": True}}]
        goodbye = twiml(await step(client, SpeechResult="没有了"))
    assert [child.tag for child in transfer] == ["Say", "Dial"]
    assert transfer.find("Dial").text == "+862188886666"  # type: ignore[union-attr]
    assert [child.tag for child in goodbye] == ["Say", "Hangup"]


@pytest.mark.parametrize("signature", [None, "forged", "sign-other-url"])
@pytest.mark.anyio
async def test_bad_signature_is_refused_and_never_reaches_the_bot(signature: str | None) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        if signature == "sign-other-url":
            wrong = twilio_sign(AUTH_TOKEN, PUBLIC_URL + WEBHOOK, call_form(Digits="1"))  # without ?silence=1
            answer = await step(client, query="silence=1", signature=wrong, Digits="1")
        else:
            answer = await step(client, signature=signature, Digits="1")
    assert answer.status == 403
    assert bot.received == []


def test_voice_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "https://hotline.example.com/")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("HOTLINE_VOICE_NAME", raising=False)
    default = TwilioVoiceInput.from_credentials({})
    assert isinstance(default, TwilioVoiceInput) and default.settings is not None
    assert (default.settings.voice, default.settings.public_url) == (
        "Polly.Zhiyu",
        "https://hotline.example.com",
    )
    monkeypatch.setenv("HOTLINE_VOICE_NAME", "Google.cmn-CN-Standard-A")
    configured = TwilioVoiceInput.from_credentials(None)
    assert isinstance(configured, TwilioVoiceInput) and configured.settings is not None
    assert configured.settings.voice == "Google.cmn-CN-Standard-A"


# --- a bot slower than Twilio's 15-second webhook limit
# ------------------------------------------------------


def redirect_of(document: ET.Element) -> str:
    [redirect] = document.iter("Redirect")
    assert redirect.get("method") == "POST"
    return without_step(redirect.text or "")


@pytest.mark.anyio
async def test_a_slow_turn_holds_the_caller_and_the_redirect_brings_the_answer() -> None:
    bot = FakeBot(replies=[{"text": "已为您登记，工单号SR202611220001。"}], delay=0.5)
    async with serve(make_channel(reply_seconds=0.3), bot) as client:
        held = twiml(await step(client, SpeechResult="生化仪报警E03"))
        answered = twiml(await step(client, query="wait=1"))
    assert_mandarin(held)
    assert [child.tag for child in held] == ["Say", "Redirect"]
    assert spoken(held) == [say("voice.please_wait")] and "请稍候" in spoken(held)[0]
    assert redirect_of(held) == f"{PUBLIC_URL}{WEBHOOK}?wait=1"
    assert "S R 二 零 二 六 幺 幺 二 二 零 零 零 幺" in spoken(answered)[0]
    assert [child.tag for child in answered] == ["Gather", "Redirect"]  # listening again
    assert bot.texts == ["生化仪报警E03"]  # the turn ran once


@pytest.mark.anyio
async def test_a_redirect_before_the_turn_is_done_holds_again() -> None:
    bot = FakeBot(replies=[{"text": "查到了，工程师已出发。"}], delay=0.5)
    async with serve(make_channel(reply_seconds=0.2), bot) as client:
        first = twiml(await step(client, SpeechResult="查询工单"))
        second = twiml(await step(client, query="wait=1"))
        answered = twiml(await step(client, query="wait=2"))
    assert redirect_of(first).endswith("?wait=1") and redirect_of(second).endswith("?wait=2")
    assert spoken(second) == [say("voice.please_wait")]
    assert spoken(answered) == ["查到了，工程师已出发。"]
    assert bot.texts == ["查询工单"]


@pytest.mark.anyio
async def test_after_the_last_hold_the_caller_gets_an_apology_and_a_call_back() -> None:
    bot = FakeBot(replies=[{"text": "很久以后的回答。"}], delay=1.0)
    async with serve(make_channel(reply_seconds=0.1, hold_tries=2), bot) as client:
        await step(client, SpeechResult="报修")
        again = twiml(await step(client, query="wait=1"))
        goodbye = twiml(await step(client, query="wait=2"))
        await eventually(lambda: len(bot.received) == 2)
    assert redirect_of(again).endswith("?wait=2")
    assert [child.tag for child in goodbye] == ["Say", "Hangup"]
    assert_mandarin(goodbye)
    assert spoken(goodbye) == [say("voice.too_slow")] and "回电" in spoken(goodbye)[0]
    callback = bot.received[1]
    assert callback.text == "/request_callback" and callback.metadata is not None
    assert (callback.metadata["phone"], callback.metadata["reason"]) == (CALLER, "slow_answer")


@pytest.mark.parametrize("signature", [None, "forged", "signed-without-wait"])
@pytest.mark.anyio
async def test_the_continuation_is_signature_checked_and_a_refusal_does_not_consume_the_answer(
    signature: str | None,
) -> None:
    bot = FakeBot(replies=[{"text": "工程师已出发。"}], delay=0.3)
    async with serve(make_channel(reply_seconds=0.1), bot) as client:
        await step(client, SpeechResult="查询工单")
        await asyncio.sleep(0.4)  # the turn is done and its answer kept
        if signature == "signed-without-wait":
            wrong = twilio_sign(AUTH_TOKEN, PUBLIC_URL + WEBHOOK, call_form())
            refused = await step(client, query="wait=1", signature=wrong)
        else:
            refused = await step(client, query="wait=1", signature=signature)
        answered = twiml(await step(client, query="wait=1"))
    assert refused.status == 403
    assert spoken(answered) == ["工程师已出发。"]


@pytest.mark.anyio
async def test_a_failing_bot_is_an_apology_on_the_phone_not_an_application_error() -> None:
    class BrokenBot(FakeBot):
        async def handle_message(self, message: UserMessage) -> None:
            self.received.append(message)
            raise RuntimeError("action server unreachable")

    bot = BrokenBot()
    async with serve(make_channel(), bot) as client:
        document = twiml(await step(client, SpeechResult="报修"))
    assert spoken(document) == [read_codes_aloud(say("common.bot_error"))]  # the hotline read digit by digit
    assert [child.tag for child in document] == ["Gather", "Redirect"]


def test_the_hold_budget_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "https://hotline.example.com")
    monkeypatch.delenv("HOTLINE_VOICE_REPLY_SECONDS", raising=False)
    monkeypatch.delenv("HOTLINE_VOICE_HOLD_TRIES", raising=False)
    default = TwilioSecrets.load({}, "Twilio voice", need_account_sid=False)
    assert (default.voice_reply_seconds, default.voice_hold_tries) == (8.0, 3)
    monkeypatch.setenv("HOTLINE_VOICE_REPLY_SECONDS", "5")
    monkeypatch.setenv("HOTLINE_VOICE_HOLD_TRIES", "1")
    configured = TwilioSecrets.load({}, "Twilio voice", need_account_sid=False)
    assert (configured.voice_reply_seconds, configured.voice_hold_tries) == (5.0, 1)
