"""Follow-up calls 1, 3, 6 and 12 months after installation: what is due, recording a call, the command, and
the migration of the follow_up_calls table."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.db import migrate, session_scope
from bot.db.models import Device
from bot.policy import current_policy
from bot.reports.config import ReportError
from bot.reports.follow_ups import FollowUpDue, add_months, due_follow_ups, record_follow_up

# Of the demo installed base (kb/demo/installed_base.yml): accepted 2026-02-27, and 2025-03-18.
NEW_DEVICE, OLD_DEVICE = "HX26020455", "KR23060142"
NOW = datetime(2026, 11, 30, 2, 0)


def due(engine: Engine, by: date) -> dict[str, FollowUpDue]:
    with session_scope(engine) as session:
        return {row.serial_number: row for row in due_follow_ups(session, by, current_policy())}


def record(engine: Engine, serial: str, today: date = date(2026, 11, 30), **options: object):
    with session_scope(engine) as session:
        call = record_follow_up(
            session, serial, by="客服小刘", at=NOW, today=today, policy=current_policy(), **options
        )  # type: ignore[arg-type]
        return call.months, call.due_on


def install(engine: Engine, serial: str, accepted_on: date) -> None:
    with session_scope(engine) as session:
        session.add(
            Device(
                serial_number=serial,
                device_type="全自动生化分析仪",
                model="KR-2000",
                brand="康瑞",
                hospital="郑州市安康医院",
                department="检验科",
                city="郑州",
                address="郑州市中原区安康路1号",
                accepted_on=accepted_on,
                warranty_end=add_months(accepted_on, 24),
            )
        )


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 11, 30), 12, date(2027, 11, 30)),
        (date(2026, 2, 27), 6, date(2026, 8, 27)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_the_latest_due_call_is_listed_with_the_missed_ones(database: Engine) -> None:
    rows = due(database, date(2026, 11, 30))
    assert rows[NEW_DEVICE] == FollowUpDue(
        serial_number=NEW_DEVICE,
        device="全自动生化分析仪 HX-1200",
        hospital="周口市惠民医院",
        department="检验科",
        city="周口",
        months=6,
        due_on=date(2026, 8, 27),
        overdue_days=95,
        missed=(1, 3),
    )
    assert (rows[OLD_DEVICE].months, rows[OLD_DEVICE].missed) == (12, (1, 3, 6))
    # Every demo device has one line, the longest overdue first.
    assert len(rows) == 12
    assert list(rows)[0] == "AA21110387" and list(rows)[-1] == NEW_DEVICE
    assert due(database, date(2026, 8, 26))[NEW_DEVICE].months == 3


def test_a_call_due_today_is_listed_and_not_the_day_before(database: Engine) -> None:
    install(database, "KR26103101", date(2026, 10, 31))  # one month later: 30 November
    assert "KR26103101" not in due(database, date(2026, 11, 29))
    row = due(database, date(2026, 11, 30))["KR26103101"]
    assert (row.months, row.due_on, row.overdue_days, row.missed) == (1, date(2026, 11, 30), 0, ())


def test_a_recorded_call_drops_off_until_the_next_milestone(database: Engine) -> None:
    assert record(database, NEW_DEVICE.lower(), note="科室反馈使用正常") == (6, date(2026, 8, 27))
    assert NEW_DEVICE not in due(database, date(2026, 11, 30))
    # The missed 1- and 3-month calls are not asked for again; the 12-month one comes when due.
    assert NEW_DEVICE not in due(database, date(2027, 2, 26))
    row = due(database, date(2027, 2, 27))[NEW_DEVICE]
    assert (row.months, row.overdue_days, row.missed) == (12, 0, ())


def test_a_call_is_recorded_once(database: Engine) -> None:
    record(database, NEW_DEVICE)
    with pytest.raises(
        ReportError, match="HX26020455 安装后第 6 个月的随访已于 11月30日 10:00 记录，无需重复记录"
    ):
        record(database, NEW_DEVICE, months=6)


@pytest.mark.parametrize(
    "serial, options, message",
    [
        ("XX00000000", {}, "没有找到序列号为 XX00000000 的设备"),
        (NEW_DEVICE, {"months": 2}, "随访只在安装后第 1、3、6、12 个月进行"),
    ],
)
def test_bad_records_are_refused_in_chinese(
    database: Engine, serial: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        record(database, serial, **options)


def test_nothing_due_yet(database: Engine) -> None:
    install(database, "KR26103101", date(2026, 10, 31))
    with pytest.raises(ReportError, match="设备 KR26103101 目前没有到期的随访"):
        record(database, "KR26103101", today=date(2026, 11, 15))
    # A call made early, for a named milestone, is taken.
    assert record(database, "KR26103101", today=date(2026, 11, 15), months=1) == (1, date(2026, 11, 30))


def test_followups_command(database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["followups", "--due-by", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "2026-08-27   6个月随访  逾期95天" in out and "HX26020455  周口市惠民医院检验科" in out
    assert "（未做：1个月、3个月）" in out and "12 follow-up call(s) due by 2026-11-30" in out
    assert (
        main(["followups", "done", NEW_DEVICE, "--months", "6", "--note", "使用正常", "--by", "客服小刘"])
        == 0
    )
    assert "recorded: HX26020455 6-month follow-up (due 2026-08-27)" in capsys.readouterr().out
    assert main(["followups", "--due-by", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert NEW_DEVICE not in out and "11 follow-up call(s)" in out
    assert main(["followups", "done", NEW_DEVICE, "--months", "6"]) == 1
    assert "无需重复记录" in capsys.readouterr().err
    assert main(["followups", "--due-by", "2026-11-31"]) == 1
    assert "日期「2026-11-31」格式不对，请写成 2026-11-30。" in capsys.readouterr().err


def check_up_down_up(url: str) -> None:
    engine = create_engine(url, future=True)
    try:
        assert "follow_up_calls" in inspect(engine).get_table_names()
        migrate.downgrade(url, "0006")
        assert "follow_up_calls" not in inspect(engine).get_table_names()
        migrate.upgrade(url)
        assert "follow_up_calls" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migration_up_down_up_on_sqlite(database: Engine) -> None:
    record(database, NEW_DEVICE)
    url = database.url.render_as_string(hide_password=False)
    database.dispose()
    check_up_down_up(url)
    # The calls are gone with the table; the installed base stays.
    assert NEW_DEVICE in due(database, date(2026, 11, 30))


def test_migration_up_down_up_on_postgres(postgres: Engine) -> None:
    check_up_down_up(postgres.url.render_as_string(hide_password=False))
