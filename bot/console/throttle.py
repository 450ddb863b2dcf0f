"""Console login throttling: failures counted per account and per client address, in the database (shared by
every console process). After `max_failures` in a row the key is locked for `lock_minutes`; each lock is
logged to the audit log. A successful login clears its account's count (not the address's: one address may try
many accounts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import LoginFailure

audit = logging.getLogger("hotline.audit")


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    lock: timedelta
    # Failures further apart than this start a new count.
    window: timedelta


def throttle_keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}"[:200], f"addr:{address}"[:200]]


def locked_until(session: Session, keys: list[str], now: datetime) -> datetime | None:
    """When the latest lock on any of the keys ends; None when none is locked now."""
    ends = [
        row.locked_until
        for row in (session.get(LoginFailure, key) for key in keys)
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return max(ends) if ends else None


def record_failure(session: Session, keys: list[str], now: datetime, throttle: Throttle) -> datetime | None:
    """Count a failed login; the end of the lock it caused, if it caused one."""
    locked = None
    for key in keys:
        row = session.get(LoginFailure, key)
        if row is None or now - row.last_failure_at > throttle.window:
            row = row or LoginFailure(key=key)
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= throttle.max_failures:
            row.locked_until, row.failures = now + throttle.lock, 0
            locked = row.locked_until
            audit.warning("console login locked until %s after repeated failures: %s", row.locked_until, key)
        session.add(row)
    return locked


def clear_failures(session: Session, key: str) -> None:
    row = session.get(LoginFailure, key)
    if row is not None:
        session.delete(row)
