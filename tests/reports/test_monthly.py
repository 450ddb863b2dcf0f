"""The monthly report on a generated November: the numbers a manager reads, the month's edges in local time,
the Markdown and HTML renderings, an empty month, and the `hotline report` command."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.console.kpi import kpi_report
from bot.db import session_scope
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from bot.reports.config import ReportError
from bot.reports.metrics import Share
from bot.reports.monthly import (
    MonthlyReport,
    month_bounds,
    monthly_report,
    render_html,
    render_markdown,
)
from tests.factories import REPORT_TIME, Month


def report_for(engine: Engine, month: str = "2026-11") -> MonthlyReport:
    with session_scope(engine) as session:
        return monthly_report(
            session, month, policy=current_policy(), calendar=current_calendar(), now=REPORT_TIME
        )


def test_the_numbers_of_november(november: Month) -> None:
    report = report_for(november.engine)
    # Eight tickets reported in November local time: not the one of 31 October 23:30 nor of 1 December 00:30.
    assert (report.tickets, report.tickets_by_kind) == (8, {"fault": 6, "complaint": 2})
    # Late: the ignored complaint, and the 23:30 ticket nobody answered by 00:30.
    assert report.response == Share(6, 8)
    # On time: A and E. Late: B (40 min) and H (never). D, fixed on the phone in 10 minutes, needed no
    # dispatch.
    assert report.dispatch == Share(2, 4)
    # On time: A. Late: B (4.5 h), E (never came), H (never sent).
    assert report.arrival == Share(1, 4)
    assert report.resolution == Share(4, 6)
    # C by the bot's guided check (no ticket for tier 2), D by an engineer on the phone.
    assert (report.remote, report.avoided) == (Share(2, 4), 1)
    # Scores 5, 2, 5, 4 of November; the 1s of 31 October and 1 December (local) are not November's.
    assert report.score_counts == {1: 0, 2: 1, 3: 0, 4: 1, 5: 2}
    assert report.satisfaction_mean == 4.0
    assert report.below_review == Share(1, 4) and report.below_review.percent == 25.0
    assert report.complaints == 2
    assert report.complaints_contacted == Share(1, 2) and report.complaints_answered == Share(1, 2)


def test_breaches_by_clock_region_and_engineer(november: Month) -> None:
    report = report_for(november.engine)
    # B: dispatch (before anyone had it) and on site (范志远); E: on site (邵明轩); G: response and written
    # answer; H: dispatch at 23:45 on 30 November — its response and on-site breaches fall in December.
    assert report.breaches == 6
    assert report.breaches_by_clock == [("到场", 2), ("派单", 2), ("投诉书面答复", 1), ("首次响应", 1)]
    # 开封 is served from 郑州 (kb/policy.yml dispatch.served_from).
    assert report.breaches_by_region == [("郑州", 3), ("洛阳", 2), ("新乡", 1)]
    assert report.breaches_by_engineer == [("未分派", 4), ("范志远", 1), ("邵明轩", 1)]


def test_the_console_dashboard_shows_the_same_numbers_day_by_day(november: Month) -> None:
    report = report_for(november.engine)
    with session_scope(november.engine) as session:
        daily = kpi_report(
            session, date(2026, 11, 1), date(2026, 11, 30), now=REPORT_TIME, zone="Asia/Shanghai", scale_max=5
        )
    assert len(daily.days) == 30 and sum(daily.tickets) == report.tickets == 8
    assert daily.response_on_time_total == report.response == Share(6, 8)
    assert daily.remote_resolution_total == report.remote == Share(2, 4)
    assert (
        daily.score_counts == report.score_counts
        and daily.satisfaction_mean == report.satisfaction_mean == 4.0
    )


def test_december_begins_at_local_midnight(november: Month) -> None:
    # Local midnight in Zhengzhou is 16:00 UTC the day before.
    assert month_bounds(2026, 12, "Asia/Shanghai") == (datetime(2026, 11, 30, 16), datetime(2026, 12, 31, 16))
    report = report_for(november.engine, "2026-12")
    assert report.tickets == 1 and report.resolution == Share(1, 1) and report.remote == Share(1, 1)
    assert report.score_counts[1] == 1 and report.satisfaction_mean == 1.0
    # H's response (00:30) and on-site (23:30) deadlines of 1 December.
    assert report.breaches_by_clock == [("到场", 1), ("首次响应", 1)]


def test_markdown_report(november: Month) -> None:
    text = render_markdown(report_for(november.engine), current_policy())
    assert text.startswith("# 售后服务月报 2026-11\n")
    for row in (
        "| 故障报修 | 6 |",
        "| 投诉 | 2 |",
        "| 合计 | 8 |",
        "| 首次响应及时率 | 75.0%（6/8） |",
        "| 派单及时率 | 50.0%（2/4） | 报修后 15 分钟内派给工程师 |",
        "| 到场及时率 | 25.0%（1/4） |",
        "| 故障解决率 | 66.7%（4/6） |",
        "| 远程解决率 | 50.0%（2/4） |",
        "| 其中热线远程指导解决（免派工） | 1 单 |",
        "| 2 分 | 1 |",
        "| 5 分 | 2 |",
        "| 按时书面答复（3 个工作日内） | 50.0%（1/2） |",
        "| 1 | 未分派 | 4 |",
        "| 2 | 洛阳 | 2 |",
    ):
        assert row in text, row
    assert "平均分：4.0（共 4 条评价）；低于 4 分需复核：25.0%（1/4）" in text
    assert "## 超时（共 6 次）" in text


def test_html_report_has_tables_and_inline_charts(november: Month) -> None:
    html = render_html(report_for(november.engine), current_policy())
    assert "<title>售后服务月报 2026-11</title>" in html
    assert re.search(r"<td>首次响应及时率</td><td class=\"num\">75.0%<span class=\"n\">（6/8）</span>", html)
    assert re.search(r"<td>范志远</td><td class=\"num\">1</td>", html)
    # Four charts drawn into the page: rates, scores, regions, engineers; nothing loaded from elsewhere.
    assert html.count("<svg") == 4 and "<?xml" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "<script" not in html


def test_a_month_without_tickets(team: Engine) -> None:
    report = report_for(team, "2026-02")
    assert report.tickets == 0 and report.response == Share(0, 0) and report.satisfaction_mean is None
    text = render_markdown(report, current_policy())
    assert "| 首次响应及时率 | —（0/0） |" in text and "本月没有超时记录。" in text
    html = render_html(report, current_policy())
    assert html.count("<svg") == 2 and "本月没有超时记录。" in html


@pytest.mark.parametrize("month", ["2026-13", "2026/11", "十一月", ""])
def test_a_bad_month_is_refused_in_chinese(team: Engine, month: str) -> None:
    with pytest.raises(ReportError, match="格式不对，请写成 2026-11"):
        report_for(team, month)


def test_report_command(november: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "2026-11.html"
    assert main(["report", "--month", "2026-11", "--format", "html", "--output", str(output)]) == 0
    assert "<h1>售后服务月报 2026-11</h1>" in output.read_text(encoding="utf-8")
    assert main(["report", "--month", "2026-11"]) == 0
    assert "| 故障解决率 | 66.7%（4/6） |" in capsys.readouterr().out
    assert main(["report", "--month", "2026-13"]) == 1
    assert "月份「2026-13」格式不对" in capsys.readouterr().err


def test_charts_carry_their_chinese_labels_and_values_as_text(november: Month) -> None:
    html = render_html(report_for(november.engine), current_policy())
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 4
    rates, _, regions, engineers = charts
    assert ">首次响应及时率<" in rates and ">75%<" in rates and ">50%<" in rates
    assert ">洛阳<" in regions and ">3<" in regions
    # Names in rows, one bar each: 未分派 4, 范志远 1, 邵明轩 1.
    assert ">邵明轩<" in engineers and engineers.count("<rect") == 3
