"""What a caller changes on a ticket that exists: cancel it, add a line to it, urge it, or ask why a promised
time has passed (a second report of the same device is bot.submission.note_repeat_report). Each change is
recorded on that ticket and tier 2 is told by SMS through the outbox (the assigned engineer, else the region's
on-call engineer), so nobody drives out to a fault that is gone.

Plain domain code: the actions hand over the ticket number, the caller's words and a `Pager` (bot.ops.paging);
state changes go through bot.ops.lifecycle, so the console's audit log shows them like any other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import Engineer, Ticket
from bot.errors import Refused
from bot.fields import NO_ENGINEER_NEEDED
from bot.ops import lifecycle
from bot.ops.dispatch import region_for
from bot.ops.paging import Pager, escalate
from bot.ops.staff import on_call
from bot.ops.texts import say
from bot.tickets import OPEN_STATUSES, TicketKind, TicketStatus, find_ticket, record_note

BOT_ACTOR = "bot"

_CANCEL = re.compile(
    r"撤销|撤单|撤了|撤掉|销单|取消(?:这个|那个|刚才的?|这张|那张)?(?:工单|单子|报修|单)|(?:工单|单子|报修|单)(?:取消|不要了|作废)"
    f"|{NO_ENGINEER_NEEDED}"
)
_ADDITION = re.compile(r"补充|补一句|加一句|再说一下|顺便说|备注|另外说一下|告诉工程师|跟工程师说")
# 「帮我催一下」「能不能快点」「怎么还没人来」: the caller urges a ticket they have (not 「病房在催」, said of
# others; not a bare 「快点」, which a new report or a read-back carries too).
_URGE = re.compile(
    r"催(?:一下|一催|下|催|促|办)|催单|(?:怎么|咋)还没(?:有)?人(?:来|到|过来|上门)|还没(?:有)?人来|(?:怎么|咋)还不来"
    r"|还不来人|能不能快点|能快点吗|可以快点吗|快点来|快点过来|尽快(?:来人|过来|派人)"
)


# 「修好了 结果今天又坏了」「还是报同样的错」「修了等于没修」: the fault of a repaired ticket is back.
_CAME_BACK = re.compile(
    r"又(?:坏|出|报|不行|犯|有问题|开始|不能用|用不了|死机|黑屏|堵|卡|漂|不亮|不转|漏|停|跳|闪|是这个|是那个|一样)|(?:再次|重新)(?:出现|报)|复发|还是(?:报|不行|老样子|一样|那个|没好)"
    r"|没修好|修了(?:等于|跟|和)?(?:白修|没修)|(?:修|弄)完(?:没|不到)(?:几天|两天|多久|一天)"
)


class ChangeRefused(Refused):
    """The ticket cannot take this change (unknown, or already closed); the message is one Chinese
    sentence."""


@dataclass(frozen=True)
class Change:
    number: str
    cancelled: bool  # False: the caller's words were added as a note (or the cancel came too late to cancel)
    told: str | None  # the engineer's name tier 2's SMS went to, None when nobody could be told
    reopened: bool = False  # the fault came back: the repaired ticket is open again


def wants_cancel(text: str) -> bool:
    """「这个工单撤销吧」, 「不用来人了」: the caller wants an existing ticket cancelled."""
    return bool(_CANCEL.search(text.replace(" ", "")))


def wants_addition(text: str) -> bool:
    """「补充一下…」, 「跟工程师说…」: the caller adds something to an existing ticket."""
    return bool(_ADDITION.search(text.replace(" ", "")))


def wants_hurry(text: str) -> bool:
    """「帮我催一下」, 「能不能快点」, 「怎么还没人来」: the caller urges a ticket they have."""
    return bool(_URGE.search(text.replace(" ", "")))


def says_it_came_back(text: str) -> bool:
    """「修好了 结果今天又坏了」「还是报同样的错」: the fault of a ticket is back (or never went away)."""
    return bool(_CAME_BACK.search(text.replace(" ", "")))


def changes_a_ticket(text: str) -> bool:
    """「…撤销吧」, 「补充一下…」: the message changes a ticket rather than asking about it."""
    return wants_cancel(text) or wants_addition(text)


def with_contact(words: str, person: str | None, phone: str | None) -> str:
    """The caller's words with the contact they name written out for the engineer (a phone said in Chinese
    numerals, 「找杨阿妹」), when there is one and the words do not already hold it as written."""
    named = " ".join(part for part in (person, phone) if part and part not in words.replace(" ", ""))
    return f"{words.strip()}（{say('notes.contact_named', contact=named)}）" if named else words.strip()


def _open_ticket(session: Session, number: str) -> Ticket:
    ticket = find_ticket(session, number)
    if ticket is None:
        raise ChangeRefused(say("errors.ticket_not_found", number=number))
    return ticket


def cancel_by_caller(
    session: Session, number: str, words: str, *, caller: str, at: datetime, pager: Pager
) -> Change:
    """Cancel a ticket because the caller says so, with their words as the reason; a ticket already on site
    cannot be cancelled any more: the words become a note for the engineer instead. Tier 2 is told. A
    resolved one has nothing left to cancel (「不用派人了」 after a remote fix): the caller hears that nobody
    comes."""
    ticket = _open_ticket(session, number)
    status = TicketStatus(ticket.status)
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ChangeRefused(say("errors.caller_cancel_closed", number=ticket.number))
    if status not in OPEN_STATUSES:
        raise ChangeRefused(say("errors.caller_change_closed", number=ticket.number))
    reason = say("notes.caller_cancel", words=words.strip())
    try:
        lifecycle.cancel(session, ticket.number, actor=caller, reason=reason, at=at)
        cancelled = True
    except lifecycle.IllegalTransition:
        record_note(session, ticket, reason, actor=caller, at=at)
        cancelled = False
    key = "cancelled" if cancelled else "cancel_too_late"
    told = tell_tier2(session, ticket, say(f"sms.caller_{key}", **_sms_fields(ticket, words)), key, at, pager)
    return Change(ticket.number, cancelled, told)


def reopen_by_caller(
    session: Session, number: str, words: str, *, caller: str, at: datetime, pager: Pager
) -> Change:
    """The fault of a repaired ticket is back (「修好了 结果今天又坏了」): a resolved or closed fault ticket
    is opened again with the caller's words as the reason (bot.ops.lifecycle.reopen: it needs dispatching)
    and tier 2 is told; on an open one the words are a note, as any addition."""
    ticket = _open_ticket(session, number)
    if TicketStatus(ticket.status) in OPEN_STATUSES:
        return add_by_caller(session, number, words, caller=caller, at=at, pager=pager)
    if ticket.kind != TicketKind.FAULT.value or TicketStatus(ticket.status) is TicketStatus.CANCELLED:
        raise ChangeRefused(say("errors.caller_change_closed", number=ticket.number))
    lifecycle.reopen(
        session, ticket.number, actor=caller, reason=say("notes.caller_came_back", words=words.strip()), at=at
    )
    told = tell_tier2(
        session, ticket, say("sms.caller_came_back", **_sms_fields(ticket, words)), "reopen", at, pager
    )
    return Change(ticket.number, False, told, reopened=True)


def add_by_caller(
    session: Session, number: str, words: str, *, caller: str, at: datetime, pager: Pager
) -> Change:
    """The caller's words as a note on the ticket (not a response by tier 2), and the engineer told."""
    return _note_and_tell(session, number, words, "note", caller=caller, at=at, pager=pager)


def urge_by_caller(
    session: Session, number: str, words: str, *, caller: str, at: datetime, pager: Pager
) -> Change:
    """The caller urges an open ticket: their words as a note (the console shows who waits and why) and tier
    2 told; what the caller is promised next is the ticket's status (escalated when its time has passed,
    escalate_overdue)."""
    return _note_and_tell(session, number, words, "urge", caller=caller, at=at, pager=pager)


def _note_and_tell(
    session: Session, number: str, words: str, what: str, *, caller: str, at: datetime, pager: Pager
) -> Change:
    """The caller's words on an open ticket as the note `notes.caller_<what>`, and tier 2 told by the SMS
    `sms.caller_<what>`."""
    ticket = _open_ticket(session, number)
    if TicketStatus(ticket.status) not in OPEN_STATUSES:
        raise ChangeRefused(say("errors.caller_change_closed", number=ticket.number))
    record_note(session, ticket, say(f"notes.caller_{what}", words=words.strip()), actor=caller, at=at)
    told = tell_tier2(
        session,
        ticket,
        say(f"sms.caller_{what}", **_sms_fields(ticket, words)),
        # Each line its own SMS (two in one second too); the same words again (a retried action) once.
        f"{what}:{hashlib.sha1(words.strip().encode()).hexdigest()[:12]}",
        at,
        pager,
    )
    return Change(ticket.number, False, told)


BOOKINGS = (TicketKind.MAINTENANCE.value, TicketKind.TRAINING.value)
# What a caller adds to a booking right after making it (the form asked only who to call).
BOOKING_DETAILS = ("department", "site_address", "contact_person", "contact_phone", "serial_number")


def amend_booking(
    session: Session, number: str, details: dict[str, str], when: str | None, *, caller: str, at: datetime
) -> Ticket | None:
    """Details said right after a maintenance or training was booked (「地址…」「下周四上午」): a field
    given fills the booking's or replaces it (the old value kept in a note), a time asked for joins its
    description; never a second booking. None when the number is no open booking."""
    ticket = find_ticket(session, number)
    if ticket is None or ticket.kind not in BOOKINGS or TicketStatus(ticket.status) not in OPEN_STATUSES:
        return None
    for name, value in details.items():
        old = getattr(ticket, name)
        if name in BOOKING_DETAILS and value and value != old:
            if old:
                record_note(session, ticket, say("notes.booking_replaced", old=old), actor=caller, at=at)
            setattr(ticket, name, value)
    if when and when not in (ticket.description or ""):
        ticket.description = f"{ticket.description or ''}；{when}".lstrip("；")
    ticket.updated_at = at
    return ticket


def note_complaint(session: Session, named: str, complaint: Ticket, *, caller: str, at: datetime) -> bool:
    """A complaint that names a ticket is noted on that ticket too, so whoever works it sees the complaint;
    False when the ticket named is unknown."""
    ticket = find_ticket(session, named)
    if ticket is None or ticket.id == complaint.id:
        return False
    note = say("notes.complaint", number=complaint.number, words=complaint.description or "")
    record_note(session, ticket, note, actor=caller, at=at)
    return True


def note_question(session: Session, number: str, words: str, *, caller: str, at: datetime) -> bool:
    """A question about a booking that the knowledge base cannot answer (「培训完了会发合格证书不」) goes on
    the booking's ticket, for whoever confirms the date with the caller; False when the ticket is unknown."""
    ticket = find_ticket(session, number)
    if ticket is None:
        return False
    record_note(session, ticket, say("notes.caller_question", words=words.strip()), actor=caller, at=at)
    return True


@dataclass(frozen=True)
class Overdue:
    clock: str  # "response" or "onsite": the promise that passed
    due: datetime  # naive UTC
    escalated_to: str | None  # who was paged now, None when the ladder had nobody left


# 「说好的一个小时都过了 怎么还没人联系」: the caller has been waiting, whatever the clock says.
_IMPATIENT = re.compile(
    r"怎么还没|还没(?:有)?人|说好的?|都过了|不算数|到底|催一下|催催|太慢|等了(?:半天|一上午|一下午|好久|很久|这么久"
    r"|[一二两三四五六七八九十\d]+个?(?:小时|钟头|多小时))"
)


def sounds_impatient(text: str) -> bool:
    return bool(_IMPATIENT.search(text.replace(" ", "")))


def overdue_promise(ticket: Ticket, now: datetime) -> tuple[str, datetime] | None:
    """The promise to this caller that has passed and not been kept: first contact (nobody answered by the
    response deadline), else the engineer's arrival; None when nothing is late."""
    status = TicketStatus(ticket.status)
    if status not in OPEN_STATUSES:
        return None
    if ticket.first_response_at is None and ticket.response_due is not None and now > ticket.response_due:
        return "response", ticket.response_due
    not_there = status in (
        TicketStatus.NEW,
        TicketStatus.DISPATCHED,
        TicketStatus.ACCEPTED,
        TicketStatus.EN_ROUTE,
    )
    if not_there and ticket.onsite_due is not None and now > ticket.onsite_due:
        return "onsite", ticket.onsite_due
    return None


def escalate_overdue(session: Session, ticket: Ticket, *, now: datetime, pager: Pager) -> Overdue | None:
    """A caller asks about a ticket whose promised time has passed: page the next step of the ladder now
    (never the same person twice) and say who has it; None when nothing is late."""
    late = overdue_promise(ticket, now)
    if late is None:
        return None
    clock, due = late
    page = escalate(session, ticket, at=now, pager=pager, reason=f"breach:{clock}")
    engineer = session.get(Engineer, page.engineer_id) if page is not None else None
    return Overdue(clock, due, engineer.name if engineer else None)


def tell_tier2(
    session: Session, ticket: Ticket, text: str, what: str, at: datetime, pager: Pager
) -> str | None:
    """One SMS to whoever has the ticket: its engineer, else the primary on call for its region; their name,
    or None when there is nobody to tell (the console's queue shows the change anyway)."""
    engineer = ticket.engineer if ticket.engineer is not None and ticket.engineer.active else None
    if engineer is None:
        duty = on_call(session, region_for(ticket.site_city, pager.policy), at, pager.calendar)
        engineer = next((d.engineer for d in duty if d.role == "primary"), None)
    if engineer is None:
        return None
    pager.send_sms(engineer.phone, text, f"caller:{ticket.number}:{what}")
    return str(engineer.name)


def _sms_fields(ticket: Ticket, words: str) -> dict[str, str]:
    short = words.strip()
    return {
        "number": ticket.number,
        "hospital": ticket.hospital or "",
        "department": ticket.department or "",
        "words": short if len(short) <= 40 else short[:39] + "…",
    }


# 「还是堵」, 「又报了」: the same trouble again, whatever other words come with it.
_AGAIN = re.compile(r"还是|又|仍然|依然|还在|照样|一样|同样")
_NOT_SYMPTOM = re.compile(
    r"[\sA-Za-z0-9，。,.!！?？、：:；;]|这台|那台|设备|机器|仪器|报修|现在|我们|你们|一下|了|的|也|吧|呢|啊"
)


def same_fault(new: str, old: str | None) -> bool:
    """Whether a second report on a device describes the fault its open ticket has: said to be the same again
    (「还是…」), or sharing the symptom's words; an empty description is taken as the same."""
    if not new.strip() or not old or _AGAIN.search(new):
        return True
    new_words, old_words = _NOT_SYMPTOM.sub("", new), _NOT_SYMPTOM.sub("", old)
    pairs = {new_words[i : i + 2] for i in range(len(new_words) - 1)}
    old_pairs = {old_words[i : i + 2] for i in range(len(old_words) - 1)}
    return not pairs or bool(pairs & old_pairs)
