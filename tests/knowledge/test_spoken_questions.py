"""Questions as typed and spoken: homophone typos and typed pinyin read as the knowledge base's words
(bot/knowledge/homophones.py), words written right kept; a lead-in of asking for someone left out; a short
question naming no topic asked back."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import Verdict
from bot.knowledge.answers import Answers

REAL_KB = PROJECT_ROOT / "kb"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("宝修期有几年", "保修期有几年"),
        ("维修抱告多久能给我们", "维修报告多久能给我们"),
        ("工程师几个小是能到", "工程师几个小时能到"),
        ("想投素你们的工程师", "想投诉你们的工程师"),
        ("bao xiu duo jiu", "保修多久"),
        ("机器过保了 wei xiu duo shao qian", "机器过保了 维修多少钱"),
    ],
)
def test_typos_and_pinyin_become_the_knowledge_bases_words(answers: Answers, typed: str, read: str) -> None:
    assert answers.kb.correct(typed) == read


@pytest.mark.parametrize(
    "written",
    [
        "实际上试剂放哪里",  # 实际 is a word: not 试剂
        "我们刚买的尿液分析仪下周安装",  # 仪下 would break 分析仪
        "新买的化学发光仪装好以后",  # 的化 would break 化学
        "检验科的室间质评不合格了",
        "KR-2000 的 pdf 说明书 ok",  # Latin that is no pinyin of the knowledge base's words
        "哪天能来",
    ],
)
def test_words_written_right_stay(answers: Answers, written: str) -> None:
    assert answers.kb.correct(written) == written


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("定期保痒要钱吗", "maintenance.preventive"),
        ("能不能转人宫", "hotline.human"),
        ("tou su zen me ban", "complaints.how"),
        ("喂 那个 配建 一般 要等 多久", "parts.lead_time"),
    ],
)
def test_a_question_with_a_typo_is_answered(answers: Answers, message: str, topic: str) -> None:
    reply = answers.reply(message)
    assert reply.verdict is Verdict.ANSWER, [hit.id for hit in reply.suggestions]
    assert reply.topics == [topic]


@pytest.mark.parametrize("message", ["要钱吗", "你好 需要多长时间", "能来吗", "怎么算"])
def test_a_short_question_naming_no_topic_is_asked_back(answers: Answers, message: str) -> None:
    reply = answers.reply(message)
    assert reply.verdict is Verdict.SUGGEST and reply.clarifying
    assert {hit.id for hit in reply.suggestions} >= {
        "warranty.length",
        "fees.after_warranty",
        "deadlines.onsite",
    }


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("延保要钱吗", "warranty.extended"),
        ("投诉多久回复", "complaints.how"),
        ("热线多少", "hotline.contact"),
    ],
)
def test_a_short_question_with_a_topic_is_answered(answers: Answers, message: str, topic: str) -> None:
    reply = answers.reply(message)
    assert not reply.clarifying and reply.topics == [topic]


def test_a_short_follow_up_is_read_with_the_question_before_not_asked_back(answers: Answers) -> None:
    earlier = answers.reply("定期保养一年做几次")
    reply = answers.reply("要钱吗", previous=earlier.context)
    assert not reply.clarifying and reply.topics == ["maintenance.preventive"]


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        # 确认 would rule the arrival time out (its `unless`): the lead-in is not part of the question
        ("设备科让我确认一下，工程师多久能到", "deadlines.onsite"),
        ("能不能跟我说一下，报修以后多久有人回电话", "deadlines.first_response"),
        ("检验科主任让我打听一下保修从哪天算", "warranty.start_date"),
    ],
)
def test_a_lead_in_of_asking_for_someone_is_not_the_question(
    answers: Answers, message: str, topic: str
) -> None:
    assert answers.reply(message).topics == [topic]
