"""What an unverified caller can set in motion: SMS destinations, pages, look-ups (see bot/identity.py).

- No SMS to an unvalidated number: a contact phone that failed validation is kept for the engineer to read,
  capped, and never becomes an SMS destination (bot/notify/transports.py: `sms_contact_phone`).
- Pages for an unverified caller's urgent ticket: at most `caller_identity.unverified_pages_per_hour` an hour
  per hospital and per site address (kb/policy.yml); the rest wait for the duty desk, flagged `page_held`.
- Where `caller_identity.unverified_page_confirmation` asks for it, a confirmation first: a one-time code
  to the ticket's contact mobile, sent back by the caller (`sms_code`), or the duty desk's call-back
  (`duty_desk`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.db.models import Page, Ticket
from bot.identity import CodeOutcome, masked, send_code
from bot.installed_base import find_device
from bot.intake import normalise_phone
from bot.notify.outbox import session_sms_sender
from bot.notify.transports import sms_contact_phone
from bot.policy import ServicePolicy
from bot.texts import say

# Longer than any phone number written out with spaces and an extension; the rest of a caller's text is not a
# phone.
MAX_UNVERIFIED_PHONE_CHARS = 30
UNVERIFIED = "caller_unverified"
PAGE_HELD = "page_held"
# Held until the caller sends back the code that went to the ticket's contact mobile.
AWAITS_CODE = "page_awaits_code"
SITE_NOT_REGISTERED = "hospital_not_serial_site"


def phone_after_failed_validation(said: str, channel_phone: str | None) -> tuple[str, bool]:
    """What to keep as the contact phone when the caller's answers never validated, and whether it is
    validated: the number the caller is calling from (SMS, voice), else their words, capped, for the engineer
    to check."""
    if channel_phone:
        return channel_phone, True
    return said.strip()[:MAX_UNVERIFIED_PHONE_CHARS], False


def registry_check(serial: str | None, named_hospital: str) -> str | None:
    """The ticket flag `SITE_NOT_REGISTERED` when the caller named a hospital other than the registered site
    of the serial they gave (a wrong serial, a moved device, or someone naming a device they are not at);
    tier 2 sees it, the caller never learns which."""
    if not serial or len(named_hospital.strip()) < 2:
        return None
    with session_scope() as session:
        device = find_device(session, serial)
        if device is None or _names(named_hospital.strip(), device.hospital):
            return None
    return SITE_NOT_REGISTERED


def registered_place(serial: str | None) -> dict[str, str | None]:
    """The department and address the registry holds for the serial (what a verified caller's form was filled
    with), empty when the serial is unknown."""
    if not serial:
        return {}
    with session_scope() as session:
        device = find_device(session, serial)
        if device is None:
            return {}
        return {"department": device.department, "site_address": device.address}


def _names(said: str, hospital: str) -> bool:
    core = said.removesuffix("医院")
    return len(core) >= 2 and (core in hospital or hospital in said)


def may_page_unverified(session: Session, ticket: Ticket, *, at: datetime, policy: ServicePolicy) -> bool:
    """True while fewer than the allowed pages for unverified callers' tickets went out in the last hour for
    this ticket's hospital, and for its site address."""
    allowed = int(policy.value("caller_identity.unverified_pages_per_hour"))
    same_place = [
        column == value
        for column, value in ((Ticket.hospital, ticket.hospital), (Ticket.site_address, ticket.site_address))
        if value
    ]
    query = (
        select(Ticket.flags)
        .join(Page, Page.ticket_id == Ticket.id)
        .where(Page.sent_at > at - timedelta(hours=1), Ticket.id != ticket.id)
    )
    if same_place:
        query = query.where(or_(*same_place))
    recent = sum(UNVERIFIED in (flags or []) for flags in session.execute(query).scalars())
    return recent < allowed


def mark(ticket: Ticket, *flags: str) -> None:
    ticket.flags = sorted({*(ticket.flags or []), *flags})


def held_for_duty_desk(ticket: Ticket) -> bool:
    """Paging was held by the cap and nobody has assigned the ticket yet: the ladder does not start on its
    own."""
    return PAGE_HELD in (ticket.flags or []) and ticket.engineer_id is None


class PageConfirmation(str, Enum):
    """What comes before paging for an unverified caller (kb/policy.yml
    caller_identity.unverified_page_confirmation)."""

    NONE = "none"  # within the hourly cap, at once
    SMS_CODE = "sms_code"  # the code sent to the ticket's contact mobile, sent back
    DUTY_DESK = "duty_desk"  # never: the duty desk calls back and assigns


def page_confirmation(policy: ServicePolicy) -> PageConfirmation:
    return PageConfirmation(str(policy.value("caller_identity.unverified_page_confirmation")))


def send_page_code(session: Session, ticket: Ticket, *, now: datetime, policy: ServicePolicy) -> str | None:
    """A one-time code to the ticket's validated contact mobile, for the caller to send back before the
    page (flags the ticket `AWAITS_CODE`); the masked number it went to, or None (no such mobile, too many
    codes)."""
    phone = sms_contact_phone(ticket)
    if phone is None or not ticket.sender_id:
        return None
    outcome = send_code(
        session,
        ticket.sender_id,
        phone,
        now=now,
        policy=policy,
        send_sms=session_sms_sender(session),
        code_text=lambda code, minutes: say("identity.page_code_sms", code=code, minutes=str(minutes)),
        directory_only=False,
    )
    if outcome is not CodeOutcome.SENT:
        return None
    mark(ticket, AWAITS_CODE)
    return masked(normalise_phone(phone) or phone)


def tickets_awaiting_code(session: Session, sender_id: str, phone: str) -> list[Ticket]:
    """The conversation's tickets held for a code that went to `phone` (the one the caller just proved)."""
    rows = session.execute(select(Ticket).where(Ticket.sender_id == sender_id)).scalars()
    return [
        ticket
        for ticket in rows
        if AWAITS_CODE in (ticket.flags or [])
        and ticket.engineer_id is None
        and normalise_phone(ticket.contact_phone or "") == phone
    ]


def release(ticket: Ticket) -> None:
    """The caller confirmed: the ticket is no longer held for the duty desk."""
    ticket.flags = sorted(set(ticket.flags or []) - {PAGE_HELD, AWAITS_CODE} | {"page_confirmed"})
