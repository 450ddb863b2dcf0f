"""The hand-off's side of `hotline worker`: callers nobody picked up get the call-back ticket, idle agents' conversations
go back to the bot (bot.handoff.conversations.sweep), in one transaction per round."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.db.models import Handoff
from bot.handoff.conversations import caller_phone, registration_of, sweep, transcript_of
from bot.handoff.settings import HandoffSettings, text
from bot.ops.calendar import BusinessCalendar, is_business_hours
from bot.policy import ServicePolicy
from bot.tickets import Origin, TicketKind, create_service_request

logger = logging.getLogger(__name__)

Job = Callable[[datetime], None]


def register_callback(session: Session, handoff: Handoff, policy: ServicePolicy, at: datetime) -> str | None:
    """The call-back ticket for a caller who waited in vain (once per hand-off); None without a phone to call."""
    if not caller_phone(handoff):
        return None
    snapshot = handoff.snapshot or {}
    registration = registration_of(handoff, snapshot.get("request") or text(f"reasons.{handoff.reason}"))
    conversation = handoff.conversation
    ticket, _ = create_service_request(
        session,
        TicketKind.CALLBACK,
        registration,
        idempotency_key=f"handoff:{handoff.id}",
        origin=Origin(conversation.channel, conversation.sender_id, transcript_of(session, handoff)),
        policy=policy,
        received_at=at,
    )
    return str(ticket.number)


def callback_text(
    number: str,
    handoff: Handoff,
    *,
    desk_open: bool,
    settings: HandoffSettings,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
) -> str:
    if not number:
        return text("no_agent_no_phone", hotline=policy.hotline_phone)
    phone = caller_phone(handoff)
    if desk_open:
        return text(
            "no_agent_callback",
            limit=settings.wait_limit_minutes,
            number=number,
            callback=policy.value("deadlines.callback_minutes"),
            phone=phone,
        )
    return text(
        "desk_closed_callback",
        opens=f"{calendar.opens:%H:%M}",
        closes=f"{calendar.closes:%H:%M}",
        number=number,
        phone=phone,
    )


def handoff_sweep_job(engine: Engine | None, *, policy: ServicePolicy, calendar: BusinessCalendar) -> Job:
    settings = HandoffSettings.of(policy)

    def job(now: datetime) -> None:
        desk_open = is_business_hours(now, calendar)
        with session_scope(engine) as session:
            report = sweep(
                session,
                now,
                settings,
                desk_open=desk_open,
                register_callback=lambda s, h, at: register_callback(s, h, policy, at),
                callback_text=lambda number, handoff: callback_text(
                    number, handoff, desk_open=desk_open, settings=settings, policy=policy, calendar=calendar
                ),
            )
        if report.called_back or report.handed_back:
            logger.info(
                "hand-off: %d caller(s) given a call-back, %d conversation(s) back to the bot",
                len(report.called_back),
                len(report.handed_back),
            )

    return job
