"""The whole bot, as `hotline serve` runs it: an intake over the REST channel ends in exactly one ticket."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from bot.clock import utc_now
from bot.journal import TicketJournal
from bot.policy import current_policy
from bot.tickets import Origin, Registration, TicketKind
from tests.support import RunningBot

pytestmark = pytest.mark.slow


def say(bot: RunningBot, text: str, sender: str = "e2e-caller") -> str:
    replies = requests.post(
        f"{bot.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    ).json()
    return "\n".join(r.get("text", "") for r in replies)


def test_intake_over_rest_creates_exactly_one_ticket(running_bot: RunningBot) -> None:
    bot = running_bot
    assert "序列号" in say(bot, "你好，免疫室的发光仪开机一直报温度异常，急诊样本在等，快派工程师来")
    reply = say(bot, "序列号KI24050311")
    assert "南阳市康宁医院" in reply  # pre-filled from the installed base
    assert "称呼" in reply or "联系人" in reply
    assert "电话" in say(bot, "王敏")
    summary = say(bot, "13912345678")
    assert "序列号：KI24050311" in summary and "电话：13912345678" in summary and "急诊" in summary
    confirmation = say(bot, "对")
    [ticket] = [t for t in bot.tickets() if t["channel"] == "rest"]
    assert ticket["number"] in confirmation and "1小时内" in confirmation and "3小时内到场" in confirmation
    assert "已经登记过了" in say(bot, "确认")
    assert len([t for t in bot.tickets() if t["channel"] == "rest"]) == 1
    assert ticket["hospital"] == "南阳市康宁医院" and ticket["urgent"] is True
    assert ticket["sender_id"] == "e2e-caller" and ticket["transcript"][0]["role"] == "user"
    assert "等待分派工程师" in say(bot, f"{ticket['number']}到哪一步了", sender="someone-else")


def test_a_guided_check_that_solves_the_fault_is_recorded_as_resolved_remotely(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    offer = say(bot, "我们检验科生化仪的打印机打不出来了", sender="e2e-guided")
    assert "要试试吗" in offer
    assert "第1步" in say(bot, "好，试试", sender="e2e-guided")
    assert "远程解决" in say(bot, "好了，能打出来了", sender="e2e-guided")
    [ticket] = [t for t in bot.tickets() if t["sender_id"] == "e2e-guided"]
    assert ticket["status"] == "resolved" and "remote_resolved" in ticket["flags"]
    assert [step["outcome"] for step in ticket["remote_steps"]] == ["yes"]


def test_the_background_worker_stores_a_ticket_taken_while_the_database_was_down(
    running_bot: RunningBot,
) -> None:
    """`hotline serve` runs the worker: a journaled ticket (the caller already has its number) reaches the
    database."""
    journal = TicketJournal(Path(running_bot.env["HOTLINE_VAR_DIR"]) / "journal", instance_id=0)
    registration = Registration(
        hospital="郑州市嘉禾医院",
        contact_person="王敏",
        contact_phone="13912345678",
        serial_number="KR23060142",
        description="开机报温度异常",
        site_city="郑州",
    )
    promised = journal.record(
        TicketKind.FAULT,
        registration,
        idempotency_key="intake:e2e-journal",
        origin=Origin("rest", "e2e-journal", []),
        received_at=utc_now(),
        policy=current_policy(),
    ).number
    deadline = time.monotonic() + 60
    while not [t for t in running_bot.tickets() if t["number"] == promised]:
        assert time.monotonic() < deadline, f"the worker did not store journaled ticket {promised}"
        time.sleep(1)
    [stored] = [t for t in running_bot.tickets() if t["sender_id"] == "e2e-journal"]
    assert stored["number"] == promised and stored["contact_phone"] == "13912345678"
