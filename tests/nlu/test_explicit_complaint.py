"""Which messages are a complaint the classifier could not or did not choose: a complaint demanded, ranked
first or second behind the fallback or a look-up of what it is about; the others keep their reading."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.explicit_complaint import ExplicitComplaint


@pytest.mark.parametrize(
    ("text", "ranking", "decided"),
    [
        # torn between the ticket and the complaint, the ticket first
        (
            "投诉一下 SR202611300015 这单 师傅来了看一眼说要返厂 一个礼拜没消息",
            [("nlu_fallback", 0.4), ("check_ticket", 0.47), ("complaint", 0.44)],
            "complaint",
        ),
        # a complaint in other words, read as the warranty or the ticket it is about
        (
            "跟你们反映一下情况 刚过保两个月就要收八千的板子钱 这个我们没法接受",
            [("check_warranty", 0.52), ("complaint", 0.3), ("ask_question", 0.1)],
            "complaint",
        ),
        (
            "SR202611280007 那个单子工程师来了三趟都没修好 你们得给个说法",
            [("check_ticket", 0.55), ("complaint", 0.35), ("report_fault", 0.05)],
            "complaint",
        ),
        # a question about complaining
        (
            "怎么投诉你们的工程师",
            [("nlu_fallback", 0.4), ("ask_question", 0.45), ("complaint", 0.43)],
            "nlu_fallback",
        ),
        ("投诉应该怎么投", [("ask_question", 0.5), ("complaint", 0.45)], "ask_question"),
        # no demand: the look-up stands
        (
            "SR202611280007 工程师来了三趟了 今天能修好吗",
            [("check_ticket", 0.5), ("complaint", 0.4)],
            "check_ticket",
        ),
        # complaint ranked third: the classifier did not think of it
        (
            "我要反映个问题 血球仪还在保修期吗",
            [("check_warranty", 0.6), ("ask_question", 0.2), ("complaint", 0.1)],
            "check_warranty",
        ),
        # a fault reported with angry words stays the fault
        ("投诉也没用 血球仪又堵孔了 赶紧派人", [("report_fault", 0.6), ("complaint", 0.3)], "report_fault"),
    ],
)
def test_a_complaint_demanded_is_a_complaint(
    text: str, ranking: list[tuple[str, float]], decided: str
) -> None:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": c} for name, c in ranking])
    ExplicitComplaint().process([message])
    assert message.get(INTENT)["name"] == decided
