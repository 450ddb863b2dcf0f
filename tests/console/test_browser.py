"""A real headless Chromium works a ticket through the running console, as the manager and the engineer would.

Needs Debian's chromium and chromium-driver (`make test` installs them when it may) and selenium; skips (or
fails with HOTLINE_REQUIRE_SERVICES=1) when they are missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from bot.clock import utc_now
from bot.db import session_scope
from bot.tickets import find_ticket
from tests.factories import make_ticket
from tests.support import PASSWORD, Staff


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
