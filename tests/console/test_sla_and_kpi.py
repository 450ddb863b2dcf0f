"""The SLA countdown and the KPI numbers, straight from the domain functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.console.config import console_config
from bot.console.countdown import Colour, countdown
from bot.console.kpi import kpi_report, last_days
from bot.db import session_scope
from bot.db.models import Ticket
from bot.ops import lifecycle
from bot.reports.charts import bar_chart
from bot.tickets import find_ticket
from tests.factories import START, make_ticket
from tests.support import Staff

SETTINGS = console_config()


def ticket(status: str, created: datetime, **deadlines: datetime | None) -> Ticket:
    return Ticket(status=status, created_at=created, **deadlines)


@pytest.mark.parametrize(
    "minutes_after, colour, text",
    [
        (0, Colour.GREEN, "还剩 4小时00分"),
        (179, Colour.GREEN, "还剩 1小时01分"),
        (181, Colour.AMBER, "还剩 59分"),
        (240, Colour.AMBER, "还剩 00分"),
        (241, Colour.RED, "已超时 01分"),
        (240 + 26 * 60, Colour.RED, "已超时 1天2小时00分"),
    ],
)
def test_countdown_turns_amber_in_the_last_quarter_and_red_when_late(
    minutes_after: int, colour: Colour, text: str
) -> None:
    due = START + timedelta(hours=4)
    found = countdown(
        ticket("dispatched", START, onsite_due=due),
        START + timedelta(minutes=minutes_after),
        SETTINGS.countdown,
        SETTINGS.amber_below_fraction,
    )
    assert found is not None and (found.colour, found.text, found.deadline) == (colour, text, "onsite_due")


def test_countdown_follows_the_status() -> None:
    dues = dict(
        response_due=START + timedelta(hours=1),
        onsite_due=START + timedelta(hours=3),
        repair_due=START + timedelta(hours=72),
    )
    new = countdown(ticket("new", START, **dues), START, SETTINGS.countdown, 0.25)
    on_site = countdown(ticket("on_site", START, **dues), START, SETTINGS.countdown, 0.25)
    assert new is not None and new.label == "首次响应"
    assert on_site is not None and on_site.label == "修复"
    assert countdown(ticket("resolved", START, **dues), START, SETTINGS.countdown, 0.25) is None


def test_remote_resolution_counts_the_bots_and_the_engineers_remote_fixes(
    database: Engine, staff: Staff
) -> None:
    remote = make_ticket(database, "r", received_at=START).number
    onsite = make_ticket(database, "o", received_at=START).number
    make_ticket(database, "bot", received_at=START, remote_steps=[])
    with session_scope(database) as session:
        # A fault the caller fixed with the bot's guidance is recorded resolved at once.
        bot_fixed = find_ticket(session, "SR202611230003")
        assert bot_fixed is not None
        bot_fixed.status, bot_fixed.flags = "resolved", ["remote_resolved"]
        for number, is_remote in ((remote, True), (onsite, False)):
            lifecycle.assign(session, number, staff.li, actor="t", at=START)
            lifecycle.accept(session, number, actor="t", at=START)
            lifecycle.resolve(
                session,
                number,
                actor="t",
                cause="c",
                actions="a",
                parts=[],
                remote=is_remote,
                at=START + timedelta(minutes=30),
            )
    with session_scope(database) as session:
        now = START + timedelta(hours=1)
        first_day, last_day = last_days(now, 7, "Asia/Shanghai")
        report = kpi_report(session, first_day, last_day, now=now, zone="Asia/Shanghai", scale_max=5)
    assert (first_day, last_day) == (date(2026, 11, 17), date(2026, 11, 23))
    assert report.tickets[-1] == 3 and sum(report.tickets) == 3
    assert (report.remote_resolution_total.hits, report.remote_resolution_total.total) == (2, 3)
    # Two answered within the hour by the assignment, the bot's own fix counts as answered at once.
    assert report.response_on_time_total.percent == 100.0
    assert report.satisfaction_mean is None and report.score_counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_bar_chart_escapes_labels_and_leaves_days_without_data_empty() -> None:
    svg = str(bar_chart("远程<解决>率", ["11/22", "11/23"], [None, 50.0], unit="%", max_value=100))
    assert svg.startswith("<svg") and "远程&lt;解决&gt;率" in svg
    assert svg.count("<rect") == 1 and ">50%<" in svg
