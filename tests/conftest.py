"""Shared fixtures: a migrated temporary database (with the demo team), PostgreSQL, the domain, a dispatcher,
the running bot. Helpers are in tests/support.py, test data and fakes in tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from bot import config
from bot.catalogue import current_catalogue
from bot.db import engine_for, migrate, session_scope
from bot.installed_base import seed_devices
from bot.ops.calendar import BusinessCalendar, current_calendar
from bot.ops.paging import Pager
from bot.policy import current_policy
from tests.factories import FakeSms
from tests.support import (
    PROJECT_ROOT,
    RunningBot,
    seed_demo_team,
    serve_bot,
    throwaway_postgres_database,
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh SQLite database, migrated and seeded with the demo installed base, used by all bot code."""
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    config.settings.cache_clear()
    migrate.upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as session:
        seed_devices(
            session,
            PROJECT_ROOT / "kb" / "demo" / "installed_base.yml",
            current_catalogue(),
            current_policy(),
        )
    yield engine
    engine.dispose()
    config.settings.cache_clear()


@pytest.fixture
def team(database: Engine) -> Engine:
    """The database with the demo team."""
    seed_demo_team(database)
    return database


@pytest.fixture
def postgres() -> Iterator[Engine]:
    """A throw-away, migrated PostgreSQL database."""
    with throwaway_postgres_database() as url:
        migrate.upgrade(url)
        engine = engine_for(url)
        yield engine
        engine.dispose()


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


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """The bot shared by the end-to-end tests."""
    with serve_bot(tmp_path_factory.mktemp("var")) as bot:
        yield bot


@pytest.fixture
def calendar() -> BusinessCalendar:
    return current_calendar()


@pytest.fixture
def sms() -> FakeSms:
    """A fake SMS sender that keeps what it was given."""
    return FakeSms()


@pytest.fixture
def pager(calendar: BusinessCalendar, sms: FakeSms) -> Pager:
    return Pager(current_policy(), calendar, current_catalogue(), sms)
