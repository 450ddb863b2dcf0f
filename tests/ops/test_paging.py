"""The paging ladder on a fake clock: the engineer, then the backup, a tier-3 expert and the manager, until
someone accepts; nobody paged twice; re-assigning starts afresh."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Page
from bot.ops import lifecycle
from bot.ops.paging import Pager, page_on_call
from bot.ops.sla import sweep
from bot.policy import ServicePolicy, current_policy
from tests.factories import RECEIVED, FakeSms, make_ticket, utc
from tests.support import engineer_id

T0 = RECEIVED + timedelta(minutes=10)  # Friday 14:40 in Zhengzhou
ZHOU, HAN, GUO = "13800000101", "13800000102", "13800000103"
QIAN, KONG = "13800000901", "13800000999"  # tier-3 chemistry expert, the manager


@pytest.fixture
def ladder_only() -> ServicePolicy:
    """The policy without breach escalation or warnings, so only the ladder's own timer pages."""
    raw = copy.deepcopy(current_policy().raw)
    raw["sla"]["escalate_on_breach"] = []
    raw["sla"]["warn_before_minutes"] = {}
    return ServicePolicy(raw)


def run(engine: Engine, at: datetime, pager: Pager, policy: ServicePolicy | None = None) -> list[str]:
    """One sweep at `at`; the names paged."""
    with session_scope(engine) as session:
        report = sweep(
            session, at, policy or pager.policy, pager.calendar, pager.send_sms, catalogue=pager.catalogue
        )
    return [name for _, name in report.pages]


def assigned_to_zhou(team: Engine, at: datetime = T0, received_at: datetime = RECEIVED) -> str:
    """A new ticket, dispatched to 周立新 by the manager at `at`; its number."""
    number = make_ticket(team, received_at=received_at).number
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="console:manager", at=at)
    return number


def pages(engine: Engine) -> list[tuple[int, int, str, str]]:
    with session_scope(engine) as session:
        return [
            (p.round, p.step, p.engineer.phone, p.reason)
            for p in session.execute(select(Page).order_by(Page.id)).scalars()
        ]


def test_unanswered_page_climbs_the_ladder_one_step_per_wait(
    team: Engine, pager: Pager, sms: FakeSms, ladder_only: ServicePolicy
) -> None:
    number = assigned_to_zhou(team)
    assert run(team, T0, pager, ladder_only) == ["周立新"]
    assert run(team, T0, pager, ladder_only) == []  # the same moment again: nothing new
    assert run(team, T0 + timedelta(minutes=14), pager, ladder_only) == []
    assert run(team, T0 + timedelta(minutes=15), pager, ladder_only) == ["韩晓东"]  # the on-call backup
    assert run(team, T0 + timedelta(minutes=29), pager, ladder_only) == []
    assert run(team, T0 + timedelta(minutes=30), pager, ladder_only) == ["钱俊峰"]  # tier 3, knows the device
    assert run(team, T0 + timedelta(minutes=45), pager, ladder_only) == ["孔德明"]  # the manager
    assert run(team, T0 + timedelta(hours=3), pager, ladder_only) == []  # the ladder has ended
    assert pages(team) == [
        (1, 0, ZHOU, "dispatch"),
        (1, 1, HAN, "no_answer"),
        (1, 2, QIAN, "no_answer"),
        (1, 3, KONG, "no_answer"),
    ]
    assert sms.phones() == [ZHOU, HAN, QIAN, KONG]
    first, second = sms.sent[0][1], sms.sent[1][1]
    assert (
        first
        == f"【售后派单】{number} 郑州市嘉禾医院检验科 全自动生化分析仪 KR-2000：开机报温度异常。紧急，请尽快"
        "接单。"
    )
    assert second == (
        f"【售后升级】{number} 郑州市嘉禾医院检验科 全自动生化分析仪 KR-2000：负责人周立新，"
        "15分钟内无人接单，请您跟进。"
    )
    assert [key for _, _, key in sms.sent] == [f"page:{number}:1:{step}" for step in range(4)]


def test_acceptance_stops_the_ladder(
    team: Engine, pager: Pager, sms: FakeSms, ladder_only: ServicePolicy
) -> None:
    number = assigned_to_zhou(team)
    run(team, T0, pager, ladder_only)
    run(team, T0 + timedelta(minutes=15), pager, ladder_only)
    with session_scope(team) as session:
        lifecycle.accept(session, number, actor=ZHOU, at=T0 + timedelta(minutes=20))
    assert run(team, T0 + timedelta(minutes=30), pager, ladder_only) == []
    assert run(team, T0 + timedelta(hours=1), pager, ladder_only) == []
    with session_scope(team) as session:
        acknowledged = [p.acknowledged_at for p in session.execute(select(Page)).scalars()]
    assert acknowledged == [T0 + timedelta(minutes=20)] * 2
    assert sms.phones() == [ZHOU, HAN]


def test_nobody_is_paged_twice_when_the_engineer_is_also_the_backup(
    team: Engine, pager: Pager, sms: FakeSms, ladder_only: ServicePolicy
) -> None:
    saturday = T0 + timedelta(days=1)  # 郭文博 on weekend duty, 周立新 his backup
    assigned_to_zhou(team, saturday, received_at=saturday)
    for minutes in range(0, 120, 5):
        run(team, saturday + timedelta(minutes=minutes), pager, ladder_only)
    assert sms.phones() == [ZHOU, GUO, QIAN, KONG]
    assert len(set(sms.phones())) == len(sms.phones())


def test_reassigning_pages_the_new_engineer_in_a_new_round(
    team: Engine, pager: Pager, sms: FakeSms, ladder_only: ServicePolicy
) -> None:
    number = assigned_to_zhou(team)
    run(team, T0, pager, ladder_only)
    run(team, T0 + timedelta(minutes=15), pager, ladder_only)  # backup 韩晓东 paged
    with session_scope(team) as session:
        lifecycle.assign(
            session, number, engineer_id(team, HAN), actor="console:manager", at=T0 + timedelta(minutes=16)
        )
    assert run(team, T0 + timedelta(minutes=16), pager, ladder_only) == ["韩晓东"]
    assert run(team, T0 + timedelta(minutes=31), pager, ladder_only) == [
        "周立新"
    ]  # now the backup for 韩晓东
    assert [(r, s) for r, s, _, _ in pages(team)] == [(1, 0), (1, 1), (2, 0), (2, 1)]


def test_an_urgent_fault_after_hours_pages_whoever_is_on_call(
    team: Engine, pager: Pager, sms: FakeSms, ladder_only: ServicePolicy
) -> None:
    night = utc("2026-11-20 23:10")
    number = make_ticket(team, received_at=night).number
    with session_scope(team) as session:
        page = page_on_call(session, number, at=night, pager=pager)
        assert page is not None and page.engineer.name == "韩晓东"  # Friday's night shift
        assert page_on_call(session, number, at=night, pager=pager) is None  # already running
    assert run(team, night + timedelta(minutes=15), pager, ladder_only) == ["郭文博"]  # the night backup
    assert pages(team) == [(0, 0, HAN, "after_hours"), (0, 1, GUO, "no_answer")]
    # Assigning the ticket ends the unassigned round; the assigned engineer's own ladder begins.
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, GUO), actor=GUO, at=night + timedelta(minutes=20))
    assert run(team, night + timedelta(minutes=20), pager, ladder_only) == ["郭文博"]
    assert run(team, night + timedelta(minutes=34), pager, ladder_only) == []


def test_a_ticket_nobody_assigned_is_not_paged_until_its_dispatch_deadline(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team).number
    assert run(team, RECEIVED + timedelta(minutes=14), pager) == []
    # Dispatch due 15 minutes after the report: the breach pages the on-call engineer.
    assert run(team, RECEIVED + timedelta(minutes=15), pager) == ["周立新"]
    assert pages(team) == [(0, 0, ZHOU, "breach:dispatch")]
    assert any(key == f"page:{number}:0:0" for _, _, key in sms.sent)
