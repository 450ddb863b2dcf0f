"""The console on a temporary database, behind aiohttp's test client, with a fake clock and three users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from bot.console.app import create_app
from bot.console.auth import Role, add_user
from bot.db import session_scope
from tests.factories import START, FakeClock, make_ticket, new_engineer
from tests.support import PASSWORD, Console, Staff


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def staff(database: Engine) -> Staff:
    """Two engineers with console logins (li, wang) and a manager login (zhang) not dispatched to anything."""
    with session_scope(database) as session:
        li = new_engineer(session, "李工", "13800000101", skills=["chemistry_analyser"])
        wang = new_engineer(
            session, "王工", "13800000201", skills=["chemistry_analyser"], regions=["洛阳", "郑州"]
        )
        add_user(session, "li", PASSWORD, Role.ENGINEER, now=START, display_name="李工", engineer_id=li.id)
        add_user(
            session, "wang", PASSWORD, Role.ENGINEER, now=START, display_name="王工", engineer_id=wang.id
        )
        add_user(session, "zhang", PASSWORD, Role.MANAGER, now=START, display_name="张主管")
        return Staff(li.id, wang.id)


@pytest.fixture
async def console(database: Engine, staff: Staff, clock: FakeClock) -> AsyncIterator[Console]:
    client = TestClient(TestServer(create_app(database, secret="test-secret", clock=clock)))
    await client.start_server()
    try:
        yield Console(client)
    finally:
        await client.close()


@pytest.fixture
def number(database: Engine, clock: FakeClock) -> str:
    """A new fault ticket received now (the console's clock), no one assigned: its number."""
    return make_ticket(database, "k1", received_at=clock.now).number
