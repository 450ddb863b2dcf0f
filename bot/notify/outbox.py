"""The outbox: messages stored in the same transaction as the change that caused them, delivered by a worker.

`enqueue` stores a message (once per dedupe_key) inside the caller's transaction: a ticket change that rolls
back takes its notice with it, one that commits cannot lose it. `deliver_due` is one delivery pass: it claims
due messages one at a time (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED; SQLite: a conditional UPDATE, atomic
under its single writer), so two workers never hold the same message, sends them through the channel's
transport and marks each part as the provider accepts it. A failure waits with exponential back-off
(bot/notify/delivery.yml); after the last attempt the message is dead, listed by `hotline outbox list` and
sent again by `hotline outbox retry ID`.

A message marked sent is never sent again: only pending messages, and claims whose lease ran out, are claimed.
The one window for a duplicate: the provider accepted a part, and the worker died (or lost the database)
before the mark committed; when the lease ends another pass sends that part again. It is kept small by marking
every part in its own short transaction right after the provider answers, with nothing in between, and by a
lease longer than any send may take, so a slow send is never taken over while still in flight. A part whose
send timed out may also have arrived; it is retried, as the customer would rather get a notice twice than
never.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.clock import utc_now
from bot.db import SessionFactory
from bot.db.models import OutboxMessage, Ticket
from bot.notify.transports import (
    CHANNELS,
    SMS,
    CannotReach,
    PermanentFailure,
    Transport,
    sms_contact_phone,
    sms_number,
)

logger = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"
REROUTED = "rerouted"
STATUSES = (PENDING, SENDING, SENT, DEAD, REROUTED)

SendSms = Callable[[str, str, str], None]


@dataclass(frozen=True)
class DeliveryConfig:
    first_delay: timedelta
    factor: float
    max_delay: timedelta
    max_attempts: int
    send_timeout_seconds: float
    claim_lease: timedelta
    batch_size: int
    max_parts: Mapping[str, int]

    def backoff(self, attempts: int) -> timedelta:
        """How long a message waits after its `attempts`-th failed attempt."""
        return min(self.max_delay, self.first_delay * self.factor ** (attempts - 1))

    @classmethod
    def load(cls, path: Path) -> DeliveryConfig:
        with path.open(encoding="utf-8") as handle:
            raw: dict[str, Any] = yaml.safe_load(handle)
        retry = raw["retry"]
        config = cls(
            first_delay=timedelta(seconds=float(retry["first_delay_seconds"])),
            factor=float(retry["factor"]),
            max_delay=timedelta(seconds=float(retry["max_delay_seconds"])),
            max_attempts=int(retry["max_attempts"]),
            send_timeout_seconds=float(raw["send_timeout_seconds"]),
            claim_lease=timedelta(seconds=float(raw["claim_lease_seconds"])),
            batch_size=int(raw["batch_size"]),
            max_parts={channel: int(raw["max_parts"][channel]) for channel in CHANNELS},
        )
        longest_send = config.send_timeout_seconds * max(config.max_parts.values())
        if config.claim_lease.total_seconds() <= longest_send:
            raise ValueError(
                f"{path}: claim_lease_seconds must exceed send_timeout_seconds × max_parts ({longest_send:g}"
                " s), "
                "or a slow message could be claimed by a second worker while it is still being sent"
            )
        return config


@lru_cache(maxsize=1)
def delivery_config() -> DeliveryConfig:
    return DeliveryConfig.load(Path(__file__).with_name("delivery.yml"))


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    text: str,
    dedupe_key: str,
    ticket_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Store one outbound message in the session's transaction; False when dedupe_key is already stored."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r} (one of {', '.join(CHANNELS)})")
    if not recipient.strip() or not text.strip():
        raise ValueError(f"outbox message {dedupe_key!r} needs a recipient and a text")
    now = at or utc_now()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(
        insert(OutboxMessage)
        .values(
            dedupe_key=dedupe_key,
            channel=channel,
            recipient=recipient.strip(),
            text=text.strip(),
            ticket_id=ticket_id,
            status=PENDING,
            attempts=0,
            parts_sent=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(result.rowcount)


def _sms_recipient(phone: str) -> str:
    # A number that is not a mobile is stored as given: the provider refuses it, and the dead message shows
    # why.
    return sms_number(phone) or phone


def sms_sender(session_factory: SessionFactory) -> SendSms:
    """send_sms(phone, text, dedupe_key) for code outside a transaction: each call is stored and committed at
    once."""

    def send_sms(phone: str, text: str, dedupe_key: str) -> None:
        with session_factory() as session, session.begin():
            enqueue(session, channel=SMS, recipient=_sms_recipient(phone), text=text, dedupe_key=dedupe_key)

    return send_sms


def session_sms_sender(session: Session) -> SendSms:
    """send_sms for code that runs inside a transaction (the paging sweep): the SMS commits or rolls back with
    that transaction's changes, and SQLite is not asked for a second writer while the first holds its lock."""

    def send_sms(phone: str, text: str, dedupe_key: str) -> None:
        enqueue(session, channel=SMS, recipient=_sms_recipient(phone), text=text, dedupe_key=dedupe_key)

    return send_sms


@dataclass
class DeliveryReport:
    """What one delivery pass did, by message id; `waiting` counts due messages of channels not configured."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    rerouted: list[int] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Claim:
    id: int
    token: str
    channel: str
    recipient: str
    text: str
    parts_sent: int
    attempts: int


def _due(message: Any, channels: list[str], now: datetime, config: DeliveryConfig) -> ColumnElement[bool]:
    return and_(
        message.channel.in_(channels),
        message.attempts < config.max_attempts,
        or_(
            and_(message.status == PENDING, message.next_attempt_at <= now),
            and_(message.status == SENDING, message.claimed_until <= now),
        ),
    )


def _claim_next(
    session: Session, channels: list[str], now: datetime, config: DeliveryConfig
) -> _Claim | None:
    token = uuid.uuid4().hex
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming are skipped, not waited for; the status check is repeated on the row
        # that is locked, so a message claimed and committed meanwhile is not taken.
        picked = session.execute(
            select(OutboxMessage.id)
            .where(_due(OutboxMessage, channels, now, config))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if picked is None:
            return None
        claimable = OutboxMessage.id == picked
    else:
        # SQLite has no row locks: one UPDATE picks and claims the row, atomic under SQLite's single writer.
        candidate = aliased(OutboxMessage)
        first_due = (
            select(candidate.id)
            .where(_due(candidate, channels, now, config))
            .order_by(candidate.next_attempt_at, candidate.id)
            .limit(1)
            .scalar_subquery()
        )
        claimable = and_(OutboxMessage.id == first_due, _due(OutboxMessage, channels, now, config))
    claimed = session.execute(
        update(OutboxMessage)
        .where(claimable)
        .values(
            status=SENDING,
            claim_token=token,
            claimed_until=now + config.claim_lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    message = session.execute(select(OutboxMessage).where(OutboxMessage.claim_token == token)).scalar_one()
    return _Claim(
        message.id,
        token,
        message.channel,
        message.recipient,
        message.text,
        message.parts_sent,
        message.attempts,
    )


def _bury_abandoned(session: Session, now: datetime, config: DeliveryConfig) -> list[int]:
    """Claims that ran out on their last attempt (the worker died mid-send): no more attempts, so dead."""
    abandoned = list(
        session.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.status == SENDING,
                OutboxMessage.claimed_until <= now,
                OutboxMessage.attempts >= config.max_attempts,
            )
        ).scalars()
    )
    if abandoned:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(abandoned), OutboxMessage.status == SENDING)
            .values(
                status=DEAD,
                claim_token=None,
                claimed_until=None,
                last_error="the worker stopped while sending the last attempt",
            )
            .execution_options(synchronize_session=False)
        )
    return abandoned


def _waiting(session: Session, unconfigured: list[str], now: datetime) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.channel, func.count(OutboxMessage.id))
        .where(OutboxMessage.channel.in_(unconfigured))
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .group_by(OutboxMessage.channel)
    ).all()
    return {str(channel): int(count) for channel, count in rows}


async def deliver_due(
    session_factory: SessionFactory,
    transports: Mapping[str, Transport],
    now: datetime,
    config: DeliveryConfig | None = None,
) -> DeliveryReport:
    """Send the messages due at `now` (naive UTC), at most config.batch_size of them."""
    config = config or delivery_config()
    channels = [channel for channel in CHANNELS if channel in transports]
    report = DeliveryReport()
    with session_factory() as session, session.begin():
        report.dead.extend(_bury_abandoned(session, now, config))
        report.waiting = _waiting(session, [c for c in CHANNELS if c not in transports], now)
    for channel, count in report.waiting.items():
        logger.warning(
            "%d %s message(s) wait in the outbox: the %s channel is not configured", count, channel, channel
        )
    for _ in range(config.batch_size):
        if not channels:
            break
        with session_factory() as session, session.begin():
            claim = _claim_next(session, channels, now, config)
        if claim is None:
            break
        await _deliver(session_factory, transports[claim.channel], claim, now, config, report)
    return report


async def _deliver(
    session_factory: SessionFactory,
    transport: Transport,
    claim: _Claim,
    now: datetime,
    config: DeliveryConfig,
    report: DeliveryReport,
) -> None:
    parts = transport.parts(claim.text)
    for index in range(claim.parts_sent, len(parts)):
        try:
            await asyncio.wait_for(transport.send(claim.recipient, parts[index]), config.send_timeout_seconds)
        except CannotReach as error:
            _reroute(session_factory, claim, error, now, report)
            return
        except PermanentFailure as error:
            _finish(session_factory, claim, now, status=DEAD, error=str(error))
            report.dead.append(claim.id)
            logger.warning("outbox message %d is dead: %s", claim.id, error)
            return
        except Exception as error:
            _failed_attempt(session_factory, claim, error, now, config, report)
            return
        # Marked at once, in its own transaction: this is the whole of the duplicate window.
        if not _mark_part_sent(session_factory, claim, index + 1, len(parts), now):
            logger.warning(
                "outbox message %d: the claim ran out while sending; another pass continues it", claim.id
            )
            return
    report.sent.append(claim.id)


def _claimed(claim: _Claim) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == claim.id,
        OutboxMessage.claim_token == claim.token,
        OutboxMessage.status == SENDING,
    )


def _mark_part_sent(
    session_factory: SessionFactory, claim: _Claim, sent: int, total: int, now: datetime
) -> bool:
    values: dict[str, Any] = {"parts_sent": sent}
    if sent == total:
        values.update(status=SENT, sent_at=now, claim_token=None, claimed_until=None)
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(_claimed(claim))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)


def _finish(
    session_factory: SessionFactory,
    claim: _Claim,
    now: datetime,
    *,
    status: str,
    error: str,
    next_attempt_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "last_error": error[:2000],
        "claim_token": None,
        "claimed_until": None,
    }
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with session_factory() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(_claimed(claim))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _failed_attempt(
    session_factory: SessionFactory,
    claim: _Claim,
    error: Exception,
    now: datetime,
    config: DeliveryConfig,
    report: DeliveryReport,
) -> None:
    reason = f"{type(error).__name__}: {error}"
    if claim.attempts >= config.max_attempts:
        _finish(session_factory, claim, now, status=DEAD, error=reason)
        report.dead.append(claim.id)
        logger.warning("outbox message %d is dead after %d attempts: %s", claim.id, claim.attempts, reason)
        return
    retry_at = now + config.backoff(claim.attempts)
    _finish(session_factory, claim, now, status=PENDING, error=reason, next_attempt_at=retry_at)
    report.retried.append(claim.id)
    logger.info(
        "outbox message %d failed (attempt %d), next try at %sZ: %s",
        claim.id,
        claim.attempts,
        retry_at.isoformat(timespec="seconds"),
        reason,
    )


def _reroute(
    session_factory: SessionFactory, claim: _Claim, error: CannotReach, now: datetime, report: DeliveryReport
) -> None:
    """WeChat cannot reach the person: the same text goes by SMS to the ticket's contact phone, if it has
    one."""
    with session_factory() as session, session.begin():
        message = session.execute(select(OutboxMessage).where(_claimed(claim))).scalar_one_or_none()
        if message is None:
            return
        ticket = session.get(Ticket, message.ticket_id) if message.ticket_id else None
        phone = sms_contact_phone(ticket) if ticket is not None else None
        message.claim_token = None
        message.claimed_until = None
        if phone is None:
            message.status = DEAD
            message.last_error = f"{error}; no mobile contact phone to send an SMS instead"
            report.dead.append(message.id)
            logger.warning("outbox message %d is dead: %s", message.id, message.last_error)
            return
        enqueue(
            session,
            channel=SMS,
            recipient=phone,
            text=message.text,
            dedupe_key=f"{message.dedupe_key}:sms",
            ticket_id=message.ticket_id,
            at=now,
        )
        message.status = REROUTED
        message.last_error = f"{error}; sent by SMS instead"
        report.rerouted.append(message.id)


class OutboxError(Exception):
    """An outbox command that cannot be done (no such message, or not in a state that allows it)."""


def list_messages(session: Session, *, status: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    """The latest messages, oldest of them first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(reversed(session.execute(query).scalars().all()))


def retry_dead(session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """A dead message back in the queue, due at once with a fresh set of attempts; parts already sent stay
    sent."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise OutboxError(f"no outbox message {message_id}")
    if message.status != DEAD:
        raise OutboxError(
            f"outbox message {message_id} is {message.status}; only dead messages can be retried"
        )
    message.status = PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claim_token = None
    message.claimed_until = None
    return message
