"""The knowledge base's examples (kb/examples.yml) and the classifier learned from them: a second opinion on
「您是想问」 choices (bot.knowledge.examples, Answers._second_opinion)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers
from bot.knowledge.base import EXAMPLES_FILE
from bot.knowledge.examples import UNKNOWN
from bot.policy import load_policy
from tests.knowledge.realistic import example_files, examples_yaml

STRIPS = "care.urine.strips"
# Worded unlike the FAQ's strips entry (「尿液试纸开封后怎么保存」…): the retriever only offers it.
OPENED_STRIPS = "尿纸条开了封能放多久"

KbFactory = Callable[[Callable[[list[dict[str, Any]]], list[dict[str, Any]]]], Answers]


@pytest.fixture
def answers_with(tmp_path: Path) -> KbFactory:
    """Answers over a copy of kb/ whose examples are the real ones changed by a function."""

    def build(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Answers:
        kb_dir = tmp_path / f"kb{len(list(tmp_path.iterdir()))}"
        shutil.copytree(PROJECT_ROOT / "kb", kb_dir, ignore=shutil.ignore_patterns("demo", "guides"))
        path = kb_dir / EXAMPLES_FILE
        examples = yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]
        path.write_text(yaml.safe_dump({"examples": change(examples)}, allow_unicode=True), encoding="utf-8")
        policy = load_policy(kb_dir / "policy.yml")
        return Answers(KnowledgeBase(kb_dir, policy), policy)

    return build


def test_the_examples_are_the_dev_sets(answers: Answers) -> None:
    """kb/examples.yml is what bench/kb_examples.py writes from the dev sets (run it after editing them)."""
    shipped = (PROJECT_ROOT / "kb" / EXAMPLES_FILE).read_text(encoding="utf-8")
    assert shipped == examples_yaml(example_files(), answers.policy)


def test_a_question_worded_like_examples_gets_their_entry(answers: Answers, answers_with: KbFactory) -> None:
    before = answers.reply(OPENED_STRIPS)
    assert before.verdict is Verdict.SUGGEST and STRIPS in [hit.id for hit in before.suggestions]
    worded = ["尿纸条开封了放多久还能用", "开了封的尿纸条能搁几天", "尿纸条开封以后能保存多久"]
    taught = answers_with(lambda examples: [*examples, *({"id": STRIPS, "text": t} for t in worded)])
    after = taught.reply(OPENED_STRIPS)
    assert after.verdict is Verdict.ANSWER and after.topics == [STRIPS]


@pytest.mark.parametrize("question", ["食堂几点开饭", "你们公司在哪个区", "你们的仪器是国产的还是进口的"])
def test_a_question_the_knowledge_base_cannot_know_stays_declined(answers: Answers, question: str) -> None:
    assert answers.reply(question).verdict is Verdict.NONE


def test_an_unknown_question_near_an_entry_is_not_answered(answers: Answers) -> None:
    # The classifier ranks the visit's process first, but not surely enough: the choices stay choices.
    reply = answers.reply("工程师修机器的时候能抽烟吗")
    assert reply.verdict is Verdict.SUGGEST


def test_choices_for_a_question_like_unknown_examples_are_declined(
    answers: Answers, answers_with: KbFactory
) -> None:
    question = "工程师来了要不要给他安排休息室"
    assert answers.reply(question).verdict is Verdict.SUGGEST
    unknown = ["工程师来了要我们给他找个休息的屋子吗", "师傅来修机器要不要安排休息室", "工程师中午在哪歇着"]
    taught = answers_with(lambda examples: [*examples, *({"id": None, "text": t} for t in unknown)])
    assert taught.reply(question).verdict is Verdict.NONE


def test_the_classifier_does_not_choose_between_entries_it_has_no_examples_of(
    answers_with: KbFactory,
) -> None:
    question = "那个条子受潮了还能用不"
    without = answers_with(lambda examples: [e for e in examples if e["id"] != STRIPS])
    opinion = without.kb.opinion(question)
    assert opinion is not None and opinion.first == "care.general.environment" and opinion.margin >= 0
    reply = without.reply(question)
    assert reply.verdict is Verdict.SUGGEST
    assert {hit.id for hit in reply.suggestions} == {"care.general.environment", STRIPS}


def test_a_follow_up_example_is_learned_with_the_message_before_it(answers: Answers) -> None:
    # kb/examples.yml: 「外地呢」 after 「同城工程师几个小时到」; a reply asks the classifier the same way.
    opinion = answers.kb.opinion("那外地呢，同城工程师几个小时到")
    assert opinion is not None and opinion.first == "deadlines.onsite"


def test_without_examples_of_two_classes_nothing_is_learned(answers_with: KbFactory) -> None:
    assert answers_with(lambda examples: []).kb.opinion(OPENED_STRIPS) is None
    only_unknown = answers_with(lambda examples: [e for e in examples if e["id"] is None])
    assert only_unknown.kb.opinion(OPENED_STRIPS) is None


def test_an_example_of_an_entry_that_does_not_exist_is_left_out(answers_with: KbFactory) -> None:
    taught = answers_with(lambda examples: [*examples, {"id": "nothing.here", "text": "食堂几点开饭"}])
    opinion = taught.kb.opinion("食堂几点开饭")
    assert opinion is not None and "nothing.here" not in opinion.classes and opinion.first == UNKNOWN


def test_an_example_without_a_text_is_a_lint_problem(answers_with: KbFactory) -> None:
    taught = answers_with(lambda examples: [*examples, {"id": STRIPS}])
    assert any("an example needs a text" in problem for problem in taught.kb.check())


def rescue_off(tmp_path: Path) -> Answers:
    """A copy of kb/ that rescues no question nothing was found for (kb/retrieval.yml rescue_margin off)."""
    kb_dir = tmp_path / "no_rescue"
    shutil.copytree(PROJECT_ROOT / "kb", kb_dir, ignore=shutil.ignore_patterns("demo", "guides"))
    path = kb_dir / "retrieval.yml"
    text = path.read_text(encoding="utf-8")
    assert "  rescue_margin: 0.0\n" in text
    path.write_text(text.replace("  rescue_margin: 0.0\n", "  rescue_margin: 99.0\n"), encoding="utf-8")
    policy = load_policy(kb_dir / "policy.yml")
    return Answers(KnowledgeBase(kb_dir, policy), policy)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("我们这个生化仪的试剂进了好多，冰箱塞不下了，没拆的能不能在外面搁几天", "care.chemistry.reagent"),
        ("我们的尿机装好快三个月了，说好的回访一直没人来过，是不是漏掉我们了", "followup.visits"),
    ],
)
def test_a_question_nothing_was_found_for_is_answered_where_classifier_and_retriever_agree(
    answers: Answers, tmp_path: Path, question: str, entry: str
) -> None:
    assert rescue_off(tmp_path).reply(question).verdict is Verdict.NONE
    assert answers.reply(question).topics == [entry]


def test_no_rescue_without_the_retrievers_agreement(answers: Answers) -> None:
    # The classifier ranks the on-site deadline first, but the retriever scores it below near_floor: declined.
    question = "我们卫生院在西峡的山沟里，路很难走，我想问下对我们这种地方你们上门到底有没有个时间要求"
    opinion = answers.kb.opinion(question)
    assert opinion is not None and opinion.first == "deadlines.onsite" and opinion.margin >= 0
    assert answers.reply(question).verdict is Verdict.NONE
