"""Engineers and the on-call rota: seeding, checks on new people, who is on call across midnight and
holidays."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.db.models import Engineer, OnCallShift
from bot.ops.calendar import BusinessCalendar
from bot.ops.lifecycle import OpsError
from bot.ops.staff import add_shift, find_engineer, normalise_phone, on_call, seed_staff
from bot.policy import current_policy
from tests.factories import new_engineer, utc
from tests.support import PROJECT_ROOT


def duty(engine: Engine, region: str, local: str, calendar: BusinessCalendar) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(d.role, d.engineer.name) for d in on_call(session, region, utc(local), calendar)]


def test_seeding_twice_keeps_one_team_and_one_rota(team: Engine) -> None:
    with session_scope(team) as session:
        assert seed_staff(
            session, PROJECT_ROOT / "kb" / "demo" / "staff.yml", current_policy(), current_catalogue()
        ) == (14, 32)
    with session_scope(team) as session:
        assert session.execute(select(func.count(Engineer.id))).scalar_one() == 14
        assert session.execute(select(func.count(OnCallShift.id))).scalar_one() == 32
        zhou = find_engineer(session, "138-0000-0101")
        assert (zhou.name, zhou.tier, zhou.regions, zhou.is_manager) == ("周立新", 2, ["郑州"], False)
        assert find_engineer(session, "+86 138 0000 0999").is_manager


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # Friday daytime: office shift.
        ("2026-11-20 10:00", [("primary", "周立新"), ("backup", "韩晓东")]),
        # Friday night, and past midnight into Saturday: the night shift that started on Friday.
        ("2026-11-20 23:00", [("primary", "韩晓东"), ("backup", "郭文博")]),
        ("2026-11-21 03:00", [("primary", "韩晓东"), ("backup", "郭文博")]),
        # Saturday from 08:30 until Monday 08:30: the 24-hour weekend duty.
        ("2026-11-21 09:00", [("primary", "郭文博"), ("backup", "周立新")]),
        ("2026-11-23 08:00", [("primary", "郭文博"), ("backup", "周立新")]),
        ("2026-11-23 08:30", [("primary", "周立新"), ("backup", "韩晓东")]),
        # A weekday public holiday is an off day: the holiday roster (dated) replaces the weekend duty.
        ("2026-10-02 14:00", [("primary", "周立新"), ("backup", "韩晓东")]),
        # The night before National Day began on a working day: the ordinary night shift.
        ("2026-10-01 02:00", [("primary", "韩晓东"), ("backup", "郭文博")]),
        # The make-up Saturday is a working day: office shift.
        ("2026-10-10 10:00", [("primary", "周立新"), ("backup", "韩晓东")]),
        # Dragon Boat Festival (Friday): the ordinary off-day duty, no holiday roster for it.
        ("2026-06-19 12:00", [("primary", "郭文博"), ("backup", "周立新")]),
    ],
)
def test_who_is_on_call_in_zhengzhou(
    team: Engine, calendar: BusinessCalendar, local: str, expected: list[tuple[str, str]]
) -> None:
    assert duty(team, "郑州", local, calendar) == expected


def test_an_inactive_engineer_is_not_on_call(team: Engine, calendar: BusinessCalendar) -> None:
    with session_scope(team) as session:
        find_engineer(session, "13800000101").active = False
    assert duty(team, "郑州", "2026-11-20 10:00", calendar) == [("backup", "韩晓东")]


def test_a_dated_shift_only_overrides_where_it_covers(team: Engine, calendar: BusinessCalendar) -> None:
    with session_scope(team) as session:
        guo = find_engineer(session, "13800000103")
        add_shift(
            session,
            engineer=guo,
            region="郑州",
            role="primary",
            days="daily",
            starts="12:00",
            ends="14:00",
            valid_from=date(2026, 11, 20),
            valid_to=date(2026, 11, 20),
            policy=current_policy(),
        )
    assert duty(team, "郑州", "2026-11-20 13:00", calendar)[0] == ("primary", "郭文博")
    assert duty(team, "郑州", "2026-11-20 15:00", calendar)[0] == ("primary", "周立新")
    assert duty(team, "郑州", "2026-11-27 13:00", calendar)[0] == ("primary", "周立新")


def test_new_engineer_is_checked_against_stations_and_device_types(team: Engine) -> None:
    with session_scope(team) as session:
        engineer = new_engineer(session, "程一帆", "138 0000 0104", skills=["urine_analyser"])
        assert engineer.phone == "13800000104"
    with session_scope(team) as session, pytest.raises(OpsError) as refused:
        new_engineer(session, "程二帆", "13800000105", skills=["x光机"], regions=["北京"], tier=4)
    message = str(refused.value)
    assert (
        "级别应为2或3" in message
        and "驻点「北京」不在服务网点" in message
        and "技能「x光机」不是设备类型" in message
    )
    with session_scope(team) as session, pytest.raises(OpsError, match="已登记给工程师周立新"):
        new_engineer(session, "重复", "13800000101")


def test_rota_lines_are_checked(team: Engine) -> None:
    with session_scope(team) as session, pytest.raises(OpsError) as refused:
        add_shift(
            session,
            engineer=find_engineer(session, "13800000101"),
            region="开封",
            role="lead",
            days="weekends",
            starts="8:30",
            ends="24:00",
            policy=current_policy(),
        )
    message = str(refused.value)
    for part in ("值班区域「开封」", "值班角色", "值班日", "时间「8:30」", "时间「24:00」"):
        assert part in message


@pytest.mark.parametrize("text", ["1380000010", "23800000101", "138-0000-010a"])
def test_phone_numbers_must_be_mainland_mobiles(text: str) -> None:
    with pytest.raises(OpsError, match="应为11位手机号"):
        normalise_phone(text)
