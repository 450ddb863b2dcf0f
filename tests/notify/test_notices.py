"""What the hospital is told when its ticket moves, on which channel, and never twice for one change."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Engineer, Ticket, TicketEvent
from bot.notify.notices import EngineerContact, notify_report_ready, notify_status_change
from bot.ops import lifecycle
from bot.tickets import TicketStatus
from tests.factories import NOW, make_ticket
from tests.support import messages

ENGINEER = EngineerContact("李建国", "13800000001", eta=NOW + timedelta(hours=2))  # 16:30 local


def change(
    engine: Engine,
    ticket: Ticket,
    status: TicketStatus,
    engineer: EngineerContact | None = ENGINEER,
    record_event: bool = True,
) -> None:
    """A status change as the lifecycle makes it: the audit entry, then the hook, in one transaction."""
    with session_scope(engine) as session:
        stored = session.get(Ticket, ticket.id)
        if record_event:
            session.add(
                TicketEvent(
                    ticket_id=stored.id,
                    at=NOW,
                    actor="test",
                    kind="status",
                    from_status=stored.status,
                    to_status=status.value,
                )
            )
            stored.status = status.value
        notify_status_change(session, stored, status, engineer)


def only_text(engine: Engine) -> str:
    [message] = messages(engine)
    return message.text


def test_engineer_assigned_names_the_engineer_phone_and_local_eta(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    change(database, ticket, TicketStatus.DISPATCHED)
    text = only_text(database)
    assert ticket.number in text and "李建国" in text and "13800000001" in text
    assert "11月21日 16:30" in text  # 08:30 UTC told in Zhengzhou time


def test_engineer_assigned_without_an_eta_says_they_will_call(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    change(database, ticket, TicketStatus.DISPATCHED, EngineerContact("李建国", "13800000001"))
    text = only_text(database)
    assert "李建国" in text and "尽快与您联系" in text and "预计" not in text


def test_en_route_gives_the_eta(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    change(database, ticket, TicketStatus.EN_ROUTE)
    text = only_text(database)
    assert "已出发" in text and "11月21日 16:30" in text and "13800000001" in text


def test_resolved_gives_the_hotline_and_closed_asks_for_a_score(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    change(database, ticket, TicketStatus.RESOLVED)
    change(database, ticket, TicketStatus.CLOSED)
    resolved, closed = (m.text for m in messages(database))
    assert "已处理完毕" in resolved and "400-800-6626" in resolved
    assert "请回复1-5分" in closed and ticket.number in closed


def test_report_ready_is_told_once(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    for _ in range(2):
        with session_scope(database) as session:
            notify_report_ready(session, session.get(Ticket, ticket.id))
    assert "维修服务报告已出具" in only_text(database)


@pytest.mark.parametrize("status", [TicketStatus.ACCEPTED, TicketStatus.ON_SITE, TicketStatus.CANCELLED])
def test_changes_that_do_not_concern_the_hospital_send_nothing(
    database: Engine, status: TicketStatus
) -> None:
    change(database, make_ticket(database, received_at=NOW), status)
    assert messages(database) == []


def test_the_hook_called_twice_for_one_change_notifies_once_but_a_later_change_again(
    database: Engine,
) -> None:
    ticket = make_ticket(database, received_at=NOW)
    change(database, ticket, TicketStatus.RESOLVED)
    change(database, ticket, TicketStatus.RESOLVED, record_event=False)  # the same change, hook repeated
    assert len(messages(database)) == 1
    change(database, ticket, TicketStatus.REOPENED)
    change(database, ticket, TicketStatus.RESOLVED)  # resolved again after a reopen: a new change
    assert [m.text.startswith(f"工单{ticket.number}已处理完毕") for m in messages(database)] == [True, True]


@pytest.mark.parametrize(
    ("channel", "sender", "phone", "expected"),
    [
        ("wechat", "oWx-openid-1", "13912345678", ("wechat", "oWx-openid-1")),
        ("twilio_sms", "+8613700000002", "13912345678", ("sms", "+8613700000002")),
        ("twilio_voice", "+8613700000002", "13912345678", ("sms", "+8613912345678")),
        ("rest", "web-1", "139-1234-5678", ("sms", "+8613912345678")),
    ],
)
def test_the_notice_goes_back_on_the_channel_the_ticket_came_from(
    database: Engine, channel: str, sender: str, phone: str, expected: tuple[str, str]
) -> None:
    change(
        database,
        make_ticket(database, received_at=NOW, channel=channel, sender_id=sender, contact_phone=phone),
        TicketStatus.RESOLVED,
    )
    [message] = messages(database)
    assert (message.channel, message.recipient) == expected


def test_a_web_ticket_with_only_a_landline_gets_no_sms(database: Engine) -> None:
    change(
        database, make_ticket(database, received_at=NOW, contact_phone="0371-65432109"), TicketStatus.RESOLVED
    )
    assert messages(database) == []


def test_engineer_contact_is_read_from_the_ticket_when_not_given() -> None:
    ticket = SimpleNamespace(engineer=SimpleNamespace(name="李建国", phone="13800000001"), eta=NOW)
    assert EngineerContact.of(ticket) == EngineerContact("李建国", "13800000001", NOW)  # type: ignore[arg-type]
    assert EngineerContact.of(SimpleNamespace(engineer=None)) is None  # type: ignore[arg-type]


def test_the_lifecycle_assignment_notifies_with_the_assigned_engineer(database: Engine) -> None:
    """The hook as `hotline tickets assign` wires it: the engineer comes from the ticket itself."""
    ticket = make_ticket(database, received_at=NOW)
    with session_scope(database) as session:
        engineer = Engineer(
            name="赵志远",
            phone="13800000009",
            tier=2,
            is_manager=False,
            regions=["郑州"],
            skills=[],
            active=True,
        )
        session.add(engineer)
        session.flush()
        lifecycle.assign(
            session,
            ticket.number,
            engineer.id,
            actor="test",
            eta=NOW + timedelta(hours=1),
            at=NOW,
            notify=notify_status_change,
        )
    text = only_text(database)
    assert "赵志远" in text and "13800000009" in text and "11月21日 15:30" in text
    with session_scope(database) as session:
        kinds = session.execute(
            select(TicketEvent.to_status).where(TicketEvent.ticket_id == ticket.id)
        ).scalars()
        assert "dispatched" in list(kinds)
