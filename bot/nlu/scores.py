"""How NLU quality is counted, one definition for the held-out test and the benchmarks.

Intents: macro-F1 over the intents the test set holds. A fallback (`nlu_fallback`: the bot asks instead of
answering) is a miss for the message's intent, but not a class of its own: counted as one, it would enter the
average with an F1 of 0 and cap the macro-F1 at 18/19 = 0.947 on 18 intents as soon as one message falls back.

Entities: an entity is found when a predicted entity has the same type, start and end; several extractors
reporting the same span count once. Precision is over the distinct predicted spans of that type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class IntentScores:
    macro_f1: float
    accuracy: float
    fallbacks: int  # messages the bot would have asked about
    wrong: int  # messages given another intent than theirs


def intent_scores(expected: Sequence[str], predicted: Sequence[str]) -> IntentScores:
    """Macro-F1 over the expected intents (see the module docstring), accuracy, fallbacks and wrong
    intents."""
    labels = sorted(set(expected))
    fallbacks = sum(p == FALLBACK_INTENT for p in predicted)
    wrong = sum(e != p and p != FALLBACK_INTENT for e, p in zip(expected, predicted, strict=True))
    return IntentScores(
        macro_f1=float(f1_score(expected, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(expected, predicted)),
        fallbacks=fallbacks,
        wrong=wrong,
    )


@dataclass(frozen=True)
class EntityScores:
    wanted: int
    found: int
    spurious: int

    @property
    def precision(self) -> float:
        predicted = self.found + self.spurious
        return self.found / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.wanted if self.wanted else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def entity_scores(
    expected: Sequence[Sequence[dict[str, Any]]], predicted: Sequence[Sequence[dict[str, Any]]]
) -> dict[str, EntityScores]:
    """Per entity type of the expected entities: how many were found and how many predicted spans were
    wrong."""
    types = sorted({str(e["entity"]) for entities in expected for e in entities})
    counts = {name: [0, 0, 0] for name in types}  # wanted, found, spurious
    for gold, guess in zip(expected, predicted, strict=True):
        gold_spans = {(e["entity"], e["start"], e["end"]) for e in gold}
        guessed_spans = {(e["entity"], e["start"], e["end"]) for e in guess}
        for name in types:
            wanted = {span for span in gold_spans if span[0] == name}
            guessed = {span for span in guessed_spans if span[0] == name}
            counts[name][0] += len(wanted)
            counts[name][1] += len(wanted & guessed)
            counts[name][2] += len(guessed - wanted)
    return {name: EntityScores(*numbers) for name, numbers in counts.items()}
