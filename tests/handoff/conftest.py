"""Fixtures of the hand-off tests; helpers are in tests/handoff/support.py."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.console.auth import Role, add_user
from bot.db import session_scope
from bot.handoff.config import HandoffConfig
from bot.policy import current_policy
from tests.factories import START
from tests.support import PASSWORD


@pytest.fixture
def handoff_config() -> HandoffConfig:
    return HandoffConfig.of(current_policy())


@pytest.fixture
def agents(database: Engine) -> dict[str, int]:
    """Two console logins who take conversations: 周 and 吴."""
    with session_scope(database) as session:
        zhou = add_user(session, "zhou", PASSWORD, Role.ENGINEER, now=START, display_name="周客服")
        wu = add_user(session, "wu", PASSWORD, Role.MANAGER, now=START, display_name="吴主管")
        return {"zhou": zhou.id, "wu": wu.id}
