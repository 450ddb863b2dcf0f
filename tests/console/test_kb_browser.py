"""In a real headless Chromium: the manager attaches a group of missed questions to an entry on the 知识库
page of the running console (`hotline console`), and the bot answers them at once, without a restart."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.support import GAP_QUESTIONS, PASSWORD, Staff, answer_to

pytestmark = pytest.mark.anyio


async def test_a_gap_attached_in_the_browser_answers_at_once(
    browser: Any,
    console_url: str,
    database: Engine,
    staff: Staff,
    domain: dict[str, Any],
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for question in GAP_QUESTIONS:
        assert (await answer_to(question, domain))[0] == "other"
    browser.get(f"{console_url}/kb")
    browser.find_element(By.ID, "username").send_keys("zhang")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    browser.get(f"{console_url}/kb")
    gap = browser.find_element(By.ID, "gap-1")
    assert all(question in gap.text for question in GAP_QUESTIONS)
    Select(gap.find_element(By.CSS_SELECTOR, "form.attach select")).select_by_value("reports.service_report")
    gap.find_element(By.CSS_SELECTOR, "form.attach button").click()
    assert "已归入该条目" in browser.find_element(By.CSS_SELECTOR, "p.done").text
    for question in GAP_QUESTIONS:
        verdict, said = await answer_to(question, domain)
        assert verdict == "answer" and "维修服务报告" in said
