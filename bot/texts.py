"""What the bot says, looked up one way in every package: each package keeps its texts in one YAML file
(`bot/<package>/texts.yml`; the root package: bot/texts.yml, with bot/identity.yml as its `identity` group)
and its `texts.py` exposes `say(key, **values)` and `labels(group)` over a `TextBook`. Placeholders follow
the one rule of `bot.policy.fill`: {name} from `values` first, else the service policy's dotted value
({hotline.phone}). Texts kept with kb/ content (the guides', the safety rules') follow the same rule."""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.policy import fill, lookup

TEXTS_FILE = Path(__file__).with_name("texts.yml")
IDENTITY_TEXTS_FILE = Path(__file__).with_name("identity.yml")


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return loaded


class TextBook:
    """Texts in one YAML file, read once: a dotted key reaches into a group (request_created.complaint), and a
    list holds variants of which one is picked at random. `groups` adds whole files as named groups."""

    def __init__(self, path: Path, groups: Mapping[str, Path] | None = None) -> None:
        self.path = path
        self.groups = dict(groups or {})

    @cached_property
    def _tree(self) -> dict[str, Any]:
        tree = _load(self.path)
        for name, path in self.groups.items():
            if name in tree:
                raise ValueError(f"{self.path} already has a group '{name}' ({path.name} would replace it)")
            tree[name] = _load(path)
        return tree

    def lookup(self, key: str) -> Any:
        try:
            return lookup(self._tree, key)
        except KeyError:
            raise KeyError(f"{self.path.name} has no entry '{key}'") from None

    def say(self, key: str, **values: Any) -> str:
        """One variant of the text at `key`, filled by the one rule (bot.policy.fill): `values` first, then
        the service policy."""
        node = self.lookup(key)
        return fill(str(random.choice(node) if isinstance(node, list) else node), values)

    def labels(self, group: str) -> dict[str, str]:
        """A name → label table (e.g. status_labels)."""
        return {str(name): str(label) for name, label in self.lookup(group).items()}


_BOOK = TextBook(TEXTS_FILE, groups={"identity": IDENTITY_TEXTS_FILE})
say = _BOOK.say
labels = _BOOK.labels
