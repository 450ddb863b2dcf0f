"""The SLA sweep: a warning before each deadline and a breach after it, each once; escalation; idempotency."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Page, SlaAlert, TicketEvent
from bot.ops import lifecycle
from bot.ops.calendar import BusinessCalendar
from bot.ops.paging import Pager
from bot.ops.sla import SweepReport, clocks_for, deadline_after, sweep
from bot.policy import PolicyError, current_policy
from bot.tickets import find_ticket
from tests.factories import RECEIVED, FakeSms, make_complaint, make_ticket, utc
from tests.support import engineer_id

ZHOU = "13800000101"


def run(engine: Engine, at: datetime, pager: Pager) -> SweepReport:
    with session_scope(engine) as session:
        return sweep(session, at, pager.policy, pager.calendar, pager.send_sms, catalogue=pager.catalogue)


def counts(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return (
            session.execute(select(func.count(SlaAlert.id))).scalar_one(),
            session.execute(select(func.count(TicketEvent.id))).scalar_one(),
            session.execute(select(func.count(Page.id))).scalar_one(),
        )


def test_clocks_of_an_urgent_complex_fault(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        clocks = {
            c.name: c.due_at for c in clocks_for(find_ticket(session, number), pager.policy, pager.calendar)
        }
    assert clocks == {
        "response": RECEIVED + timedelta(hours=1),
        "dispatch": RECEIVED + timedelta(minutes=15),
        "onsite": RECEIVED + timedelta(hours=3),
        "plan": RECEIVED + timedelta(hours=48),
    }


def test_warning_once_before_and_breach_once_after(team: Engine, pager: Pager, sms: FakeSms) -> None:
    number = make_ticket(team).number
    assert not run(team, RECEIVED + timedelta(minutes=9), pager)
    report = run(team, RECEIVED + timedelta(minutes=10), pager)  # dispatch due in 5 minutes
    assert report.warnings == [(number, "dispatch")] and not report.breaches
    assert sms.sent[-1] == (
        ZHOU,
        f"【时限提醒】{number} 郑州市嘉禾医院：「派单」时限11月20日 14:45到期，请抓紧处理。",
        f"sla:{number}:dispatch:warning:2026-11-20T06:45:00",
    )
    assert not run(team, RECEIVED + timedelta(minutes=12), pager)
    report = run(team, RECEIVED + timedelta(minutes=15), pager)
    assert report.breaches == [(number, "dispatch")] and report.pages == [(number, "周立新")]
    assert not run(team, RECEIVED + timedelta(minutes=16), pager)
    report = run(team, RECEIVED + timedelta(minutes=45), pager)  # response due in 15 minutes
    assert report.warnings == [(number, "response")]
    with session_scope(team) as session:
        audit = [(e.kind, e.actor, e.note) for e in find_ticket(session, number).events if e.actor == "sla"]
    assert audit == [
        ("sla_warning", "sla", "「派单」时限将到（11月20日 14:45）"),
        ("breach", "sla", "「派单」时限已过（11月20日 14:45）"),
        ("sla_warning", "sla", "「首次响应」时限将到（11月20日 15:30）"),
    ]


def test_sweeping_twice_at_the_same_moment_does_nothing_new(team: Engine, pager: Pager, sms: FakeSms) -> None:
    make_ticket(team, "a")
    make_ticket(team, "b", site_city="洛阳", hospital="洛阳市明德医院", device="原子吸收光谱仪 AA-7000")
    for minutes in (0, 10, 15, 30, 45, 60, 180, 200, 3000):
        at = RECEIVED + timedelta(minutes=minutes)
        run(team, at, pager)
        before, sent = counts(team), len(sms.sent)
        assert not run(team, at, pager), minutes
        assert counts(team) == before and len(sms.sent) == sent
    with session_scope(team) as session:
        breaches = sorted(session.execute(select(SlaAlert.clock).where(SlaAlert.kind == "breach")).scalars())
    assert breaches == ["dispatch", "dispatch", "onsite", "onsite", "plan", "plan", "response", "response"]


def test_met_deadlines_raise_nothing(team: Engine, pager: Pager, sms: FakeSms) -> None:
    number = make_ticket(team).number
    at = RECEIVED + timedelta(minutes=5)
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="console:manager", at=at)
        lifecycle.accept(session, number, actor=ZHOU, at=at)
        lifecycle.transition(session, number, "on_site", actor=ZHOU, at=at + timedelta(hours=1))
        lifecycle.record_plan(session, number, "更换温控模块", actor=ZHOU, at=at + timedelta(hours=2))
    report = run(team, RECEIVED + timedelta(days=3), pager)
    assert not report.breaches and not report.warnings


def test_engineer_who_does_not_confirm_is_escalated_past(team: Engine, pager: Pager, sms: FakeSms) -> None:
    number = make_ticket(team).number
    at = RECEIVED + timedelta(minutes=5)
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="console:manager", at=at)
    assert run(team, at, pager).pages == [(number, "周立新")]
    report = run(team, at + timedelta(minutes=20), pager)  # the ladder's wait: the backup
    assert report.pages == [(number, "韩晓东")] and report.warnings == [(number, "engineer_confirm")]
    report = run(
        team, at + timedelta(minutes=30), pager
    )  # not confirmed in 30 minutes: breach, next step now
    assert report.breaches == [(number, "engineer_confirm")] and report.pages == [(number, "钱俊峰")]
    assert "「工程师确认」时限已过" in sms.sent[-1][1]


def test_an_accepted_ticket_late_on_site_goes_up_past_its_engineer(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team).number
    at = RECEIVED + timedelta(minutes=5)
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="console:manager", at=at)
        lifecycle.accept(session, number, actor=ZHOU, at=at)
    report = run(team, RECEIVED + timedelta(hours=3), pager)  # 17:30: the night shift's backup is 郭文博
    assert report.breaches == [(number, "onsite")] and report.pages == [(number, "郭文博")]
    assert sms.sent[-1][1].endswith("负责人周立新，「到场」时限已过，请您跟进。")


def complaint(engine: Engine, received_at: datetime) -> str:
    return str(make_complaint(engine, received_at=received_at).number)


def test_complaint_answer_counts_working_days_over_national_day(team: Engine, pager: Pager) -> None:
    received = utc("2026-09-30 16:00")
    number = complaint(team, received)
    with session_scope(team) as session:
        clocks = {
            c.name: c.due_at for c in clocks_for(find_ticket(session, number), pager.policy, pager.calendar)
        }
    assert clocks["complaint_answer"] == utc("2026-10-10 16:00")  # 8, 9 and the make-up Saturday 10 October
    with session_scope(team) as session:
        lifecycle.add_note(
            session, number, "经理已致电科室主任", actor="manager", at=received + timedelta(hours=2)
        )
    assert not run(team, utc("2026-10-09 16:00"), pager).breaches
    assert run(team, utc("2026-10-10 12:00"), pager).warnings == [(number, "complaint_answer")]
    assert run(team, utc("2026-10-10 16:00"), pager).breaches == [(number, "complaint_answer")]


def test_deadline_after_reads_the_unit_from_the_policy_key(calendar: BusinessCalendar) -> None:
    policy = current_policy()
    friday = utc("2026-11-20 10:00")
    assert deadline_after(friday, "deadlines.handoff_minutes", policy, calendar) == friday + timedelta(
        minutes=15
    )
    assert deadline_after(
        friday, "deadlines.complaint_contact_hours", policy, calendar
    ) == friday + timedelta(hours=12)
    assert deadline_after(friday, "deadlines.service_report_working_days", policy, calendar) == utc(
        "2026-11-25 10:00"
    )
    with pytest.raises(PolicyError, match="must end in"):
        deadline_after(friday, "maintenance.preventive_interval_months", policy, calendar)


def test_warnings_go_to_the_engineer_who_has_the_ticket(team: Engine, pager: Pager, sms: FakeSms) -> None:
    number = make_ticket(team).number
    han = engineer_id(team, "13800000102")
    with session_scope(team) as session:
        lifecycle.assign(session, number, han, actor="console:manager", at=RECEIVED)
        lifecycle.accept(session, number, actor="13800000102", at=RECEIVED)
    run(team, RECEIVED + timedelta(hours=2, minutes=30), pager)
    assert sms.sent[-1][0] == "13800000102" and "「到场」时限" in sms.sent[-1][1]


def resolved_on_site(engine: Engine, key: str, at: datetime) -> str:
    number = make_ticket(engine, key, received_at=at - timedelta(hours=3)).number
    with session_scope(engine) as session:
        lifecycle.assign(
            session, number, engineer_id(engine, ZHOU), actor="console:manager", at=at - timedelta(hours=3)
        )
        lifecycle.accept(session, number, actor=ZHOU, at=at - timedelta(hours=3))
        lifecycle.transition(session, number, "on_site", actor=ZHOU, at=at - timedelta(hours=2))
        lifecycle.resolve(
            session,
            number,
            actor=ZHOU,
            cause="温控模块老化",
            actions="更换温控模块",
            parts=[lifecycle.PartUsed("KR-TC-01", 1)],
            remote=False,
            at=at,
        )
    return number


def test_a_repair_owes_its_service_report_within_three_working_days(team: Engine, pager: Pager) -> None:
    resolved = utc("2026-11-20 16:00")  # a Friday afternoon in Zhengzhou
    late, on_time = resolved_on_site(team, "late", resolved), resolved_on_site(team, "sent", resolved)
    with session_scope(team) as session:
        clocks = {
            c.name: c.due_at for c in clocks_for(find_ticket(session, late), pager.policy, pager.calendar)
        }
        assert clocks["service_report"] == utc("2026-11-25 16:00")  # Monday, Tuesday, Wednesday
        told: list[int] = []
        first = lifecycle.send_service_report(
            session,
            on_time,
            actor=ZHOU,
            at=resolved + timedelta(days=1),
            notify_report=lambda _s, _t, event_id: told.append(event_id),
        )
        again = lifecycle.send_service_report(
            session, on_time, actor=ZHOU, notify_report=lambda *_: told.append(0)
        )
        assert again.id == first.id and told == [first.id]  # sent once, the hospital told once
    assert not run(team, utc("2026-11-25 08:00"), pager).breaches
    assert run(team, utc("2026-11-25 16:00"), pager).breaches == [(late, "service_report")]


def test_no_report_before_the_repair_and_none_owed_for_the_bots_own_fix(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session, pytest.raises(lifecycle.OpsError, match="处理完毕后才能出具"):
        lifecycle.send_service_report(session, number, actor=ZHOU)
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None
        ticket.status, ticket.resolved_at, ticket.flags = "resolved", RECEIVED, ["remote_resolved"]
    with session_scope(team) as session:
        names = [c.name for c in clocks_for(find_ticket(session, number), pager.policy, pager.calendar)]
    assert "service_report" not in names
