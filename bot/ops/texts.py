"""The tier-2 operations texts (bot/ops/texts.yml): refusals in Chinese and the engineers' SMS."""

from __future__ import annotations

from pathlib import Path

from bot.texts import TextBook

# Plain strings, no variants: an engineer's SMS and a refusal read the same every time.
ops_text = TextBook(Path(__file__).with_name("texts.yml")).text
