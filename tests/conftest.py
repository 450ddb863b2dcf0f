"""Shared fixtures: a migrated temporary database, the domain, and Rasa SDK trackers built from plain dicts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from bot import config
from bot.catalogue import current_catalogue
from bot.db import engine_for, migrate, session_scope
from bot.installed_base import seed_devices
from bot.policy import current_policy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose server is absent, or fail it when CI requires the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HOTLINE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh SQLite database, migrated and seeded with the demo installed base, used by all bot code."""
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    config.settings.cache_clear()
    migrate.upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as session:
        seed_devices(session, PROJECT_ROOT / "kb" / "demo" / "installed_base.yml", current_catalogue(), current_policy())
    yield engine
    engine.dispose()
    config.settings.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((PROJECT_ROOT / "bot" / "domain").glob("*.yml")):
        for key, value in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    text: str,
    intent: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-caller",
    channel: str = "rest",
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "input_channel": channel,
                  "timestamp": datetime(2026, 11, 21, 9, 0).timestamp()}
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots an action's events set, last write wins."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
