"""The tier-2 operations texts (bot/ops/texts.yml): refusals in Chinese and the engineers' SMS; plain strings,
no variants, so an engineer's SMS and a refusal read the same every time."""

from __future__ import annotations

from pathlib import Path

from bot.texts import TextBook

_BOOK = TextBook(Path(__file__).with_name("texts.yml"))
say = _BOOK.say
labels = _BOOK.labels
