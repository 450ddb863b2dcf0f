"""Time in one place: the database stores naive UTC, the caller hears local time in the policy's time zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(moment: datetime, zone: str) -> datetime:
    """A stored naive-UTC time as local wall-clock time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))


def local_text(moment: datetime, zone: str) -> str:
    """「11月21日 14:05」: how the bot tells a time."""
    local = to_local(moment, zone)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def utc_iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its zone, for JSON: 2026-11-21T06:30:00Z."""
    return moment.isoformat() + "Z" if moment else None
