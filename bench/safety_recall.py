"""Hazard recognition (bot/safety.py + kb/safety/) on a set of hazard and near-miss messages.

Usage: .venv/bin/python bench/safety_recall.py [--set tests/safety/heldout_hazards.yml] [--naive]

Recall: real hazards recognised as a hazard at all (any class: the caller gets a safety instruction); class
accuracy: recognised as the class the set names first. False alarms: near-misses and ordinary messages that
were
taken for a hazard. `--naive` scores a plain keyword search over the same patterns, without the negation and
mention cues, to show what those cues are for. Misses and false alarms are listed.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from pathlib import Path

import yaml

from bot.safety import SafetyRules, current_safety_rules

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "safety" / "heldout_hazards.yml"


def naive(rules: SafetyRules) -> SafetyRules:
    """The same patterns with no negation and no mention cues."""
    return replace(rules, negation=re.compile(r"(?!x)x"), mention_cues=())  # a negation that matches nothing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--naive", action="store_true", help="keywords only: no negation, no mention cues")
    args = parser.parse_args()
    rules = current_safety_rules()
    if args.naive:
        rules = naive(rules)
    data = yaml.safe_load(args.set.read_text(encoding="utf-8"))
    hazards, near = data["hazards"], data["near_misses"]
    missed, wrong_class, alarms = [], [], []
    for item in hazards:
        finding = rules.recognise(item["text"])
        if finding is None:
            missed.append(item)
        elif finding.hazard.id != item["hazard"]:
            wrong_class.append((item, finding.hazard.id))
    for item in near:
        finding = rules.recognise(item["text"])
        if finding is not None:
            alarms.append((item, finding.hazard.id))
    recognised = len(hazards) - len(missed)
    print(f"set: {args.set.name}{' (naive keywords)' if args.naive else ''}")
    print(f"recall            {recognised}/{len(hazards)} = {recognised / len(hazards):.3f}")
    right = recognised - len(wrong_class)
    print(f"class accuracy    {right}/{len(hazards)} = {right / len(hazards):.3f}")
    print(f"false alarms      {len(alarms)}/{len(near)} = {len(alarms) / len(near):.3f}")
    for item in missed:
        print(f"  missed ({item['hazard']}): {item['text']}")
    for item, got in wrong_class:
        print(f"  class {got} instead of {item['hazard']}: {item['text']}")
    for item, got in alarms:
        print(f"  false alarm ({got}): {item['text']}")


if __name__ == "__main__":
    main()
