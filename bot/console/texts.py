"""The console's texts (bot/console/texts.yml), one accessor like every package's: console_text(key,
**values)."""

from __future__ import annotations

from pathlib import Path

from bot.texts import TextBook

CONSOLE_TEXTS = TextBook(Path(__file__).with_name("texts.yml"))
console_text = CONSOLE_TEXTS.text
