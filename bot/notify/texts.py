"""The notices' texts (bot/notify/texts.yml), looked up like every package's (bot/texts.py)."""

from __future__ import annotations

from pathlib import Path

from bot.texts import TextBook

_BOOK = TextBook(Path(__file__).with_name("texts.yml"))
say = _BOOK.say
