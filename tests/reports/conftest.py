"""A generated month of tickets (November 2026, Zhengzhou time), made through the real domain functions with a fake
clock and swept by the real SLA sweep, as the worker would have: some on time, some late, resolved on site, by
phone and by the bot's guided check, complaints answered and not, satisfaction scores; plus tickets and scores
just outside the month (local time) that must not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.db.models import Rating
from bot.ops import lifecycle
from bot.ops.calendar import current_calendar
from bot.ops.lifecycle import PartUsed
from bot.ops.sla import sweep
from bot.ops.staff import find_engineer
from bot.policy import current_policy
from bot.tickets import (
    Origin,
    Registration,
    TicketKind,
    create_fault_ticket,
    create_service_request,
    find_ticket,
)
from bot.triage import current_rules
from tests.ops.conftest import FakeSms

ZONE = ZoneInfo("Asia/Shanghai")
ZHENGZHOU = dict(
    hospital="郑州市嘉禾医院",
    department="检验科",
    contact_person="王敏",
    contact_phone="13912345678",
    device="全自动生化分析仪 KR-2000",
    serial_number="KR23060142",
    site_address="郑州市金水区嘉禾路88号",
    site_city="郑州",
)
LUOYANG = dict(
    hospital="洛阳市明德医院",
    department="理化检验室",
    contact_person="李娜",
    contact_phone="13911112222",
    device="原子吸收光谱仪 AA-7000",
    serial_number="AA21110387",
    site_address="洛阳市涧西区明德路16号",
    site_city="洛阳",
)
XINXIANG = dict(
    hospital="新乡市仁济医院",
    department="生化室",
    contact_person="赵强",
    contact_phone="13933334444",
    device="全自动生化分析仪 HX-680",
    serial_number="HX22090815",
    site_address="新乡市红旗区仁济街9号",
    site_city="新乡",
)
KAIFENG = dict(
    hospital="开封市安和医院",
    department="急诊科",
    contact_person="孙丽",
    contact_phone="13955556666",
    device="电解质分析仪 EL-300",
    serial_number="EL24120098",
    site_address="开封市鼓楼区安和巷21号",
    site_city="开封",
)
STEPS = [
    {"step": 1, "check": "确认试剂仓温度已回到正常范围", "outcome": "no"},
    {"step": 2, "check": "重启仪器并观察温度报警是否消失", "outcome": "yes"},
]


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local (Zhengzhou) time in 2026 as the naive UTC the database stores."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Month:
    """The generated month: ticket numbers by their role in the story, and the SMS the sweeps sent."""

    engine: Engine
    sms: FakeSms = field(default_factory=FakeSms)
    numbers: dict[str, str] = field(default_factory=dict)

    def sweep(self, at: datetime) -> None:
        with session_scope(self.engine) as session:
            sweep(session, at, current_policy(), current_calendar(), self.sms, catalogue=current_catalogue())

    def fault(
        self,
        name: str,
        at: datetime,
        description: str,
        impact: str,
        *,
        remote_fix: bool = False,
        steps: list[dict[str, object]] | None = None,
        **site: str,
    ) -> None:
        self.sweep(at)
        with session_scope(self.engine) as session:
            ticket, _ = create_fault_ticket(
                session,
                Registration(
                    description=description, clinical_impact=impact, remote_steps=steps or [], **site
                ),
                idempotency_key=name,
                origin=Origin("rest", f"caller-{name}", []),
                policy=current_policy(),
                rules=current_rules(),
                received_at=at,
                resolved_remotely=remote_fix,
            )
            self.numbers[name] = ticket.number

    def complaint(self, name: str, at: datetime, description: str, **site: str) -> None:
        self.sweep(at)
        with session_scope(self.engine) as session:
            ticket, _ = create_service_request(
                session,
                TicketKind.COMPLAINT,
                Registration(description=description, **site),
                idempotency_key=name,
                origin=Origin("rest", f"caller-{name}", []),
                policy=current_policy(),
                received_at=at,
            )
            self.numbers[name] = ticket.number

    def act(self, at: datetime, step: str, name: str, **details: object) -> None:
        """One lifecycle step (assign, accept, on_site, resolve, close, note) on a ticket, after the worker's sweep."""
        self.sweep(at)
        number = self.numbers[name]
        with session_scope(self.engine) as session:
            if step == "assign":
                engineer = find_engineer(session, str(details.pop("engineer")))
                assert engineer is not None
                lifecycle.assign(session, number, engineer.id, actor="test", at=at)
            elif step == "note":
                lifecycle.add_note(session, number, str(details["text"]), actor="test", at=at)
            elif step == "resolve":
                lifecycle.resolve(session, number, actor="test", at=at, **details)  # type: ignore[arg-type]
                if not details.get("remote"):  # the engineer leaves the service report on site
                    lifecycle.send_service_report(session, number, actor="test", at=at)
            else:
                lifecycle.transition(session, number, step, actor="test", at=at)

    def rate(self, name: str, at: datetime, score: int) -> None:
        with session_scope(self.engine) as session:
            ticket = find_ticket(session, self.numbers[name])
            session.add(
                Rating(
                    ticket_id=ticket.id,
                    score=score,
                    comment=f"{score}分",
                    channel="rest",
                    sender_id=f"caller-{name}",
                    created_at=at,
                )
            )


# 周立新 (Zhengzhou), 范志远 (Luoyang), 邵明轩 (Xinxiang) of kb/demo/staff.yml.
ZHOU, FAN, SHAO = "138-0000-0101", "138-0000-0201", "138-0000-0301"
REPORT_TIME = local(12, 2, 10)


@pytest.fixture
def november(team: Engine) -> Month:
    month = Month(team)
    # 31 October, 23:30 local (15:30 UTC): October's, fixed on the phone at once; its score is October's too.
    month.fault("october", local(10, 31, 23, 30), "屏幕不亮", "不影响使用", **ZHENGZHOU)
    month.act(
        local(10, 31, 23, 40),
        "resolve",
        "october",
        cause="屏幕亮度被调到最低",
        actions="电话指导调回亮度",
        parts=[],
        remote=True,
    )
    month.rate("october", local(10, 31, 23, 50), 1)

    # A: urgent, everything on time, repaired on site with a part, closed, scored 5.
    month.fault("on_time", local(11, 2, 10), "开机报温度异常", "急诊样本在等", steps=STEPS, **ZHENGZHOU)
    month.act(local(11, 2, 10, 10), "assign", "on_time", engineer=ZHOU)
    month.act(local(11, 2, 10, 15), "accepted", "on_time")
    month.act(local(11, 2, 10, 20), "en_route", "on_time")
    month.act(local(11, 2, 12), "on_site", "on_time")
    month.act(
        local(11, 2, 13),
        "resolve",
        "on_time",
        cause="试剂仓温控传感器老化",
        actions="更换温控传感器并校准温度",
        parts=[PartUsed("TS-220", 1, "温控传感器")],
        remote=False,
    )
    month.act(local(11, 3, 9), "closed", "on_time")
    month.rate("on_time", local(11, 3, 9, 5), 5)

    # B: dispatched 40 minutes after the report (15 allowed), on site after 4.5 hours (3 allowed); scored 2.
    month.fault("late", local(11, 5, 9), "加样针堵了", "部分样本受影响", **LUOYANG)
    month.act(local(11, 5, 9, 40), "assign", "late", engineer=FAN)
    month.act(local(11, 5, 9, 50), "accepted", "late")
    month.act(local(11, 5, 13, 30), "on_site", "late")
    month.act(
        local(11, 5, 15),
        "resolve",
        "late",
        cause="加样针内壁结晶",
        actions="疏通并清洗加样针",
        parts=[],
        remote=False,
    )
    month.rate("late", local(11, 6, 10), 2)

    # C: solved by the bot's guided check during the intake; no ticket for tier 2. Scored 5.
    month.fault(
        "guided",
        local(11, 10, 11),
        "开机报温度异常",
        "急诊样本在等",
        remote_fix=True,
        steps=STEPS,
        **XINXIANG,
    )
    month.rate("guided", local(11, 10, 11, 5), 5)

    # D: an engineer solved it on the phone ten minutes after the report. Scored 4.
    month.fault("phone", local(11, 12, 14), "屏幕不亮", "不影响使用", **ZHENGZHOU)
    month.act(
        local(11, 12, 14, 10),
        "resolve",
        "phone",
        cause="屏幕休眠设置",
        actions="电话指导关闭屏幕休眠",
        parts=[],
        remote=True,
    )
    month.rate("phone", local(11, 12, 14, 30), 4)

    # F: a complaint on Monday 16th, contacted within the hour, answered on Wednesday (3 working days allowed).
    month.complaint("answered", local(11, 16, 10), "工程师上次维修后没有回访", **ZHENGZHOU)
    month.act(local(11, 16, 11), "note", "answered", text="已电话联系科室主任，了解情况")
    month.act(
        local(11, 18, 16),
        "resolve",
        "answered",
        cause="回访遗漏",
        actions="书面答复并补做回访",
        parts=[],
        remote=True,
    )

    # E: dispatched and accepted at once, but the engineer never arrived; still open at report time.
    month.fault("no_show", local(11, 20, 8), "屏幕不亮", "不影响使用", **XINXIANG)
    month.act(local(11, 20, 8, 5), "assign", "no_show", engineer=SHAO)
    month.act(local(11, 20, 8, 10), "accepted", "no_show")

    # G: a complaint nobody contacted nor answered.
    month.complaint("ignored", local(11, 25, 10), "报修电话一直占线", **ZHENGZHOU)

    # H: 30 November, 23:30 local (15:30 UTC): November's; nobody dispatched. Its dispatch deadline (23:45) falls
    # in November, its response and on-site deadlines in December.
    month.fault("last_minute", local(11, 30, 23, 30), "屏幕不亮", "不影响使用", **KAIFENG)

    # 1 December, 00:30 local (still 30 November in UTC): December's, fixed on the phone; its score is December's.
    month.fault("december", local(12, 1, 0, 30), "屏幕不亮", "不影响使用", **LUOYANG)
    month.act(
        local(12, 1, 0, 40),
        "resolve",
        "december",
        cause="屏幕亮度被调到最低",
        actions="电话指导调回亮度",
        parts=[],
        remote=True,
    )
    month.rate("december", local(12, 1, 0, 45), 1)

    month.sweep(REPORT_TIME)
    return month
