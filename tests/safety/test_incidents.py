"""Safety incidents (bot/incidents.py): top severity, paged at once day and night, an open ticket escalated,
the adverse-event record, the SLA clock, the console's queue and the monthly report."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.console.config import console_config
from bot.console.queues import QueueFilter, queue
from bot.db import session_scope
from bot.db.models import AdverseEvent, OutboxMessage, Page, Ticket
from bot.incidents import (
    DEATH,
    ESCALATED_EVENT,
    GROUP_EVENT,
    SERIOUS_INJURY,
    IncidentOutcome,
    IncidentReport,
    submit_incident,
)
from bot.journal import TicketJournal
from bot.ops.calendar import BusinessCalendar, current_calendar
from bot.ops.sla import clocks_for
from bot.ops.staff import on_call
from bot.policy import current_policy
from bot.reports.monthly import monthly_report, render_markdown
from bot.safety import ADVERSE_EVENT, CLINICAL_RISK, SAFETY_INCIDENT, SAFETY_SEVERITY, current_safety_rules
from bot.tickets import Origin, Registration, find_ticket
from tests.factories import make_ticket, utc

NIGHT = utc("2026-11-20 03:00")  # Friday, 03:00 in Zhengzhou
DAY = utc("2026-11-20 10:00")
MANAGER = "13800000999"  # kb/demo/staff.yml
SMOKE = IncidentReport(("smoke_fire",), (SAFETY_INCIDENT,), "血球仪后面冒烟了，有焦糊味", "都安全")


def site(**overrides: str) -> Registration:
    fields = dict(
        hospital="郑州市嘉禾医院",
        department="检验科",
        contact_phone="13912345678",
        device="全自动血细胞分析仪",
        site_city="郑州",
        description="【安全事件】血球仪后面冒烟了",
    )
    fields.update(overrides)
    return Registration(**fields)  # type: ignore[arg-type]


@pytest.fixture
def journal(tmp_path: Path) -> TicketJournal:
    return TicketJournal(tmp_path / "journal", instance_id=0)


def register(
    engine: Engine,
    journal: TicketJournal,
    at: datetime,
    registration: Registration | None = None,
    report: IncidentReport = SMOKE,
    key: str = "1",
) -> IncidentOutcome:
    result = submit_incident(
        registration or site(),
        report,
        report_id=key,
        origin=Origin("rest", "caller", []),
        received_at=at,
        journal=journal,
        safety_rules=current_safety_rules(),
        engine=engine,
    )
    assert result.incident is not None
    return result.incident


def pages_sent(engine: Engine, number: str) -> list[str]:
    """Recipients of the safety pages about this ticket in the outbox, in order (digits only)."""
    with session_scope(engine) as session:
        messages = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [m.recipient[-11:] for m in messages if "【安全事件】" in m.text and number in m.text]


def on_call_primary(engine: Engine, at: datetime, calendar: BusinessCalendar) -> str:
    with session_scope(engine) as session:
        duty = on_call(session, "郑州", at, calendar)
        return str(next(d.engineer.phone for d in duty if d.role == "primary")).replace("-", "")


@pytest.mark.parametrize("at", [NIGHT, DAY], ids=["03:00", "10:00"])
def test_an_incident_is_top_severity_and_pages_the_on_call_engineer_and_the_manager_at_once(
    team: Engine, journal: TicketJournal, calendar: BusinessCalendar, at: datetime
) -> None:
    outcome = register(team, journal, at)
    assert not outcome.escalated and outcome.paged == 2
    assert pages_sent(team, outcome.number) == [on_call_primary(team, at, calendar), MANAGER]
    with session_scope(team) as session:
        ticket = find_ticket(session, outcome.number)
        assert ticket is not None
        assert (ticket.severity, ticket.urgent, ticket.flags) == (SAFETY_SEVERITY, True, [SAFETY_INCIDENT])
        assert ticket.response_due == at + timedelta(minutes=10)
        assert ticket.onsite_due == at + timedelta(hours=2)  # 郑州 is a station city
        assert [e.kind for e in ticket.events] == ["created", "safety"]


def test_a_retried_registration_pages_and_logs_nothing_twice(team: Engine, journal: TicketJournal) -> None:
    first = register(team, journal, NIGHT)
    again = register(team, journal, NIGHT + timedelta(seconds=5))
    assert again.number == first.number and len(pages_sent(team, first.number)) == 2
    with session_scope(team) as session:
        assert len(list(session.execute(select(Ticket)).scalars())) == 1
        assert len(list(session.execute(select(Page)).scalars())) == 2


def test_an_open_ticket_on_the_device_is_escalated_not_noted(team: Engine, journal: TicketJournal) -> None:
    clog = make_ticket(
        team, "clog", serial_number="BC25010266", description="白细胞通道堵孔", clinical_impact="不影响"
    ).number
    with session_scope(team) as session:
        before = find_ticket(session, clog)
        assert before is not None and before.severity != SAFETY_SEVERITY and not before.urgent
    outcome = register(team, journal, DAY, site(serial_number="BC25010266"))
    assert outcome.escalated and outcome.number == clog and outcome.paged == 2
    with session_scope(team) as session:
        ticket = find_ticket(session, clog)
        assert ticket is not None
        assert (ticket.severity, ticket.urgent, SAFETY_INCIDENT in ticket.flags) == (
            SAFETY_SEVERITY,
            True,
            True,
        )
        assert ticket.response_due == DAY + timedelta(minutes=10)
        kinds = [e.kind for e in ticket.events]
        assert ESCALATED_EVENT in kinds and "note" not in kinds
        assert "冒烟" in next(e.note for e in ticket.events if e.kind == ESCALATED_EVENT)
        assert len(list(session.execute(select(Ticket)).scalars())) == 1


def test_a_ticket_already_paged_gets_a_fresh_round_when_escalated(
    team: Engine, journal: TicketJournal
) -> None:
    number = make_ticket(team, "paged", serial_number="KR23060142").number
    first = register(team, journal, NIGHT, site(serial_number="KR23060142"), key="a")
    second = register(team, journal, NIGHT + timedelta(minutes=3), site(serial_number="KR23060142"), key="b")
    assert first.number == second.number == number
    assert first.paged == 2 and second.paged == 2  # a second caller's new danger pages again


@pytest.mark.parametrize(
    ("people", "category", "within"),
    [
        ("技师的手被划伤了，批号 A2311-02", SERIOUS_INJURY, timedelta(days=20)),
        ("病人抢救无效死亡", DEATH, timedelta(days=7)),
        ("好几个病人都说不舒服", GROUP_EVENT, timedelta(hours=12)),
    ],
)
def test_harm_opens_an_adverse_event_record_with_its_reporting_deadline(
    team: Engine, journal: TicketJournal, people: str, category: str, within: timedelta
) -> None:
    report = IncidentReport(("electric",), (SAFETY_INCIDENT, ADVERSE_EVENT), "机壳漏电，有人被电到", people)
    outcome = register(team, journal, DAY, site(contact_person="李娜", serial_number="KR23060142"), report)
    assert outcome.adverse_event_due == DAY + within
    with session_scope(team) as session:
        [event] = session.execute(select(AdverseEvent)).scalars()
        assert (event.category, event.report_due, event.ticket.number) == (
            category,
            DAY + within,
            outcome.number,
        )
        assert (event.serial_number, event.outcome, event.reporter) == (
            "KR23060142",
            people,
            "李娜 13912345678",
        )
        assert event.lot_numbers == ("A2311-02" if "批号" in people else None)


def test_no_adverse_event_without_harm(team: Engine, journal: TicketJournal) -> None:
    outcome = register(team, journal, DAY)
    assert outcome.adverse_event_due is None
    with session_scope(team) as session:
        assert list(session.execute(select(AdverseEvent)).scalars()) == []


def test_the_sla_clock_of_an_incident_is_the_shortest_of_the_policy(
    team: Engine, journal: TicketJournal
) -> None:
    policy = current_policy()
    outcome = register(team, journal, NIGHT)
    with session_scope(team) as session:
        ticket = find_ticket(session, outcome.number)
        assert ticket is not None
        clocks = {clock.name: clock.due_at for clock in clocks_for(ticket, policy, current_calendar())}
    assert clocks["dispatch"] == NIGHT + timedelta(minutes=5) and clocks["response"] == NIGHT + timedelta(
        minutes=10
    )
    shortest_elsewhere = min(
        policy.minutes("deadlines.handoff_minutes"),
        policy.minutes("deadlines.callback_minutes"),
        policy.hours("deadlines.first_response_hours"),
    )
    assert clocks["dispatch"] - NIGHT < shortest_elsewhere and clocks["response"] - NIGHT < shortest_elsewhere


def test_the_console_queue_shows_incidents_above_everything(team: Engine, journal: TicketJournal) -> None:
    # red: its deadlines have passed
    late = make_ticket(team, "late", received_at=NIGHT - timedelta(hours=10)).number
    incident = register(team, journal, NIGHT).number
    with session_scope(team) as session:
        rows = queue(session, QueueFilter.from_query({}), NIGHT + timedelta(minutes=1), console_config())
        assert [row.ticket.number for row in rows][:2] == [incident, late]


def test_the_monthly_report_lists_incidents_and_adverse_events(
    team: Engine, journal: TicketJournal, calendar: BusinessCalendar
) -> None:
    make_ticket(team, "clog", serial_number="BC25010266", received_at=DAY - timedelta(hours=1))
    register(team, journal, DAY, site(serial_number="BC25010266"))
    hurt = IncidentReport(
        ("person_hurt",), (SAFETY_INCIDENT, ADVERSE_EVENT), "操作员的手被样本臂夹伤了", "手流血，已包扎"
    )
    number = register(team, journal, DAY, site(serial_number="KR23060142"), hurt, key="2").number
    policy = current_policy()
    with session_scope(team) as session:
        report = monthly_report(
            session, "2026-11", policy=policy, calendar=calendar, now=DAY + timedelta(days=1)
        )
    assert report.safety_incidents == 2
    [line] = report.adverse_events
    assert (line.number, line.category, line.outcome) == (number, "严重伤害（或可能）", "手流血，已包扎")
    text = render_markdown(report, policy)
    assert "安全事件 2 单" in text and "操作员的手被样本臂夹伤了" in text


def test_clinical_risk_is_flagged_on_the_ticket(team: Engine, journal: TicketJournal) -> None:
    report = IncidentReport(("clinical_risk",), (CLINICAL_RISK,), "质控失控，报告已经发出去了")
    outcome = register(team, journal, DAY, report=report)
    with session_scope(team) as session:
        ticket = find_ticket(session, outcome.number)
        assert ticket is not None and ticket.flags == [CLINICAL_RISK] and ticket.severity == SAFETY_SEVERITY
