"""The real FAQ against held-out questions written apart from its paraphrases: the right entry comes first for
at least 90 % of them, and no off-topic question gets an answer. Three sets, each held to the same bar:

- heldout_questions.yml: its misses were studied and fixed, and its off-topic questions tune the thresholds;
- heldout_questions_fresh.yml: written before it was ever scored and never used for tuning, so it shows
  whether the fixes generalise (0.877 before the synonym work of issue 3, 0.943 after; docs/benchmarks.md);
- heldout_questions_third.yml: voice-call and hurried-chat wording, written and scored before that work
(0.939,
  0.973 after).

bench/kb_quality.py prints each set's MRR and the threshold trade-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.config import settings
from bot.knowledge import Answer, KnowledgeBase, Verdict
from bot.knowledge.text import clean
from bot.policy import current_policy

HERE = Path(__file__).parent


@dataclass(frozen=True)
class HeldOutSet:
    file: str
    min_answerable: int
    min_entries: int
    min_off_topic: int
    min_top1: float


SETS = [
    HeldOutSet("heldout_questions.yml", min_answerable=100, min_entries=50, min_off_topic=25, min_top1=0.90),
    HeldOutSet(
        "heldout_questions_fresh.yml", min_answerable=60, min_entries=40, min_off_topic=15, min_top1=0.90
    ),
    HeldOutSet(
        "heldout_questions_third.yml", min_answerable=100, min_entries=60, min_off_topic=15, min_top1=0.90
    ),
]


@dataclass(frozen=True)
class HeldOutQuestion:
    text: str
    expected_id: str | None  # None: off-topic, no entry should answer


def load_questions(path: Path) -> list[HeldOutQuestion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [HeldOutQuestion(str(item["text"]), item["id"]) for item in raw["questions"]]


def describe(question: HeldOutQuestion, answer: Answer) -> str:
    hits = ", ".join(f"{hit.id} {hit.score:.2f}" for hit in answer.hits) or "no hit"
    return f"「{question.text}」 expected {question.expected_id}: {answer.verdict.value} [{hits}]"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(settings().kb_dir, current_policy())


@pytest.fixture(scope="module", params=SETS, ids=[s.file for s in SETS])
def held_out(request: pytest.FixtureRequest) -> tuple[HeldOutSet, list[HeldOutQuestion]]:
    held_out_set: HeldOutSet = request.param
    return held_out_set, load_questions(HERE / held_out_set.file)


def test_the_set_is_large_broad_and_names_real_entries(
    kb: KnowledgeBase, held_out: tuple[HeldOutSet, list[HeldOutQuestion]]
) -> None:
    held_out_set, questions = held_out
    answerable = [q for q in questions if q.expected_id is not None]
    expected_ids = {q.expected_id for q in answerable}
    assert len(answerable) >= held_out_set.min_answerable
    assert len(expected_ids) >= held_out_set.min_entries
    assert len(questions) - len(answerable) >= held_out_set.min_off_topic
    assert expected_ids <= {entry.id for entry in kb.entries}
    assert len({q.text for q in questions}) == len(questions), "a question is listed twice"


def test_no_held_out_question_is_in_the_faq_or_in_the_other_set(kb: KnowledgeBase) -> None:
    # Copied into the KB, a held-out question would only measure the copy. Compared cleaned (punctuation,
    # width, case, traditional characters), so a copy with a changed 「？」 is still found.
    faq_texts = {clean(text).replace(" ", "") for entry in kb.entries for text in entry.variants}
    sets = [{clean(q.text).replace(" ", "") for q in load_questions(HERE / s.file)} for s in SETS]
    for held_out_set, texts in zip(SETS, sets, strict=True):
        assert not texts & faq_texts, (
            f"{held_out_set.file} has questions of the FAQ: {sorted(texts & faq_texts)}"
        )
    for i, first in enumerate(sets):
        for second in sets[i + 1 :]:
            assert not first & second, f"questions in two sets: {sorted(first & second)}"


def test_top1_accuracy_on_answerable_questions(
    kb: KnowledgeBase, held_out: tuple[HeldOutSet, list[HeldOutQuestion]]
) -> None:
    # Top-1 is the first hit whatever the verdict: a 「您是想问」 list led by the right entry counts, no hit
    # does not.
    held_out_set, questions = held_out
    answerable = [q for q in questions if q.expected_id is not None]
    misses = []
    for question in answerable:
        answer = kb.ask(question.text)
        if not answer.hits or answer.hits[0].id != question.expected_id:
            misses.append(describe(question, answer))
    accuracy = 1 - len(misses) / len(answerable)
    assert accuracy >= held_out_set.min_top1, (
        f"{held_out_set.file}: top-1 accuracy {accuracy:.3f} < {held_out_set.min_top1} "
        f"({len(misses)} misses of {len(answerable)}):\n" + "\n".join(misses)
    )


def test_no_off_topic_question_gets_an_answer(
    kb: KnowledgeBase, held_out: tuple[HeldOutSet, list[HeldOutQuestion]]
) -> None:
    held_out_set, questions = held_out
    answered = []
    for question in questions:
        if question.expected_id is None:
            answer = kb.ask(question.text)
            if answer.verdict is Verdict.ANSWER:
                answered.append(describe(question, answer))
    assert answered == [], f"{held_out_set.file}: off-topic questions answered:\n" + "\n".join(answered)
