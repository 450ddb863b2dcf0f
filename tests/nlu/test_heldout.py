"""The trained model on the held-out set (tests/nlu/heldout.yml, never used in training)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

from bot.config import settings
from bot.model import ensure_model

HELDOUT = Path(__file__).with_name("heldout.yml")
PATTERN_ENTITIES = ("serial_number", "phone", "ticket_id")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def parsed() -> list[tuple[Any, dict[str, Any]]]:
    """Every held-out example with what the model makes of it (the model is trained once per data hash)."""
    agent = Agent.load(str(ensure_model(settings().models_dir)))
    examples = load_data(str(HELDOUT)).intent_examples

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(example.get("text")) for example in examples]

    return list(zip(examples, asyncio.run(parse_all()), strict=True))


def test_heldout_set_is_not_in_the_training_data() -> None:
    training = {e.get("text") for e in load_data("data/nlu_zh").intent_examples}
    heldout = [e.get("text") for e in load_data(str(HELDOUT)).intent_examples]
    assert not training.intersection(heldout)
    counts = Counter(e.get("intent") for e in load_data(str(HELDOUT)).intent_examples)
    assert min(counts.values()) >= 15, counts


def test_intent_macro_f1_at_least_090(parsed) -> None:
    expected = [example.get("intent") for example, _ in parsed]
    # A fallback counts as a miss: the bot asked instead of answering.
    predicted = [result["intent"]["name"] for _, result in parsed]
    score = f1_score(expected, predicted, average="macro")
    misses = [
        (e.get("text"), e.get("intent"), r["intent"]["name"])
        for e, r in parsed
        if e.get("intent") != r["intent"]["name"]
    ]
    assert score >= 0.90, f"macro-F1 {score:.3f}; misses: {misses}"


@pytest.mark.parametrize("entity", PATTERN_ENTITIES)
def test_pattern_entities_are_found(parsed, entity: str) -> None:
    wanted = found = 0
    for example, result in parsed:
        expected = {(e["start"], e["end"]) for e in example.get("entities") or [] if e["entity"] == entity}
        got = {(e["start"], e["end"]) for e in result["entities"] if e["entity"] == entity}
        wanted += len(expected)
        found += len(expected & got)
    assert wanted and found / wanted >= 0.9, f"{entity}: {found}/{wanted}"
