"""The console on a temporary database, behind aiohttp's test client, with a fake clock and three users."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from bot.console.app import create_app
from bot.console.auth import Role, add_user
from bot.db import session_scope
from tests.factories import START, FakeClock, make_ticket, new_engineer
from tests.support import HOTLINE, PASSWORD, Console, Staff, free_port, skip_or_fail


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


# The console in a real headless Chromium (test_browser.py, test_kb_browser.py): skipped, or failed with
# HOTLINE_REQUIRE_SERVICES=1, without chromium, chromedriver and selenium.
@pytest.fixture
def browser() -> Iterator[Any]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        skip_or_fail(
            "no chromium/chromedriver (apt-get install chromium chromium-driver, or run make test as root)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed (pip install -r requirements.txt -c requirements.lock)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(driver_path)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console_url(database: Engine, staff: Staff, tmp_path: Path) -> Iterator[str]:
    """`hotline console` on a free port, on the test database (its URL is in the environment)."""
    port = free_port()
    env = {**os.environ, "HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_CONSOLE_PORT": str(port)}
    server = subprocess.Popen([HOTLINE, "console"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else "console exited"
            try:
                if requests.get(f"{base}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "hotline console did not come up within 60 s"
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
