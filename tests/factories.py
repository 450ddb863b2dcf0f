"""Test data and fakes: one make_ticket (returns the Ticket), one FakeClock, one FakeSms, the outbox's fake
transport, and the generated month of tickets the reports are tested on."""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.catalogue import current_catalogue
from bot.channels.limits import Bucket, HotlineRestInput, Limiter, Limits, MemoryBuckets
from bot.channels.store import MemoryStore
from bot.db import session_scope
from bot.db.models import Engineer, Rating, Ticket
from bot.ops import lifecycle
from bot.ops.calendar import current_calendar
from bot.ops.sla import sweep
from bot.ops.staff import add_engineer, find_engineer
from bot.policy import current_policy
from bot.tickets import (
    OpenTicketExists,
    Origin,
    Registration,
    TicketKind,
    create_fault_ticket,
    create_service_request,
    find_ticket,
)
from bot.triage import current_rules

START = datetime(2026, 11, 23, 2, 0)  # a Monday, 10:00 in Zhengzhou
Moment = TypeVar("Moment", datetime, float)


@dataclass
class FakeClock(Generic[Moment]):
    """A clock a test moves by hand: a datetime for the domain's clocks, seconds for the rate limiter's."""

    now: Moment

    def __call__(self) -> Moment:
        return self.now

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        self.now = self.now + (step if isinstance(self.now, datetime) else step.total_seconds())  # type: ignore[assignment, operator]


NOW = datetime(2026, 11, 21, 6, 30)  # naive UTC: 14:30 in Zhengzhou


@dataclass
class FakeTransport:
    """Records what it sends; `failures` are raised by the next sends, in order; `size` cuts texts into
    parts."""

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


# Friday 20 November 2026, 14:30 in Zhengzhou.
RECEIVED = datetime(2026, 11, 20, 6, 30)


@dataclass
class FakeSms:
    """Records every SMS, as the pager's sender (phone, text, dedupe key: a repeated key is kept once, as the
    outbox does) or as a channel's SMS transport (phone, text, sender)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, phone: str, text: str, dedupe_key: str) -> None:
        if dedupe_key not in {key for _, _, key in self.sent}:
            self.sent.append((phone, text, dedupe_key))

    async def send(self, to: str, body: str, sender: str) -> None:
        self.sent.append((to, body, sender))

    def phones(self) -> list[str]:
        return [phone for phone, _, _ in self.sent]


# The fault form's slots at the read-back, confirmed: what action_submit_ticket submits.
FILLED = {
    "fault_description": "开机报温度异常",
    "device": "全自动生化分析仪 KR-2000",
    "serial_number": "KR23060142",
    "hospital": "郑州市嘉禾医院",
    "department": "检验科",
    "site_address": "郑州市金水区嘉禾路88号",
    "site_city": "郑州",
    "contact_person": "王敏",
    "contact_phone": "13912345678",
    "clinical_impact": "急诊样本在等",
    "registration_confirmed": True,
    "intake_id": "intake-1",
    "intake_flags": [],
}


def saved_tickets(engine: Engine) -> list[Ticket]:
    """Every ticket in the database, oldest first, readable after the session."""
    with session_scope(engine) as session:
        found = list(session.execute(select(Ticket).order_by(Ticket.id)).scalars())
        session.expunge_all()
        return found


def make_ticket(
    engine: Engine,
    key: str = "t1",
    *,
    received_at: datetime = RECEIVED,
    channel: str = "rest",
    sender_id: str | None = None,
    resolved_remotely: bool = False,
    **fields: Any,
) -> Ticket:
    """A fault ticket as the bot registers it: by default an urgent complex fault on a chemistry analyser in
    Zhengzhou, a serial of its own (from `key`, the idempotency key), a short transcript and one remote step
    tried. `fields` override the registration (Registration's field names)."""
    registration: dict[str, Any] = dict(
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
        remote_steps=[{"step": 1, "check": "检查反应盘盖是否盖好", "outcome": "no"}],
    )
    registration.update(fields)
    transcript = [
        {"role": "user", "text": "生化仪开机报温度异常", "at": received_at.timestamp()},
        {"role": "bot", "text": "请提供设备序列号。", "at": received_at.timestamp()},
    ]
    with session_scope(engine) as session:
        ticket, _ = create_fault_ticket(
            session,
            Registration(**registration),
            idempotency_key=key,
            origin=Origin(channel, sender_id or f"caller-{key}", transcript),
            policy=current_policy(),
            rules=current_rules(),
            received_at=received_at,
            resolved_remotely=resolved_remotely,
        )
        return ticket


def make_complaint(
    engine: Engine, key: str = "complaint", *, received_at: datetime = RECEIVED, **fields: Any
) -> Ticket:
    """A complaint as the bot registers it (`fields`: Registration's field names)."""
    registration: dict[str, Any] = dict(contact_phone="13912345678", description="工程师没按时到")
    registration.update(fields)
    with session_scope(engine) as session:
        ticket, _ = create_service_request(
            session,
            TicketKind.COMPLAINT,
            Registration(**registration),
            idempotency_key=key,
            origin=Origin("rest", f"caller-{key}", []),
            policy=current_policy(),
            received_at=received_at,
        )
        return ticket


def new_engineer(
    session: Session,
    name: str,
    phone: str,
    *,
    skills: Sequence[str] = (),
    regions: Sequence[str] = ("郑州",),
    tier: int = 2,
) -> Engineer:
    """bot.ops.staff.add_engineer with the demo policy and catalogue: tier 2, in 郑州 unless told."""
    return add_engineer(
        session,
        name=name,
        phone=phone,
        tier=tier,
        regions=list(regions),
        skills=list(skills),
        policy=current_policy(),
        catalogue=current_catalogue(),
    )


ZONE = ZoneInfo("Asia/Shanghai")


ZHENGZHOU = dict(
    hospital="郑州市嘉禾医院",
    department="检验科",
    contact_person="王敏",
    contact_phone="13912345678",
    device="全自动生化分析仪 KR-2000",
    serial_number="KR23060142",
    site_address="郑州市金水区嘉禾路88号",
    site_city="郑州",
)


def fault_report(**overrides: Any) -> Registration:
    """The Zhengzhou caller's report of the KR-2000 (serial KR23060142) that shows a temperature alarm."""
    return Registration(**{**ZHENGZHOU, "description": "开机报温度异常", **overrides})


LUOYANG = dict(
    hospital="洛阳市明德医院",
    department="理化检验室",
    contact_person="李娜",
    contact_phone="13911112222",
    device="原子吸收光谱仪 AA-7000",
    serial_number="AA21110387",
    site_address="洛阳市涧西区明德路16号",
    site_city="洛阳",
)


XINXIANG = dict(
    hospital="新乡市仁济医院",
    department="生化室",
    contact_person="赵强",
    contact_phone="13933334444",
    device="全自动生化分析仪 HX-680",
    serial_number="HX22090815",
    site_address="新乡市红旗区仁济街9号",
    site_city="新乡",
)


KAIFENG = dict(
    hospital="开封市安和医院",
    department="急诊科",
    contact_person="孙丽",
    contact_phone="13955556666",
    device="电解质分析仪 EL-300",
    serial_number="EL24120098",
    site_address="开封市鼓楼区安和巷21号",
    site_city="开封",
)


STEPS = [
    {"step": 1, "check": "确认试剂仓温度已回到正常范围", "outcome": "no"},
    {"step": 2, "check": "重启仪器并观察温度报警是否消失", "outcome": "yes"},
]


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local (Zhengzhou) time in 2026 as the naive UTC the database stores."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(timezone.utc).replace(tzinfo=None)


def utc(local: str) -> datetime:
    """A Zhengzhou wall-clock time (「2026-11-20 10:00」) as the naive UTC the database stores."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZONE)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Month:
    """The generated month: ticket numbers by their role in the story, and the SMS the sweeps sent."""

    engine: Engine
    sms: FakeSms = field(default_factory=FakeSms)
    numbers: dict[str, str] = field(default_factory=dict)

    def sweep(self, at: datetime) -> None:
        with session_scope(self.engine) as session:
            sweep(session, at, current_policy(), current_calendar(), self.sms, catalogue=current_catalogue())

    def fault(
        self,
        name: str,
        at: datetime,
        description: str,
        impact: str,
        *,
        remote_fix: bool = False,
        steps: list[dict[str, object]] | None = None,
        **site: str,
    ) -> None:
        self.sweep(at)
        ticket = make_ticket(
            self.engine,
            name,
            received_at=at,
            resolved_remotely=remote_fix,
            description=description,
            clinical_impact=impact,
            remote_steps=steps or [],
            **site,
        )
        self.numbers[name] = ticket.number

    def complaint(self, name: str, at: datetime, description: str, **site: str) -> None:
        self.sweep(at)
        with session_scope(self.engine) as session:
            ticket, _ = create_service_request(
                session,
                TicketKind.COMPLAINT,
                Registration(description=description, **site),
                idempotency_key=name,
                origin=Origin("rest", f"caller-{name}", []),
                policy=current_policy(),
                received_at=at,
            )
            self.numbers[name] = ticket.number

    def act(self, at: datetime, step: str, name: str, **details: object) -> None:
        """One lifecycle step (assign, accept, on_site, resolve, close, note) on a ticket, after the worker's
        sweep."""
        self.sweep(at)
        number = self.numbers[name]
        with session_scope(self.engine) as session:
            if step == "assign":
                engineer = find_engineer(session, str(details.pop("engineer")))
                assert engineer is not None
                lifecycle.assign(session, number, engineer.id, actor="test", at=at)
            elif step == "note":
                lifecycle.add_note(session, number, str(details["text"]), actor="test", at=at)
            elif step == "resolve":
                lifecycle.resolve(session, number, actor="test", at=at, **details)  # type: ignore[arg-type]
                if not details.get("remote"):  # the engineer leaves the service report on site
                    lifecycle.send_service_report(session, number, actor="test", at=at)
            else:
                lifecycle.transition(session, number, step, actor="test", at=at)

    def resolved_by_phone(self, at: datetime, name: str, cause: str, actions: str) -> None:
        """Resolved remotely, no part used: an engineer talked the caller through it."""
        self.act(at, "resolve", name, cause=cause, actions=actions, parts=[], remote=True)

    def rate(self, name: str, at: datetime, score: int) -> None:
        with session_scope(self.engine) as session:
            ticket = find_ticket(session, self.numbers[name])
            session.add(
                Rating(
                    ticket_id=ticket.id,
                    score=score,
                    comment=f"{score}分",
                    channel="rest",
                    sender_id=f"caller-{name}",
                    created_at=at,
                )
            )


# 周立新 (Zhengzhou), 范志远 (Luoyang), 邵明轩 (Xinxiang) of kb/demo/staff.yml.
ZHOU, FAN, SHAO = "138-0000-0101", "138-0000-0201", "138-0000-0301"


REPORT_TIME = local(12, 2, 10)


def limiter(clock: FakeClock[float] | None = None, **changes: object) -> Limiter:
    """The channels' rate limiter with a small per-sender bucket (3 at once, 6 a minute), in memory."""
    limits = replace(Limits.load(), per_sender=Bucket(burst=3, per_minute=6), **changes)  # type: ignore[arg-type]
    return Limiter(limits, MemoryBuckets(clock or FakeClock(1000.0)), MemoryStore())


def rest_channel(rate_limits: Limiter) -> HotlineRestInput:
    channel = HotlineRestInput()
    channel.limiter = rate_limits
    return channel


# Tickets of tests/test_tickets.py and its PostgreSQL twin.
TICKET_RECEIVED = datetime(2026, 11, 21, 6, 30)  # 14:30 in Zhengzhou
CALLER_ORIGIN = Origin(
    channel="rest", sender_id="caller-1", transcript=[{"role": "user", "text": "生化仪坏了"}]
)


def urgent_report(**overrides: Any) -> Registration:
    return fault_report(clinical_impact="急诊样本在等", **overrides)


def create_fault(
    engine: Engine, key: str, reg: Registration | None = None, origin: Origin = CALLER_ORIGIN
) -> tuple[str, bool]:
    """A fault ticket received at TICKET_RECEIVED: its number, and whether this call created it."""
    with session_scope(engine) as session:
        ticket, created = create_fault_ticket(
            session,
            reg or urgent_report(),
            idempotency_key=key,
            origin=origin,
            policy=current_policy(),
            rules=current_rules(),
            received_at=TICKET_RECEIVED,
        )
        return ticket.number, created


def same_device_at_once(engine: Engine, callers: int) -> list[str]:
    """`callers` different intakes for one device submitted at the same moment: what each caller is told."""
    barrier = threading.Barrier(callers)

    def submit(i: int) -> str:
        barrier.wait()
        with session_scope(engine) as session:
            try:
                ticket, _ = create_fault_ticket(
                    session,
                    urgent_report(serial_number="RC00000001"),
                    idempotency_key=f"same-device-{i}",
                    origin=CALLER_ORIGIN,
                    policy=current_policy(),
                    rules=current_rules(),
                    received_at=TICKET_RECEIVED,
                )
                return f"created {ticket.number}"
            except OpenTicketExists as exists:
                return f"already {exists.ticket.number}"

    with ThreadPoolExecutor(max_workers=callers) as pool:
        return list(pool.map(submit, range(callers)))
