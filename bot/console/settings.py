"""The console's settings file (bot/console/console.yml): session lifetime, SLA colours, the KPI window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

CONSOLE_YML = Path(__file__).resolve().parent / "console.yml"


@dataclass(frozen=True)
class ConsoleSettings:
    session_lifetime: timedelta
    countdown: dict[str, list[str]]
    amber_below_fraction: float
    kpi_days: int
    texts: dict[str, dict[str, str]]
    step_outcomes: dict[str, str]

    def done(self, action: str) -> str:
        return self.texts["done"][action]

    def error(self, key: str) -> str:
        return self.texts["errors"][key]


def load_console_settings(path: Path = CONSOLE_YML) -> ConsoleSettings:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ConsoleSettings(
        session_lifetime=timedelta(hours=float(raw["session"]["lifetime_hours"])),
        countdown={status: list(names) for status, names in raw["sla"]["countdown"].items()},
        amber_below_fraction=float(raw["sla"]["amber_below_fraction"]),
        kpi_days=int(raw["kpi"]["days"]),
        texts=raw["texts"],
        step_outcomes={str(key): str(label) for key, label in raw["step_outcomes"].items()},
    )
