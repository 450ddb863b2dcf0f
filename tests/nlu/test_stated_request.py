"""Which messages are a booking or a rating, whatever the classifier or the labelled-report rule made of
them."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stated_request import StatedRequestIntent, asks_to_rate, booking_in, question_about_a_service


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A whole report's details with the booking: still a booking.
        (
            "黄冈市黄州区东坡医院检验科 想约个HX-H30的年度保养 序列号HX23090217 下周三都行 "
            "联系人柯玉兰 电话13872209461 地址黄冈市黄州区赤壁大道9号",
            "request_maintenance",
        ),
        (
            "科里来了三个进修生 想预约一次EL-300电解质仪的操作培训 丽水市莲都区括苍医院生化室 "
            "联系人叶春燕 电话15857861204 月底前都可以",
            "request_training",
        ),
        ("帮我们安排一下原子吸收的半年维护，联系人韦东，电话18677102293", "request_maintenance"),
        ("约个时间给血凝仪做一次保养", "request_maintenance"),
        ("想约个发光仪的操作和日常维护培训", "request_training"),  # 培训 of what is booked decides
        ("可以约下周三来做个保养吗", "request_maintenance"),  # asked politely, still asked to book
    ],
)
def test_a_booking_asked_for_in_so_many_words_is_a_booking(text: str, intent: str) -> None:
    assert booking_in(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "保养怎么预约",  # a question about booking
        "培训要提前多久约",
        "预约保养要不要钱",
        "上个月约了保养 工程师一直没来",  # booked before
        "预约的保养改到下周行不行",
        "SR202612070031 约的保养改到周五",  # a ticket named: its change
        "我要投诉 约好的培训放了我们鸽子",  # a complaint said as one
        "生化仪报错E05 赶紧派人来修 顺便约个保养",  # a repair asked for
        "大约保养一次要停机多久",  # 大约 is no booking
        "保养的时候机器要停多久 我们好提前安排样本",
    ],
)
def test_other_messages_are_no_booking(text: str) -> None:
    assert booking_in(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "给你们上礼拜那次维修打个分 两分 工程师来了修一半说缺配件就走了 又等了三天才来第二趟",
        "上回你们远程指导那次我想打个三分 说话太快听不清",
        "评价一下上个月装机那次 五星 人很专业",
        "那次换泵的服务打一分 拖了一个礼拜 态度还差",
        "给工程师打5分",
        "俾个满分你哋",
        "SR202612030041 这单我想评价一下",  # the ticket first, the score asked next
        "想给 SR 二零二六一二零三零零四一 那回上门打个分",
    ],
)
def test_a_score_with_a_word_of_rating_is_a_rating(text: str) -> None:
    assert asks_to_rate(text)


@pytest.mark.parametrize(
    "text",
    [
        "我要投诉 给你们打一分都多了",  # 投诉 as a demand: a complaint
        "修一半就走了 又等了三天",  # no score
        "打了五分钟电话都没人接",  # minutes, not a score
        "评价一下 一分钱都不该收",  # money, not a score
        "你们的评分是几分制的",
    ],
)
def test_no_score_or_a_complaint_demanded_is_no_rating(text: str) -> None:
    assert not asks_to_rate(text)


@pytest.mark.parametrize(
    "text",
    [
        "科里来了几个新人 能不能请工程师过来讲一堂课 教下质控",
        "想让你们来讲个课 血凝仪的日常维护",
    ],
)
def test_a_lecture_asked_for_is_a_training(text: str) -> None:
    assert booking_in(text) == "request_training"


def test_a_question_about_a_lecture_books_nothing() -> None:
    assert booking_in("来讲课大概要多长时间") is None


def test_the_component_decides_over_a_report() -> None:
    message = Message(
        data={
            TEXT: "荆门市东宝区象山医院检验科 想约个UA-720尿机的操作培训 联系人易晓婷 电话15997241360",
            INTENT: {"name": "report_fault", "confidence": 1.0},
        }
    )
    StatedRequestIntent().process([message])
    assert message.get(INTENT) == {"name": "request_training", "confidence": 1.0}


def _torn(first: str, second: str) -> list[dict]:
    return [{"name": "nlu_fallback"}, {"name": first}, {"name": second}]


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("对了 这个培训要收费吗 以后再来新人还能再培训吗", _torn("request_training", "ask_question")),
        ("保养要收费吗 还在保修期", _torn("check_warranty", "ask_question")),
        ("维护一次大概要多长时间", _torn("ask_question", "request_maintenance")),
    ],
)
def test_a_question_about_a_service_the_classifier_could_not_place_is_a_question(
    text: str, ranking: list[dict]
) -> None:
    assert question_about_a_service(text, "nlu_fallback", ranking)


@pytest.mark.parametrize(
    ("text", "intent", "ranking"),
    [
        ("这个培训要收费吗", "request_training", _torn("request_training", "ask_question")[1:]),  # no doubt
        ("可以约下周的保养吗", "nlu_fallback", _torn("request_maintenance", "ask_question")),  # a booking
        ("保养完又报错了吗", "nlu_fallback", _torn("report_fault", "ask_question")),  # a fault, maybe
        ("生化仪要收费吗", "nlu_fallback", _torn("check_warranty", "ask_question")),  # no service named
    ],
)
def test_other_doubts_are_left_to_the_fallback(text: str, intent: str, ranking: list[dict]) -> None:
    assert not question_about_a_service(text, intent, ranking)


def test_a_hazard_stays_a_hazard() -> None:
    message = Message(
        data={TEXT: "约个保养 机器冒烟了", INTENT: {"name": "report_hazard", "confidence": 1.0}}
    )
    StatedRequestIntent().process([message])
    assert message.get(INTENT)["name"] == "report_hazard"
