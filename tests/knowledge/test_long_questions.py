"""Long and indirect questions (issue 14, fourth round): the one asking clause of a long message answers when
it is sure of its entry alone and the whole message finds that entry too; a story that names the topic is not
overridden by the question clause alone; an entry no other comes close to is answered, not offered alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers
from bot.policy import load_policy

REAL_KB = PROJECT_ROOT / "kb"


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        # the asking clause alone is sure; the whole, diluted by the story, only finds the entry
        ("我们是乡镇卫生院，就这一台尿机，万一修很久，能不能先调台备机过来", "deadlines.loaner"),
        # the story (十多年前, 不产了) says which repairs are meant; the clause alone reads as fees
        ("这台生化是十多年前买的，厂里已经不产了，现在出毛病你们还给不给修", "warranty.lifelong"),
        ("仪器是十几年前进的，型号早停产了，现在坏了还有人管吗", "warranty.lifelong"),
    ],
)
def test_a_long_question_is_answered_outright(answers: Answers, message: str, topic: str) -> None:
    reply = answers.reply(message)
    assert reply.verdict is Verdict.ANSWER
    assert reply.topics == [topic]


def test_a_general_asking_clause_does_not_decide_for_the_story(answers: Answers) -> None:
    # 「怎么收钱」 alone finds the warranty's coverage; the story (过了两年) says it is the fee after it.
    reply = answers.reply("过了两年以后机器坏了，你们还来修吗，怎么收钱")
    assert reply.topics == ["fees.after_warranty"]


def test_an_entry_without_rivals_is_answered_from_the_lone_answer_threshold(tmp_path: Path) -> None:
    question = "生化仪里面那个照亮的灯一般能用多长时间"  # care.chemistry.lamp alone, 0.31
    policy = load_policy(REAL_KB / "policy.yml")
    shipped = KnowledgeBase(REAL_KB, policy).ask(question)
    assert shipped.verdict is Verdict.ANSWER
    assert [hit.id for hit in shipped.hits] == ["care.chemistry.lamp"]
    copy = tmp_path / "kb"
    shutil.copytree(REAL_KB, copy)
    settings = copy / "retrieval.yml"
    text = settings.read_text(encoding="utf-8").replace(
        "lone_answer_threshold: 0.30", "lone_answer_threshold: 0.32"
    )
    settings.write_text(text, encoding="utf-8")
    assert KnowledgeBase(copy, policy).ask(question).verdict is Verdict.SUGGEST


def test_a_form_row_asking_yes_or_no_and_answered_is_no_question(answers: Answers) -> None:
    form = "【报修】\n①医院：开封市禹王医院\n⑨是否已做远程排查：否，直接派人\n⑩是否加急：是"
    assert answers.asking_part(form) == ""
    assert answers.asking_part("科室：检验科\n想问一下：保养要收费吗") == "保养要收费吗"


def test_a_request_ending_in_ba_is_no_question(answers: Answers) -> None:
    # 「直接派人吧」 with the registration's details: the intake's request, not the dispatch entry's question.
    assert answers.asking_part("不想试了，叫个师傅过来吧，我姓詹，手机13607714582") == ""
    assert answers.asking_part("麻烦尽快安排一下吧") == ""
    # A 吧 of a guess still asks.
    assert answers.asking_part("叫人上门要收费吧") == "叫人上门要收费吧"
    assert answers.asking_part("应该不用派人吧") == "应该不用派人吧"


def test_after_only_a_device_spoken_of_a_question_of_another_kind_is_its_own(answers: Answers) -> None:
    from bot.knowledge.answers import Context

    device = Context("电解质分析仪 EL-300", None)
    asked = answers.reply("培训一回大概多长时间，收费不？", previous=device)
    assert not any(topic.startswith("care.") for topic in [*asked.topics, *(s.id for s in asked.suggestions)])
    assert answers.reply("电极多久换一次", previous=device).topics == ["care.electrolyte.electrodes"]
