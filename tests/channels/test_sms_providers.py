"""SMS providers: Alibaba Cloud SMS for mainland numbers, Twilio for the rest, chosen by the number."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest

from bot.channels.secrets import AliyunSmsSecrets, TwilioSecrets
from bot.channels.store import MemoryStore
from bot.channels.twilio_sms import TwilioSmsInput
from bot.platforms.aliyun_sms import AliyunSms, SmsRejected, aliyun_signature
from bot.platforms.sms_transport import RoutedSms, SmsNotConfigured, TwilioRestSms, sms_transport
from tests.channels.platform_fakes import FakeAliyunSms, FakeBot, aliyun_sign, eventually, serve
from tests.channels.twilio_sms_requests import AUTH_TOKEN, PUBLIC_URL, send, sms_form
from tests.factories import FakeSms

# Alibaba Cloud's published SendSms example (its "signature mechanism" page, GET request)
DOC_SECRET = "testSecret"
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="

SETTINGS = AliyunSmsSecrets("LTAItestkey", "hotline-secret", "医疗设备售后", "SMS_900001")
SENT_AT = datetime(2026, 11, 22, 6, 30, 5)


def test_published_signature_example() -> None:
    assert aliyun_sign(DOC_SECRET, "GET", DOC_PARAMS) == DOC_SIGNATURE  # the test's own
    assert aliyun_signature(DOC_SECRET, "GET", DOC_PARAMS) == DOC_SIGNATURE


def test_characters_the_two_encodings_treat_differently_are_signed_alike() -> None:
    tricky = {**DOC_PARAMS, "TemplateParam": '{"content":"工单 SR-1*2~3 (1/2) a+b"}'}
    assert aliyun_signature("s", "POST", tricky) == aliyun_sign("s", "POST", tricky)


def aliyun(fake: FakeAliyunSms, nonces: list[str] | None = None) -> AliyunSms:
    pending = iter(nonces or [f"nonce-{i}" for i in range(100)])
    return AliyunSms(SETTINGS, api=fake.url, clock=lambda: SENT_AT, nonce=lambda: next(pending))


@pytest.mark.anyio
async def test_a_mainland_sms_goes_to_alibaba_cloud_signed_with_the_template() -> None:
    async with FakeAliyunSms(SETTINGS.access_key_secret).running() as fake:
        await aliyun(fake).send("+8613800138000", "(1/2)工程师已出发，预计14:30到达。", sender="+18005551212")
    assert fake.badly_signed == 0
    [sent] = fake.accepted
    assert sent["PhoneNumbers"] == "13800138000"
    assert (sent["SignName"], sent["TemplateCode"], sent["AccessKeyId"]) == (
        "医疗设备售后",
        "SMS_900001",
        "LTAItestkey",
    )
    assert json.loads(sent["TemplateParam"]) == {"content": "(1/2)工程师已出发，预计14:30到达。"}
    assert (sent["Action"], sent["Version"], sent["Timestamp"]) == (
        "SendSms",
        "2017-05-25",
        "2026-11-22T06:30:05Z",
    )
    assert sent["SignatureNonce"] == "nonce-0"


@pytest.mark.anyio
async def test_a_request_signed_with_another_secret_is_refused_by_the_provider() -> None:
    async with FakeAliyunSms("not-our-secret").running() as fake:
        with pytest.raises(SmsRejected) as raised:
            await aliyun(fake).send("+8613800138000", "您好", sender="")
    assert raised.value.code == "SignatureDoesNotMatch" and fake.accepted == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控Permits:5"},
            "isv.BUSINESS_LIMIT_CONTROL",
        ),
        ({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("<html>502 Bad Gateway</html>", "HTTP 502"),
    ],
)
@pytest.mark.anyio
async def test_a_refusal_is_an_error_that_names_the_providers_code(
    answer: dict[str, str] | str, code: str
) -> None:
    async with FakeAliyunSms(SETTINGS.access_key_secret, answers=[answer]).running() as fake:
        with pytest.raises(SmsRejected) as raised:
            await aliyun(fake).send("+8613800138000", "您好", sender="")
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("to", "provider"),
    [("+8613800138000", "domestic"), ("+85291234567", "twilio"), ("+14155550100", "twilio")],
)
@pytest.mark.anyio
async def test_the_number_picks_the_provider(to: str, provider: str) -> None:
    twilio, domestic = FakeSms(), FakeSms()
    await RoutedSms(international=twilio, domestic=domestic).send(to, "您好", sender="+18005551212")
    assert (bool(domestic.sent), bool(twilio.sent)) == (provider == "domestic", provider == "twilio")


@pytest.mark.anyio
async def test_without_a_domestic_provider_mainland_numbers_go_through_twilio() -> None:
    twilio = FakeSms()
    await RoutedSms(international=twilio).send("+8613800138000", "您好", sender="+18005551212")
    assert twilio.sent == [("+8613800138000", "您好", "+18005551212")]
    with pytest.raises(SmsNotConfigured):
        await RoutedSms(international=None, domestic=FakeSms()).send("+14155550100", "hi", sender="")


@pytest.mark.anyio
async def test_twilio_without_a_sender_number_says_which_setting_is_missing() -> None:
    with pytest.raises(SmsNotConfigured, match="TWILIO_SMS_NUMBER"):
        await TwilioRestSms("AC123", "token").send("+14155550100", "hi", sender="")


ALIYUN_ENV = (
    "ALIYUN_SMS_ACCESS_KEY_ID",
    "ALIYUN_SMS_ACCESS_KEY_SECRET",
    "ALIYUN_SMS_SIGN_NAME",
    "ALIYUN_SMS_TEMPLATE_CODE",
)
TWILIO = TwilioSecrets("AC123", AUTH_TOKEN, PUBLIC_URL)


def test_the_domestic_provider_is_used_when_its_settings_are_all_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ALIYUN_ENV:
        monkeypatch.setenv(name, f"x-{name}")
    transport = sms_transport(TWILIO)
    assert isinstance(transport.provider_for("+8613800138000"), AliyunSms)
    assert isinstance(transport.provider_for("+14155550100"), TwilioRestSms)


def test_half_a_domestic_configuration_is_logged_and_twilio_carries_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ALIYUN_ENV:
        monkeypatch.delenv(name, raising=False)
    assert isinstance(sms_transport(TWILIO).provider_for("+8613800138000"), TwilioRestSms)
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_ID", "LTAIonly")
    with caplog.at_level(logging.ERROR):
        transport = sms_transport(TWILIO)
    assert isinstance(transport.provider_for("+8613800138000"), TwilioRestSms)
    assert "ALIYUN_SMS_ACCESS_KEY_SECRET" in caplog.text and "Twilio" in caplog.text


@pytest.mark.anyio
async def test_a_late_answer_to_a_mainland_sender_goes_out_through_alibaba_cloud() -> None:
    async with FakeAliyunSms(SETTINGS.access_key_secret).running() as fake:
        twilio = FakeSms()
        transport = RoutedSms(international=twilio, domestic=aliyun(fake))
        settings = TwilioSecrets("AC123", AUTH_TOKEN, PUBLIC_URL, reply_seconds=0.1)
        channel = TwilioSmsInput(settings, store=MemoryStore(), transport=transport)
        bot = FakeBot(replies=[{"text": "工程师今天下午到场。"}], delay=0.4)
        async with serve(channel, bot) as client:
            await send(client, sms_form(sid="SMcn"))  # from +8613800138000
            await eventually(lambda: bool(fake.accepted))
    assert [json.loads(sent["TemplateParam"])["content"] for sent in fake.accepted] == [
        "工程师今天下午到场。"
    ]
    assert twilio.sent == []
