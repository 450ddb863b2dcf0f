"""The reports' settings and texts (bot/reports/reports.yml), read once, and the error every report raises."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import Refused
from bot.policy import fill

SETTINGS_FILE = Path(__file__).resolve().parent / "reports.yml"


class ReportError(Refused):
    """A report that cannot be made (yet)."""

    status = 409


@dataclass(frozen=True)
class ReportConfig:
    pdf_browsers: tuple[str, ...]
    pdf_timeout_seconds: float
    pdf_max_at_once: int
    pdf_wait_seconds: float
    chart_labels: dict[str, str]
    unassigned: str
    texts: dict[str, str]
    errors: dict[str, str]

    def error(self, key: str, **values: Any) -> ReportError:
        return ReportError(fill(self.errors[key], values))


@lru_cache(maxsize=1)
def report_config() -> ReportConfig:
    raw = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))
    return ReportConfig(
        pdf_browsers=tuple(raw["pdf"]["browsers"]),
        pdf_timeout_seconds=float(raw["pdf"]["timeout_seconds"]),
        pdf_max_at_once=int(raw["pdf"]["max_at_once"]),
        pdf_wait_seconds=float(raw["pdf"]["wait_seconds"]),
        chart_labels={str(key): str(label) for key, label in raw["charts"]["labels"].items()},
        unassigned=str(raw["unassigned"]),
        texts={str(key): str(text) for key, text in raw["texts"].items()},
        errors={str(key): str(text) for key, text in raw["errors"].items()},
    )
