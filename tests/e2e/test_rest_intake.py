"""The whole bot, as `hotline serve` runs it: an intake over the REST channel ends in exactly one ticket."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.config import settings
from bot.model import ensure_model

pytestmark = pytest.mark.slow
HOTLINE = str(Path(sys.executable).with_name("hotline"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    ensure_model(settings().models_dir)  # trained outside the server's start-up timeout
    var = tmp_path_factory.mktemp("var")
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ,
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_DATABASE_URL": f"sqlite:///{var / 'hotline.db'}",
        "HOTLINE_RASA_PORT": str(rasa_port),
        "HOTLINE_ACTION_PORT": str(action_port),
    }
    server = subprocess.Popen([HOTLINE, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else "hotline serve exited"
        try:
            requests.get(f"http://127.0.0.1:{rasa_port}/status", timeout=2).raise_for_status()
            requests.get(f"http://127.0.0.1:{action_port}/health", timeout=2).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(1)
    else:
        server.kill()
        pytest.fail("hotline serve did not come up within 240 s")
    yield url, env
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def say(url: str, text: str, sender: str = "e2e-caller") -> str:
    replies = requests.post(url, json={"sender": sender, "message": text}, timeout=60).json()
    return "\n".join(r.get("text", "") for r in replies)


def tickets(env: dict[str, str]) -> list[dict]:
    out = subprocess.run([HOTLINE, "tickets", "list", "--json"], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_intake_over_rest_creates_exactly_one_ticket(bot) -> None:
    url, env = bot
    assert "序列号" in say(url, "你好，检验科的生化分析仪开机一直报温度异常，急诊样本在等")
    reply = say(url, "序列号KR23060142")
    assert "郑州市嘉禾医院" in reply  # pre-filled from the installed base
    assert "称呼" in reply or "联系人" in reply
    assert "电话" in say(url, "王敏")
    summary = say(url, "13912345678")
    assert "序列号：KR23060142" in summary and "电话：13912345678" in summary and "急诊" in summary
    confirmation = say(url, "对")
    [ticket] = tickets(env)
    assert ticket["number"] in confirmation and "1小时内" in confirmation and "3小时内到场" in confirmation
    assert "已经登记过了" in say(url, "确认")
    assert len(tickets(env)) == 1
    assert ticket["hospital"] == "郑州市嘉禾医院" and ticket["urgent"] is True and ticket["channel"] == "rest"
    assert ticket["sender_id"] == "e2e-caller" and ticket["transcript"][0]["role"] == "user"
    assert "等待分派工程师" in say(url, f"{ticket['number']}到哪一步了", sender="someone-else")
