"""Shared fixtures: a migrated temporary database (with the demo team), PostgreSQL, the domain, a dispatcher, the
running bot. Helpers are in tests/support.py, test data and fakes in tests/factories.py."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from bot import config
from bot.catalogue import current_catalogue
from bot.db import engine_for, migrate, session_scope
from bot.installed_base import seed_devices
from bot.model import ensure_model
from bot.policy import current_policy
from tests.support import (
    CHANNEL_SECRETS,
    HOTLINE,
    PROJECT_ROOT,
    RunningBot,
    free_port,
    seed_demo_team,
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
    """`hotline serve` on free ports with its own database, shared by the end-to-end tests, stopped with SIGTERM."""
    ensure_model(config.settings().models_dir)  # trained outside the server's start-up timeout
    var = tmp_path_factory.mktemp("var")
    rasa_port, action_port = free_port(), free_port()
    base = f"http://127.0.0.1:{rasa_port}"
    env = {
        **os.environ,
        **CHANNEL_SECRETS,
        "HOTLINE_PUBLIC_URL": base,
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_DATABASE_URL": f"sqlite:///{var / 'hotline.db'}",
        "HOTLINE_RASA_PORT": str(rasa_port),
        "HOTLINE_ACTION_PORT": str(action_port),
        # The background worker's round every second, so that a test sees its work without waiting.
        "HOTLINE_WORKER_INTERVAL_SECONDS": "1",
    }
    env.pop("HOTLINE_REDIS_URL", None)
    server = subprocess.Popen([HOTLINE, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert server.poll() is None, (
            server.stdout.read().decode() if server.stdout else "hotline serve exited"
        )
        try:
            requests.get(f"{base}/status", timeout=2).raise_for_status()
            requests.get(f"http://127.0.0.1:{action_port}/health", timeout=2).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(1)
    else:
        server.kill()
        pytest.fail("hotline serve did not come up within 300 s")
    yield RunningBot(base, env)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
