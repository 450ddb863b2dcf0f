"""The hand-off's side of `hotline worker`: callers nobody picked up get the call-back ticket, idle agents'
conversations go back to the bot (bot.handoff.conversations.sweep), in one transaction per round."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Handoff
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import (
    caller_phone,
    end_idle,
    give_up_waiting,
    overdue,
    registration_of,
    transcript_of,
)
from bot.handoff.texts import say
from bot.journal import ticket_journal
from bot.ops.calendar import BusinessCalendar, is_business_hours
from bot.policy import ServicePolicy
from bot.submission import submit_ticket
from bot.tickets import Origin, TicketKind

logger = logging.getLogger(__name__)

Job = Callable[[datetime], None]


def register_callback(handoff: Handoff, origin: Origin, policy: ServicePolicy, at: datetime) -> str | None:
    """The call-back ticket for a caller who waited in vain (once per hand-off: a retry finds it); None
    without a
    phone to call back, or when it could be neither stored nor journaled (the next round tries again)."""
    if not caller_phone(handoff):
        return None
    snapshot = handoff.snapshot or {}
    submitted = submit_ticket(
        TicketKind.CALLBACK,
        registration_of(handoff, snapshot.get("request") or say(f"reasons.{handoff.reason}")),
        report_id=f"handoff-{handoff.id}",
        origin=origin,
        received_at=at,
        journal=ticket_journal(),
        policy=policy,
    )
    return submitted.number


def callback_text(
    number: str,
    handoff: Handoff,
    *,
    desk_open: bool,
    config: HandoffConfig,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
) -> str:
    if not number:
        return say("no_agent_no_phone", hotline=policy.hotline_phone)
    phone = caller_phone(handoff)
    if desk_open:
        return say(
            "no_agent_callback",
            limit=config.wait_limit_minutes,
            number=number,
            callback=policy.value("deadlines.callback_minutes"),
            phone=phone,
        )
    return say(
        "desk_closed_callback",
        opens=f"{calendar.opens:%H:%M}",
        closes=f"{calendar.closes:%H:%M}",
        number=number,
        phone=phone,
    )


def handoff_sweep_job(engine: Engine | None, *, policy: ServicePolicy, calendar: BusinessCalendar) -> Job:
    config = HandoffConfig.of(policy)

    def job(now: datetime) -> None:
        desk_open = is_business_hours(now, calendar)
        with session_scope(engine) as session:
            due = [
                (h, Origin(h.conversation.channel, h.conversation.sender_id, transcript_of(session, h)))
                for h in overdue(session, now, config, desk_open=desk_open)
            ]
        called_back = 0
        for handoff, origin in due:
            # The ticket first, in its own transaction (exactly once by its key), then the caller leaves the
            # queue.
            number = register_callback(handoff, origin, policy, now)
            if caller_phone(handoff) and number is None:
                continue  # not stored: the caller keeps waiting until the next round
            said = callback_text(
                number or "",
                handoff,
                desk_open=desk_open,
                config=config,
                policy=policy,
                calendar=calendar,
            )
            with session_scope(engine) as session:
                called_back += give_up_waiting(
                    session, handoff.id, ticket_number=number, said=said, desk_open=desk_open, at=now
                )
        with session_scope(engine) as session:
            handed_back = end_idle(session, now, config)
        if called_back or handed_back:
            logger.info(
                "hand-off: %d caller(s) given a call-back, %d conversation(s) back to the bot",
                called_back,
                len(handed_back),
            )

    return job
