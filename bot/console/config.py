"""The console's configuration (bot/console/console.yml): session lifetime, SLA colours, the KPI window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from bot.console.throttle import Throttle

CONSOLE_YML = Path(__file__).resolve().parent / "console.yml"


@dataclass(frozen=True)
class ConsoleConfig:
    session_lifetime: timedelta
    countdown: dict[str, list[str]]
    amber_below_fraction: float
    kpi_days: int
    login_throttle: Throttle


@lru_cache(maxsize=1)
def console_config() -> ConsoleConfig:
    """bot/console/console.yml, read once per process."""
    return load_console_config(CONSOLE_YML)


def load_console_config(path: Path) -> ConsoleConfig:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ConsoleConfig(
        session_lifetime=timedelta(hours=float(raw["session"]["lifetime_hours"])),
        countdown={status: list(names) for status, names in raw["sla"]["countdown"].items()},
        amber_below_fraction=float(raw["sla"]["amber_below_fraction"]),
        kpi_days=int(raw["kpi"]["days"]),
        login_throttle=Throttle(
            max_failures=int(raw["login_throttle"]["max_failures"]),
            lock=timedelta(minutes=float(raw["login_throttle"]["lock_minutes"])),
            window=timedelta(minutes=float(raw["login_throttle"]["window_minutes"])),
        ),
    )
