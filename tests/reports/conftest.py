"""A generated month of tickets (November 2026, Zhengzhou time), made through the real domain functions with a
fake clock and swept by the real SLA sweep, as the worker would have: some on time, some late, resolved on
site, by phone and by the bot's guided check, complaints answered and not, satisfaction scores; plus tickets
and scores just outside the month (local time) that must not count.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.ops.lifecycle import PartUsed
from tests.factories import (
    FAN,
    KAIFENG,
    LUOYANG,
    REPORT_TIME,
    SHAO,
    STEPS,
    XINXIANG,
    ZHENGZHOU,
    ZHOU,
    Month,
    local,
)


@pytest.fixture
def november(team: Engine) -> Month:
    month = Month(team)
    # 31 October, 23:30 local (15:30 UTC): October's, fixed on the phone at once; its score is October's too.
    month.fault("october", local(10, 31, 23, 30), "屏幕不亮", "不影响使用", **ZHENGZHOU)
    month.resolved_by_phone(local(10, 31, 23, 40), "october", "屏幕亮度被调到最低", "电话指导调回亮度")
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
    month.resolved_by_phone(local(11, 12, 14, 10), "phone", "屏幕休眠设置", "电话指导关闭屏幕休眠")
    month.rate("phone", local(11, 12, 14, 30), 4)

    # F: a complaint on Monday 16th, contacted within the hour, answered on Wednesday (3 working days
    # allowed).
    month.complaint("answered", local(11, 16, 10), "工程师上次维修后没有回访", **ZHENGZHOU)
    month.act(local(11, 16, 11), "note", "answered", text="已电话联系科室主任，了解情况")
    month.resolved_by_phone(local(11, 18, 16), "answered", "回访遗漏", "书面答复并补做回访")

    # E: dispatched and accepted at once, but the engineer never arrived; still open at report time.
    month.fault("no_show", local(11, 20, 8), "屏幕不亮", "不影响使用", **XINXIANG)
    month.act(local(11, 20, 8, 5), "assign", "no_show", engineer=SHAO)
    month.act(local(11, 20, 8, 10), "accepted", "no_show")

    # G: a complaint nobody contacted nor answered.
    month.complaint("ignored", local(11, 25, 10), "报修电话一直占线", **ZHENGZHOU)

    # H: 30 November, 23:30 local (15:30 UTC): November's; nobody dispatched. Its dispatch deadline (23:45)
    # falls in November, its response and on-site deadlines in December.
    month.fault("last_minute", local(11, 30, 23, 30), "屏幕不亮", "不影响使用", **KAIFENG)

    # 1 December, 00:30 local (still 30 November in UTC): December's, fixed on the phone; its score is
    # December's.
    month.fault("december", local(12, 1, 0, 30), "屏幕不亮", "不影响使用", **LUOYANG)
    month.resolved_by_phone(local(12, 1, 0, 40), "december", "屏幕亮度被调到最低", "电话指导调回亮度")
    month.rate("december", local(12, 1, 0, 45), 1)

    month.sweep(REPORT_TIME)
    return month
