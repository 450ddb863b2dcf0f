"""The console on a temporary database, behind aiohttp's test client, with a fake clock and three users."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.console.app import create_app
from bot.console.auth import Role, add_user
from bot.db import session_scope
from bot.ops.staff import add_engineer
from bot.policy import current_policy
from bot.tickets import Origin, Registration, create_fault_ticket
from bot.triage import current_rules

START = datetime(2026, 11, 23, 2, 0)  # a Monday, 10:00 in Zhengzhou
PASSWORD = "correct horse 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Staff:
    """Engineer ids of the two test engineers (李工 in 郑州, 王工 in 洛阳)."""

    li: int
    wang: int


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def staff(database: Engine) -> Staff:
    """Two engineers with console logins (li, wang) and a manager login (zhang) not dispatched to anything."""
    policy, catalogue = current_policy(), current_catalogue()
    with session_scope(database) as session:
        li = add_engineer(
            session,
            name="李工",
            phone="13800000101",
            tier=2,
            regions=["郑州"],
            skills=["chemistry_analyser"],
            policy=policy,
            catalogue=catalogue,
        )
        wang = add_engineer(
            session,
            name="王工",
            phone="13800000201",
            tier=2,
            regions=["洛阳"],
            skills=["chemistry_analyser"],
            policy=policy,
            catalogue=catalogue,
        )
        add_user(session, "li", PASSWORD, Role.ENGINEER, now=START, display_name="李工", engineer_id=li.id)
        add_user(
            session, "wang", PASSWORD, Role.ENGINEER, now=START, display_name="王工", engineer_id=wang.id
        )
        add_user(session, "zhang", PASSWORD, Role.MANAGER, now=START, display_name="张主管")
        return Staff(li.id, wang.id)


def make_fault(engine: Engine, key: str, at: datetime, **fields: Any) -> str:
    """A fault ticket as the bot registers it, with a transcript and one remote step tried; returns its number."""
    values: dict[str, Any] = dict(
        hospital="郑州市嘉禾医院",
        department="检验科",
        contact_person="王敏",
        contact_phone="13912345678",
        device="全自动生化分析仪 KR-2000",
        serial_number=None,
        description="开机报温度异常",
        site_address="郑州市金水区嘉禾路88号",
        site_city="郑州",
        clinical_impact="急诊样本在等",
        remote_steps=[{"step": 1, "check": "检查反应盘盖是否盖好", "outcome": "no"}],
    )
    values.update(fields)
    origin = Origin(
        "rest",
        f"caller-{key}",
        [
            {"role": "user", "text": "生化仪开机报温度异常", "at": at.timestamp()},
            {"role": "bot", "text": "请提供设备序列号。", "at": at.timestamp()},
        ],
    )
    with session_scope(engine) as session:
        ticket, _ = create_fault_ticket(
            session,
            Registration(**values),
            idempotency_key=key,
            origin=origin,
            policy=current_policy(),
            rules=current_rules(),
            received_at=at,
        )
        return str(ticket.number)


class Console:
    """A test client with helpers to log in as someone and post the console's forms."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def login(self, username: str, password: str = PASSWORD) -> None:
        self.client.session.cookie_jar.clear()
        page = await self.client.get("/login")
        token = CSRF.search(await page.text())
        assert token
        response = await self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
            allow_redirects=False,
        )
        assert response.status == 303, await response.text()
        queue = await self.client.get("/queue")
        found = CSRF.search(await queue.text())
        assert found
        self.csrf = found.group(1)

    async def post(self, path: str, **data: str) -> tuple[int, str]:
        response = await self.client.post(path, data={"csrf_token": self.csrf, **data}, allow_redirects=False)
        return response.status, await response.text()

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, allow_redirects=False)
        return response.status, await response.text()


@pytest.fixture
async def console(database: Engine, staff: Staff, clock: FakeClock) -> AsyncIterator[Console]:
    client = TestClient(TestServer(create_app(database, secret="test-secret", clock=clock)))
    await client.start_server()
    try:
        yield Console(client)
    finally:
        await client.close()
