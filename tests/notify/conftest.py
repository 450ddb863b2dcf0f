"""The outbox tests' fixture: a session factory on the test database."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.db import SessionFactory, session_factory


@pytest.fixture
def factory(database: Engine) -> SessionFactory:
    return session_factory(database)
