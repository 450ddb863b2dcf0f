"""Outside office hours (kb/calendar.yml) an urgent fault pages the on-call engineer at once; in office hours
a phone caller who asks for a person is put through to the duty desk (kb/policy.yml duty_desk)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.db.models import Ticket
from bot.guard import (
    PAGE_HELD,
    UNVERIFIED,
    PageConfirmation,
    mark,
    may_page_unverified,
    page_confirmation,
    release,
    send_page_code,
    tickets_awaiting_code,
)
from bot.notify.outbox import session_sms_sender
from bot.ops.calendar import BusinessCalendar, current_calendar, is_business_hours
from bot.ops.paging import Pager, page_on_call, round_pages
from bot.policy import ServicePolicy, current_policy
from bot.tickets import TicketKind, TicketStatus, find_ticket

logger = logging.getLogger(__name__)

VOICE_CHANNEL = "twilio_voice"


@dataclass(frozen=True)
class AfterHoursCall:
    """An urgent fault registered after hours: when the on-call engineer was paged (None: nobody on call could
    be), and the number the engineer calls back."""

    paged_at: datetime | None
    phone: str
    callback_within: timedelta
    # An unverified caller's page held by the hourly cap or for a confirmation: the ticket waits for the duty
    # desk (bot/guard.py), or for the code that went to this (masked) mobile.
    held: bool = False
    code_sent_to: str | None = None

    @property
    def callback_due(self) -> datetime | None:
        return self.paged_at + self.callback_within if self.paged_at else None


def page_on_call_after_hours(
    number: str,
    now: datetime,
    *,
    policy: ServicePolicy | None = None,
    engine: Engine | None = None,
    caller_verified: bool = False,
) -> AfterHoursCall | None:
    """Right after a fault ticket is registered: outside office hours an urgent one pages the on-call engineer
    at once (bot.ops.paging, SMS through the outbox), and the caller is told by when the engineer will call
    back.

    None within office hours, for a ticket that is not urgent or already resolved remotely (the SLA worker
    dispatches as usual), and when the database fails (the ticket is stored; the SLA worker pages when its
    dispatch deadline passes). An unverified caller's ticket pages only within the hourly cap per hospital and
    site address (bot/guard.py); past it the ticket is held for the duty desk (`held`).
    """
    calendar = current_calendar()
    if is_business_hours(now, calendar):
        return None
    policy = policy or current_policy()
    try:
        with session_scope(engine) as session:
            ticket = find_ticket(session, number)
            if ticket is None or not ticket.urgent or TicketStatus(ticket.status) is not TicketStatus.NEW:
                return None
            if not caller_verified:
                held = _held_for_unverified(session, ticket, now, policy)
                if held is not None:
                    return held
            pager = Pager(policy, calendar, current_catalogue(), session_sms_sender(session))
            page_on_call(session, number, at=now, pager=pager)
            # Paged now or by an earlier call for this ticket: either way the first page starts the clock.
            first_page = next(iter(round_pages(session, ticket)), None)
            paged_at = first_page.sent_at if first_page else None
            phone = ticket.contact_phone or ""
    except SQLAlchemyError:
        logger.exception("on-call engineer not paged for %s", number)
        return None
    if paged_at is None:
        logger.error("nobody on call could be paged for urgent ticket %s", number)
    return AfterHoursCall(paged_at, phone, policy.minutes("paging.after_hours_callback_minutes"))


def _held_for_unverified(
    session: Session, ticket: Ticket, now: datetime, policy: ServicePolicy
) -> AfterHoursCall | None:
    """An unverified caller's page (bot/guard.py): None to page now; else held for the duty desk, and with
    `sms_code` confirmation a code to the contact mobile that releases it (`page_confirmed`)."""
    mark(ticket, UNVERIFIED)
    confirmation = page_confirmation(policy)
    if confirmation is PageConfirmation.NONE and may_page_unverified(session, ticket, at=now, policy=policy):
        return None
    mark(ticket, PAGE_HELD)
    code_sent_to = None
    if confirmation is PageConfirmation.SMS_CODE:
        code_sent_to = send_page_code(session, ticket, now=now, policy=policy)
    logger.warning("urgent ticket %s of an unverified caller waits for the duty desk", ticket.number)
    callback = policy.minutes("paging.after_hours_callback_minutes")
    return AfterHoursCall(None, ticket.contact_phone or "", callback, held=True, code_sent_to=code_sent_to)


def page_confirmed(session: Session, sender_id: str, phone: str, now: datetime) -> list[str]:
    """The caller sent back the code of their held tickets' contact mobile: those tickets are released, and
    paged now after hours (in office hours the duty desk dispatches them as any other). Their numbers."""
    released = tickets_awaiting_code(session, sender_id, phone)
    policy, calendar = current_policy(), current_calendar()
    for ticket in released:
        release(ticket)
        if not is_business_hours(now, calendar) and TicketStatus(ticket.status) is TicketStatus.NEW:
            pager = Pager(policy, calendar, current_catalogue(), session_sms_sender(session))
            page_on_call(session, ticket.number, at=now, pager=pager)
    return [ticket.number for ticket in released]


def duty_desk_for(
    kind: TicketKind,
    intent: str | None,
    channel: str | None,
    now: datetime,
    *,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
) -> str | None:
    """The duty desk's number when a caller on the phone asked for a person in office hours, else None.

    Only a plain 「转人工」 (request_human, answered in the same turn since the phone number is the caller's):
    a caller who asked to be called back later, or was promised a call-back, is called back.
    """
    desk = policy.duty_desk_phone
    if not desk or kind is not TicketKind.CALLBACK or intent != "request_human":
        return None
    if channel != VOICE_CHANNEL or not is_business_hours(now, calendar):
        return None
    return desk
