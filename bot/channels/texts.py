"""The channels' own Chinese texts (limits' refusals included) and the hotline menu, read from texts.yml
beside this file and looked up like every package's (bot/texts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.texts import TextBook

_TEXTS_FILE = Path(__file__).with_name("texts.yml")


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


say = _BOOK.say


def text_list(key: str) -> list[str]:
    return [str(item) for item in _BOOK.lookup(key)]


def menu() -> tuple[MenuItem, ...]:
    return tuple(
        MenuItem(**{name: str(value) for name, value in item.items()}) for item in _BOOK.lookup("menu")
    )
