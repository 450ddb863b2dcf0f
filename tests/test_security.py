"""Caller identity (web sessions, one-time codes, WeChat binding), the page cap for unverified callers, SMS
only to validated numbers, and owner-only files (bot/identity.py, bot/guard.py, bot/files.py)."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.app.servers import ServerStartError, rasa_environment
from bot.config import settings
from bot.db import session_scope
from bot.db.models import Contact, Engineer, OutboxMessage, Page, Ticket
from bot.files import narrow_tree, private_files
from bot.guard import PAGE_HELD, UNVERIFIED, held_for_duty_desk, mark, may_page_unverified
from bot.identity import (
    CodeOutcome,
    caller_of,
    confirm_code,
    identity_secret,
    issue_web_session,
    send_code,
    web_sender,
)
from bot.journal import TicketJournal
from bot.notify.notices import customer_address
from bot.policy import current_policy
from bot.tickets import Origin, Registration, TicketKind
from tests.channels.platform_fakes import FakeBot, serve
from tests.factories import limiter, rest_channel
from tests.support import add_contact

NOW = datetime(2026, 12, 6, 2, 0)


def test_a_web_session_is_valid_only_as_issued() -> None:
    issued = issue_web_session("key")
    assert web_sender("key", issued.token) == issued.sender_id and issued.sender_id.startswith("web:")
    assert web_sender("other key", issued.token) is None
    assert web_sender("key", issued.token[:-1] + ("0" if issued.token[-1] != "0" else "1")) is None
    assert web_sender("key", "oVICTIMxxxxxxxxxxxxxxxxxxxxxxx") is None


def codes(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_codes_go_only_to_directory_mobiles_a_few_an_hour_and_a_right_one_verifies(database: Engine) -> None:
    policy = current_policy()
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    sent: list[tuple[str, str]] = []

    def send(**extra: object) -> CodeOutcome:
        with session_scope(database) as session:
            return send_code(
                session,
                str(extra.get("sender", "web:a")),
                str(extra.get("phone", "139 0000 0001")),
                now=NOW,
                policy=policy,
                send_sms=lambda phone, text, key: sent.append((phone, text)),
                code_text=lambda code, minutes: f"code {code}",
            )

    assert send(phone="+88216000000") is CodeOutcome.UNKNOWN_PHONE  # never to a number the directory lacks
    assert send(phone="13700000009") is CodeOutcome.UNKNOWN_PHONE
    assert send(phone="0371-65432109") is CodeOutcome.UNKNOWN_PHONE
    assert sent == []
    assert send() is CodeOutcome.SENT and sent[0][0] == "13900000001"
    code = sent[0][1].split()[-1]
    with session_scope(database) as session:
        assert (
            confirm_code(
                session, "web:a", "rest", "000000" if code != "000000" else "111111", now=NOW, policy=policy
            )
            is CodeOutcome.WRONG
        )
        assert confirm_code(session, "web:a", "rest", code, now=NOW, policy=policy) is CodeOutcome.VERIFIED
        caller = caller_of(session, "rest", "web:a", None)
    assert caller.verified and caller.hospitals == frozenset({"郑州市嘉禾医院"})
    assert send(sender="web:b") is CodeOutcome.SENT and send(sender="web:b") is CodeOutcome.SENT
    assert send(sender="web:d") is CodeOutcome.TOO_MANY  # three an hour to one phone, whoever asks


def test_a_code_expires_and_wrong_tries_are_limited(database: Engine) -> None:
    policy = current_policy()
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    sent: list[str] = []

    def send_a_code() -> None:
        with session_scope(database) as session:
            send_code(
                session,
                "oWX",
                "13900000001",
                now=NOW,
                policy=policy,
                send_sms=lambda p, t, k: sent.append(t),
                code_text=lambda code, minutes: code,
            )

    send_a_code()
    with session_scope(database) as session:
        for _ in range(3):
            confirm_code(session, "oWX", "wechat", "x", now=NOW, policy=policy)
        assert confirm_code(session, "oWX", "wechat", sent[0], now=NOW, policy=policy) is CodeOutcome.EXPIRED
    send_a_code()
    later = NOW + timedelta(minutes=11)
    with session_scope(database) as session:
        assert (
            confirm_code(session, "oWX", "wechat", sent[1], now=later, policy=policy) is CodeOutcome.EXPIRED
        )


@pytest.mark.anyio
async def test_a_web_caller_verifies_by_sms_code_over_rest(database: Engine) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    bot = FakeBot()
    token = issue_web_session(identity_secret()).token

    async def say(message: str) -> str:
        answer = await client.post(
            "/webhooks/rest/webhook",
            json.dumps({"sender": token, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        return "".join(reply["text"] for reply in json.loads(answer.body))

    async with serve(rest_channel(limiter()), bot) as client:
        unknown = await say("验证 13700000009")
        asked = await say("验证 139-0000-0001")
        [sms] = codes(database)
        code = re.search(r"\d{6}", sms.text)
        assert code
        done = await say(code.group(0))
    assert "不在我们登记" in unknown and "139****0001" in asked and "嘉禾" in done
    assert sms.recipient == "+8613900000001"
    assert bot.received == []  # the code never entered the conversation
    with session_scope(database) as session:
        assert caller_of(session, "rest", web_sender(identity_secret(), token) or "", None).verified


@pytest.mark.anyio
async def test_a_wechat_openid_is_bound_to_the_contact(database: Engine) -> None:
    from tests.channels.wechat_requests import make_channel, message_xml, signed

    add_contact(database, "13900000001", "郑州市嘉禾医院")
    async with serve(make_channel(), FakeBot()) as client:
        await client.post(
            "/webhooks/wechat/webhook", message_xml("绑定 13900000001", msg_id="1"), signed(nonce="1")
        )
        code = re.search(r"\d{6}", codes(database)[0].text)
        assert code
        await client.post(
            "/webhooks/wechat/webhook", message_xml(code.group(0), msg_id="2"), signed(nonce="2")
        )
    with session_scope(database) as session:
        contact = session.execute(select(Contact)).scalar_one()
        assert contact.wechat_openid == "oUSER1"
        assert caller_of(session, "wechat", "oUSER1", None).may_see_hospital("郑州市嘉禾医院")


def _ticket(session, number: str, hospital: str, address: str, flags: list[str]) -> Ticket:
    ticket = Ticket(
        number=number,
        kind="fault",
        status="new",
        idempotency_key=number,
        hospital=hospital,
        site_address=address,
        flags=flags,
        channel="rest",
        sender_id=f"web:{number}",
        created_at=NOW,
        updated_at=NOW,
        remote_steps=[],
        transcript=[],
    )
    session.add(ticket)
    session.flush()
    return ticket


def test_unverified_pages_are_capped_per_hospital_and_per_address(database: Engine, team: Engine) -> None:
    policy = current_policy()
    with session_scope(database) as session:
        engineer = session.execute(select(Engineer)).scalars().first()
        for index in range(2):
            paged = _ticket(session, f"SR20261206000{index}", "郑州市嘉禾医院", "嘉禾路88号", [UNVERIFIED])
            session.add(
                Page(ticket_id=paged.id, engineer_id=engineer.id, round=0, step=0, reason="x", sent_at=NOW)
            )
        third = _ticket(session, "SR202612060009", "郑州市嘉禾医院", "别处", [])
        elsewhere = _ticket(session, "SR202612060008", "洛阳市明德医院", "明德路16号", [])
        same_address = _ticket(session, "SR202612060007", "随便写的医院", "嘉禾路88号", [])
        assert not may_page_unverified(session, third, at=NOW + timedelta(minutes=5), policy=policy)
        assert not may_page_unverified(session, same_address, at=NOW + timedelta(minutes=5), policy=policy)
        assert may_page_unverified(session, elsewhere, at=NOW + timedelta(minutes=5), policy=policy)
        assert may_page_unverified(session, third, at=NOW + timedelta(minutes=61), policy=policy)
        mark(third, PAGE_HELD)
        assert held_for_duty_desk(third)
        third.engineer_id = engineer.id
        assert not held_for_duty_desk(third)  # the duty desk assigned it: the ladder runs as usual


@pytest.mark.parametrize(
    ("phone", "flags", "expected"),
    [
        ("13912345678", [], ("sms", "+8613912345678")),
        ("+88216000000", ["phone_unverified"], None),
        ("+88216000000", [], None),  # not a mainland mobile: never an SMS destination
        ("13912345678", ["phone_unverified"], None),
        ("0371-65432109", [], None),
    ],
)
def test_notices_go_only_to_validated_mobiles(phone: str, flags: list[str], expected: object) -> None:
    ticket = Ticket(channel="rest", sender_id="web:x", contact_phone=phone, flags=flags)
    assert customer_address(ticket) == expected


def test_state_files_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        (tmp_path / "var" / "log").mkdir(parents=True)
        (tmp_path / "var" / "hotline.db").write_text("x")
        narrow_tree(tmp_path / "var")
        private_files()
        journal = TicketJournal(tmp_path / "var" / "journal", instance_id=0)
        journal.record(
            TicketKind.FAULT,
            Registration(hospital="某医院", contact_phone="13912345678"),
            idempotency_key="k",
            origin=Origin("rest", "web:x", []),
            received_at=NOW,
            policy=current_policy(),
        )
        (tmp_path / "var" / "new.db").write_text("x")
    finally:
        os.umask(old)
    for path in (tmp_path / "var").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700


def test_production_refuses_to_start_without_knowing_its_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """L7: Rasa listens on 127.0.0.1 behind the reverse proxy; without SANIC_PROXIES_COUNT or
    SANIC_REAL_IP_HEADER every web caller would share the proxy's per-address limit."""
    production = replace(
        settings(),
        profile="production",
        database_url="postgresql+psycopg2://hotline@127.0.0.1/hotline",
        redis_url="redis://127.0.0.1:6379/0",
    )
    monkeypatch.delenv("SANIC_PROXIES_COUNT", raising=False)
    monkeypatch.delenv("SANIC_REAL_IP_HEADER", raising=False)
    with pytest.raises(ServerStartError, match="SANIC_PROXIES_COUNT"):
        rasa_environment(production)
    monkeypatch.setenv("SANIC_REAL_IP_HEADER", "X-Real-IP")
    assert rasa_environment(production)["HOTLINE_LOCK_REDIS_PORT"] == "6379"
