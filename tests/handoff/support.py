"""Helpers of the hand-off tests and bench/handoff.py: a conversation queued as the bot queues it, and a whole
running hotline whose desk is open whenever the test runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import config
from bot.app.model import ensure_model
from bot.clock import utc_now
from bot.console.auth import Role, add_user
from bot.db import engine_for, migrate, session_scope
from bot.db.models import ConsoleUser
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import enqueue
from bot.policy import current_policy
from tests.factories import START
from tests.support import PASSWORD, free_port

HOTLINE = str(Path(sys.executable).with_name("hotline"))


def snapshot(phone: str | None = "13912345678", **fields: Any) -> dict[str, Any]:
    """What the bot's action keeps when it queues a caller: transcript, registration fields, the request."""
    values = {"hospital": "郑州市嘉禾医院", "department": "检验科", "contact_person": "王老师", **fields}
    if phone:
        values["contact_phone"] = phone
    return {
        "transcript": [
            {"role": "user", "text": "生化仪一直报温度异常", "at": START.timestamp()},
            {"role": "bot", "text": "请问设备序列号是多少？", "at": START.timestamp()},
            {"role": "user", "text": "转人工", "at": START.timestamp()},
        ],
        "fields": values,
        "request": "转人工",
    }


def queue(
    engine: Engine,
    sender: str,
    channel: str,
    at: datetime = START,
    phone: str | None = "13912345678",
    **fields: str,
) -> int:
    """A conversation in the waiting queue, as actions/handoff.py puts it there; its hand-off's id."""
    with session_scope(engine) as session:
        handoff, _ = enqueue(
            session,
            sender_id=sender,
            channel=channel,
            reason="asked",
            snapshot=snapshot(phone, **fields),
            config=HandoffConfig.of(current_policy()),
            at=at,
        )
        return int(handoff.id)


def open_desk_kb(folder: Path) -> Path:
    """A copy of kb/ whose desk is open all day, today and the days around it: the running bot queues callers
    whenever the test runs (real time, real calendar code)."""
    kb = folder / "kb"
    shutil.copytree(config.settings().kb_dir, kb)
    today = utc_now().date()
    days = [today + timedelta(days=n) for n in (-1, 0, 1)]
    calendar = {
        "business_hours": {"opens": "00:00", "closes": "23:59"},
        "years": {today.year: {"holidays": [], "makeup_workdays": days}},
    }
    (kb / "calendar.yml").write_text(yaml.safe_dump(calendar, allow_unicode=True), encoding="utf-8")
    return kb


@dataclass(frozen=True)
class Stack:
    """`hotline serve --console` on free ports: the bot (web chat at chat_url), its worker and the console."""

    bot_url: str
    console_url: str
    env: dict[str, str]

    @property
    def chat_url(self) -> str:
        return f"{self.bot_url}/webhooks/webchat/"


@contextmanager
def running_stack(
    folder: Path, database_url: str | None = None, rasa_port: int | None = None
) -> Iterator[Stack]:
    """A whole hotline with its own var/ and (by default) SQLite database; logins zhou and wu (PASSWORD)."""
    ensure_model(config.settings().models_dir)
    var = folder / "var"
    url = database_url or f"sqlite:///{folder / 'hotline.db'}"
    migrate.upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as session:
        if not session.execute(select(ConsoleUser)).first():
            add_user(session, "zhou", PASSWORD, Role.ENGINEER, now=utc_now(), display_name="周客服")
            add_user(session, "wu", PASSWORD, Role.MANAGER, now=utc_now(), display_name="吴主管")
    rasa_port = rasa_port or free_port()
    action_port, console_port = free_port(), free_port()
    env = {
        **os.environ,
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_KB_DIR": str(open_desk_kb(folder)),
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_RASA_PORT": str(rasa_port),
        "HOTLINE_ACTION_PORT": str(action_port),
        "HOTLINE_CONSOLE_PORT": str(console_port),
        "HOTLINE_CONSOLE_SECRET": "handoff-test-secret",
        "HOTLINE_WORKER_INTERVAL_SECONDS": "1",
    }
    env.pop("HOTLINE_REDIS_URL", None)
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen([HOTLINE, "serve", "--console"], env=env, stdout=log, stderr=subprocess.STDOUT)
    stack = Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{console_port}", env)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, (folder / "serve.log").read_text(errors="replace")[-3000:]
            try:
                requests.get(f"{stack.bot_url}/", timeout=2).raise_for_status()
                requests.get(f"{stack.console_url}/health", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "hotline serve --console did not come up within 300 s"
                time.sleep(1)
        yield stack
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        engine.dispose()
