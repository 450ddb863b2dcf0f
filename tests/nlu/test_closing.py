"""Which messages close the conversation politely (thanks, goodbye, 「明白了」), whatever the classifier
made of them, and which are left to it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.closing import ClosingWords, agrees_as_arranged, closing_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # thanks, in dialect, pinyin and chat slang
        ("好滴 多谢多谢", "thank"),
        ("明白啦 辛苦你们了", "thank"),
        ("xie xie ni", "thank"),
        ("行 麻烦您了", "thank"),
        ("嗯嗯 3q", "thank"),
        ("清楚了，谢了哈", "thank"),
        ("OK thank you so much", "thank"),  # English chat words
        ("many thanks", "thank"),
        ("ok bye", "goodbye"),
        ("就这些了 谢谢", "goodbye"),
        # nothing more: a goodbye
        ("没其他事了 拜拜", "goodbye"),
        ("就这样吧 谢谢", "goodbye"),
        ("没得别的事了 感谢", "goodbye"),
        ("好的 没有别的问题了", "goodbye"),
        ("886", "goodbye"),
        # only taken note of, or waiting now
        ("知道了", "affirm"),
        ("晓得了晓得了", "affirm"),
        ("收到 收到", "affirm"),
        ("好 那我们就等着吧", "affirm"),
        ("行 等你们电话", "affirm"),
        ("mingbai le", "affirm"),
        ("知到了", "affirm"),  # a homophone typo
        ("行嘞 明白喽", "affirm"),  # with a dialect particle
        ("好哒 知道啦", "affirm"),
        # a yes to what was just arranged, with a goodbye or thanks too: it confirms (a booking is said again)
        ("那就按你说的办吧", "affirm"),
        ("没其他事了 就这样约吧", "affirm"),
        ("好嘞 就这么定了 多谢", "affirm"),
        # the hotline's number given: the caller will dial it themselves
        ("好嘞 那我一会儿打过去", "affirm"),
        ("行嘞 我马上拨", "affirm"),
        ("晓得了 我自己打热线", "affirm"),
        ("号码记下了 多谢", "thank"),
        ("好的 号码我记下了", "affirm"),
        ("好 那我等回电", "affirm"),
        ("哦 那行 我回头跟主任说一声", "affirm"),
        ("好嘞 我去跟设备科讲一下 谢了", "thank"),
        # what works again, said with thanks after a check that solved it
        ("开机自检通过了 质控也做完了 多谢多谢", "thank"),
        ("结果都出来了 可以用了 辛苦您了", "thank"),
        ("搞定了搞定了谢谢你啊", "thank"),
        ("温度恢复正常了 没别的事了 拜拜", "goodbye"),
    ],
)
def test_words_of_closing_close(text: str, intent: str) -> None:
    assert closing_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "好的",  # a yes: the classifier's (it confirms a read-back)
        "嗯",
        "对",
        "不用了",  # a no to an offer
        "没有了",
        "明白了 那工程师几点能到",  # a question follows
        "知道了 我姓贺 电话13905714826",  # details follow
        "谢谢 但是我要投诉",  # a request follows
        "收到 SR202612060012 这张单撤了吧",
        "不晓得",
        "不知道",
        "了解一下保修",
        "打不开",  # a fault, not a call
        "我打了三次都没人接",
        "打印机打不出来",
        "我先考虑一下",  # undecided: no yes to a question
        "我跟科里说一下这个故障",
        "现在能用了",  # no thanks: in a form the fault went away, which the intake reads
        "谢谢 好了一会儿又报警了",  # still wrong
        "血球仪可以用了 尿机还是不行 谢谢",
        "谢谢 能用了 不用派人了吧",  # a question follows
        "",
    ],
)
def test_anything_besides_closing_words_is_left_to_the_classifier(text: str) -> None:
    assert closing_intent(text) is None


def _message(text: str, intent: str) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.4})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.4}])
    return message


@pytest.mark.parametrize(
    ("text", "read", "decided"),
    [
        ("嗯呐 晓得了 谢谢哈", "nlu_fallback", "thank"),  # the menu it got before
        ("那我们等到起哈", "check_ticket", "affirm"),
        ("没别的事了 xiexie", "nlu_fallback", "goodbye"),
        ("没啥事了 那就这么安排吧", "goodbye", "affirm"),
        ("明白了", "affirm", "affirm"),  # a yes stays a yes
        ("好的 谢谢", "deny", "deny"),  # so does a no
        ("谢谢", "report_hazard", "report_hazard"),  # and a hazard
    ],
)
def test_the_component_decides_only_over_other_reads(text: str, read: str, decided: str) -> None:
    message = _message(text, read)
    ClosingWords().process([message])
    assert message.get(INTENT)["name"] == decided


@pytest.mark.parametrize(
    ("text", "agrees"),
    [
        ("行 按这个来", True),
        ("没别的了 那就这么定吧 谢谢", True),
        ("好的 就这样吧", False),  # an end of the talk, not a yes to an arrangement
        ("知道了", False),
        ("就这么约 不过地址要改一下", False),  # more than a yes: read for its details
    ],
)
def test_a_yes_to_the_arrangement_is_told_apart(text: str, agrees: bool) -> None:
    assert agrees_as_arranged(text) is agrees
