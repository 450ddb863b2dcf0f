"""Held-out NLU quality and parse latency of the trained hotline model.

Usage: .venv/bin/python bench/nlu_heldout.py [--repeat N]
Prints intent macro-F1 and accuracy on tests/nlu/heldout.yml, entity recall per entity type, and the parse
latency percentiles over N passes of the held-out texts (after one warm-up pass).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import accuracy_score, f1_score

from bot.config import settings
from bot.model import ensure_model

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "nlu" / "heldout.yml"


async def main(repeat: int) -> None:
    model = ensure_model(settings().models_dir)
    agent = Agent.load(str(model))
    examples = load_data(str(HELDOUT)).intent_examples
    results = [await agent.parse_message(e.get("text")) for e in examples]  # also the warm-up
    expected = [e.get("intent") for e in examples]
    predicted = [r["intent"]["name"] for r in results]
    print(f"model: {model.name}")
    print(f"held-out examples: {len(examples)}, intents: {len(set(expected))}")
    print(f"intent macro-F1: {f1_score(expected, predicted, average='macro'):.3f}")
    print(f"intent accuracy: {accuracy_score(expected, predicted):.3f}")
    wanted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for example, result in zip(examples, results, strict=True):
        got = {(e["entity"], e["start"], e["end"]) for e in result["entities"]}
        for entity in example.get("entities") or []:
            wanted[entity["entity"]] += 1
            found[entity["entity"]] += (entity["entity"], entity["start"], entity["end"]) in got
    for name in sorted(wanted):
        print(f"entity {name}: recall {found[name] / wanted[name]:.3f} ({found[name]}/{wanted[name]})")
    latencies = []
    for _ in range(repeat):
        for example in examples:
            start = time.perf_counter()
            await agent.parse_message(example.get("text"))
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"parse latency over {len(latencies)} parses: p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeat))
