"""Tickets on a real (temporary SQLite) database: numbering, exactly once, duplicates, look-ups."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.db import migrate, session_scope
from bot.db.models import Ticket
from bot.policy import current_policy
from bot.tickets import (
    OpenTicketExists,
    Origin,
    Registration,
    TicketKind,
    create_fault_ticket,
    create_service_request,
    find_ticket,
    ticket_as_dict,
    tickets_for_caller,
)
from bot.triage import current_rules
from tests.factories import (
    CALLER_ORIGIN,
    TICKET_RECEIVED,
    create_fault,
    same_device_at_once,
    urgent_report,
)


def test_ticket_number_is_sr_local_date_and_daily_sequence(database: Engine) -> None:
    first, _ = create_fault(database, "a")
    second, _ = create_fault(database, "b", urgent_report(serial_number="AA21110387"))
    assert first == "SR202611210001"
    assert second == "SR202611210002"


def test_same_intake_twice_makes_one_ticket(database: Engine) -> None:
    assert create_fault(database, "intake-1") == ("SR202611210001", True)
    assert create_fault(database, "intake-1") == ("SR202611210001", False)
    with session_scope(database) as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == 1


def test_second_report_for_a_device_with_an_open_ticket_is_refused(database: Engine) -> None:
    create_fault(database, "first")
    with session_scope(database) as session, pytest.raises(OpenTicketExists) as raised:
        create_fault_ticket(
            session,
            urgent_report(),
            idempotency_key="second",
            origin=CALLER_ORIGIN,
            policy=current_policy(),
            rules=current_rules(),
            received_at=TICKET_RECEIVED,
        )
    assert raised.value.ticket.number == "SR202611210001"


def test_ticket_keeps_registration_triage_and_deadlines(database: Engine) -> None:
    number, _ = create_fault(database, "k")
    with session_scope(database) as session:
        data = ticket_as_dict(find_ticket(session, number.lower()))
    assert data["status"] == "new" and data["kind"] == "fault"
    assert data["urgent"] is True and data["severity"] == "complex" and data["distance"] == "same_city"
    assert data["deadlines"]["response_due"] == "2026-11-21T07:30:00Z"
    assert data["deadlines"]["onsite_due"] == "2026-11-21T09:30:00Z"
    assert data["deadlines"]["plan_due"] == "2026-11-23T06:30:00Z"
    assert data["contact_phone"] == "13912345678" and data["serial_number"] == "KR23060142"
    assert data["transcript"] == [{"role": "user", "text": "生化仪坏了"}]
    assert [e["kind"] for e in data["events"]] == ["created"]


def test_concurrent_intakes_get_unique_numbers(database: Engine) -> None:
    def submit(i: int) -> str:
        return create_fault(database, f"intake-{i}", urgent_report(serial_number=f"ZZ{i:08d}"))[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(submit, range(24)))
    assert len(set(numbers)) == 24
    assert all(re.fullmatch(r"SR20261121\d{4}", n) for n in numbers)


def test_service_requests_get_their_own_response_clock(database: Engine) -> None:
    with session_scope(database) as session:
        complaint, _ = create_service_request(
            session,
            TicketKind.COMPLAINT,
            Registration(contact_phone="13912345678", description="工程师没按时到"),
            idempotency_key="c1",
            origin=CALLER_ORIGIN,
            policy=current_policy(),
            received_at=TICKET_RECEIVED,
        )
        assert complaint.response_due == datetime(2026, 11, 21, 18, 30)  # 12 h
        callback, _ = create_service_request(
            session,
            TicketKind.CALLBACK,
            Registration(contact_phone="13912345678"),
            idempotency_key="h1",
            origin=CALLER_ORIGIN,
            policy=current_policy(),
            received_at=TICKET_RECEIVED,
        )
        assert callback.response_due == datetime(2026, 11, 21, 7, 0)  # 30 min


def test_caller_finds_tickets_by_conversation_or_phone(database: Engine) -> None:
    create_fault(database, "mine")
    create_fault(
        database,
        "other",
        urgent_report(serial_number="AA21110387", contact_phone="13800001111"),
        Origin("twilio_sms", "+8613800001111", []),
    )
    with session_scope(database) as session:
        assert [t.serial_number for t in tickets_for_caller(session, sender_id="caller-1")] == ["KR23060142"]
        assert [t.serial_number for t in tickets_for_caller(session, phone="13800001111")] == ["AA21110387"]
        assert tickets_for_caller(session) == []


def test_migrations_go_down_and_up_again(database: Engine) -> None:
    url = str(database.url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    assert create_fault(database, "after") == ("SR202611210001", True)


def test_one_device_reported_by_several_callers_at_once_gets_one_ticket(database: Engine) -> None:
    told = same_device_at_once(database, 6)
    [created] = [line for line in told if line.startswith("created")]
    number = created.split()[1]
    assert sorted(told) == sorted([created] + [f"already {number}"] * 5)
