"""A call-back as the caller asked for it: not before the time they named (「下午三点以后」,
「明天上午九点以后」, 「三点到五点之间」, 「明天上午」), and to the extension they gave (「0379-64881234 转
8021」). The bot never promises a call earlier than the caller wants one, nor a time that has already passed.

    requested_window("下午三点以后给我回个电话", now, "Asia/Shanghai")  # from 15:00 today
    requested_window("三点到五点之间回电", now, "Asia/Shanghai")        # 15:00 to 17:00 today
    extension_in("0379-64881234 转 8021")                               # "8021"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db.models import Ticket
from bot.numerals import chinese_number
from bot.ops.texts import say
from bot.policy import ServicePolicy
from bot.tickets import OPEN_STATUSES, TicketKind, TicketStatus, find_ticket, record_note

_DAY = r"(今天|明天|后天)?"
_PERIOD = r"(早上|上午|中午|下午|傍晚|晚上)?"
_HOUR = r"(\d{1,2}|十[一二]?|[一二两三四五六七八九]|十)"
_MINUTE = r"(半|\d{1,2}分?|[一二三四五]十(?:[一二三四五六七八九])?分?)?"
_CLOCK = _HOUR + r"(?:点钟?|:|：)" + _MINUTE
# Short forms read as the long ones: 「明早十点后」 is 「明天早上十点后」, 「下班后」 the end of the
# working day.
_SHORT_FORMS = (
    (re.compile(r"明早"), "明天早上"),
    (re.compile(r"明晚"), "明天晚上"),
    (re.compile(r"今早"), "今天早上"),
    (re.compile(r"今晚"), "今天晚上"),
    (re.compile(r"(今天|明天|后天)?下班(以后|之后|后)"), r"\1下午五点半\2"),  # _END_OF_WORK
    (re.compile(r"(今天|明天|后天)?(?:午休|中午休息)(?:的时候)?"), r"\1中午"),
)
_AT = re.compile(_DAY + _PERIOD + _CLOCK + r"(以后|之后|后|过后|以前|之前|前)")
# 「三点到五点之间」, 「下午3-5点」, 「两点半至四点」: the first clock may leave out 点 (「三到五点」).
_RANGE = re.compile(
    _DAY
    + _PERIOD
    + _HOUR
    + r"(?:点|:|：)?"
    + _MINUTE
    + r"(?:到|至|-|~|～|—)"
    + _PERIOD
    + _CLOCK
    + r"(?:之间|中间)?"
)
# 「明天上午再打给我」, 「下午给我回个电话」, 「明天再联系我」: a day or a part of the day, then the call.
_PART = re.compile(
    _DAY
    + _PERIOD
    + r"(?:再|的时候|有空)?(?:给我|帮我|跟我)?"
    + r"(?:回电|回个电话|回我|打给|打电话|打过来|打我|联系|来电|打(?![印开算扫]))"
)
# The answer to 「什么时候方便」: a day or a part of it alone (「后天上午吧」).
_BARE_PART = re.compile(r"(今天|明天|后天)?(早上|上午|中午|下午|傍晚|晚上)?")
_EXTENSION = re.compile(r"(?:转|分机号?|ext\.?)\s*([0-9]{2,6})", re.IGNORECASE)
_DAYS = {"今天": 0, "明天": 1, "后天": 2}
_AFTERNOON = ("下午", "傍晚", "晚上")
# A part of the day as a window (local hours, from, until); a day alone starts when the working day does.
_PARTS = {
    "早上": (8, 10),
    "上午": (8, 12),
    "中午": (12, 14),
    "下午": (13, 18),
    "傍晚": (17, 19),
    "晚上": (18, 21),
}
_WORKDAY_START = 8


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


def _hour(token: str, period: str | None) -> int:
    """The hour on a 24-hour clock: 「三点」 with no part of the day is the afternoon (nobody asks for a call
    at 3 a.m.)."""
    hour = int(chinese_number(token) or 0)
    if (period in _AFTERNOON or (period is None and 1 <= hour <= 7)) and hour < 12:
        hour += 12
    if period == "中午" and hour < 11:
        hour += 12
    return hour


def _utc(day: date, hour: int, minute: int, zone: str) -> datetime:
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


_END_OF_WORK = "下午五点半"


def requested_window(text: str, now: datetime, zone: str, *, bare: bool = False) -> CallbackWindow | None:
    """The time a caller wants to be called back, read from their words; None when they named none.

    `now` is naive UTC; `bare`: the message is about the call-back already, so a day or a part of the day
    alone (「后天上午吧」) is its time. A time already past today without 「明天」 means from now on; a
    range or a part of the day already over today means the same hours tomorrow. The words are the caller's
    (「下班以后」 is said back as such)."""
    window = _window_in(text, now, zone, bare)
    if window is not None and "下班" in text and _END_OF_WORK in window.words:
        return replace(window, words=window.words.replace(_END_OF_WORK, "下班"))
    return window


def _window_in(text: str, now: datetime, zone: str, bare: bool) -> CallbackWindow | None:
    said = text.replace(" ", "")
    for short, long in _SHORT_FORMS:
        said = short.sub(long, said)
    today = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).date()
    found = _RANGE.search(said)
    if found:
        day, period, hour1, minute1, period2, hour2, minute2 = found.groups()
        start_hour, end_hour = _hour(hour1, period), _hour(hour2, period2 or period)
        start, end = (start_hour, _minutes(minute1)), (end_hour, _minutes(minute2))
        if end_hour <= 23 and start < end:
            return _window(day, start, end, found.group(0), today, now, zone)
    found = _AT.search(said)
    if found:
        day, period, hour_token, minute_token, side = found.groups()
        hour, minute = _hour(hour_token, period), _minutes(minute_token)
        if hour > 23 or minute > 59:
            return None
        at = _utc(today + timedelta(days=_DAYS.get(day or "今天", 0)), hour, minute, zone)
        if side in ("以前", "之前", "前"):
            return CallbackWindow(earliest=now, latest=at, words=found.group(0)) if at > now else None
        return CallbackWindow(earliest=max(at, now), latest=None, words=found.group(0))
    found = _PART.search(said)
    if bare and not (found and (found.group(1) or found.group(2))):
        found = next((m for m in _BARE_PART.finditer(said) if m.group(0)), None)
    if found and (found.group(1) or found.group(2)):
        day, period = found.groups()
        words = f"{day or ''}{period or ''}"
        if period is None:
            return _window(day, (_WORKDAY_START, 0), None, words, today, now, zone)
        start_hour, end_hour = _PARTS[period]
        return _window(day, (start_hour, 0), (end_hour, 0), words, today, now, zone)
    return None


def _window(
    day: str | None,
    start: tuple[int, int],
    end: tuple[int, int] | None,
    words: str,
    today: date,
    now: datetime,
    zone: str,
) -> CallbackWindow:
    """The window on the day named (today when none), tomorrow when today's is already over."""
    on = today + timedelta(days=_DAYS.get(day or "今天", 0))
    if day is None and _utc(on, *(end or start), zone) <= now:
        on += timedelta(days=1)
    earliest, latest = _utc(on, *start, zone), _utc(on, *end, zone) if end else None
    return CallbackWindow(earliest=max(earliest, now), latest=latest, words=words)


def extension_in(text: str) -> str | None:
    """The extension after a switchboard number: 「转 8021」, 「分机8021」."""
    match = _EXTENSION.search(text)
    return match.group(1) if match else None


def with_extension(phone: str, extension: str | None) -> str:
    """The number to dial, as the engineer reads it: 「0379-64881234 转8021」."""
    return f"{phone} 转{extension}" if extension else phone


def callback_due(window: CallbackWindow, minutes: int) -> datetime:
    """The call-back's deadline: the policy's minutes from the start of the caller's window (never earlier
    than they asked), capped at the end of the window they gave."""
    due = window.earliest + timedelta(minutes=minutes)
    return min(due, window.latest) if window.latest else due


def schedule_call_back(ticket: Ticket, window: CallbackWindow, minutes: int) -> None:
    """Move a call-back ticket's response deadline into the caller's window, so that the SLA clock (and anyone
    reading the queue) expects the call then, not 30 minutes after the request."""
    ticket.response_due = callback_due(window, minutes)


def schedule_window(
    session: Session, ticket: Ticket, request_text: str | None, policy: ServicePolicy
) -> CallbackWindow | None:
    """A call-back asked for a named time: its deadline moves into that window (never earlier); None
    otherwise. `ticket` (as submitted, outside `session`) gets the new deadline too, for the reply."""
    if ticket.kind != TicketKind.CALLBACK.value or not request_text:
        return None
    window = _latest_window(request_text, ticket.created_at, policy.timezone)
    if window is None:
        return None
    stored = find_ticket(session, ticket.number)
    if stored is None:
        return None
    schedule_call_back(stored, window, int(policy.value("deadlines.callback_minutes")))
    ticket.response_due = stored.response_due
    return window


# The caller's words of when, said while a request's contact details are asked
# (「明天下午两点半到四点半之间打」, 「下礼拜二三下午都行」), and for a training how many come
# (「大概五六个人」): kept on the request's ticket.
_WHEN = re.compile(
    r"今天|明天|后天|明早|明晚|早上|上午|中午|下午|傍晚|晚上|下班|礼拜|星期|周[一二三四五六日天末]|工作日|上旬|中旬|下旬"
    r"|月初|月中|月底|[0-9一二三四五六七八九十两]+(?:点|号)(?!击|名)|以后打|之间打"
)
_HOW_MANY = re.compile(r"[0-9一二三四五六七八九十两几]+个?人")
_CLAUSES = re.compile(r"[，,。；;！!？?\s]+")


def requested_times(text: str) -> str | None:
    """The clauses of a message that say when the caller wants the service (or how many will come), joined;
    None when there are none. Clauses with a phone number or a ticket's number in them are left out: those
    are fields, stored as such."""
    kept = [
        clause
        for clause in _CLAUSES.split(text)
        if (_WHEN.search(clause) or _HOW_MANY.search(clause)) and not re.search(r"\d{5,}", clause)
    ]
    return " ".join(kept) or None


# The day (and part of it) a booking asks for, as said back to the caller: 「下周二上午」「这礼拜五」
# 「12月10号下午」「明天」 (the clauses it is in are `requested_times`).
_WANTED_DAY = re.compile(
    r"(?:下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天1-7]|大后天|后天|明天|明早|今天|"
    r"\d{1,2}月(?:\d{1,2}|[一二三]?十?[一二三四五六七八九十])[日号]|(?:这|下)个?月(?:初|中|底)"
)
_WANTED_PART = re.compile(r"上午|下午|早上|中午|晚上|傍晚")


def wanted_day(text: str) -> str | None:
    """The first day a booking's words name, with the part of the day said right after it; None if none."""
    day = _WANTED_DAY.search(text)
    if day is None:
        return None
    part = _WANTED_PART.match(text, day.end())
    return day.group(0) + (part.group(0) if part else "")


@dataclass(frozen=True)
class CallBackAmended:
    """A registered call-back after the caller's next words: the time it is now for (None: none named) and
    what changed on it."""

    ticket: Ticket
    window: CallbackWindow | None
    person_added: bool
    rescheduled: bool


def _latest_window(words: str, since: datetime, zone: str) -> CallbackWindow | None:
    """The last time named in a request's words (its parts joined by 「；」): a later word corrects an
    earlier one."""
    for said in reversed(words.split("；")):
        window = requested_window(said, since, zone)
        if window is not None:
            return window
    return None


def window_of(ticket: Ticket, zone: str) -> CallbackWindow | None:
    """The time a call-back ticket is for, as its words say (the latest time named wins), counted from when
    it was registered."""
    return _latest_window(ticket.description or "", ticket.created_at, zone)


_SAME = timedelta(minutes=15)


def _same_time(said: CallbackWindow, registered: CallbackWindow) -> bool:
    """「是的 五点以后」 after 「下午五点以后」: the time said again, not a new one (a window counted from a
    later moment starts a little later)."""
    if (said.latest is None) != (registered.latest is None):
        return False
    ends = said.latest is None or registered.latest is None or abs(said.latest - registered.latest) <= _SAME
    return ends and abs(said.earliest - registered.earliest) <= _SAME


def amend_call_back(
    session: Session,
    number: str,
    text: str,
    *,
    person: str | None,
    phone: str | None,
    now: datetime,
    policy: ServicePolicy,
    caller: str,
) -> CallBackAmended | None:
    """What the caller says right after their call-back was registered (「对 就明天上午十点以后
    我叫季红」, 「改成后天上午吧」, 「打这个座机 …转3317」): a time named moves the call into it (never
    earlier than asked), a name goes on the ticket, a new number becomes the one to call (the old one
    kept in a note). None when the ticket is no open call-back."""
    ticket = find_ticket(session, number)
    if (
        ticket is None
        or ticket.kind != TicketKind.CALLBACK.value
        or TicketStatus(ticket.status) not in OPEN_STATUSES
    ):
        return None
    window = requested_window(text, now, policy.timezone, bare=True)
    before = window_of(ticket, policy.timezone)
    rescheduled = window is not None and (before is None or not _same_time(window, before))
    if window is not None and rescheduled:
        ticket.description = f"{ticket.description or ''}；{window.words}".lstrip("；")
        schedule_call_back(ticket, window, int(policy.value("deadlines.callback_minutes")))
        record_note(session, ticket, say("notes.callback_window", words=window.words), actor=caller, at=now)
    person_added = bool(person) and person != ticket.contact_person
    if person_added:
        ticket.contact_person = person
    extension = extension_in(text)
    if phone and phone != (ticket.contact_phone or "").split(" ")[0]:
        if ticket.contact_phone:
            record_note(
                session, ticket, say("notes.callback_number", old=ticket.contact_phone), actor=caller, at=now
            )
        ticket.contact_phone = with_extension(phone, extension if phone.startswith("0") else None)
    elif extension and ticket.contact_phone and "转" not in ticket.contact_phone:
        ticket.contact_phone = with_extension(ticket.contact_phone, extension)
    ticket.updated_at = now
    return CallBackAmended(ticket, window if rescheduled else before, person_added, rescheduled)


_DECLINES = re.compile(
    r"不留|不想留|不给|不方便留|不用回电|不要回电|别回电|不用打给我|我自己打|自己打过去|不用留|没法留|不用你们打"
)


def declines_call_back(text: str) -> bool:
    """「不想留电话」, 「热线多少，我自己打」: the caller will not wait for a call; asked once, that is
    respected."""
    return bool(_DECLINES.search(text.replace(" ", "")))
