"""What every action needs from Rasa's side: the caller's message, where it came from, and slot resets."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.db.models import Device
from bot.identity import Caller, caller_of, device_shown_to
from bot.intake import FIELDS, Message, normalise_phone
from bot.intake_commands import IntakeState
from bot.replies import NOT_GIVEN
from bot.safety import HAZARD_INTENT
from bot.tickets import Origin, find_ticket

logger = logging.getLogger(__name__)

# Slots of one fault intake; cleared when an intake starts, ends or is cancelled.
INTAKE_SLOTS = (
    *FIELDS,
    "site_city",
    "registration_confirmed",
    "correction_pending",
    "intake_id",
    "intake_flags",
    "failed_attempts",
    "duplicate_of",
    "guide_id",
    "guide_accepted",
    "guide_step_answer",
    "guide_progress",
    "guide_solved",
    "offered_serial",
)
# Who the caller is and where: kept across intakes in one conversation so a second request does not ask
# again (the read-back shows them; another hospital named drops the place, see action_start_intake).
CALLER_SLOTS = ("hospital", "department", "contact_person", "contact_phone", "site_address", "site_city")
PLACE_SLOTS = ("department", "site_address", "site_city")


def given_slot(tracker: Tracker, slot: str) -> str | None:
    """A slot's value as the caller gave it; None for nothing and for 「未提供」 (the serial they could not
    find), which is a note for the read-back, never a value on a ticket."""
    value = tracker.get_slot(slot)
    return None if value in (None, "", NOT_GIVEN) else str(value)


def previous_action(tracker: Tracker) -> str | None:
    """The bot's last action before the caller's latest message."""
    for event in reversed(tracker.events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return str(event["name"])
    return None


def latest_message(tracker: Tracker) -> Message:
    latest = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name")
    return Message(text=latest.get("text") or "", intent=intent, entities=list(latest.get("entities") or []))


def intake_state(tracker: Tracker) -> IntakeState:
    """The registration as the form has it: the question asked and the fields so far."""
    return IntakeState(
        requested=tracker.get_slot("requested_slot"),
        values={field: tracker.get_slot(field) for field in FIELDS},
        cancelled=bool(tracker.get_slot("cancelled_registration")),
    )


def caller_phone(tracker: Tracker) -> str | None:
    """The number an SMS or voice caller is calling from (the Twilio channels put it in the metadata)."""
    number = (tracker.latest_message.get("metadata") or {}).get("phone")
    return normalise_phone(str(number)) if number else None


def caller_of_tracker(session: Session, tracker: Tracker) -> Caller:
    """Who is asking, verified or not (bot/identity.py); the channel's phone counts only on SMS and voice."""
    number = (tracker.latest_message.get("metadata") or {}).get("phone")
    return caller_of(
        session, tracker.get_latest_input_channel(), tracker.sender_id, str(number) if number else None
    )


def shown_device(session: Session, tracker: Tracker, serial: str | None) -> Device | None:
    """The registry entry of a serial as this conversation's caller may be shown it (bot/identity.py)."""
    return device_shown_to(session, caller_of_tracker(session, tracker), serial)


def may_see_ticket(tracker: Tracker, number: str) -> bool:
    """Whether this conversation's caller may be told about the ticket (bot/identity.py); not while the
    database is down."""
    try:
        with session_scope() as session:
            ticket = find_ticket(session, number)
            return ticket is not None and caller_of_tracker(session, tracker).may_see(ticket)
    except SQLAlchemyError:
        logger.exception("caller of %s not known: treated as unverified", tracker.sender_id)
        return False


def origin_of(tracker: Tracker) -> Origin:
    return Origin(
        channel=tracker.get_latest_input_channel() or "rest",
        sender_id=tracker.sender_id,
        transcript=transcript_of(tracker),
    )


def transcript_of(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation as the caller saw it: who said what, when (Unix time)."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append({"role": event["event"], "text": event["text"], "at": event.get("timestamp")})
    return lines


def failed_again(tracker: Tracker, field: str) -> dict[str, int]:
    """The `failed_attempts` slot with one more bad answer to `field` (under its own key: the fault form's
    phone and a call-back's phone are counted apart); `bot.intake.gives_up` says when to stop asking."""
    counts = dict(tracker.get_slot("failed_attempts") or {})
    counts[field] = counts.get(field, 0) + 1
    return counts


def hazard_interrupts(message: Message) -> bool:
    """A form's validator leaves a hazard report unanswered: the safety rules (data/rules/safety.yml) take
    it."""
    return message.intent == HAZARD_INTENT


def reset(slots: tuple[str, ...], keep: tuple[str, ...] = ()) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots if slot not in keep]
