"""The console's pages as an engineer sees them: the queue, a ticket, complaints, reviews, the KPI
dashboard."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.console import views
from bot.db import session_scope
from bot.db.models import Rating
from bot.policy import current_policy
from bot.tickets import Origin, Registration, TicketKind, create_service_request
from tests.factories import FakeClock, make_ticket
from tests.support import Console

pytestmark = pytest.mark.anyio


def queue_rows(page: str) -> list[tuple[str, str]]:
    """(colour, ticket number) of each queue row, top to bottom."""
    return re.findall(r'<tr class="sla-(\w+)" data-number="(SR\d+)">', page)


def make_complaint(engine: Engine, key: str, at: datetime) -> str:
    with session_scope(engine) as session:
        ticket, _ = create_service_request(
            session,
            TicketKind.COMPLAINT,
            Registration(hospital="洛阳市安和医院", site_city="洛阳", description="工程师迟到两小时"),
            idempotency_key=key,
            origin=Origin("rest", "c", []),
            policy=current_policy(),
            received_at=at,
        )
        return str(ticket.number)


def rate(engine: Engine, score: int, at: datetime, comment: str) -> int:
    with session_scope(engine) as session:
        rating = Rating(score=score, comment=comment, channel="rest", sender_id="s", created_at=at)
        session.add(rating)
        session.flush()
        return int(rating.id)


async def test_queue_shows_sla_colours_overdue_first(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    # First response within 1 h. Created 2 h ago → red; 50 min ago → amber; now → green. The colour decides
    # the order before urgency does: a routine ticket about to be late comes before an urgent one just in.
    fresh = make_ticket(database, "fresh", received_at=clock.now).number
    late = make_ticket(database, "late", received_at=clock.now - timedelta(hours=2)).number
    close = make_ticket(
        database,
        "close",
        received_at=clock.now - timedelta(minutes=50),
        clinical_impact="不影响使用",
        description="打印机偶尔卡纸",
    ).number
    await console.login("li")
    status, page = await console.get("/queue")
    assert status == 200
    assert queue_rows(page) == [("red", late), ("amber", close), ("green", fresh)]
    assert "已超时 1小时00分" in page and "还剩 10分" in page


async def test_queue_filters_by_urgency_kind_region_and_status(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    urgent = make_ticket(database, "u", received_at=clock.now).number
    calm = make_ticket(
        database,
        "c",
        received_at=clock.now,
        clinical_impact="不影响使用",
        description="打印机偶尔卡纸",
        site_city="洛阳",
        site_address="洛阳市西工区",
    ).number
    complaint = make_complaint(database, "p", clock.now)
    await console.login("zhang")  # a manager sees every region (engineers: test_security_console.py)
    numbers = lambda page: [n for _, n in queue_rows(page)]  # noqa: E731
    assert set(numbers((await console.get("/queue"))[1])) == {urgent, calm, complaint}
    assert numbers((await console.get("/queue?urgent=1"))[1]) == [urgent]
    assert numbers((await console.get("/queue?kind=complaint"))[1]) == [complaint]
    assert set(numbers((await console.get("/queue?region=洛阳"))[1])) == {calm, complaint}
    assert numbers((await console.get("/queue?status=resolved"))[1]) == []
    # Nonsense in the query string is ignored, not an error.
    assert len(numbers((await console.get("/queue?status=bogus&kind=<x>&urgent=maybe"))[1])) == 3
    status, page = await console.get("/complaints")
    assert status == 200 and numbers(page) == [complaint] and "投诉工单" in page


async def test_ticket_page_shows_registration_transcript_remote_steps_and_audit(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    number = make_ticket(
        database, "k", received_at=clock.now, description="<script>alert(1)</script>开机报温度异常"
    ).number
    await console.login("zhang")
    await console.post(f"/tickets/{number}/note", note="已联系科室")
    status, page = await console.get(f"/tickets/{number}")
    assert status == 200
    for shown in (
        "郑州市嘉禾医院",
        "检验科",
        "13912345678",
        "急诊样本在等",
        "郑州市金水区嘉禾路88号",
        "复杂故障",
        "生化仪开机报温度异常",
        "请提供设备序列号。",  # transcript
        "第1步 检查反应盘盖是否盖好（没用）",  # remote step and its outcome
        "已联系科室",
        "console:zhang",
        "首次响应",
    ):  # audit log, deadlines
        assert shown in page, shown
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    # The manager sees dispatch suggestions with reasons, best first: 李工 knows the device and is in 郑州.
    options = re.findall(r'<option value="\d+" >([^<]+)</option>', page)
    assert options[0].startswith("李工：熟悉") and "驻郑州（同城）" in options[0]


async def test_an_engineer_sees_claim_but_not_the_managers_forms(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    number = make_ticket(database, "k", received_at=clock.now).number
    await console.login("li")
    _, page = await console.get(f"/tickets/{number}")
    assert 'id="claim"' in page
    assert 'id="assign"' not in page and 'id="cancel"' not in page


async def test_low_ratings_wait_for_a_managers_review(
    console: Console, database: Engine, clock: FakeClock
) -> None:
    low = rate(database, 2, clock.now, "工程师态度不好")
    rate(database, 5, clock.now, "很满意")
    await console.login("li")
    _, page = await console.get("/reviews")
    assert "工程师态度不好" in page and "很满意" not in page and "待主管复核" in page
    status, page = await console.post(f"/reviews/{low}", outcome="已回访")
    assert status == 403 and "需要主管权限" in page

    await console.login("zhang")
    status, page = await console.post(f"/reviews/{low}", outcome="  ")
    assert status == 400 and "请填写复核结果" in page
    assert (await console.post(f"/reviews/{low}", outcome="已回访客户并致歉，安排培训"))[0] == 303
    _, page = await console.get("/reviews?done=1")
    assert "复核结果已记录" in page and "已复核（console:zhang" in page
    status, page = await console.post(f"/reviews/{low}", outcome="再来一次")
    assert status == 400 and "已经复核过了" in page


async def test_kpi_dashboard_reports_the_window(console: Console, database: Engine, clock: FakeClock) -> None:
    answered = make_ticket(database, "a", received_at=clock.now - timedelta(hours=3)).number
    make_ticket(database, "b", received_at=clock.now - timedelta(hours=3))  # never answered: late
    rate(database, 5, clock.now, "好")
    rate(database, 3, clock.now, "一般")
    await console.login("zhang")
    clock.now -= timedelta(hours=2, minutes=30)  # answered 30 minutes after the report
    await console.post(f"/tickets/{answered}/note", note="已电话回复")
    clock.now += timedelta(hours=2, minutes=30)
    status, page = await console.get("/kpi")
    assert status == 200
    assert re.search(r'id="kpi-tickets">2<', page)
    assert re.search(r'id="kpi-response">50.0<', page)
    assert re.search(r'id="kpi-satisfaction">4.0<', page)
    assert page.count("<svg") == 5 and "首次响应及时率" in page


async def test_an_unexpected_failure_is_a_chinese_page_without_a_trace(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views, "queue", broken)
    await console.login("li")
    response = await console.client.get("/queue")
    text = await response.text()
    assert response.status == 500 and "系统出错了" in text
    assert "database on fire" not in text and "Traceback" not in text
