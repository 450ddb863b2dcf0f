"""Shared pieces of the outbox tests: a session factory on the test database, tickets, a recording transport."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import OutboxMessage, Ticket
from bot.notify.jobs import session_factory
from bot.notify.outbox import SessionFactory
from bot.policy import current_policy
from bot.tickets import Origin, Registration, create_fault_ticket
from bot.triage import current_rules

NOW = datetime(2026, 11, 21, 6, 30)  # naive UTC: 14:30 in Zhengzhou


@dataclass
class FakeTransport:
    """Records what it sends; `failures` are raised by the next sends, in order; `size` cuts texts into parts."""

    failures: list[Exception] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    size: int = 0

    def parts(self, text: str) -> list[str]:
        if not self.size:
            return [text]
        return [text[i : i + self.size] for i in range(0, len(text), self.size)]

    async def send(self, recipient: str, part: str) -> None:
        await asyncio.sleep(0)  # another worker may run here, as it would while a provider answers
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, part))


@pytest.fixture
def factory(database: Engine) -> SessionFactory:
    return session_factory(database)


def make_ticket(
    engine: Engine,
    *,
    channel: str = "rest",
    sender_id: str = "web-1",
    phone: str | None = "13912345678",
    key: str | None = None,
    serial: str = "KR23060142",
) -> Ticket:
    with session_scope(engine) as session:
        ticket, _ = create_fault_ticket(
            session,
            Registration(
                hospital="郑州市嘉禾医院",
                department="检验科",
                contact_person="王敏",
                contact_phone=phone,
                device="全自动生化分析仪 KR-2000",
                serial_number=serial,
                description="开机报温度异常",
                site_city="郑州",
                clinical_impact="急诊样本在等",
            ),
            idempotency_key=key or uuid.uuid4().hex,
            origin=Origin(channel=channel, sender_id=sender_id, transcript=[]),
            policy=current_policy(),
            rules=current_rules(),
            received_at=NOW,
        )
        return ticket


def messages(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
