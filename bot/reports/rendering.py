"""The reports' Jinja2 templates (bot/reports/templates/): HTML escaped, Markdown as written; times in local
time."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jinja2

from bot.clock import to_local

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=4)
def template_environment(zone: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["local"] = lambda moment: local_full(moment, zone)
    env.filters["percent"] = percent_text
    return env


def local_full(moment: datetime | None, zone: str) -> str:
    """「2026-11-20 14:30」 in the policy's zone; 「—」 for a step that did not happen."""
    return f"{to_local(moment, zone):%Y-%m-%d %H:%M}" if moment else "—"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"
