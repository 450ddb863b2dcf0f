"""Retrieval latency of the FAQ retriever at the real KB and at a synthetic KB of 10,000 entries, and build
times.

Usage: .venv/bin/python bench/kb_latency.py [--entries N] [--questions N] [--seed N]

The synthetic KB is written to a temporary folder: every entry recombines the words of real entries (a real
entry's question and paraphrases with about half their words swapped for words drawn from the whole FAQ, and a
shuffled real answer), so its vocabulary and lengths are the real ones; it has the real examples
(kb/examples.yml), each labelled with a synthetic entry that recombines its entry. The questions are real
questions and paraphrases, each with one word swapped, asked in the same order against both KBs, after warm-up
questions that are not measured (the analyser keeps the terms of texts it has seen, so a measured question is
never one asked before). Latency is measured twice: `ask` is the bare retriever (KnowledgeBase.ask), `reply`
what the bot does per message (bot.knowledge.answers.Answers.reply: the message cut into questions, context
clauses left out, triggers, several look-ups, the classifier on 「您是想问」 choices), on the messages of
tests/knowledge/dev_realistic.yml (long, voice-style, two questions) with about one word in ten swapped (they
are the classifier's examples, whose terms the analyser keeps from training), each asked as a follow-up of the
one before (the bot's worst case), never asked before in the process. Build times: `cold` is KnowledgeBase()
(its tokenizer built from jieba's dictionary, which the process has already read, the FAQ read and analysed,
the inverted index built, the classifier trained; the real KB's also imports scikit-learn); `reload` is the
first ask after a FAQ file changed (FAQ read and index built again, the classifier trained again; tokenizer
and the terms of unchanged texts kept), what a content editor waits for.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jieba
import yaml

# The checkout this script is in, before the installed package: a worktree measures its own code and kb/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import settings  # noqa: E402
from bot.knowledge import FaqEntry, KnowledgeBase  # noqa: E402
from bot.knowledge.answers import Answers  # noqa: E402
from bot.policy import current_policy  # noqa: E402

WARM_UP = 20  # questions asked before measuring: first calls fill caches
KB_FILES = ("retrieval.yml", "devices.yml", "answers.yml", "examples.yml")
DEV_SET = Path(__file__).resolve().parent.parent / "tests" / "knowledge" / "dev_realistic.yml"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def recombine(text: str, vocabulary: list[str], rng: random.Random, share: float) -> str:
    words = jieba.lcut(text)
    return "".join(rng.choice(vocabulary) if rng.random() < share else word for word in words)


def synthetic_kb(
    real_dir: Path, target: Path, entries: list[FaqEntry], size: int, rng: random.Random
) -> None:
    """A KB folder with the real settings and `size` recombined FAQ entries, 500 to a file."""
    for name in KB_FILES:
        shutil.copy(real_dir / name, target / name)
    (target / "faq").mkdir()
    modelled_on: dict[str, str] = {}  # a real entry → the first synthetic entry that recombines it
    vocabulary = [
        word for entry in entries for text in entry.variants for word in jieba.lcut(text) if word.strip()
    ]
    items = []
    for n in range(size):
        model = rng.choice(entries)
        modelled_on.setdefault(model.id, f"synthetic.{n:05d}")
        answer = jieba.lcut(rng.choice(entries).answer)
        rng.shuffle(answer)
        items.append(
            {
                "id": f"synthetic.{n:05d}",
                "question": recombine(model.question, vocabulary, rng, 0.5),
                "paraphrases": [recombine(p, vocabulary, rng, 0.5) for p in model.paraphrases],
                # Braces would be read as policy placeholders.
                "answer": "".join(answer).replace("{", "").replace("}", ""),
                "tags": list(model.tags),
                "device_types": list(model.device_types),
                "source": "synthetic",
            }
        )
    for start in range(0, size, 500):
        text = yaml.safe_dump(items[start : start + 500], allow_unicode=True, sort_keys=False)
        (target / "faq" / f"synthetic_{start // 500:03d}.yml").write_text(text, encoding="utf-8")
    # The real examples, each labelled with the synthetic entry that recombines its entry (the unknown ones
    # as they are): a large FAQ with examples for some of its entries, as many as the real KB has.
    examples = yaml.safe_load((real_dir / "examples.yml").read_text(encoding="utf-8"))["examples"]
    relabelled = [
        dict(example, id=modelled_on[example["id"]] if example["id"] else None)
        for example in examples
        if example["id"] is None or example["id"] in modelled_on
    ]
    text = yaml.safe_dump({"examples": relabelled}, allow_unicode=True, sort_keys=False)
    (target / "examples.yml").write_text(text, encoding="utf-8")


def measure(kb_dir: Path, questions: list[str], messages: list[str]) -> dict[str, float]:
    start = time.perf_counter()
    kb = KnowledgeBase(kb_dir, current_policy())
    cold = time.perf_counter() - start
    for question in questions[:WARM_UP]:
        kb.ask(question)
    latencies = []
    for question in questions[WARM_UP:]:
        start = time.perf_counter()
        kb.ask(question)
        latencies.append((time.perf_counter() - start) * 1000)
    answers = Answers(kb, current_policy())
    replies = []
    previous = None
    for question in messages:
        start = time.perf_counter()
        reply = answers.reply(question, previous=previous)
        replies.append((time.perf_counter() - start) * 1000)
        previous = reply.context
    first = sorted((kb_dir / "faq").glob("*.yml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # an edit: one more byte
    start = time.perf_counter()
    kb.ask(questions[0])
    reload = time.perf_counter() - start
    return {
        "entries": len(kb.entries),
        "variants": sum(len(entry.variants) for entry in kb.entries),
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "reply_p50": statistics.median(replies),
        "reply_p95": percentile(replies, 0.95),
        "cold": cold,
        "reload": reload,
    }


def main(size: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    real_dir = settings().kb_dir
    with tempfile.TemporaryDirectory() as tmp:
        real_copy = Path(tmp) / "real"
        real_copy.mkdir()
        shutil.copytree(real_dir / "faq", real_copy / "faq")
        for name in KB_FILES:
            shutil.copy(real_dir / name, real_copy / name)
        entries = KnowledgeBase(real_copy, current_policy()).entries
        variants = [text for entry in entries for text in entry.variants]
        vocabulary = [word for text in variants for word in jieba.lcut(text) if word.strip()]
        sample = rng.sample(variants, min(count + WARM_UP, len(variants)))
        questions = list(dict.fromkeys(recombine(text, vocabulary, rng, 0.15) for text in sample))
        # Each with a word swapped: the dev messages are the classifier's examples, whose terms the analyser
        # keeps from training, and a measured message must be new to the process.
        messages = [
            recombine(str(item["text"]), vocabulary, rng, 0.1)
            for item in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["questions"]
        ]
        synthetic = Path(tmp) / "synthetic"
        synthetic.mkdir()
        synthetic_kb(real_dir, synthetic, entries, size, rng)
        rows = [
            ("real KB", measure(real_copy, questions, messages)),
            (f"synthetic {size:,}", measure(synthetic, questions, messages)),
        ]
    print(
        f"{len(questions) - WARM_UP} questions per KB, latency of KnowledgeBase.ask after {WARM_UP} warm-up"
        " questions; "
        f"{len(messages)} messages for Answers.reply"
    )
    print(
        f"{'KB':<18}{'entries':>8}{'variants':>10}{'ask p50':>9}{'ask p95':>9}"
        f"{'reply p50':>10}{'reply p95':>10}"
        f"{'cold s':>9}{'reload s':>10}"
    )
    for name, row in rows:
        print(
            f"{name:<18}{row['entries']:>8,.0f}{row['variants']:>10,.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
            f"{row['reply_p50']:>10.1f}{row['reply_p95']:>10.1f}{row['cold']:>9.2f}{row['reload']:>10.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    main(arguments.entries, arguments.questions, arguments.seed)
