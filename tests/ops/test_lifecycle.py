"""The ticket lifecycle: every legal move, every illegal one refused, the audit log, the resolution record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.db.models import Page, Ticket, TicketEvent
from bot.ops import lifecycle
from bot.ops.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    MissingDetails,
    OpsError,
    PartUsed,
    TicketNotFound,
)
from bot.tickets import TicketStatus, find_ticket
from tests.factories import RECEIVED, make_ticket
from tests.support import engineer_id

S = TicketStatus
AT = RECEIVED + timedelta(minutes=5)
ZHOU = "13800000101"  # 周立新, 郑州


def step(session: Session, number: str, to: TicketStatus, engineer: int, at: datetime = AT) -> Ticket:
    """Move a ticket one step with the details that state needs."""
    details: dict[str, Any] = {
        S.DISPATCHED: {"engineer_id": engineer},
        S.EN_ROUTE: {"eta": at + timedelta(hours=1)},
        S.RESOLVED: {
            "cause": "温控传感器老化",
            "actions": "更换传感器并校准",
            "remote": False,
            "parts": [PartUsed("KR-TS-01", 1)],
        },
    }.get(to, {})
    note = "客户要求" if to in (S.CANCELLED, S.REOPENED) else None
    return lifecycle.transition(session, number, to, actor="console:li", note=note, at=at, **details)


# A shortest way from new to each state.
REACH = {
    S.NEW: [],
    S.DISPATCHED: [S.DISPATCHED],
    S.ACCEPTED: [S.DISPATCHED, S.ACCEPTED],
    S.EN_ROUTE: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE],
    S.ON_SITE: [S.DISPATCHED, S.ACCEPTED, S.ON_SITE],
    S.RESOLVED: [S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.RESOLVED],
    S.CLOSED: [S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.RESOLVED, S.CLOSED],
    S.CANCELLED: [S.CANCELLED],
    S.REOPENED: [S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.RESOLVED, S.REOPENED],
}
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]


def reach(engine: Engine, state: TicketStatus) -> tuple[str, int]:
    number, zhou = make_ticket(engine).number, engineer_id(engine, ZHOU)
    with session_scope(engine) as session:
        for target in REACH[state]:
            step(session, number, target, zhou)
    return number, zhou


@pytest.mark.parametrize(("start", "target"), LEGAL, ids=[f"{a.value}->{b.value}" for a, b in LEGAL])
def test_every_legal_transition_is_made_and_audited(
    team: Engine, start: TicketStatus, target: TicketStatus
) -> None:
    number, zhou = reach(team, start)
    with session_scope(team) as session:
        step(session, number, target, zhou, at=AT + timedelta(minutes=1))
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.status == target.value
        last = ticket.events[-1]
        assert (last.kind, last.actor, last.from_status, last.to_status) == (
            "status",
            "console:li",
            start.value,
            target.value,
        )
        assert last.at == AT + timedelta(minutes=1)


@pytest.mark.parametrize("start", list(S), ids=[s.value for s in S])
def test_every_illegal_transition_is_refused_and_changes_nothing(team: Engine, start: TicketStatus) -> None:
    number, zhou = reach(team, start)
    illegal = [target for target in S if target not in TRANSITIONS[start]]
    assert illegal
    for target in illegal:
        with session_scope(team) as session, pytest.raises(IllegalTransition) as refused:
            step(session, number, target, zhou)
        assert number in str(refused.value) and "不能改为" in str(refused.value), target
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.status == start.value
        assert len(ticket.events) == 1 + len(REACH[start])


def test_refusal_names_the_current_state_and_what_is_possible(team: Engine) -> None:
    number, _ = reach(team, S.DISPATCHED)
    with session_scope(team) as session, pytest.raises(IllegalTransition) as refused:
        lifecycle.transition(session, number, S.ON_SITE, actor="console:li", at=AT)
    assert str(refused.value) == (
        f"工单 {number} 当前是「已分派工程师」，不能改为「工程师已到现场处理」。"
        "当前可以改为：「工程师已接单」、「已取消」。"
    )
    number, _ = reach(team, S.CANCELLED)
    with session_scope(team) as session, pytest.raises(IllegalTransition) as refused:
        lifecycle.reopen(session, number, actor="console:li", reason="再看看", at=AT)
    assert str(refused.value).endswith("该工单已结束，不能再更改。")


def test_full_repair_is_recorded_with_who_when_and_the_resolution(team: Engine) -> None:
    number, zhou = make_ticket(team).number, engineer_id(team, ZHOU)
    eta = AT + timedelta(hours=2)
    with session_scope(team) as session:
        lifecycle.assign(session, number, zhou, actor="console:manager", eta=eta, at=AT)
        lifecycle.accept(session, number, actor=ZHOU, at=AT + timedelta(minutes=10))
        lifecycle.transition(session, number, S.EN_ROUTE, actor=ZHOU, at=AT + timedelta(minutes=20))
        lifecycle.transition(session, number, S.ON_SITE, actor=ZHOU, at=AT + timedelta(hours=2))
        lifecycle.resolve(
            session,
            number,
            actor=ZHOU,
            cause="温控传感器老化",
            actions="更换传感器，温度校准后复测",
            parts=[PartUsed("KR-TS-01", 1), PartUsed("KR-FUSE-5A", 2, "保险丝")],
            remote=False,
            at=AT + timedelta(hours=3),
        )
        lifecycle.close(
            session, number, actor="hotline:agent", note="客户电话确认", at=AT + timedelta(hours=5)
        )
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.engineer.name == "周立新" and ticket.eta == eta
        assert ticket.dispatched_at == AT and ticket.accepted_at == AT + timedelta(minutes=10)
        assert ticket.arrived_at == AT + timedelta(hours=2) and ticket.resolved_at == AT + timedelta(hours=3)
        assert ticket.closed_at == AT + timedelta(hours=5) and ticket.first_response_at == AT
        assert ticket.resolution_cause == "温控传感器老化" and ticket.resolved_remotely is False
        assert [(p.part_model, p.quantity) for p in ticket.parts] == [("KR-TS-01", 1), ("KR-FUSE-5A", 2)]
        trail = [(e.actor, e.from_status, e.to_status) for e in ticket.events]
        assert trail == [
            ("caller-t1", None, "new"),
            ("console:manager", "new", "dispatched"),
            (ZHOU, "dispatched", "accepted"),
            (ZHOU, "accepted", "en_route"),
            (ZHOU, "en_route", "on_site"),
            (ZHOU, "on_site", "resolved"),
            ("hotline:agent", "resolved", "closed"),
        ]
        assert (
            "分派给周立新（13800000101）" in ticket.events[1].note
            and "预计11月20日 16:35到达" in ticket.events[1].note
        )
        assert ticket.events[5].note == (
            "原因：温控传感器老化；措施：更换传感器，温度校准后复测；现场解决；"
            "更换配件：KR-TS-01×1、KR-FUSE-5A×2"
        )
        assert ticket.events[6].note == "客户电话确认"


def test_resolution_needs_cause_actions_and_valid_parts(team: Engine) -> None:
    number, _ = reach(team, S.ON_SITE)
    with session_scope(team) as session, pytest.raises(MissingDetails, match="请填写故障原因和处理措施"):
        lifecycle.resolve(session, number, actor="x", cause=" ", actions="", parts=[], remote=False, at=AT)
    with session_scope(team) as session, pytest.raises(MissingDetails, match="型号和数量"):
        lifecycle.resolve(
            session,
            number,
            actor="x",
            cause="c",
            actions="a",
            parts=[PartUsed("KR-TS-01", 0)],
            remote=False,
            at=AT,
        )
    with session_scope(team) as session:
        assert find_ticket(session, number).status == "on_site"
        assert find_ticket(session, number).parts == []


def test_tier_one_records_a_remote_fix_on_a_new_ticket(team: Engine) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.resolve(
            session,
            number,
            actor="hotline:agent",
            cause="参数设置错误",
            actions="电话指导恢复默认设置",
            parts=[],
            remote=True,
            at=AT,
        )
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.status == "resolved" and ticket.resolved_remotely is True and ticket.engineer is None
        assert ticket.events[-1].note == "原因：参数设置错误；措施：电话指导恢复默认设置；远程解决"


def test_cancel_and_reopen_need_a_reason(team: Engine) -> None:
    number, _ = reach(team, S.RESOLVED)
    with session_scope(team) as session, pytest.raises(MissingDetails, match="请填写重新打开的原因"):
        lifecycle.transition(session, number, S.REOPENED, actor="x", at=AT)
    with session_scope(team) as session:
        lifecycle.reopen(session, number, actor="hotline:agent", reason="同样的报警又出现了", at=AT)
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        # The old resolution stays only in the audit log; the ticket is unresolved again, its parts stay
        # replaced.
        assert ticket.status == "reopened" and ticket.resolved_at is None and ticket.resolution_cause is None
        assert len(ticket.parts) == 1 and "原因：温控传感器老化" in ticket.events[-2].note
        assert ticket.events[-1].note == "同样的报警又出现了"


def test_dispatch_needs_an_active_engineer_who_is_not_the_manager(team: Engine) -> None:
    number = make_ticket(team).number
    manager = engineer_id(team, "13800000999")
    with session_scope(team) as session, pytest.raises(MissingDetails, match="分派请指定工程师"):
        lifecycle.transition(session, number, S.DISPATCHED, actor="x", at=AT)
    with session_scope(team) as session, pytest.raises(OpsError, match="孔德明是服务经理"):
        lifecycle.assign(session, number, manager, actor="x", at=AT)
    with session_scope(team) as session, pytest.raises(OpsError, match="没有找到工程师 9999"):
        lifecycle.assign(session, number, 9999, actor="x", at=AT)
    with session_scope(team) as session, pytest.raises(OpsError, match="预计到达时间不能早于现在"):
        lifecycle.assign(
            session, number, engineer_id(team, ZHOU), actor="x", eta=AT - timedelta(hours=1), at=AT
        )
    with session_scope(team) as session:
        assert find_ticket(session, number).status == "new"


def test_reassigning_starts_a_new_round_and_forgets_the_old_acceptance(team: Engine) -> None:
    number, zhou = reach(team, S.ACCEPTED)
    han = engineer_id(team, "13800000102")
    with session_scope(team) as session:
        ticket = lifecycle.assign(session, number, han, actor="console:manager", note="周工请假", at=AT)
        assert (ticket.engineer_id, ticket.dispatch_round, ticket.accepted_at) == (han, 2, None)
        assert ticket.events[-1].note == "分派给韩晓东（13800000102）；周工请假"


def test_accepting_acknowledges_the_pages_about_the_ticket(team: Engine) -> None:
    number, zhou = reach(team, S.DISPATCHED)
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        session.add(
            Page(ticket_id=ticket.id, engineer_id=zhou, round=1, step=0, reason="dispatch", sent_at=AT)
        )
    with session_scope(team) as session:
        lifecycle.accept(session, number, actor=ZHOU, at=AT + timedelta(minutes=3))
    with session_scope(team) as session:
        page = session.execute(select(Page)).scalar_one()
        assert page.acknowledged_at == AT + timedelta(minutes=3)


def test_eta_can_change_while_the_engineer_is_on_the_way_only(team: Engine) -> None:
    number, _ = reach(team, S.EN_ROUTE)
    later = AT + timedelta(hours=4)
    with session_scope(team) as session:
        lifecycle.set_eta(session, number, later, actor=ZHOU, at=AT)
        lifecycle.transition(session, number, S.ON_SITE, actor=ZHOU, at=AT + timedelta(hours=1))
    with session_scope(team) as session, pytest.raises(OpsError, match="不能再修改预计到达时间"):
        lifecycle.set_eta(session, number, later, actor=ZHOU, at=AT)
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.eta == later
        assert [e.kind for e in ticket.events if e.kind == "eta"] == ["eta"]


def test_notify_hook_runs_once_per_change_in_the_same_transaction(team: Engine) -> None:
    number, zhou = make_ticket(team).number, engineer_id(team, ZHOU)
    seen: list[tuple[str, str, int]] = []

    def notify(session: Session, ticket: Ticket, status: TicketStatus) -> None:
        events = (
            session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).scalars().all()
        )
        seen.append((ticket.number, status.value, len(events)))

    with session_scope(team) as session:
        lifecycle.assign(session, number, zhou, actor="x", notify=notify, at=AT)
        lifecycle.accept(session, number, actor="x", notify=notify, at=AT)
    with session_scope(team) as session, pytest.raises(IllegalTransition):
        lifecycle.accept(session, number, actor="x", notify=notify, at=AT)
    assert seen == [(number, "dispatched", 2), (number, "accepted", 3)]


def test_notes_and_plans_are_audited_and_count_as_a_first_response(team: Engine) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.add_note(session, number, "已电话联系科室，确认报警代码E21", actor="console:li", at=AT)
        lifecycle.record_plan(session, number, "更换温控模块，配件明日到", actor="console:li", at=AT)
    with session_scope(team) as session, pytest.raises(OpsError, match="备注内容不能为空"):
        lifecycle.add_note(session, number, "  ", actor="console:li", at=AT)
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert [(e.kind, e.note) for e in ticket.events[1:]] == [
            ("note", "已电话联系科室，确认报警代码E21"),
            ("plan", "更换温控模块，配件明日到"),
        ]
        assert ticket.first_response_at == AT and ticket.status == "new"


def test_unknown_ticket_is_a_clear_error(team: Engine) -> None:
    with session_scope(team) as session, pytest.raises(TicketNotFound, match="没有找到工单 SR209901010001"):
        lifecycle.accept(session, "SR209901010001", actor="x", at=AT)
