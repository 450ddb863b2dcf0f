"""The trained model on the held-out set (tests/nlu/heldout.yml, never used in training)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

from bot.app.model import ensure_model
from bot.config import settings
from bot.nlu.scores import entity_scores, intent_scores

HELDOUT = Path(__file__).with_name("heldout.yml")
# Noisy phrasing (issue 12): voice transcripts, typos, dialect, pinyin, very short; never trained or tuned on.
NOISY = Path(__file__).with_name("heldout_noisy.yml")
# Entities the intake depends on: from the regexes and the device catalogue.
KEY_ENTITIES = ("device", "serial_number", "phone", "ticket_id")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def parsed() -> list[tuple[Any, dict[str, Any]]]:
    """Every held-out example with what the model makes of it (the model is trained once per data hash)."""
    agent = Agent.load(str(ensure_model(settings().models_dir)))
    examples = load_data(str(HELDOUT)).intent_examples

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(example.get("text")) for example in examples]

    return list(zip(examples, asyncio.run(parse_all()), strict=True))


@pytest.mark.parametrize("path", [HELDOUT, NOISY], ids=["heldout", "noisy"])
def test_heldout_set_is_not_in_the_training_data(path: Path) -> None:
    training = {e.get("text") for e in load_data("data/nlu_zh").intent_examples}
    heldout = [e.get("text") for e in load_data(str(path)).intent_examples]
    assert not training.intersection(heldout)
    counts = Counter(e.get("intent") for e in load_data(str(path)).intent_examples)
    assert min(counts.values()) >= 15, counts


def test_noisy_phrasing_intent_macro_f1_at_least_095() -> None:
    agent = Agent.load(str(ensure_model(settings().models_dir)))
    examples = load_data(str(NOISY)).intent_examples

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(e.get("text")))["intent"]["name"] for e in examples]

    predicted = asyncio.run(parse_all())
    scores = intent_scores([e.get("intent") for e in examples], predicted)
    misses = [
        (e.get("text"), e.get("intent"), p)
        for e, p in zip(examples, predicted, strict=True)
        if e.get("intent") != p
    ]
    assert scores.macro_f1 >= 0.95, f"macro-F1 {scores.macro_f1:.3f}; misses: {misses}"


def test_intent_macro_f1_at_least_095(parsed) -> None:
    expected = [example.get("intent") for example, _ in parsed]
    # A fallback counts as a miss for the message's intent: the bot asked instead of answering.
    predicted = [result["intent"]["name"] for _, result in parsed]
    scores = intent_scores(expected, predicted)
    misses = [
        (e.get("text"), e.get("intent"), r["intent"]["name"])
        for e, r in parsed
        if e.get("intent") != r["intent"]["name"]
    ]
    assert scores.macro_f1 >= 0.95, f"macro-F1 {scores.macro_f1:.3f}; misses: {misses}"
    # Asking back is acceptable now and then; answering the wrong question is what a caller notices.
    assert scores.wrong <= len(parsed) * 0.01, f"{scores.wrong} wrong intents; misses: {misses}"


@pytest.mark.parametrize("entity", KEY_ENTITIES)
def test_key_entities_are_found_and_not_invented(parsed, entity: str) -> None:
    scores = entity_scores([e.get("entities") or [] for e, _ in parsed], [r["entities"] for _, r in parsed])[
        entity
    ]
    assert scores.wanted
    assert scores.f1 >= 0.95, f"{entity}: {scores}"
