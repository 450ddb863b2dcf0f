"""Notices to the hospital when its ticket moves: engineer assigned, on the way, resolved, report ready,
closed.

A notice goes to the contact on the channel the ticket came from: WeChat → the openid that reported it; SMS →
the number that texted; a voice call or the web chat → an SMS to the ticket's contact phone (a mobile). It is
stored in the outbox in the caller's transaction, keyed by ticket number + status + the status change's event,
so calling the hook twice for one change notifies once, and a ticket that is resolved again after a reopen is
told again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import local_text
from bot.db.models import Ticket, TicketEvent
from bot.notify.outbox import enqueue
from bot.notify.texts import say
from bot.notify.transports import SMS, WECHAT, sms_contact_phone, sms_number
from bot.policy import ServicePolicy, current_policy
from bot.tickets import TicketStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineerContact:
    """Who comes, how to reach them, and when they expect to arrive (naive UTC)."""

    name: str
    phone: str
    eta: datetime | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> EngineerContact | None:
        """The ticket's engineer and ETA as tier-2 operations record them; None while nobody is assigned."""
        engineer = getattr(ticket, "engineer", None)
        name, phone = getattr(engineer, "name", None), getattr(engineer, "phone", None)
        if not name or not phone:
            return None
        return cls(str(name), str(phone), getattr(ticket, "eta", None))


def customer_address(ticket: Ticket) -> tuple[str, str] | None:
    """(outbox channel, recipient) to reach the person who reported the ticket; None without a way to."""
    if ticket.channel == "wechat":
        return WECHAT, ticket.sender_id
    if ticket.channel == "twilio_sms":
        texted_from = sms_number(ticket.sender_id)
        if texted_from:
            return SMS, texted_from
    # Never an unvalidated number: the caller's words after failed validation, or a foreign number they typed.
    phone = sms_contact_phone(ticket)
    return (SMS, phone) if phone else None


def _engineer_text(key: str, number: str, engineer: EngineerContact | None, zone: str) -> str:
    if engineer is None:
        return say(f"{key}_no_engineer", number=number)
    if engineer.eta is None:
        return say(f"{key}_no_eta", number=number, engineer=engineer.name, phone=engineer.phone)
    return say(
        key, number=number, engineer=engineer.name, phone=engineer.phone, eta=local_text(engineer.eta, zone)
    )


def _status_text(
    ticket: Ticket, status: TicketStatus, engineer: EngineerContact | None, policy: ServicePolicy
) -> str | None:
    number = ticket.number
    if status is TicketStatus.DISPATCHED:
        return _engineer_text("assigned", number, engineer, policy.timezone)
    if status is TicketStatus.EN_ROUTE:
        return _engineer_text("en_route", number, engineer, policy.timezone)
    if status is TicketStatus.RESOLVED:
        return say("resolved", number=number, hotline=policy.hotline_phone)
    if status is TicketStatus.CLOSED:
        return say("closed", number=number, scale_max=policy.value("satisfaction.scale_max"))
    return None


def _latest_change(session: Session, ticket: Ticket, status: TicketStatus) -> int | None:
    found: int | None = session.execute(
        select(func.max(TicketEvent.id)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == status.value
        )
    ).scalar_one_or_none()
    return found


def _enqueue_notice(session: Session, ticket: Ticket, what: str, text: str, event_id: int | None) -> bool:
    address = customer_address(ticket)
    if address is None:
        logger.info(
            "ticket %s: no WeChat, SMS number or mobile contact phone to send the %s notice to",
            ticket.number,
            what,
        )
        return False
    channel, recipient = address
    key = f"notice:{ticket.number}:{what}" + (f":{event_id}" if event_id is not None else "")
    return enqueue(
        session, channel=channel, recipient=recipient, text=text, dedupe_key=key, ticket_id=ticket.id
    )


def notify_status_change(
    session: Session,
    ticket: Ticket,
    to_status: TicketStatus | str,
    engineer: EngineerContact | None = None,
    *,
    event_id: int | None = None,
    policy: ServicePolicy | None = None,
) -> None:
    """The lifecycle hook: queue the hospital's notice for a change that matters to it, in this transaction.

    engineer defaults to the ticket's own (EngineerContact.of); event_id to the latest audit entry of the
    change.
    """
    status = TicketStatus(to_status)
    policy = policy or current_policy()
    text = _status_text(ticket, status, engineer or EngineerContact.of(ticket), policy)
    if text is None:
        return
    change = event_id if event_id is not None else _latest_change(session, ticket, status)
    _enqueue_notice(session, ticket, status.value, text, change)


def notify_report_ready(
    session: Session, ticket: Ticket, *, event_id: int | None = None, policy: ServicePolicy | None = None
) -> None:
    """The repair's service report is done (once per ticket, or per report event when one is given)."""
    policy = policy or current_policy()
    text = say("report_ready", number=ticket.number, hotline=policy.hotline_phone)
    _enqueue_notice(session, ticket, "report", text, event_id)


def notify_number_changed(session: Session, ticket: Ticket, promised: str) -> None:
    """The caller was given `promised` while the database was down, but the ticket had been stored as
    `number`."""
    text = say("number_changed", promised=promised, number=ticket.number)
    _enqueue_notice(session, ticket, f"renumbered:{promised}", text, None)
