"""A call-back as the caller asked for it: not before the time they named (「下午三点以后」, 「明天上午九点以
后」),
and to the extension they gave (「0379-64881234 转 8021」). The bot never promises a call earlier than the
caller
wants one, nor a time that has already passed.

    window = requested_window("下午三点以后给我回个电话", now, "Asia/Shanghai")   # CallbackWindow(15:00
    today)
    extension_in("0379-64881234 转 8021")                                         # "8021"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.db.models import Ticket
from bot.numerals import chinese_number

_HOUR = r"(\d{1,2}|十[一二]?|[一二两三四五六七八九]|十)"
_TIME = re.compile(
    r"(今天|明天|后天)?\s*(早上|上午|中午|下午|傍晚|晚上)?\s*"
    + _HOUR
    + r"\s*(?:点|:|：)\s*(半|\d{1,2}分?|[一二三四五]十(?:[一二三四五六七八九])?分?)?\s*"
    r"(以后|之后|后|过后|以前|之前|前)"
)
_EXTENSION = re.compile(r"(?:转|分机号?|ext\.?)\s*([0-9]{2,6})", re.IGNORECASE)
_DAYS = {"今天": 0, "明天": 1, "后天": 2}
_AFTERNOON = ("下午", "傍晚", "晚上")


@dataclass(frozen=True)
class CallbackWindow:
    """When the caller may be called: from `earliest` (naive UTC), until `latest` when they named an end."""

    earliest: datetime
    latest: datetime | None
    words: str  # how the caller put it, e.g. 「下午三点以后」


def _minutes(token: str | None) -> int:
    if not token:
        return 0
    if token == "半":
        return 30
    return int(chinese_number(token.rstrip("分")) or 0)


def requested_window(text: str, now: datetime, zone: str) -> CallbackWindow | None:
    """The time a caller wants to be called back, read from their words; None when they named none.

    `now` is naive UTC. 「三点以后」 with no part of the day means the afternoon (nobody asks for a call at 3
    a.m.);
    a time already past today without 「明天」 means from now on."""
    match = _TIME.search(text.replace(" ", ""))
    if match is None:
        return None
    day, period, hour_token, minute_token, side = match.groups()
    hour = int(chinese_number(hour_token) or 0)
    minute = _minutes(minute_token)
    if hour > 23 or minute > 59:
        return None
    if (period in _AFTERNOON or (period is None and 1 <= hour <= 7)) and hour < 12:
        hour += 12
    if period == "中午" and hour < 11:
        hour += 12
    local_now = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
    date = local_now.date() + timedelta(days=_DAYS.get(day or "今天", 0))
    moment = datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZoneInfo(zone))
    at = moment.astimezone(timezone.utc).replace(tzinfo=None)
    words = match.group(0)
    if side in ("以前", "之前", "前"):
        return CallbackWindow(earliest=now, latest=at, words=words) if at > now else None
    return CallbackWindow(earliest=max(at, now), latest=None, words=words)


def extension_in(text: str) -> str | None:
    """The extension after a switchboard number: 「转 8021」, 「分机8021」."""
    match = _EXTENSION.search(text)
    return match.group(1) if match else None


def with_extension(phone: str, extension: str | None) -> str:
    """The number to dial, as the engineer reads it: 「0379-64881234 转8021」."""
    return f"{phone} 转{extension}" if extension else phone


def callback_due(window: CallbackWindow, minutes: int) -> datetime:
    """The call-back's deadline: the policy's minutes from the start of the caller's window (never earlier
    than
    they asked), capped at the end of the window they gave."""
    due = window.earliest + timedelta(minutes=minutes)
    return min(due, window.latest) if window.latest else due


def schedule_call_back(ticket: Ticket, window: CallbackWindow, minutes: int) -> None:
    """Move a call-back ticket's response deadline into the caller's window, so that the SLA clock (and anyone
    reading the queue) expects the call then, not 30 minutes after the request."""
    ticket.response_due = callback_due(window, minutes)


_DECLINES = re.compile(
    r"不留|不想留|不给|不方便留|不用回电|不要回电|别回电|不用打给我|我自己打|自己打过去|不用留|没法留|不用你们打"
)


def declines_call_back(text: str) -> bool:
    """「不想留电话」, 「热线多少，我自己打」: the caller will not wait for a call; asked once, that is
    respected."""
    return bool(_DECLINES.search(text.replace(" ", "")))
