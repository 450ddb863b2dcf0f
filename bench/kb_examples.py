"""Writes kb/examples.yml, the knowledge base's labelled callers' questions (bot.knowledge.examples), from the
realistic dev sets of tests/knowledge/ (dev_realistic*.yml but those marked `examples: false`, never the
held-out sets).

Usage: .venv/bin/python bench/kb_examples.py [--check]

A development step, not a `hotline kb` command: the bot never reads tests/, so the dev sets are copied into
kb/ here, beside the other scripts that read them (bench/kb_quality.py, bench/kb_cross_validation.py), and the
copy is committed with the knowledge base; questions callers really ask reach the classifier through the
console instead (a cluster attached to an entry). Kept: the questions with one entry (id and text, a follow-up
with the message it follows) and the questions the knowledge base cannot know (id null); left out: questions
with two entries (two questions in one message: no single class) and short topicless ones the bot asks back.
`--check` only says whether kb/examples.yml is what the dev sets give (tests/knowledge/test_examples.py
checks it too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import settings  # noqa: E402
from bot.knowledge.base import EXAMPLES_FILE  # noqa: E402
from bot.policy import current_policy  # noqa: E402
from tests.knowledge.realistic import example_files, examples_yaml  # noqa: E402


def main(check: bool) -> int:
    target = settings().kb_dir / EXAMPLES_FILE
    text = examples_yaml(example_files(), current_policy())
    if check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'differs from the dev sets: run bench/kb_examples.py'}")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"{target}: {text.count(chr(10) + '- ')} examples from {len(example_files())} dev sets")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    sys.exit(main(parser.parse_args().check))
