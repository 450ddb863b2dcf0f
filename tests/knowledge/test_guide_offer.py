"""How a caller answers the offer of a guided check (bot/knowledge/guidance.py guide_decision,
asks_for_engineer)."""

from __future__ import annotations

import pytest

from bot.knowledge.guidance import asks_for_engineer, guide_decision


@pytest.mark.parametrize(
    ("text", "intent", "decision"),
    [
        ("好的我试试", None, True),
        ("可以", "affirm", True),
        ("不用了 直接派人来吧", None, False),
        ("没时间弄这个", None, False),
        ("嗯", "deny", False),  # NLU heard a no
        ("机器在三楼", "inform", None),  # neither: the offer is asked again
        ("这个说不好 先跳过吧", None, False),  # the 好 of 说不好 takes nothing up
        ("不整了 你们来人看", None, False),
        # A question about what an engineer would cost declines nothing: answered, the offer asked again.
        ("想先问问 假如最后得派人上门 过保了上门费咋算", "ask_question", None),
        ("万一弄不好要派工程师来 收不收费啊", None, None),
        ("不用试了 直接派人 上门费多少", None, False),
    ],
)
def test_the_offer_is_taken_declined_or_not_answered(
    text: str, intent: str | None, decision: bool | None
) -> None:
    assert guide_decision(text, intent) is decision


def test_a_caller_who_wants_an_engineer_says_so_in_many_ways() -> None:
    assert asks_for_engineer("赶紧派人过来") and asks_for_engineer("让工程师来一趟")
    assert not asks_for_engineer("屏幕一直闪")
