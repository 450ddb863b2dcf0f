"""Which messages the rule component makes fault reports whatever the classifier ranked first."""

from __future__ import annotations

import pytest

from bot.nlu.labelled_report import asks_for_repair, gives_a_whole_report

REPORT_THIRD = [{"name": "inform"}, {"name": "nlu_fallback"}, {"name": "report_fault"}]


@pytest.mark.parametrize(
    "text",
    [
        "洛阳市第九人民医院病理科 打印机连不上 报修 不用排查",
        "紧急报修 许昌市某医院急诊化验室生化仪完全死机",
        "血球仪堵孔了 给报个修",
    ],
)
def test_a_repair_asked_for_in_so_many_words_is_a_report(text: str) -> None:
    assert asks_for_repair(text, REPORT_THIRD)


@pytest.mark.parametrize(
    "text",
    [
        "报修流程是怎样的",
        "报修以后多久能来人",
        "我上午已经报修了 还没人联系",
        "报修的单子SR202612060001到哪一步了",
        "不报修了，就问问保修",
    ],
)
def test_asking_about_repairs_or_an_earlier_one_is_not_a_new_report(text: str) -> None:
    assert not asks_for_repair(text, REPORT_THIRD)


def test_a_greeting_before_the_request_for_a_repair_is_a_report() -> None:
    greeting_first = [{"name": "greet"}, {"name": "report_fault"}, {"name": "nlu_fallback"}]
    assert asks_for_repair("您好呀 麻烦报个修", greeting_first)
    assert not asks_for_repair("您好 报修一般多久能来人", greeting_first)


def test_the_classifier_must_have_seen_a_report_in_it() -> None:
    shortlist = [
        {"name": "inform"},
        {"name": "complaint"},
        {"name": "check_ticket"},
        {"name": "report_fault"},
    ]
    assert not asks_for_repair("病理科 打印机连不上 报修", shortlist)


def _entities(*kinds: str) -> list[dict]:
    return [{"entity": kind, "value": "x"} for kind in kinds]


INFORM_FIRST = [{"name": "inform"}, {"name": "report_fault"}, {"name": "request_callback"}]


def test_an_unlabelled_report_with_four_kinds_of_details_is_a_report() -> None:
    text = (
        "我们是南漳县人民医院检验科，原子吸收AA-6800序列号AA25020914，空心阴极灯点不亮，"
        "联系人龚伟电话13900116742"
    )
    found = _entities("hospital", "department", "serial_number", "phone", "device")
    assert gives_a_whole_report(text, found, INFORM_FIRST)


def test_a_hospital_and_department_the_extractors_missed_count_as_details() -> None:
    text = (
        "随州市曾都区编钟医院检验科 尿沉渣UA-720 序列号UA24061728 镜检图像全是模糊的 对不上焦 "
        "门诊病人在等 我叫熊春梅 电话15572910863 不用远程排查"
    )
    assert gives_a_whole_report(text, _entities("serial_number", "person", "phone"), INFORM_FIRST)


@pytest.mark.parametrize(
    ("text", "kinds", "ranking"),
    [
        # three kinds: a caller's details, not yet a report
        ("我是南漳县人民医院检验科的龚伟", ("hospital", "department", "person"), INFORM_FIRST),
        # about a ticket of before
        (
            "SR202612070020 南漳县人民医院检验科龚伟 13900116742 什么时候来",
            ("hospital", "department", "person", "phone"),
            INFORM_FIRST,
        ),
        # the classifier read a status question or a complaint first
        (
            "南漳县人民医院检验科龚伟 13900116742 上次报的血球仪怎么还没人来",
            ("hospital", "department", "person", "phone"),
            [{"name": "check_ticket"}, {"name": "report_fault"}, {"name": "inform"}],
        ),
    ],
)
def test_details_that_are_no_report(text: str, kinds: tuple[str, ...], ranking: list[dict]) -> None:
    assert not gives_a_whole_report(text, _entities(*kinds), ranking)


def test_five_kinds_of_details_and_no_question_are_a_report_whatever_was_ranked() -> None:
    text = "四平市铁东仁爱医院 检验科 我是检验科的聂春燕 血球仪HX-H30 序列号HH25040862 吸样以后一直报负压异常"
    found = _entities("hospital", "department", "person", "device", "serial_number")
    warranty_first = [{"name": "check_warranty"}, {"name": "request_callback"}, {"name": "inform"}]
    assert gives_a_whole_report(text, found, warranty_first)
    asked = "四平市铁东仁爱医院 检验科 聂春燕 血球仪HX-H30 序列号HH25040862 还在保修期吗"
    assert not gives_a_whole_report(asked, found, warranty_first)


def test_where_which_device_and_what_is_wrong_are_a_report() -> None:
    # no name, phone or serial: the hospital, the department, the device and the fault's words are four kinds
    text = "衡阳市雁峰区南岳医院新生儿科检验室 血气分析仪BG-800 一进样就报错E-12 十几个新生儿的血样在等"
    assert gives_a_whole_report(text, _entities("device"), INFORM_FIRST)
    assert not gives_a_whole_report(
        "衡阳市雁峰区南岳医院新生儿科检验室的血气分析仪", _entities("device"), INFORM_FIRST
    )


def test_a_phone_and_a_serial_read_out_count_as_details() -> None:
    # a call transcribed without punctuation: the extractors tag nothing that is read out digit by digit
    text = (
        "喂是售后吧我这儿是保定市竞秀区莲池医院化验室的我们那个尿机序列号U A两洞幺拐洞三勾八"
        "开机就报传感器故障我手机幺八六洞三一二七五拐九"
    )
    assert gives_a_whole_report(text, [], INFORM_FIRST)
    assert not gives_a_whole_report(
        "我手机幺八六洞三一二七五拐九 序列号U A两洞幺拐洞三勾八", [], INFORM_FIRST
    )
