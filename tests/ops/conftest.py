"""Tier-2 fixtures: the demo team on a migrated temporary database, tickets to work on, a fake SMS sender."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.ops.calendar import BusinessCalendar, current_calendar
from bot.ops.paging import Pager
from bot.ops.staff import find_engineer
from bot.policy import current_policy
from bot.tickets import Origin, Registration, create_fault_ticket
from bot.triage import current_rules

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Friday 20 November 2026, 14:30 in Zhengzhou.
RECEIVED = datetime(2026, 11, 20, 6, 30)


@dataclass
class FakeSms:
    """Records every SMS; a repeated dedupe key is kept once, as the outbox does."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, phone: str, text: str, dedupe_key: str) -> None:
        if dedupe_key not in {key for _, _, key in self.sent}:
            self.sent.append((phone, text, dedupe_key))

    def phones(self) -> list[str]:
        return [phone for phone, _, _ in self.sent]


@pytest.fixture
def calendar() -> BusinessCalendar:
    return current_calendar()


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def pager(calendar: BusinessCalendar, sms: FakeSms) -> Pager:
    return Pager(current_policy(), calendar, current_catalogue(), sms)


def make_ticket(
    engine: Engine, key: str = "t1", *, received_at: datetime = RECEIVED, **overrides: object
) -> str:
    """A fault ticket (by default an urgent complex fault on a chemistry analyser in Zhengzhou); returns its number."""
    fields: dict[str, object] = dict(
        hospital="郑州市嘉禾医院",
        department="检验科",
        contact_person="王敏",
        contact_phone="13912345678",
        device="全自动生化分析仪 KR-2000",
        serial_number=f"KR{zlib.crc32(key.encode()) % 10**8:08d}",
        description="开机报温度异常",
        site_address="郑州市金水区嘉禾路88号",
        site_city="郑州",
        clinical_impact="急诊样本在等",
    )
    fields.update(overrides)
    with session_scope(engine) as session:
        ticket, _ = create_fault_ticket(
            session,
            Registration(**fields),
            idempotency_key=key,  # type: ignore[arg-type]
            origin=Origin("rest", f"caller-{key}", []),
            policy=current_policy(),
            rules=current_rules(),
            received_at=received_at,
        )
        return str(ticket.number)


def engineer_id(engine: Engine, phone: str) -> int:
    with session_scope(engine) as session:
        engineer = find_engineer(session, phone)
        assert engineer is not None, phone
        return int(engineer.id)
