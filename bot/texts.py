"""The bot's data-bearing texts (bot/texts.yml), one variant picked at random so repeats do not sound
robotic."""

from __future__ import annotations

import random
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.policy import fill

TEXTS_FILE = Path(__file__).with_name("texts.yml")


class TextBook:
    """Texts in one YAML file, read once: a dotted key reaches into a group (request_created.complaint), and a
    list holds variants of which one is picked at random."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def _tree(self) -> dict[str, Any]:
        with self.path.open(encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
        if not isinstance(loaded, dict):
            raise ValueError(f"{self.path} is not a YAML mapping")
        return loaded

    def lookup(self, key: str) -> Any:
        node: Any = self._tree
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"{self.path.name} has no entry '{key}'")
            node = node[part]
        return node

    def text(self, key: str, **values: Any) -> str:
        """One variant of the text at `key`, filled by the one rule (bot.policy.fill): `values` first, then
        the service policy."""
        node = self.lookup(key)
        return fill(str(random.choice(node) if isinstance(node, list) else node), values)

    def labels(self, group: str) -> dict[str, str]:
        """A name → label table (e.g. status_labels)."""
        return {str(name): str(label) for name, label in self.lookup(group).items()}


_BOOK = TextBook(TEXTS_FILE)


def say(key: str, **values: Any) -> str:
    """One variant of a text of bot/texts.yml, with {names} filled."""
    return _BOOK.text(key, **values)


def labels(group: str) -> dict[str, str]:
    """A name → label table from bot/texts.yml (e.g. intent_labels)."""
    return _BOOK.labels(group)
