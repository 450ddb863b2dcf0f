"""Hand-off to a person (bot/handoff/), as the service-request actions use it.

In office hours a caller on the web chat, WeChat or SMS who asks for a person (「转人工」, also what the bot
offers after two questions it could not answer) is put in the console's waiting queue and told their place and
the wait; a complaint that is angry or tells of harm is queued too, after its ticket is registered. Whoever
asks for a call-back instead (at any time, also while waiting) leaves the queue and gets the call-back ticket.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import CALLER_SLOTS, transcript_of
from bot.db import session_scope
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import enqueue, leave_queue
from bot.handoff.texts import say
from bot.intake import FIELDS
from bot.ops.calendar import current_calendar, is_business_hours
from bot.policy import current_policy
from bot.tickets import TicketKind

# The intents that start a service request; the latest of them says what the caller asked for.
logger = logging.getLogger(__name__)

_REQUEST_INTENTS = (
    "request_human",
    "request_callback",
    "complaint",
    "request_maintenance",
    "request_training",
)


def _requested_by(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and intent in _REQUEST_INTENTS:
            return str(intent)
    return None


def _snapshot(tracker: Tracker) -> dict[str, Any]:
    """What the agent needs to see when they pick the conversation up."""
    fields = {name: tracker.get_slot(name) for name in (*FIELDS, *CALLER_SLOTS) if tracker.get_slot(name)}
    return {
        "transcript": transcript_of(tracker),
        "fields": fields,
        "request": tracker.get_slot("request_text"),
    }


def _queue(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, now: datetime, lead: str | None = None
) -> bool:
    """Queue the conversation for a person if the desk is open and the channel can reach the caller later."""
    policy = current_policy()
    config = HandoffConfig.of(policy)
    channel = tracker.get_latest_input_channel() or "rest"
    if channel not in config.channels or not is_business_hours(now, current_calendar()):
        return False
    try:
        with session_scope() as session:
            _, place = enqueue(
                session,
                sender_id=tracker.sender_id,
                channel=channel,
                reason=reason,
                snapshot=_snapshot(tracker),
                config=config,
                at=now,
            )
    except SQLAlchemyError:
        logger.exception("conversation %s not queued for a person; a call-back instead", tracker.sender_id)
        return False
    if lead:
        dispatcher.utter_message(text=lead)
    dispatcher.utter_message(
        text=say("queued", position=place.position, minutes=place.minutes, limit=config.wait_limit_minutes)
    )
    return True


def queue_instead_of_callback(
    dispatcher: CollectingDispatcher, tracker: Tracker, kind: TicketKind, now: datetime
) -> bool:
    """For a call-back request: True when the caller asked for a person and now waits for one in the queue.

    A caller who asked to be called back leaves the queue if they were in it; the call-back ticket follows.
    """
    if kind is not TicketKind.CALLBACK:
        return False
    asked = _requested_by(tracker)
    if asked == "request_human":
        misses = int(tracker.get_slot("faq_misses") or 0)
        return _queue(dispatcher, tracker, "two_misses" if misses >= 2 else "asked", now)
    with session_scope() as session:
        leave_queue(session, tracker.sender_id, reason="callback", at=now)
    return False


def queue_after_complaint(
    dispatcher: CollectingDispatcher, tracker: Tracker, kind: TicketKind, now: datetime
) -> None:
    """After a complaint's ticket: an angry one, or one that tells of harm, also gets a person now (in
    hours)."""
    if kind is not TicketKind.COMPLAINT:
        return
    reason = HandoffConfig.of(current_policy()).complaint_reason(tracker.get_slot("request_text") or "")
    if reason is None:
        return
    _queue(dispatcher, tracker, reason, now, lead=say("complaint_to_person"))


def queue_after_incident(dispatcher: CollectingDispatcher, tracker: Tracker, now: datetime) -> None:
    """After a safety incident is registered (and the on-call engineer paged): a person too, when the policy
    says so."""
    if HandoffConfig.of(current_policy()).safety_incident:
        _queue(dispatcher, tracker, "safety_incident", now, lead=say("incident_to_person"))
