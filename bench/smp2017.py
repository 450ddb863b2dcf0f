"""The project's NLU pipeline (config.yml) on the SMP2017-ECDT intent benchmark (31 classes).

Usage:
  .venv/bin/python bench/smp2017.py [--data DIR]          train on train+dev, report test (official protocol)
  .venv/bin/python bench/smp2017.py [--data DIR] --cv K   K-fold cross-validation on train+dev, for tuning

DIR holds {train,dev,test}.tsv (text<TAB>label; default $HOTLINE_SMP2017_DIR, else
../shared/benchdata/smp2017 beside the project). The data is read from there and converted to Rasa NLU data in
a temporary directory; it is never copied into the project. Each training is `rasa train nlu --config
config.yml` in a child process: its wall time and peak resident memory are reported. Parsing uses Rasa's
Agent, one message at a time.

Reported: macro-F1 and accuracy of the pipeline's best intent, and again with FallbackClassifier's
`nlu_fallback` counted as a miss (how often the hotline would have asked instead of answering), training wall
time, peak RSS, parse latency p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rasa.core.agent import Agent
from rasa.utils.log_utils import configure_structlog
from sklearn.model_selection import StratifiedKFold

from bot.config import PROJECT_ROOT
from bot.nlu.scores import FALLBACK_INTENT, intent_scores

DEFAULT_DATA = Path(
    os.environ.get("HOTLINE_SMP2017_DIR", PROJECT_ROOT.parent / "shared" / "benchdata" / "smp2017")
)
CONFIG = PROJECT_ROOT / "config.yml"
# Rasa reads 「[text](entity)」 in an example as an entity annotation; SMP2017 has no annotations.
_ANNOTATION = re.compile(r"\[[^\]]*\]\(")


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(text, label) rows. The label is the last field: one dev row is 「啥呀<TAB>0<TAB>chat」."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            text, label = line.rsplit("\t", 1)
            rows.append((" ".join(text.split()), label))
    return rows


def write_nlu_yaml(rows: Sequence[tuple[str, str]], path: Path) -> None:
    """Rasa 3 NLU training data, one intent per label."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        if _ANNOTATION.search(text):
            raise ValueError(f"example would be read as an entity annotation: {text!r}")
        by_label[label].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for label, texts in sorted(by_label.items()):
        lines += [f"- intent: {label}", "  examples: |"] + [f"    - {text}" for text in dict.fromkeys(texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def train(rows: Sequence[tuple[str, str]], work: Path, name: str) -> tuple[Path, float]:
    """Trains config.yml's NLU pipeline on rows; the model and the wall time in seconds."""
    data = work / f"{name}.yml"
    write_nlu_yaml(rows, data)
    command = [
        str(Path(sys.executable).with_name("rasa")),
        "train",
        "nlu",
        "--config",
        str(CONFIG),
        "--nlu",
        str(data),
        "--out",
        str(work),
        "--fixed-model-name",
        name,
    ]
    log = work / f"{name}.log"
    start = time.perf_counter()
    with log.open("w") as output:
        # A cache in the work directory: every run trains from scratch and leaves no cache behind.
        env = {**os.environ, "RASA_CACHE_DIRECTORY": str(work / "cache")}
        result = subprocess.run(command, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT, env=env)
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"training failed, see the end of the log:\n{log.read_text()[-3000:]}")
    return work / f"{name}.tar.gz", seconds


async def parse(model: Path, texts: Sequence[str]) -> tuple[list[str], list[str], list[float]]:
    """For each text: the pipeline's intent, the best real intent, and the parse time in ms."""
    agent = Agent.load(str(model))
    await agent.parse_message(texts[0])  # warm-up
    pipeline, best, latencies = [], [], []
    for text in texts:
        start = time.perf_counter()
        result = await agent.parse_message(text)
        latencies.append((time.perf_counter() - start) * 1000)
        pipeline.append(result["intent"]["name"])
        best.append(next(r["name"] for r in result["intent_ranking"] if r["name"] != FALLBACK_INTENT))
    return pipeline, best, latencies


def peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KB


def report(expected: list[str], pipeline: list[str], best: list[str]) -> None:
    intents = intent_scores(expected, best)
    with_fallback = intent_scores(expected, pipeline)
    print(f"  best intent:            macro-F1 {intents.macro_f1:.4f}, accuracy {intents.accuracy:.4f}")
    print(
        f"  fallback as a miss:     macro-F1 {with_fallback.macro_f1:.4f}, accuracy"
        f" {with_fallback.accuracy:.4f}"
        f" ({with_fallback.fallbacks} of {len(expected)} fell back)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of {train,dev,test}.tsv")
    parser.add_argument(
        "--cv", type=int, metavar="K", help="K-fold cross-validation on train+dev instead of test"
    )
    parser.add_argument("--seed", type=int, default=0, help="fold shuffling seed for --cv")
    arguments = parser.parse_args()
    configure_structlog(logging.WARNING)  # unconfigured, Rasa logs every parse
    train_dev = read_tsv(arguments.data / "train.tsv") + read_tsv(arguments.data / "dev.tsv")
    with tempfile.TemporaryDirectory(prefix="smp2017-") as directory:
        work = Path(directory)
        if arguments.cv:
            folds = StratifiedKFold(arguments.cv, shuffle=True, random_state=arguments.seed)
            labels = [label for _, label in train_dev]
            expected, pipeline, best, latencies, seconds = [], [], [], [], []
            for fold, (train_index, test_index) in enumerate(folds.split(train_dev, labels)):
                model, took = train([train_dev[i] for i in train_index], work, f"fold{fold}")
                held = [train_dev[i] for i in test_index]
                fold_pipeline, fold_best, fold_latencies = asyncio.run(parse(model, [t for t, _ in held]))
                expected += [label for _, label in held]
                pipeline += fold_pipeline
                best += fold_best
                latencies += fold_latencies
                seconds.append(took)
            print(f"SMP2017 {arguments.cv}-fold cross-validation on train+dev ({len(train_dev)} examples):")
            report(expected, pipeline, best)
            print(
                f"  training: {statistics.mean(seconds):.1f} s per fold (wall), peak RSS"
                f" {peak_child_rss_mb():.0f} MB"
            )
        else:
            test = read_tsv(arguments.data / "test.tsv")
            model, took = train(train_dev, work, "smp2017")
            pipeline, best, latencies = asyncio.run(parse(model, [t for t, _ in test]))
            print(f"SMP2017 train+dev ({len(train_dev)}) → test ({len(test)}):")
            report([label for _, label in test], pipeline, best)
            print(f"  training: {took:.1f} s (wall), peak RSS {peak_child_rss_mb():.0f} MB")
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(
            f"  parse latency over {len(latencies)} parses: p50 {statistics.median(latencies):.1f} ms, p95"
            f" {p95:.1f} ms"
        )


if __name__ == "__main__":
    main()
