"""The ticket page's actions: the lifecycle from claim to close, who may do what, and refusals in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import OutboxMessage, Ticket
from bot.tickets import find_ticket
from tests.factories import FakeClock, make_ticket
from tests.support import Console, Staff

pytestmark = pytest.mark.anyio


def ticket_state(engine: Engine, number: str) -> tuple[str, int | None, list[tuple[str, str | None, str]]]:
    """Status, assigned engineer, and the audit log as (actor, to_status, kind)."""
    with session_scope(engine) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None
        return ticket.status, ticket.engineer_id, [(e.actor, e.to_status, e.kind) for e in ticket.events]


async def test_an_engineer_takes_a_ticket_from_claim_to_resolved(
    console: Console, database: Engine, clock: FakeClock, staff: Staff, number: str
) -> None:
    await console.login("li")
    assert (await console.post(f"/tickets/{number}/claim"))[0] == 303
    clock.advance(minutes=5)
    status, _ = await console.post(f"/tickets/{number}/accept", eta="2026-11-23T12:30")
    assert status == 303
    assert (await console.post(f"/tickets/{number}/en_route"))[0] == 303
    assert (await console.post(f"/tickets/{number}/on_site"))[0] == 303
    status, _ = await console.post(
        f"/tickets/{number}/resolve",
        cause="温控模块传感器老化",
        actions="更换温度传感器并校准",
        part_model_1="TS-200",
        part_quantity_1="2",
        where="onsite",
    )
    assert status == 303
    _, page = await console.get(f"/tickets/{number}?done=resolve")
    assert (
        "已记录处理结果" in page and "温控模块传感器老化" in page and "TS-200" in page and "现场解决" in page
    )
    # The service report is one click away once resolved.
    assert f'href="/tickets/{number}/report"' in page
    status, report = await console.get(f"/tickets/{number}/report")
    assert (
        status == 200 and "维修服务报告" in report and "温控模块传感器老化" in report and "TS-200" in report
    )

    state, engineer, events = ticket_state(database, number)
    assert state == "resolved" and engineer == staff.li
    assert [to for _, to, _ in events] == ["new", "dispatched", "accepted", "en_route", "on_site", "resolved"]
    assert {actor for actor, _, kind in events if kind != "created"} == {"console:li"}
    with session_scope(database) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None
        # 12:30 in Zhengzhou is 04:30 UTC.
        assert ticket.eta == clock.now.replace(hour=4, minute=30)
        assert [(p.part_model, p.quantity) for p in ticket.parts] == [("TS-200", 2)]
        assert ticket.resolved_remotely is False

    # Sent to the hospital once: the contact hears from the outbox, a second click changes nothing.
    assert 'id="send-report"' in page
    assert (await console.post(f"/tickets/{number}/send_report"))[0] == 303
    assert (await console.post(f"/tickets/{number}/send_report"))[0] == 303
    _, page = await console.get(f"/tickets/{number}?done=send_report")
    assert "已发给医院" in page and 'id="send-report"' not in page
    with session_scope(database) as session:
        notices = session.execute(select(OutboxMessage.text)).scalars().all()
    assert sum("维修服务报告已出具" in text for text in notices) == 1


async def test_an_open_ticket_has_no_service_report_yet(console: Console, number: str) -> None:
    await console.login("li")
    _, page = await console.get(f"/tickets/{number}")
    assert 'id="service-report"' not in page
    status, answer = await console.get(f"/tickets/{number}/report")
    assert status == 409 and number in answer


async def test_an_engineer_cannot_assign_a_ticket_to_someone_else(
    console: Console, database: Engine, staff: Staff, number: str
) -> None:
    await console.login("li")
    status, page = await console.post(f"/tickets/{number}/assign", engineer_id=str(staff.wang))
    assert status == 403 and "需要主管权限" in page
    assert ticket_state(database, number)[:2] == ("new", None)
    await console.login("zhang")
    assert (await console.post(f"/tickets/{number}/assign", engineer_id=str(staff.wang), note="就近"))[
        0
    ] == 303
    status, engineer, events = ticket_state(database, number)
    assert (status, engineer) == ("dispatched", staff.wang) and events[-1][:2] == (
        "console:zhang",
        "dispatched",
    )


async def test_an_engineer_cannot_take_over_or_work_someone_elses_ticket(
    console: Console, database: Engine, staff: Staff, number: str
) -> None:
    await console.login("wang")
    await console.post(f"/tickets/{number}/claim")
    await console.login("li")
    status, page = await console.post(f"/tickets/{number}/claim")
    assert status == 403 and "需要主管权限" in page
    status, page = await console.post(f"/tickets/{number}/accept")
    assert status == 403 and "只有该工程师或主管可以操作" in page
    assert ticket_state(database, number)[:2] == ("dispatched", staff.wang)


@pytest.mark.parametrize("action", ["close", "reopen", "cancel"])
async def test_closing_reopening_and_cancelling_are_for_managers(
    console: Console, database: Engine, action: str, number: str
) -> None:
    await console.login("li")
    await console.post(f"/tickets/{number}/claim")
    await console.post(f"/tickets/{number}/accept")
    await console.post(f"/tickets/{number}/resolve", cause="保险丝熔断", actions="更换保险丝", where="remote")
    before = ticket_state(database, number)
    status, page = await console.post(f"/tickets/{number}/{action}", note="客户来电")
    assert status == 403 and "需要主管权限" in page
    assert ticket_state(database, number) == before


async def test_a_manager_closes_and_reopens_with_a_reason(
    console: Console, database: Engine, staff: Staff, number: str
) -> None:
    await console.login("zhang")
    await console.post(f"/tickets/{number}/assign", engineer_id=str(staff.li))
    await console.post(f"/tickets/{number}/accept")
    await console.post(
        f"/tickets/{number}/resolve", cause="网线松动", actions="远程指导插好网线", where="remote"
    )
    assert (await console.post(f"/tickets/{number}/close", note="客户已确认"))[0] == 303
    status, page = await console.post(f"/tickets/{number}/reopen", note="")
    assert status == 400 and "请填写重新打开的原因" in page
    assert (await console.post(f"/tickets/{number}/reopen", note="同样故障再次出现"))[0] == 303
    state, _, events = ticket_state(database, number)
    assert state == "reopened"
    assert [to for _, to, _ in events][-3:] == ["resolved", "closed", "reopened"]


async def test_an_illegal_step_is_refused_with_what_is_possible(
    console: Console, database: Engine, number: str
) -> None:
    await console.login("zhang")
    status, page = await console.post(f"/tickets/{number}/on_site")
    assert status == 409
    assert "当前是「已受理，等待分派工程师」，不能改为「工程师已到现场处理」" in page
    assert ticket_state(database, number)[0] == "new"


async def test_a_second_accept_is_not_recorded_twice(console: Console, database: Engine, number: str) -> None:
    await console.login("li")
    await console.post(f"/tickets/{number}/claim")
    assert (await console.post(f"/tickets/{number}/accept"))[0] == 303
    status, page = await console.post(f"/tickets/{number}/accept")
    assert status == 409 and "不能改为「工程师已接单」" in page
    assert [to for _, to, _ in ticket_state(database, number)[2]].count("accepted") == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"cause": "传感器老化", "actions": "更换", "where": ""}, "请选择远程解决还是现场解决"),
        ({"cause": "", "actions": "更换", "where": "onsite"}, "请填写故障原因"),
        (
            {
                "cause": "传感器老化",
                "actions": "更换",
                "where": "onsite",
                "part_model_1": "TS-200",
                "part_quantity_1": "0",
            },
            "配件数量请填写正整数",
        ),
        (
            {"cause": "传感器老化", "actions": "更换", "where": "onsite", "part_quantity_1": "1"},
            "请同时填写配件型号",
        ),
    ],
)
async def test_a_bad_resolution_form_says_what_to_fix_and_keeps_the_text(
    console: Console, database: Engine, fields: dict[str, str], message: str, number: str
) -> None:
    await console.login("li")
    await console.post(f"/tickets/{number}/claim")
    await console.post(f"/tickets/{number}/accept")
    status, page = await console.post(f"/tickets/{number}/resolve", **fields)
    assert status == 400 and message in page
    if fields["cause"]:
        assert f">{fields['cause']}</textarea>" in page
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert ticket.status == "accepted" and ticket.parts == []


async def test_eta_in_the_past_or_malformed_is_refused(
    console: Console, database: Engine, clock: FakeClock, number: str
) -> None:
    await console.login("li")
    await console.post(f"/tickets/{number}/claim")
    status, page = await console.post(f"/tickets/{number}/eta", eta="明天上午")
    assert status == 400 and "请填写正确的预计到达时间" in page
    status, page = await console.post(f"/tickets/{number}/eta", eta="2026-11-23T09:00")
    assert status == 400 and "不能早于现在" in page
    assert (await console.post(f"/tickets/{number}/eta", eta="2026-11-23T11:15"))[0] == 303
    with session_scope(database) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.eta == clock.now + timedelta(hours=1, minutes=15)


async def test_notes_and_plans_go_into_the_audit_log(console: Console, number: str) -> None:
    await console.login("li")
    assert (await console.post(f"/tickets/{number}/note", note="已电话联系王老师"))[0] == 303
    status, page = await console.post(f"/tickets/{number}/note", note="   ")
    assert status == 400 and "备注内容不能为空" in page
    _, page = await console.get(f"/tickets/{number}")
    assert "console:li" in page and "已电话联系王老师" in page


async def test_an_unknown_ticket_or_action_is_a_chinese_404(console: Console, number: str) -> None:
    await console.login("zhang")
    for status, page in (
        await console.get("/tickets/SR209901010001"),
        await console.post("/tickets/SR209901010001/note", note="x"),
        await console.post(f"/tickets/{number}/teleport"),
    ):
        assert status == 404 and "没有找到这个页面或工单" in page


async def test_a_dispatch_from_the_console_tells_the_hospital_once(
    database: Engine, staff: Staff, clock: FakeClock
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.console.app import create_app
    from bot.db.models import OutboxMessage
    from bot.notify.notices import notify_status_change

    number = make_ticket(database, "k1", received_at=clock.now).number
    client = TestClient(
        TestServer(create_app(database, secret="s", clock=clock, notify=notify_status_change))
    )
    await client.start_server()
    try:
        console = Console(client)
        await console.login("li")
        assert (await console.post(f"/tickets/{number}/assign", engineer_id=str(staff.wang)))[0] == 403
        assert (await console.post(f"/tickets/{number}/claim"))[0] == 303
        assert (await console.post(f"/tickets/{number}/claim"))[
            0
        ] == 303  # taking it back again: no new notice
    finally:
        await client.close()
    with session_scope(database) as session:
        messages = session.execute(select(OutboxMessage)).scalars().all()
        assert [(m.recipient, "李工" in m.text) for m in messages] == [("+8613912345678", True)]
