"""A caller's changes to an existing ticket, on a fixed clock: cancel, add a line, an overdue promise, each
recorded on the ticket and tier 2 told by SMS; and whether a second report is the same fault."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.ops import lifecycle
from bot.ops.paging import Pager
from bot.ticket_changes import (
    ChangeRefused,
    add_by_caller,
    cancel_by_caller,
    escalate_overdue,
    note_complaint,
    overdue_promise,
    reopen_by_caller,
    same_fault,
    says_it_came_back,
    sounds_impatient,
    wants_addition,
    wants_cancel,
)
from bot.tickets import find_ticket
from tests.factories import RECEIVED, FakeSms, make_ticket
from tests.support import engineer_id

ZHOU = "13800000101"  # the demo team's Zhengzhou engineer


@pytest.mark.parametrize(
    "text",
    [
        "SR202612060037 这个工单撤销吧，血球仪重启以后好了，不用来人了",
        "刚才那个单子撤了吧 重启一下又好了",
        "我要取消这个工单",
        "不用派人了，好了",
        "那张单作废吧",
        "弄好了 谢谢 不需要派工程师了",
        "师傅别过来了 已经能用了",
    ],
)
def test_cancel_is_read_from_natural_words(text: str) -> None:
    assert wants_cancel(text)


@pytest.mark.parametrize(
    "text", ["工单到哪一步了", "工程师什么时候来", "补充一下从东门进", "不用来电话 发短信就行"]
)
def test_other_words_are_no_cancel(text: str) -> None:
    assert not wants_cancel(text)


def test_an_addition_is_recognised() -> None:
    assert wants_addition("补充一下 工程师来的时候从东门进")
    assert wants_addition("麻烦跟工程师说带上加样针")
    assert not wants_addition("工程师什么时候到")


def test_a_new_ticket_is_cancelled_with_the_callers_words_and_the_on_call_engineer_told(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team).number
    at = RECEIVED + timedelta(minutes=20)
    with session_scope(team) as session:
        change = cancel_by_caller(
            session, number, "重启以后好了，不用来人了", caller="caller-1", at=at, pager=pager
        )
    assert change.cancelled and change.told
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.status == "cancelled"
        assert any("重启以后好了" in (e.note or "") for e in ticket.events)
    assert len(sms.sent) == 1 and number in sms.sent[0][1] and "撤销" in sms.sent[0][1]


def test_the_assigned_engineer_is_the_one_told(team: Engine, pager: Pager, sms: FakeSms) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="cli", at=RECEIVED)
        change = add_by_caller(
            session,
            number,
            "从东门进，西门在修路",
            caller="caller-1",
            at=RECEIVED + timedelta(minutes=5),
            pager=pager,
        )
    assert not change.cancelled
    assert sms.phones() == [ZHOU] and "东门" in sms.sent[0][1]
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and any("东门" in (e.note or "") for e in ticket.events)


def test_a_callers_note_is_no_response_by_tier_2(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        add_by_caller(
            session, number, "带上加样针", caller="c", at=RECEIVED + timedelta(minutes=5), pager=pager
        )
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.first_response_at is None


def test_a_ticket_with_the_engineer_on_site_keeps_going_and_the_wish_is_noted(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="cli", at=RECEIVED)
        lifecycle.accept(session, number, actor=ZHOU, at=RECEIVED + timedelta(minutes=1))
        lifecycle.transition(session, number, "on_site", actor=ZHOU, at=RECEIVED + timedelta(minutes=30))
        change = cancel_by_caller(
            session, number, "不用修了", caller="c", at=RECEIVED + timedelta(minutes=31), pager=pager
        )
    assert not change.cancelled
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.status == "on_site"
        assert any("不用修了" in (e.note or "") for e in ticket.events)
    assert "未能撤销" in sms.sent[-1][1]


def test_a_finished_or_unknown_ticket_is_refused_in_chinese(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.cancel(session, number, actor="cli", reason="重复", at=RECEIVED)
        with pytest.raises(ChangeRefused, match="已经结束"):
            add_by_caller(session, number, "补充", caller="c", at=RECEIVED, pager=pager)
        with pytest.raises(ChangeRefused, match="没有找到工单"):
            cancel_by_caller(session, "SR209901010001", "撤销", caller="c", at=RECEIVED, pager=pager)


def test_no_more_visit_for_a_resolved_ticket_says_nobody_comes(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team, resolved_remotely=True).number  # a guided check solved it
    with session_scope(team) as session, pytest.raises(ChangeRefused, match="不会再派工程师"):
        cancel_by_caller(session, number, "那就不用来人了 谢谢", caller="c", at=RECEIVED, pager=pager)
    assert sms.sent == []


def test_an_overdue_response_escalates_and_is_not_promised_again(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.response_due is not None
        assert overdue_promise(ticket, ticket.response_due - timedelta(minutes=1)) is None
        late = ticket.response_due + timedelta(minutes=5)
        overdue = escalate_overdue(session, ticket, now=late, pager=pager)
    assert overdue is not None and overdue.clock == "response" and overdue.escalated_to
    assert sms.sent and number in sms.sent[0][1]


def test_an_answered_ticket_late_for_its_visit_is_about_the_arrival(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="cli", at=RECEIVED)
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.onsite_due is not None
        late = overdue_promise(ticket, ticket.onsite_due + timedelta(minutes=1))
    assert late is not None and late[0] == "onsite"


@pytest.mark.parametrize(
    ("new", "old", "same"),
    [
        ("BC71000001这台还是堵孔", "血球仪报堵孔", True),
        ("又报加样针报警了", "生化仪加样针报警", True),
        ("这台现在屏幕也花了 报修", "发光仪报清洗液不足 但是刚加满", False),
        ("打印机打不出来", "反应盘温度报警", False),
        ("加样针报警 急诊也压着了", "生化仪加样针报警", True),
        ("", "生化仪加样针报警", True),
    ],
)
def test_the_same_fault_or_another(new: str, old: str, same: bool) -> None:
    assert same_fault(new, old) is same


def test_a_complaint_naming_a_ticket_is_noted_on_it(team: Engine) -> None:
    named, complaint_number = make_ticket(team, "named").number, make_ticket(team, "complaint").number
    with session_scope(team) as session:
        complaint = find_ticket(session, complaint_number)
        assert complaint is not None
        assert note_complaint(session, named, complaint, caller="c", at=RECEIVED)
        assert not note_complaint(session, "SR209901010001", complaint, caller="c", at=RECEIVED)
        ticket = find_ticket(session, named)
        assert ticket is not None and any(complaint_number in (e.note or "") for e in ticket.events)


@pytest.mark.parametrize(
    "text",
    ["说好的一个小时都过了 怎么还没人联系", "等了一上午了 到底来不来", "等了三个多小时了", "说话不算数"],
)
def test_a_caller_who_says_they_have_been_waiting_sounds_impatient(text: str) -> None:
    assert sounds_impatient(text)


@pytest.mark.parametrize("text", ["工程师什么时候到", "查一下SR202612060001", "我的单子到哪一步了"])
def test_a_plain_status_question_is_not_impatient(text: str) -> None:
    assert not sounds_impatient(text)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("上礼拜修的那台 今天一开机又报温度异常了", True),
        ("工程师走了没两天 还是报同样的错", True),
        ("修了等于白修 又堵了", True),
        ("修完没几天就又不行了", True),
        ("今天一开机又卡试纸条了", True),
        ("修好了 谢谢你们", False),
        ("工程师什么时候到", False),
    ],
)
def test_a_fault_back_after_the_repair_is_recognised(text: str, back: bool) -> None:
    assert says_it_came_back(text) is back


def test_a_fault_back_after_the_repair_opens_the_ticket_again_and_tells_tier_2(
    team: Engine, pager: Pager, sms: FakeSms
) -> None:
    number = make_ticket(team, resolved_remotely=True).number
    words = "上周说修好了 今天又报温度异常 门诊又停了"
    with session_scope(team) as session:
        change = reopen_by_caller(session, number, words, caller="c", at=RECEIVED, pager=pager)
    assert change.reopened and change.number == number
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.status == "reopened"
        assert any("又报温度异常" in (e.note or "") for e in ticket.events)
    assert "【返修】" in sms.sent[-1][1] and number in sms.sent[-1][1]


def test_the_fault_still_there_on_an_open_ticket_is_a_note(team: Engine, pager: Pager) -> None:
    number = make_ticket(team).number
    with session_scope(team) as session:
        change = reopen_by_caller(session, number, "还是报同样的错", caller="c", at=RECEIVED, pager=pager)
        ticket = find_ticket(session, number)
        assert not change.reopened and ticket is not None and ticket.status == "new"
        assert any("还是报同样的错" in (e.note or "") for e in ticket.events)
