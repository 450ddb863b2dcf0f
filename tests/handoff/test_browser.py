"""Two real Chromium sessions against a running hotline (`hotline serve --console`): a caller on the web chat
page and an agent in the console — queue, 接入, messages both ways while the bot is silent, a reload, 结束 —
and a device label's link opening a chat about that device.

Needs Debian's chromium and chromium-driver and selenium, as tests/console/test_browser.py.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.handoff.support import HOTLINE, Stack, running_stack
from tests.support import PASSWORD, skip_or_fail

WAIT = 30  # seconds: a turn of a freshly started bot can be slow on a loaded machine


@pytest.fixture
def chromium() -> Iterator[Callable[[str], Any]]:
    """Starts headless Chromium windows (desktop or phone-sized); all are closed after the test."""
    chromium_path, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium_path or not driver_path:
        skip_or_fail("no chromium/chromedriver (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed (pip install -r requirements.txt -c requirements.lock)")
    drivers: list[Any] = []

    def start(size: str) -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium_path)
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
            options.add_argument(argument)
        options.add_argument(f"--window-size={size}")
        driver = webdriver.Chrome(service=Service(executable_path=str(driver_path)), options=options)
        drivers.append(driver)
        return driver

    try:
        yield start
    finally:
        for driver in drivers:
            driver.quit()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running


def chat_messages(page: Any) -> list[tuple[str, str]]:
    """(author, text) of every message the caller's page shows, in order."""
    rows = page.execute_script(
        "return Array.from(document.querySelectorAll('#messages .msg:not(.pending)'))"
        ".map(m => [m.className.replace('msg from-', ''), m.querySelector('.text').textContent]);"
    )
    return [(str(author), str(said)) for author, said in rows]


def type_and_enter(page: Any, element_id: str, said: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = page.find_element(By.ID, element_id)
    box.send_keys(said)
    box.send_keys(Keys.ENTER)


def until(page: Any, check: Callable[[Any], Any], timeout: float = WAIT) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(page, timeout, poll_frequency=0.2).until(check)


def test_caller_and_agent_talk_while_the_bot_is_silent(chromium: Callable[[str], Any], stack: Stack) -> None:
    from selenium.webdriver.common.by import By

    caller = chromium("390,844")  # a phone
    caller.get(stack.chat_url)
    until(caller, lambda p: any("网页客服" in said for _, said in chat_messages(p)))
    type_and_enter(caller, "input", "你们能转人工吗")
    until(caller, lambda p: any("联系电话" in said for _, said in chat_messages(p)))
    type_and_enter(caller, "input", "13912345678")
    until(caller, lambda p: any("排第1位" in said for _, said in chat_messages(p)))

    agent = chromium("1400,1000")
    agent.get(f"{stack.console_url}/conversations")
    agent.find_element(By.ID, "username").send_keys("zhou")
    agent.find_element(By.ID, "password").send_keys(PASSWORD)
    agent.find_element(By.ID, "login").click()
    waiting = until(agent, lambda p: p.find_elements(By.CSS_SELECTOR, "section.handoff.waiting"))
    assert len(waiting) == 1 and "13912345678" in waiting[0].text
    assert "你们能转人工吗" in waiting[0].get_attribute("textContent")  # the transcript so far
    waiting[0].find_element(By.CSS_SELECTOR, "button.claim").click()
    until(agent, lambda p: p.find_elements(By.ID, "reply-text"))
    until(caller, lambda p: any("周客服已接入" in said for _, said in chat_messages(p)))

    bot_lines = [m for m in chat_messages(caller) if m[0] == "bot"]
    type_and_enter(caller, "input", "仪器报E03，反应盘温度一直升不上去")
    until(agent, lambda p: "反应盘温度一直升不上去" in p.find_element(By.ID, "live").text)
    type_and_enter(agent, "reply-text", "请先确认恒温水箱的水位")
    until(caller, lambda p: ("agent", "请先确认恒温水箱的水位") in chat_messages(p))
    type_and_enter(caller, "input", "水位正常")
    until(agent, lambda p: "水位正常" in p.find_element(By.ID, "live").text)
    assert [m for m in chat_messages(caller) if m[0] == "bot"] == bot_lines  # the bot said nothing meanwhile

    # Enter that confirms a Chinese input method's candidate does not send; the Enter after it does.
    caller.execute_script(
        "const box = document.getElementById('input'); box.value = 'shui wei';"
        "box.dispatchEvent(new CompositionEvent('compositionstart'));"
        "box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));"
    )
    assert caller.find_element(By.ID, "input").get_attribute("value") == "shui wei"
    caller.execute_script(
        "const box = document.getElementById('input'); box.value = '水位';"
        "box.dispatchEvent(new CompositionEvent('compositionend'));"
        "box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));"
    )
    until(agent, lambda p: p.find_element(By.ID, "live").text.count("水位") >= 3)
    until(caller, lambda p: ("caller", "水位") in chat_messages(p))

    # A reload keeps the conversation: every message once, in the same order.
    before = chat_messages(caller)
    caller.refresh()
    until(caller, lambda p: len(chat_messages(p)) >= len(before))
    assert chat_messages(caller) == before

    agent.find_element(By.ID, "end").click()
    until(caller, lambda p: any("人工客服已结束本次服务" in said for _, said in chat_messages(p)))
    type_and_enter(caller, "input", "好的谢谢")
    until(caller, lambda p: len([m for m in chat_messages(p) if m[0] == "bot"]) > len(bot_lines))
    # The console shows the queue empty again.
    until(agent, lambda p: p.find_elements(By.ID, "queue-empty"))


def test_a_device_label_opens_a_chat_that_knows_the_device(
    chromium: Callable[[str], Any], stack: Stack
) -> None:
    printed = subprocess.run(
        [HOTLINE, "qr", "KR23060142", "--html", "/dev/null", "--base-url", stack.bot_url],
        env=stack.env,
        capture_output=True,
        text=True,
    )
    assert printed.returncode == 0, printed.stderr
    link = printed.stderr.split("\t")[1].split()[0]
    caller = chromium("390,844")
    caller.get(link)
    greeting = until(caller, lambda p: chat_messages(p))[0][1]
    assert "KR-2000（序列号 KR23060142）" in greeting and "请描述故障" in greeting
    # Scanning a label proves the device, not the hospital: the caller stays unverified and is told nothing
    # of the registry (bot/identity.py).
    assert "嘉禾" not in greeting and "检验科" not in greeting
    assert "?d=" not in caller.current_url  # the token is not left in the address bar or history
    type_and_enter(caller, "input", "开机一直报温度异常")
    # The intake starts with the device and its serial known; nobody asks for the nameplate.
    until(caller, lambda p: any("KR23060142 已记下" in said for _, said in chat_messages(p)))
    bot_said = [said for author, said in chat_messages(caller) if author == "bot"]
    assert not any("序列号（" in said or "嘉禾" in said or "已自动填好" in said for said in bot_said)
