"""Cross-validation of the knowledge base's examples (bot.knowledge.examples) over the realistic dev sets:
leave one dev file out.

Usage: .venv/bin/python bench/kb_cross_validation.py [--sweep] [--set key=value ...]

The dev sets are the knowledge base's examples (kb/examples.yml), so scoring them with the shipped file
would score the classifier on its own training data. Here each dev file in turn is held back: the knowledge
base is a temporary copy of kb/ whose examples.yml holds only the other dev files' questions (what
bench/kb_examples.py would write from them), and the held-back file is asked as bench/kb_quality.py
--realistic asks it (`Answers.reply`, a follow-up right after its `after` message) and counted the same way:
right outright (answered right, an unknown declined, a topicless question asked back), wrong confident
answers, unknown questions declined. A file is a batch written at one time in one set of styles, so holding
back a whole file keeps near-duplicates of its questions out of training, as fresh questions would be.

Every run prints "before" (no classifier: `examples.enabled` false, what the hand-written reading does
alone; the dev sets were tuned on by hand, so this is higher than on unseen questions) and "after" (the
settings of kb/retrieval.yml's `examples:`, with --set overrides, e.g. --set choose_margin=0.2). --sweep
also prints one line per threshold value tried, each threshold moved alone from the shipped settings, the
others as shipped; the thresholds of kb/retrieval.yml were chosen from these lines, and only near_floor
(twelfth
round) also by the held-out totals: the value that added no held-out wrong answer (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import settings  # noqa: E402
from bot.knowledge.examples import ExampleSettings  # noqa: E402
from bot.policy import current_policy  # noqa: E402
from tests.knowledge.realistic import HeldBack, Tally, dev_files  # noqa: E402

OFF = 99.0  # a margin no question reaches: the rule is off
SWEEP: dict[str, list[float]] = {
    "choose_margin": [-0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, OFF],
    "decline_margin": [-0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, OFF],
    "rescue_margin": [-0.1, 0.0, 0.1, 0.2, OFF],
    "near_floor": [0.08, 0.10, 0.12, 0.15],
}


@dataclass(frozen=True)
class Score:
    questions: int
    right: int  # right outright
    wrong: int
    unknown: int
    declined: int  # unknown questions declined
    answerable: int
    reachable: int  # answerable questions answered right (or in part) or offered as a 「您是想问」 choice

    def __add__(self, other: Score) -> Score:
        return Score(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def cells(self) -> str:
        return (
            f"{self.right / self.questions:>7.1%} {self.wrong / self.questions:>6.1%}"
            f" {self.declined:>3}/{self.unknown:<3} {self.reachable / self.answerable:>6.1%}"
        )


def score(result: Tally) -> Score:
    pairs = list(zip(result.items, result.classes, strict=True))
    unknown = [c for item, c in pairs if not item.expected]
    return Score(
        len(pairs),
        round(result.right_outright * len(pairs)),
        result.classes.count("wrong"),
        len(unknown),
        unknown.count("declined"),
        len(pairs) - len(unknown),
        sum(c in ("right", "partial", "reachable") for item, c in pairs if item.expected),
    )


def shipped(overrides: list[str]) -> ExampleSettings:
    raw: dict[str, Any] = yaml.safe_load((settings().kb_dir / "retrieval.yml").read_text(encoding="utf-8"))
    chosen = ExampleSettings(**raw.get("examples", {}))
    for override in overrides:
        key, _, value = override.partition("=")
        current = getattr(chosen, key)
        chosen = replace(
            chosen, **{key: value.lower() == "true" if isinstance(current, bool) else float(value)}
        )
    return replace(chosen, enabled=True)


def report(label: str, scores: list[Score]) -> None:
    total = sum(scores[1:], scores[0])
    print(
        f"{label:<26}"
        + "".join(s.cells() for s in scores)
        + "   "
        + total.cells()
        + f"  ({total.right} / {total.wrong} of {total.questions})"
    )


def main(sweep: bool, overrides: list[str]) -> None:
    files = dev_files()
    chosen = shipped(overrides)
    print(f"leave one dev file out, {len(files)} folds; classifier settings: {chosen}")
    policy = current_policy()
    with tempfile.TemporaryDirectory() as tmp:
        folds = [HeldBack(path, settings().kb_dir, Path(tmp), policy) for path in files]
        names = "".join(
            f"{fold.held_back.stem.removeprefix('dev_realistic') or '_dev':>29}" for fold in folds
        )
        print(f"{'':<26}{names}{'total':>32}")
        header = f"{'right':>7} {'wrong':>6} {'decl.':>7} {'reach':>6}"
        print(f"{'':<26}" + header * len(folds) + "   " + header)
        report(
            "before (no classifier)", [score(fold.tally(replace(chosen, enabled=False))) for fold in folds]
        )
        report("after", [score(fold.tally(chosen)) for fold in folds])
        if sweep:
            for key, values in SWEEP.items():
                for value in values:
                    moved = replace(chosen, **{key: value})
                    report(f"{key}={value:g}", [score(fold.tally(moved)) for fold in folds])
    counts = Counter(item.style for fold in folds for item in fold.items)
    print(f"styles held back: {dict(counts)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="also move each threshold alone")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="key=value")
    arguments = parser.parse_args()
    main(arguments.sweep, arguments.overrides)
