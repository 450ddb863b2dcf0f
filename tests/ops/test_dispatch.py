"""Dispatch suggestions: skill, region, on call and load decide the order, and each comes with its reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.ops import lifecycle
from bot.ops.calendar import BusinessCalendar
from bot.ops.dispatch import Suggestion, region_for, suggest
from bot.policy import current_policy
from bot.tickets import find_ticket
from tests.factories import RECEIVED, make_ticket, new_engineer
from tests.support import engineer_id

AT = RECEIVED + timedelta(minutes=5)  # Friday 14:35, office hours


def suggestions(engine: Engine, number: str, calendar: BusinessCalendar, at=AT) -> list[Suggestion]:
    with session_scope(engine) as session:
        return suggest(
            session,
            find_ticket(session, number),
            policy=current_policy(),
            catalogue=current_catalogue(),
            calendar=calendar,
            at=at,
        )


@pytest.mark.parametrize(
    ("city", "station"),
    [
        ("郑州", "郑州"),
        ("洛阳市", "洛阳"),
        ("开封", "郑州"),
        ("栾川", "洛阳"),
        ("淅川", "南阳"),
        ("安阳", "郑州"),
        (None, "郑州"),
    ],
)
def test_each_site_is_served_from_a_station(city: str | None, station: str) -> None:
    assert region_for(city, current_policy()) == station


def test_a_chemistry_analyser_in_zhengzhou_goes_to_the_local_engineer_on_duty(
    team: Engine, calendar: BusinessCalendar
) -> None:
    ranked = suggestions(team, make_ticket(team).number, calendar)
    assert [s.engineer.name for s in ranked[:4]] == ["周立新", "韩晓东", "郭文博", "钱俊峰"]
    assert ranked[0].reasons == (
        "熟悉全自动生化分析仪",
        "驻郑州（同城）",
        "正在值班（主班）",
        "手上0张未完成工单",
    )
    assert ranked[3].reasons[-1] == "三线技术专家"
    # The manager is never suggested; someone who does not know the device comes after all who do.
    names = [s.engineer.name for s in ranked]
    assert "孔德明" not in names
    assert all(s.skilled for s in ranked[: ranked.index(next(s for s in ranked if not s.skilled))])
    assert "不熟悉全自动生化分析仪" in next(s for s in ranked if not s.skilled).reasons


def test_on_duty_first_then_fewest_open_tickets(team: Engine, calendar: BusinessCalendar) -> None:
    busy, guo = make_ticket(team, "busy").number, engineer_id(team, "13800000103")
    with session_scope(team) as session:
        new_engineer(session, "程一帆", "13800000104", skills=["chemistry_analyser"])
        lifecycle.assign(session, busy, guo, actor="x", at=AT)
    # Friday afternoon: 周立新 and 韩晓东 are on duty; of the two off duty, 郭文博 already has an open ticket.
    ranked = suggestions(team, make_ticket(team, "next").number, calendar)
    assert [s.engineer.name for s in ranked[:5]] == ["周立新", "韩晓东", "程一帆", "郭文博", "钱俊峰"]
    assert ranked[1].reasons[2] == "正在值班（备班）" and ranked[3].reasons[-1] == "手上1张未完成工单"
    # Saturday: 郭文博 has the weekend duty, and duty comes before load.
    ranked = suggestions(team, make_ticket(team, "weekend").number, calendar, at=AT + timedelta(days=1))
    assert [s.engineer.name for s in ranked[:2]] == ["郭文博", "周立新"]


def test_a_site_served_from_another_station_says_so(team: Engine, calendar: BusinessCalendar) -> None:
    number = make_ticket(
        team,
        "kaifeng",
        site_city="开封",
        hospital="开封市安和医院",
        device="电解质分析仪 EL-300",
        serial_number="EL24120098",
    ).number
    ranked = suggestions(team, number, calendar)
    assert ranked[0].engineer.name == "周立新"
    assert "驻郑州，负责开封" in ranked[0].reasons and "熟悉电解质分析仪" in ranked[0].reasons


def test_an_unknown_device_is_ranked_by_region_and_says_so(team: Engine, calendar: BusinessCalendar) -> None:
    number = make_ticket(team, "unknown", device="离心机", site_city="洛阳").number
    ranked = suggestions(team, number, calendar)
    assert ranked[0].engineer.name == "范志远" and ranked[0].reasons[0] == "设备类型未知"
