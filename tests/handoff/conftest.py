"""Hand-off tests: console agents, and a conversation queued the way the bot's action queues it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.console.auth import Role, add_user
from bot.db import session_scope
from bot.handoff.conversations import enqueue
from bot.handoff.settings import HandoffSettings
from bot.policy import current_policy

MONDAY_10 = datetime(2026, 11, 23, 2, 0)  # a Monday, 10:00 in Zhengzhou: the desk is open
PASSWORD = "correct horse 42"


@pytest.fixture
def settings() -> HandoffSettings:
    return HandoffSettings.of(current_policy())


@pytest.fixture
def agents(database: Engine) -> dict[str, int]:
    """Two console logins who take conversations: 周 and 吴."""
    with session_scope(database) as session:
        zhou = add_user(session, "zhou", PASSWORD, Role.ENGINEER, now=MONDAY_10, display_name="周客服")
        wu = add_user(session, "wu", PASSWORD, Role.MANAGER, now=MONDAY_10, display_name="吴主管")
        return {"zhou": zhou.id, "wu": wu.id}


def snapshot(phone: str | None = "13912345678", **fields: Any) -> dict[str, Any]:
    values = {"hospital": "郑州市嘉禾医院", "department": "检验科", "contact_person": "王老师", **fields}
    if phone:
        values["contact_phone"] = phone
    return {
        "transcript": [
            {"role": "user", "text": "生化仪一直报温度异常", "at": MONDAY_10.timestamp()},
            {"role": "bot", "text": "请问设备序列号是多少？", "at": MONDAY_10.timestamp()},
            {"role": "user", "text": "转人工", "at": MONDAY_10.timestamp()},
        ],
        "fields": values,
        "request": "转人工",
    }


def queue(
    engine: Engine, sender: str, channel: str, at: datetime = MONDAY_10, phone: str | None = "13912345678"
) -> int:
    with session_scope(engine) as session:
        handoff, _ = enqueue(
            session,
            sender_id=sender,
            channel=channel,
            reason="asked",
            snapshot=snapshot(phone),
            settings=HandoffSettings.of(current_policy()),
            at=at,
        )
        return int(handoff.id)
