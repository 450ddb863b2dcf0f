"""Held-out NLU quality and parse latency of the trained hotline model.

Usage: .venv/bin/python bench/nlu_heldout.py [--repeat N] [--model PATH]
Prints, on tests/nlu/heldout.yml: intent macro-F1 and accuracy, how many messages fell back, entity precision,
recall and F1 per entity type, and the parse latency percentiles over N passes of the held-out texts (after
one warm-up pass). Without --model it uses (and if needed trains) the project's model.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

from bot.config import settings
from bot.model import ensure_model
from bot.nlu.scores import entity_scores, intent_scores

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "nlu" / "heldout.yml"


async def main(repeat: int, model: Path) -> None:
    agent = Agent.load(str(model))
    examples = load_data(str(HELDOUT)).intent_examples
    results = [await agent.parse_message(e.get("text")) for e in examples]  # also the warm-up
    expected = [e.get("intent") for e in examples]
    predicted = [r["intent"]["name"] for r in results]
    intents = intent_scores(expected, predicted)
    print(f"model: {model.name}")
    print(f"held-out examples: {len(examples)}, intents: {len(set(expected))}")
    print(
        f"intent macro-F1: {intents.macro_f1:.3f}, accuracy: {intents.accuracy:.3f}, "
        f"fell back: {intents.fallbacks}, wrong intent: {intents.wrong}"
    )
    gold = [e.get("entities") or [] for e in examples]
    for name, score in entity_scores(gold, [r["entities"] for r in results]).items():
        print(
            f"entity {name}: precision {score.precision:.3f}, recall {score.recall:.3f}, F1 {score.f1:.3f} "
            f"({score.found} of {score.wanted} found, {score.spurious} spurious)"
        )
    latencies = []
    for _ in range(repeat):
        for example in examples:
            start = time.perf_counter()
            await agent.parse_message(example.get("text"))
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"parse latency over {len(latencies)} parses: p50 {statistics.median(latencies):.1f} ms, p95"
        f" {p95:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a trained model (.tar.gz); default: the project's")
    arguments = parser.parse_args()
    configure_structlog(logging.WARNING)  # unconfigured, Rasa logs every parse
    asyncio.run(main(arguments.repeat, arguments.model or ensure_model(settings().models_dir)))
