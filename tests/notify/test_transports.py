"""The SMS and WeChat transports against local fakes of the platforms' APIs (no network)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from bot.channels.store import MemoryStore
from bot.db import SessionFactory, session_scope
from bot.notify.jobs import outbox_delivery_job
from bot.notify.outbox import DEAD, PENDING, REROUTED, SENT, deliver_due, enqueue
from bot.notify.transports import SmsOutbound, WeChatOutbound, build_transports, sms_number
from bot.platforms import sms_transport
from bot.platforms.sms_transport import TwilioRestSms
from bot.platforms.wechat_api import AccessTokenCache, CustomerService
from tests.channels.platform_fakes import FakeWeChatApi
from tests.factories import NOW, FakeSms, make_ticket
from tests.support import messages

pytestmark = pytest.mark.anyio
HOTLINE_NUMBER = "+12025550100"
ALIYUN = {
    "ALIYUN_SMS_ACCESS_KEY_ID": "key",
    "ALIYUN_SMS_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_SMS_SIGN_NAME": "售后热线",
    "ALIYUN_SMS_TEMPLATE_CODE": "SMS_0001",
}


@dataclass
class FakeTwilioApi:
    """Twilio's Messages resource, in process: checks each request as Twilio would and answers like Twilio."""

    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def client_class(self) -> type[AsyncHttpClient]:
        api = self

        class FakeTwilioHttp(AsyncHttpClient):
            def __init__(self, pool_connections: bool = True, timeout: float | None = None) -> None:
                super().__init__(logger=None, is_async=True, timeout=timeout)

            async def request(
                self,
                method: str,
                url: str,
                params: Any = None,
                data: Any = None,
                headers: Any = None,
                auth: Any = None,
                timeout: Any = None,
                allow_redirects: bool = False,
            ) -> Response:
                return api.answer(method, url, data or {}, auth)

        return FakeTwilioHttp

    def answer(self, method: str, url: str, data: dict[str, Any], auth: tuple[str, str]) -> Response:
        self.requests.append({"method": method, "url": url, "data": dict(data), "auth": auth})
        status, body = self.answers.pop(0) if self.answers else (201, {"sid": "SM1", "status": "queued"})
        if status == 201:
            body = {**body, "to": data["To"], "from": data["From"], "body": data["Body"]}
        return Response(status, json.dumps(body))


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> FakeTwilioApi:
    api = FakeTwilioApi()
    monkeypatch.setattr(sms_transport, "AsyncTwilioHttpClient", api.client_class())
    return api


def queue(engine: Engine, channel: str, recipient: str, text: str, ticket_id: int | None = None) -> None:
    with session_scope(engine) as session:
        enqueue(
            session,
            channel=channel,
            recipient=recipient,
            text=text,
            dedupe_key="notice:1",
            ticket_id=ticket_id,
            at=NOW,
        )


def twilio_sms() -> SmsOutbound:
    return SmsOutbound(TwilioRestSms("ACtest", "token"), HOTLINE_NUMBER, max_parts=5)


async def test_twilio_sends_each_part_to_the_messages_resource(
    database: Engine, factory: SessionFactory, twilio: FakeTwilioApi
) -> None:
    text = "工单SR202611210001已安排工程师李工（电话13800000001）负责，预计11月21日 16:30到达现场。" * 2
    queue(database, "sms", "+8613912345678", text)
    report = await deliver_due(factory, {"sms": twilio_sms()}, NOW)
    assert len(report.sent) == 1
    assert len(twilio.requests) == 2  # 96 characters: two numbered parts
    for index, request in enumerate(twilio.requests, start=1):
        assert request["method"] == "POST"
        assert request["url"] == "https://api.twilio.com/2010-04-01/Accounts/ACtest/Messages.json"
        assert request["auth"] == ("ACtest", "token")
        assert request["data"]["To"] == "+8613912345678" and request["data"]["From"] == HOTLINE_NUMBER
        assert request["data"]["Body"].startswith(f"({index}/2)") and len(request["data"]["Body"]) <= 67
    assert messages(database)[0].parts_sent == 2


async def test_twilio_refusing_the_number_makes_the_message_dead(
    database: Engine, factory: SessionFactory, twilio: FakeTwilioApi
) -> None:
    twilio.answers.append(
        (400, {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400})
    )
    queue(database, "sms", "+8603716543210", "您好")
    report = await deliver_due(factory, {"sms": twilio_sms()}, NOW)
    [message] = messages(database)
    assert (
        report.dead == [message.id] and message.status == DEAD and "not a mobile number" in message.last_error
    )


async def test_a_twilio_server_error_is_tried_again(
    database: Engine, factory: SessionFactory, twilio: FakeTwilioApi
) -> None:
    twilio.answers.append((503, {"code": 20503, "message": "Service unavailable", "status": 503}))
    queue(database, "sms", "+8613912345678", "您好")
    report = await deliver_due(factory, {"sms": twilio_sms()}, NOW)
    [message] = messages(database)
    assert report.retried == [message.id] and message.status == PENDING
    report = await deliver_due(factory, {"sms": twilio_sms()}, message.next_attempt_at)
    assert report.sent == [message.id] and len(twilio.requests) == 2


def wechat(api: FakeWeChatApi) -> WeChatOutbound:
    return WeChatOutbound(CustomerService(api, AccessTokenCache(api, MemoryStore(), "wxappid", "secret")), 3)


async def test_wechat_sends_a_customer_service_message(database: Engine, factory: SessionFactory) -> None:
    queue(database, "wechat", "openid-1", "工单SR202611210001已处理完毕。")
    api = FakeWeChatApi()
    report = await deliver_due(factory, {"wechat": wechat(api)}, NOW)
    assert len(report.sent) == 1
    assert api.sent == [
        (
            "TOKEN-1",
            {"touser": "openid-1", "msgtype": "text", "text": {"content": "工单SR202611210001已处理完毕。"}},
        )
    ]


def queue_for_a_wechat_caller(database: Engine, contact_phone: str) -> None:
    """A notice about the ticket of a caller who reported on WeChat (openid-1) and left `contact_phone`."""
    ticket = make_ticket(
        database, received_at=NOW, channel="wechat", sender_id="openid-1", contact_phone=contact_phone
    )
    queue(database, "wechat", "openid-1", "工单已处理完毕。", ticket_id=ticket.id)


async def test_wechat_out_of_the_48_hour_window_falls_back_to_sms_to_the_contact_phone(
    database: Engine, factory: SessionFactory
) -> None:
    queue_for_a_wechat_caller(database, contact_phone="139 1234 5678")
    api, sms = FakeWeChatApi(errors=[45015]), FakeSms()
    transports = {"wechat": wechat(api), "sms": SmsOutbound(sms, HOTLINE_NUMBER, 5)}
    report = await deliver_due(factory, transports, NOW)
    original, fallback = messages(database)
    assert report.rerouted == [original.id] and report.sent == [fallback.id]
    assert original.status == REROUTED and "45015" in original.last_error
    assert (fallback.channel, fallback.recipient, fallback.status) == ("sms", "+8613912345678", SENT)
    assert sms.sent == [("+8613912345678", "工单已处理完毕。", HOTLINE_NUMBER)]
    assert api.sent == []
    # Nothing goes twice on later passes.
    await deliver_due(factory, transports, NOW + timedelta(hours=1))
    assert len(sms.sent) == 1


async def test_wechat_out_of_window_without_a_mobile_is_dead(
    database: Engine, factory: SessionFactory
) -> None:
    queue_for_a_wechat_caller(database, contact_phone="0371-65432109")
    report = await deliver_due(factory, {"wechat": wechat(FakeWeChatApi(errors=[45015]))}, NOW)
    [message] = messages(database)
    assert report.dead == [message.id] and "no mobile contact phone" in message.last_error


async def test_other_wechat_errors_are_tried_again(database: Engine, factory: SessionFactory) -> None:
    queue(database, "wechat", "openid-1", "您好")
    report = await deliver_due(factory, {"wechat": wechat(FakeWeChatApi(errors=[-1]))}, NOW)
    assert len(report.retried) == 1 and messages(database)[0].status == PENDING


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("13912345678", "+8613912345678"),
        ("139-1234-5678", "+8613912345678"),
        ("+86 139 1234 5678", "+8613912345678"),
        ("+12025550100", "+12025550100"),
        ("0371-65432109", None),
        ("", None),
    ],
)
def test_sms_numbers_are_e164(given: str, expected: str | None) -> None:
    assert sms_number(given) == expected


def test_channels_without_credentials_are_left_out_with_a_clear_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in (
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "HOTLINE_PUBLIC_URL",
        "TWILIO_SMS_NUMBER",
        "WECHAT_TOKEN",
        "WECHAT_APPID",
        "WECHAT_APPSECRET",
        *ALIYUN,
    ):
        monkeypatch.delenv(name, raising=False)
    assert build_transports({"sms": 5, "wechat": 3}) == {}
    assert "SMS messages wait in the outbox" in caplog.text and "TWILIO_AUTH_TOKEN" in caplog.text
    assert "WeChat messages wait in the outbox" in caplog.text and "WECHAT_APPID" in caplog.text

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "ACtest")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "https://hotline.example.cn")
    caplog.clear()
    assert build_transports({"sms": 5, "wechat": 3}) == {}
    assert "TWILIO_SMS_NUMBER" in caplog.text
    monkeypatch.setenv("TWILIO_SMS_NUMBER", HOTLINE_NUMBER)
    assert set(build_transports({"sms": 5, "wechat": 3})) == {"sms"}


def test_the_domestic_provider_alone_is_enough_for_sms(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_PUBLIC_URL", "TWILIO_SMS_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ALIYUN.items():
        monkeypatch.setenv(name, value)
    assert "sms" in build_transports({"sms": 5, "wechat": 3})


def test_the_worker_job_builds_the_transports_from_the_settings_and_sends(
    database: Engine, factory: SessionFactory, twilio: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_APPSECRET", *ALIYUN):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "TWILIO_ACCOUNT_SID": "ACtest",
        "TWILIO_AUTH_TOKEN": "token",
        "HOTLINE_PUBLIC_URL": "https://hotline.example.cn",
        "TWILIO_SMS_NUMBER": HOTLINE_NUMBER,
    }.items():
        monkeypatch.setenv(name, value)
    queue(database, "sms", "+8613912345678", "您好，工单已处理完毕。")
    job = outbox_delivery_job(factory)
    job(NOW)
    job(NOW + timedelta(minutes=1))  # the second round runs on the same loop and sends nothing again
    assert [r["data"]["Body"] for r in twilio.requests] == ["您好，工单已处理完毕。"]
    assert messages(database)[0].status == SENT
