"""Plays a folder of conversation scripts (default: the held-out set) against a fresh `hotline serve` and
counts conversations fully right and ticket fields that hold the wrong thing.

    .venv/bin/python bench/conversations.py [tests/conversations/heldout]
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests/conversations/heldout").resolve()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.jsonl"
        env = {**os.environ, "HOTLINE_CONVERSATIONS": str(folder), "HOTLINE_CONVERSATION_REPORT": str(report)}
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/conversations"],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    by_pattern: dict[str, list[bool]] = collections.defaultdict(list)
    for line in lines:
        by_pattern[line["pattern"]].append(line["right"])
    wrong_fields = sum(len(line["audit"]) + sum("tickets[" in f for f in line["failures"]) for line in lines)
    right = sum(line["right"] for line in lines)
    print(
        f"{folder.relative_to(ROOT)}: {right}/{len(lines)} conversations fully right, {wrong_fields} wrong"
        " field values"
    )
    for pattern, results in sorted(by_pattern.items()):
        print(f"  {pattern:24s} {sum(results)}/{len(results)}")
    for line in lines:
        if not line["right"]:
            print(f"- {line['name']}: " + " | ".join(line["failures"] + line["audit"])[:400])


if __name__ == "__main__":
    main()
