"""Which messages the rule component makes fault reports whatever the classifier ranked first."""

from __future__ import annotations

import pytest

from bot.nlu.labelled_report import asks_for_repair

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


def test_the_classifier_must_have_seen_a_report_in_it() -> None:
    shortlist = [
        {"name": "inform"},
        {"name": "complaint"},
        {"name": "check_ticket"},
        {"name": "report_fault"},
    ]
    assert not asks_for_repair("病理科 打印机连不上 报修", shortlist)
