"""The channels' own Chinese texts and the hotline menu, read from texts.yml beside this file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.policy import current_policy
from bot.texts import TextBook

_TEXTS_FILE = Path(__file__).with_name("texts.yml")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass(frozen=True)
class MenuItem:
    label: str
    intent: str
    digit: str
    wechat_key: str

    @property
    def payload(self) -> str:
        """What the channel sends to Rasa: an intent given directly, no NLU guess needed."""
        return f"/{self.intent}"


_BOOK = TextBook(_TEXTS_FILE)


def text(key: str, **values: str) -> str:
    """The text at a dotted key; {name} is filled from `values`, else from the service policy."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        return str(current_policy().value(name))

    return _PLACEHOLDER.sub(fill, str(_BOOK.lookup(key)))


def text_list(key: str) -> list[str]:
    return [str(item) for item in _BOOK.lookup(key)]


def menu() -> tuple[MenuItem, ...]:
    return tuple(
        MenuItem(**{name: str(value) for name, value in item.items()}) for item in _BOOK.lookup("menu")
    )
