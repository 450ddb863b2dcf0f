"""The realistic question sets of issue 14 (dev_realistic*.yml, heldout_realistic.yml,
heldout_realistic_second.yml, heldout_realistic_third.yml, heldout_realistic_fourth.yml,
heldout_realistic_fifth.yml) and how a caller's outcome is counted: read by bench/kb_quality.py --realistic
and tests/knowledge/test_realistic_questions.py. The dev sets (but those marked `examples: false`,
`example_files`) are also the knowledge base's examples (kb/examples.yml, written by bench/kb_examples.py with
`examples_yaml`); `HeldBack` scores one of them with
a classifier that never saw it (bench/kb_cross_validation.py, the dev floors of
test_realistic_questions.py)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers
from bot.knowledge.base import EXAMPLES_FILE
from bot.knowledge.examples import ExampleSettings
from bot.policy import ServicePolicy

HERE = Path(__file__).resolve().parent
OUTCOMES = ("right", "partial", "reachable", "wrong", "offered", "declined", "clarified")


@dataclass(frozen=True)
class Realistic:
    text: str
    style: str
    expected: list[str]  # FAQ topics the answer must cover; empty: the KB cannot know, decline
    must: list[str]  # texts the answer must contain, policy values filled in
    after: str | None  # the previous message, for follow-ups
    clarify: bool = False  # a short question naming no topic: right when the bot asks which topic is meant


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    topics: list[str]  # the topics answered
    text: str  # the answer the caller reads (empty unless answered)
    suggested: list[str]  # the topics offered as 「您是想问」 choices
    clarified: bool = False  # the choices ask which topic is meant


@dataclass(frozen=True)
class Tally:
    """A set's outcomes: `classes` per question, in the set's order."""

    items: list[Realistic]
    classes: list[str]

    def share(self, *classes: str, answerable: bool | None = None) -> float:
        chosen = [
            c
            for item, c in zip(self.items, self.classes, strict=True)
            if answerable is None or bool(item.expected) == answerable
        ]
        return sum(c in classes for c in chosen) / len(chosen)

    @property
    def right_outright(self) -> float:
        """Answered right, asked which topic is meant (a question naming none), or (a question the knowledge
        base cannot know) declined."""
        good = sum(
            c in ("right", "clarified") or (not item.expected and c == "declined")
            for item, c in zip(self.items, self.classes, strict=True)
        )
        return good / len(self.items)

    @property
    def wrong(self) -> float:
        return self.share("wrong")


def dev_files() -> list[Path]:
    """The realistic dev sets (may be tuned on, and are the knowledge base's examples), in name order."""
    return sorted(HERE.glob("dev_realistic*.yml"))


def example_files() -> list[Path]:
    """The dev sets that are the knowledge base's examples: all but those marked `examples: false` (a batch
    that, as examples, gave the other dev files' folds more wrong answers than it took away; it stays tuning
    material for the hand-written reading)."""
    return [
        path
        for path in dev_files()
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("examples", True) is not False
    ]


def load_realistic(path: Path, policy: ServicePolicy) -> list[Realistic]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    items = []
    for item in raw:
        expected = item["id"] if isinstance(item["id"], list) else ([item["id"]] if item["id"] else [])
        must = [policy.render(text) for text in item.get("must", [])]
        items.append(
            Realistic(
                str(item["text"]), item["style"], expected, must, item.get("after"), bool(item.get("clarify"))
            )
        )
    return items


def classify(item: Realistic, outcome: Outcome) -> str:
    """right: every topic answered with the asked-for numbers, and nothing else; partial: answered, some
    topics missing, nothing wrong; reachable: a 「您是想问」 choice holds the topic; wrong: a confident
    answer that is not right or partial (for an unknown question: any answer); offered: choices without the
    topic; declined: nothing offered; clarified: a question marked `clarify` asked which topic is meant."""
    if item.clarify and outcome.clarified:
        return "clarified"
    if outcome.verdict is Verdict.NONE:
        return "declined"
    if outcome.verdict is Verdict.SUGGEST:
        return "reachable" if set(item.expected) & set(outcome.suggested) else "offered"
    has_numbers = all(text in outcome.text for text in item.must)
    if item.expected and has_numbers and set(item.expected) == set(outcome.topics):
        return "right"
    if has_numbers and set(item.expected) & set(outcome.topics) and set(outcome.topics) <= set(item.expected):
        return "partial"
    return "wrong"


def retriever_outcome(kb: KnowledgeBase, item: Realistic) -> Outcome:
    """The bare retriever of before issue 14: the message as one question, no context."""
    answer = kb.ask(item.text, k=3)
    if answer.verdict is Verdict.ANSWER:
        return Outcome(answer.verdict, [answer.hits[0].id], answer.hits[0].answer, [])
    return Outcome(answer.verdict, [], "", [hit.id for hit in answer.hits])


def answers_outcome(answers: Answers, item: Realistic) -> Outcome:
    """What the bot answers; a follow-up is asked right after its previous question."""
    previous = answers.reply(item.after).context if item.after else None
    reply = answers.reply(item.text, previous=previous)
    suggested = [hit.id for hit in reply.suggestions]
    return Outcome(reply.verdict, reply.topics, reply.text, suggested, reply.clarifying)


def tally(items: list[Realistic], outcomes: list[Outcome]) -> Tally:
    return Tally(items, [classify(item, outcome) for item, outcome in zip(items, outcomes, strict=True)])


EXAMPLES_HEADER = """\
# Callers' questions labelled with the entry that answers them (id null: the knowledge base cannot know,
# decline), the classifier's examples (bot/knowledge/examples.py; kb/retrieval.yml `examples:`). A follow-up
# carries the message it follows (after). Written by bench/kb_examples.py from the realistic dev sets
# (tests/knowledge/dev_realistic*.yml): edit those and run it again, do not edit this file by hand. The
# held-out sets are never copied here.
"""


def example(item: Realistic) -> dict[str, Any] | None:
    """The example of a dev question, or None when it has no single class (two questions in one message, a
    topicless question the bot asks back)."""
    if item.clarify or len(item.expected) > 1:
        return None
    row: dict[str, Any] = {"id": item.expected[0] if item.expected else None, "text": item.text}
    if item.after:
        row["after"] = item.after
    return row


def examples_yaml(files: list[Path], policy: ServicePolicy) -> str:
    """kb/examples.yml for the questions of these dev files."""
    rows = [example(item) for path in files for item in load_realistic(path, policy)]
    body = yaml.safe_dump(
        {"examples": [row for row in rows if row is not None]},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=None,
    )
    return EXAMPLES_HEADER + body


class HeldBack:
    """One dev file held back: a temporary copy of kb_dir whose examples.yml holds the questions of every
    other dev file, so that the held-back file's questions are wording the classifier never saw."""

    def __init__(self, held_back: Path, kb_dir: Path, root: Path, policy: ServicePolicy) -> None:
        """root: an empty folder for the copy (a temporary one)."""
        self.held_back = held_back
        self.kb_dir = root / held_back.stem
        shutil.copytree(kb_dir, self.kb_dir, ignore=shutil.ignore_patterns("demo", "guides"))
        others = [path for path in example_files() if path != held_back]
        (self.kb_dir / EXAMPLES_FILE).write_text(examples_yaml(others, policy), encoding="utf-8")
        self._retrieval = yaml.safe_load((self.kb_dir / "retrieval.yml").read_text(encoding="utf-8"))
        self.items = load_realistic(held_back, policy)
        self.kb = KnowledgeBase(self.kb_dir, policy)
        self.answers = Answers(self.kb, policy)

    def tally(self, examples: ExampleSettings | None = None) -> Tally:
        """The held-back file asked as the bot asks it; `examples`: other classifier settings than kb_dir's
        (the index is rebuilt and the classifier trained again)."""
        if examples is not None and examples != self.kb.settings.examples:
            raw = dict(
                self._retrieval, examples={f.name: getattr(examples, f.name) for f in fields(examples)}
            )
            text = yaml.safe_dump(raw, allow_unicode=True)
            (self.kb_dir / "retrieval.yml").write_text(text, encoding="utf-8")
            self.kb.refresh()
            assert self.kb.settings.examples == examples, "retrieval.yml not reloaded"
        return tally(self.items, [answers_outcome(self.answers, item) for item in self.items])
