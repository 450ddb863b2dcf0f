"""The bot's data-bearing texts (bot/texts.yml), one variant picked at random so repeats do not sound robotic."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def say(key: str, **values: Any) -> str:
    """One variant of a text, with {names} filled; a dotted key reaches into a group (request_created.complaint)."""
    node: Any = _texts()
    for part in key.split("."):
        node = node[part]
    return str(random.choice(node)).format(**values)


def labels(group: str) -> dict[str, str]:
    """A name → label table from bot/texts.yml (e.g. intent_labels)."""
    table: dict[str, str] = _texts()[group]
    return table
