"""A real headless Chromium works a ticket through the running console, as the manager and the engineer would.

Needs Debian's chromium and chromium-driver (`make test` installs them when it may) and selenium; skips (or
fails with HOTLINE_REQUIRE_SERVICES=1) when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine

from bot.clock import utc_now
from bot.db import session_scope
from bot.tickets import find_ticket
from tests.factories import make_ticket
from tests.support import PASSWORD, Staff, free_port, skip_or_fail

HOTLINE = str(Path(sys.executable).with_name("hotline"))


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


def test_manager_dispatches_and_engineer_resolves_in_a_browser(
    browser: Any, console_url: str, database: Engine, staff: Staff
) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait

    number = make_ticket(database, "browser", received_at=utc_now()).number

    def click(element: Any) -> None:
        """Click and wait for the next page: a click returns before the browser has navigated."""
        old_page = browser.find_element(By.TAG_NAME, "html")
        element.click()

        def navigated(_: Any) -> bool:
            try:
                return bool(staleness_of(old_page)(browser))
            except (
                WebDriverException
            ):  # chromedriver's 「Node … does not belong to the document」: gone as well
                return True

        WebDriverWait(browser, 10).until(navigated)

    def submit(button_id: str) -> None:
        click(browser.find_element(By.ID, button_id))

    def status() -> str:
        return str(browser.find_element(By.ID, "status").get_attribute("data-status"))

    def log_in_and_open_the_ticket(username: str) -> None:
        browser.get(f"{console_url}/queue")
        assert "/login" in browser.current_url
        browser.find_element(By.ID, "username").send_keys(username)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        submit("login")
        assert browser.current_url.endswith("/queue"), browser.page_source
        click(browser.find_element(By.LINK_TEXT, number))

    log_in_and_open_the_ticket("zhang")
    assert status() == "new" and "生化仪开机报温度异常" in browser.page_source
    Select(browser.find_element(By.ID, "assign-engineer")).select_by_index(1)  # the best suggestion
    submit("assign")
    assert "已分派工程师" in browser.page_source and status() == "dispatched"
    assert "李工" in browser.find_element(By.ID, "engineer").text
    click(browser.find_element(By.CSS_SELECTOR, "form.logout button"))

    log_in_and_open_the_ticket("li")
    submit("accept")
    assert status() == "accepted"
    submit("on-site")
    assert status() == "on_site"
    browser.find_element(By.ID, "cause").send_keys("温控传感器老化")
    browser.find_element(By.ID, "actions").send_keys("更换温度传感器并做温控校准")
    browser.find_element(By.ID, "part-model-1").send_keys("TS-200")
    browser.find_element(By.ID, "part-quantity-1").send_keys("1")
    browser.find_element(By.ID, "where-onsite").click()
    submit("resolve")

    assert status() == "resolved" and "已记录处理结果" in browser.page_source
    assert "TS-200" in browser.find_element(By.ID, "parts").text
    audit = [
        (row.get_attribute("data-to"), row.text)
        for row in browser.find_elements(By.CSS_SELECTOR, "#events tbody tr")
    ]
    assert [to for to, _ in audit] == ["new", "dispatched", "accepted", "on_site", "resolved"]
    assert "console:zhang" in audit[1][1] and "console:li" in audit[-1][1] and "TS-200×1" in audit[-1][1]
    with session_scope(database) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None and ticket.status == "resolved" and ticket.engineer_id == staff.li
