"""The answer to the serial question: asked again, skipped, kept as said, or filling in the device's site."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.identity import Caller
from bot.serial_answer import SerialAnswer, checked_serial, unreadable_serial
from tests.factories import make_ticket

WEB = Caller("web:someone")
JIAHE = Caller("sms:contact", phone="13900000001", hospitals=frozenset({"郑州市嘉禾医院"}))


def check(engine: Engine, caller: Caller, serial: str, fault: str = "开机报温度异常") -> SerialAnswer:
    with session_scope(engine) as session:
        return checked_serial(session, caller, serial, fault=fault, department=None)


@pytest.mark.parametrize(
    ("text", "failures", "serial"),
    [("12AB", 1, None), ("铭牌看不清楚", 1, "未提供"), ("12AB", 2, "未提供")],
    ids=["asked-again", "cannot-give-it", "second-bad-answer"],
)
def test_an_answer_without_a_serial_is_asked_again_once(text: str, failures: int, serial: str | None) -> None:
    answer = unreadable_serial(text, failures)
    assert answer.fields == {"serial_number": serial}
    assert answer.flag == (None if serial is None else "serial_not_given")


def test_a_hospitals_own_caller_gets_the_devices_site(database: Engine) -> None:
    answer = check(database, JIAHE, "KR23060142")
    assert answer.fields["hospital"] == "郑州市嘉禾医院" and answer.fields["site_city"] == "郑州"
    assert answer.fields["device"] == "全自动生化分析仪 KR-2000" and answer.flag is None


def test_a_registered_serial_tells_an_unverified_caller_what_a_made_up_one_does(database: Engine) -> None:
    registered, made_up = check(database, WEB, "KR23060142"), check(database, WEB, "KR23069999")
    assert registered.fields == {"serial_number": "KR23060142"} and registered.flag is None
    assert made_up.fields == {"serial_number": "KR23069999"} and made_up.flag == "serial_not_in_registry"
    assert registered.reply == made_up.reply.replace("KR23069999", "KR23060142")


@pytest.mark.parametrize(("fault", "same"), [("还是报温度异常", True), ("打印机卡纸", False)])
def test_an_open_ticket_the_caller_may_see_takes_the_report(database: Engine, fault: str, same: bool) -> None:
    ticket = make_ticket(database, serial_number="KR23060142")
    answer = check(database, JIAHE, "KR23060142", fault)
    assert answer.fields == {"serial_number": "KR23060142", "duplicate_of": ticket.number}
    assert ticket.number in answer.reply and ("打印机卡纸" in answer.reply) is not same
