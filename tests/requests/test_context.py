"""Follow-ups that lean on the last look-up, and the registered device a hospital and a device type point
to."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.context import (
    TICKETS,
    WARRANTY,
    Lookup,
    accepts_offer,
    asks_about_booking,
    asks_about_engineer,
    asks_about_visit,
    asks_its_number,
    asks_state_of_reported,
    asks_when_answered,
    books_again,
    ordinal_in,
    other_device_asked,
    referenced_ticket,
    same_hospital,
    the_registered_device,
    warranty_follow_up,
)
from bot.db import session_scope
from bot.intake import Message

TWO = Lookup(TICKETS, ("SR202612060019", "SR202612060023"))


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("第二个是哪台设备", 1),
        ("第2张呢", 1),
        ("第一个单子", 0),
        ("最后那张什么时候修好", -1),
        ("头一个", 0),
        ("工程师几点到", None),
    ],
)
def test_ordinals(text: str, position: int | None) -> None:
    assert ordinal_in(text) == position


def test_a_follow_up_names_a_ticket_of_the_last_look_up() -> None:
    assert referenced_ticket("第二个是哪台", TWO) == "SR202612060023"
    assert referenced_ticket("第三个呢", TWO) is None  # there is no third: never a guess
    assert referenced_ticket("工程师什么时候到", TWO) is None  # which of the two: ask
    assert referenced_ticket("工程师什么时候到", Lookup(TICKETS, ("SR202612060019",))) == "SR202612060019"
    assert referenced_ticket("那SR202612060031呢", TWO) == "SR202612060031"  # a number said wins
    assert referenced_ticket("工程师什么时候到", None) is None


def test_this_one_after_one_of_two_was_spoken_about_is_that_one() -> None:
    spoken = Lookup(TICKETS, TWO.numbers, current="SR202612060023")
    assert referenced_ticket("那台下午能修好吗", spoken) == "SR202612060023"
    assert referenced_ticket("它的工程师几点到", spoken) == "SR202612060023"
    assert referenced_ticket("第一个呢", spoken) == "SR202612060019"  # an ordinal said wins
    assert referenced_ticket("工程师几点到", TWO) is None  # neither spoken about: ask
    assert Lookup.from_dict(spoken.to_dict()) == spoken


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("那这台明天能上门吗", True),
        ("工程师啥时候才到", True),
        ("今天派人不", True),
        ("这台的保修到哪天", False),
        ("下午能到不", True),
    ],
)
def test_a_question_about_the_visit(text: str, asks: bool) -> None:
    assert asks_about_visit(text) is asks


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("好了没 把编号发我", True),
        ("工单号是多少来着", True),
        ("帮我看看我的单子", False),  # all of the caller's tickets
        ("查一下进度", False),
    ],
)
def test_the_number_of_the_ticket_just_made_is_asked(text: str, asks: bool) -> None:
    assert asks_its_number(text) is asks


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("麻烦把师傅的手机号发我一下", True),
        ("上门那位的联系方式有吗，工程师电话多少", True),
        ("派的是哪位工程师啊", True),
        ("来修的人姓啥", True),
        ("那谁过来修", True),
        ("他下午几点能到", True),
        ("今天能到吗", True),
        ("下午能来不", True),
        ("明天上午能到不", True),
        ("那下午来得了不", True),
        ("明天到不到", True),
        ("来不及了", False),
        ("工程师电话一直打不通", False),  # a complaint about the engineer
        ("那个师傅态度太差了", False),
        ("我的电话换了，是13912345678", False),
        ("你们热线电话多少", False),
    ],
)
def test_a_question_about_who_comes_to_a_ticket(text: str, asks: bool) -> None:
    assert asks_about_engineer(text) is asks


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("这事啥时候能有个结果", True),
        ("几天能给回复？", True),
        ("你们什么时候联系我", True),
        ("多长时间能处理完", True),
        ("保修期多久", False),  # a question of its own
        ("工程师什么时候来", False),
        ("我要投诉", False),
    ],
)
def test_when_the_caller_hears_back(text: str, asks: bool) -> None:
    assert asks_when_answered(text) is asks


def test_a_serial_after_a_warranty_look_up_is_the_same_question() -> None:
    warranty = Lookup(WARRANTY, serials=("GF23070519",))
    assert warranty_follow_up("那KR23060142呢", warranty) == "KR23060142"
    assert warranty_follow_up("还有一台 kr 23060142 也看下", warranty) == "KR23060142"
    assert warranty_follow_up("那这台呢", warranty) is None
    assert (
        warranty_follow_up("KR23060142", TWO) is None
    )  # after a status look-up a serial means something else
    assert Lookup.from_dict(warranty.to_dict()) == warranty
    assert Lookup.from_dict({"kind": "other"}) is None


def test_a_hospital_and_a_device_type_offer_the_one_registered_device(database: Engine) -> None:
    catalogue = current_catalogue()
    aas = catalogue.type_named("原子吸收")
    chemistry = catalogue.type_named("生化仪")
    assert aas is not None and chemistry is not None
    with session_scope(database) as session:
        found = the_registered_device(session, "栾川县人民医院", aas.id, catalogue)
        assert found is not None and found.serial_number == "GF23070519"
        # 「人民医院」 alone names no hospital in particular; 「康宁医院」 without its city does.
        assert the_registered_device(session, "人民医院", aas.id, catalogue) is None
        assert same_hospital("南阳市康宁医院", "康宁医院")
        assert not same_hospital("漯河市第二人民医院", "第二人民医院")
        # Two chemistry analysers at 郑州市嘉禾医院: the serial decides, nothing is offered.
        assert the_registered_device(session, "郑州市嘉禾医院", chemistry.id, catalogue) is None
        assert the_registered_device(session, "郑州市嘉禾医院", aas.id, catalogue) is None
        assert the_registered_device(session, None, aas.id, catalogue) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("还有一台呢", "KR22110037"),
        ("那急诊检验室的呢", "KR22110037"),
        ("KR-800那个呢 也在保吗", "KR22110037"),
        ("那台生化仪呢", "KR22110037"),
        # a model the hospital has no other of, or nothing that points to a device
        ("那GF-990呢", None),
        ("那保养呢", None),
    ],
)
def test_after_a_warranty_look_up_another_device_of_that_hospital_is_found(
    database: Engine, text: str, found: str | None
) -> None:
    lookup = Lookup(WARRANTY, serials=("KR23060142",))
    with session_scope(database) as session:
        device = other_device_asked(session, text, lookup, current_catalogue())
        assert (device.serial_number if device else None) == found
        assert (
            other_device_asked(session, text, Lookup(TICKETS, ("SR202612060019",)), current_catalogue())
            is None
        )


@pytest.mark.parametrize(
    ("text", "intent", "yes"),
    [
        ("对 就是那台", "affirm", True),
        ("是的", None, True),
        ("就是那台", "inform", True),
        ("不是", "deny", False),
        ("不是那台", "affirm", False),
    ],
)
def test_a_yes_to_the_offered_device(text: str, intent: str | None, yes: bool) -> None:
    assert accepts_offer(Message(text, intent, [])) is yes


@pytest.mark.parametrize(
    ("text", "question", "another"),
    [
        ("培训收费吗", True, False),
        ("培训完了会发合格证书不", True, False),  # asked the spoken way, without 吗
        ("保养的时候收不收上门费", True, False),
        ("保养大概要多长时间", True, False),
        ("另外再约一次保养", False, True),
        ("我要预约保养", False, False),  # the same booking said again
    ],
)
def test_what_follows_a_booking(text: str, question: bool, another: bool) -> None:
    assert (asks_about_booking(text), books_again(text)) == (question, another)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("洛阳市明德医院理化检验室 AA21110387 上周报过修 现在什么情况", True),
        ("南阳市康宁医院免疫室的KI24050311前几天报的修 修到哪一步了", True),
        ("KI24050311报修过 修好了没", True),
        ("淅川县中医院检验科的HH24031108 修到哪一步了", True),
        ("商丘市博爱医院临检室 BC25010266 上回登记的 有人跟进没", True),
        ("UA23030177 一直报错 维修进度慢", False),
        # a new fault, a question of the warranty, a state asked without a serial
        ("KI24050311 发光值偏低 要报修", False),
        ("KI24050311还在保修期吗", False),
        ("之前报过修 现在啥情况了", False),
    ],
)
def test_the_state_of_a_repair_reported_before_is_asked_with_its_serial(text: str, asks: bool) -> None:
    assert asks_state_of_reported(text) is asks
