"""Service requests besides faults (complaint, call-back by a person, maintenance, training), ratings, and what
happens outside office hours (kb/calendar.yml): the on-call engineer paged for an urgent fault; in office hours a
caller on the phone who asks for a person is put through to the duty desk (kb/policy.yml duty_desk)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import caller_phone, latest_message, logger, origin_of
from actions.handoff import queue_after_complaint, queue_instead_of_callback
from bot.catalogue import current_catalogue
from bot.clock import local_text, utc_now
from bot.db import session_scope
from bot.db.models import Rating
from bot.intake import extract_fields, normalise_phone
from bot.notify.journal import JournalUnavailable, database_unreachable, ticket_journal
from bot.notify.outbox import session_sms_sender
from bot.ops.calendar import current_calendar, is_business_hours
from bot.ops.paging import Pager, page_on_call, round_pages
from bot.policy import current_policy
from bot.replies import request_created
from bot.texts import say
from bot.tickets import (
    KIND_LABELS,
    Registration,
    TicketKind,
    TicketStatus,
    create_service_request,
    find_ticket,
    tickets_for_caller,
)
from bot.triage import current_rules

KIND_BY_INTENT = {
    "complaint": TicketKind.COMPLAINT,
    "request_human": TicketKind.CALLBACK,
    "request_callback": TicketKind.CALLBACK,
    "request_maintenance": TicketKind.MAINTENANCE,
    "request_training": TicketKind.TRAINING,
}
CONTACT_SLOTS = ("hospital", "contact_person", "contact_phone")
VOICE_CHANNEL = "twilio_voice"


class ActionStartServiceRequest(Action):
    """Remember what the caller asks for; contact_form then asks only for the contact details still missing."""

    def name(self) -> str:
        return "action_start_service_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        kind = KIND_BY_INTENT.get(message.intent or "", TicketKind.CALLBACK)
        events: list[EventType] = [
            SlotSet("request_kind", kind.value),
            SlotSet("request_text", message.text),
            SlotSet("intake_id", uuid.uuid4().hex),
        ]
        found = extract_fields(message, None, current_catalogue(), current_rules())
        events += [
            SlotSet(f, v) for f, v in found.items() if f in CONTACT_SLOTS or f in ("device", "serial_number")
        ]
        phone = caller_phone(tracker)
        if phone and not tracker.get_slot("contact_phone") and "contact_phone" not in found:
            events.append(SlotSet("contact_phone", phone))
        return events


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # A call-back needs only a number to call; the others also need who and where.
        if tracker.get_slot("request_kind") == TicketKind.CALLBACK.value:
            return ["contact_phone"]
        return list(domain_slots)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        requested = tracker.get_slot("requested_slot")
        found = extract_fields(message, requested, current_catalogue(), current_rules())
        return [SlotSet(f, v) for f, v in found.items() if f in CONTACT_SLOTS]

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = normalise_phone(str(value))
        if phone:
            return {"contact_phone": phone}
        dispatcher.utter_message(text=say("phone_invalid", value=value))
        return {"contact_phone": None}


class ActionSubmitServiceRequest(Action):
    def name(self) -> str:
        return "action_submit_service_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind_value = tracker.get_slot("request_kind")
        key = tracker.get_slot("intake_id")
        if not kind_value or not key:
            return []
        kind = TicketKind(kind_value)
        desk = duty_desk_for(tracker, kind, utc_now())
        if desk:
            # The voice channel dials it; if nobody answers there it asks for a call-back (request_callback).
            dispatcher.utter_message(response="utter_putting_through")
            dispatcher.utter_message(json_message={"dial": desk})
            return [SlotSet("request_kind", None), SlotSet("request_text", None), SlotSet("intake_id", None)]
        if queue_instead_of_callback(dispatcher, tracker, kind, utc_now()):
            return [SlotSet("request_kind", None), SlotSet("request_text", None), SlotSet("intake_id", None)]
        registration = Registration(
            hospital=tracker.get_slot("hospital"),
            department=tracker.get_slot("department"),
            contact_person=tracker.get_slot("contact_person"),
            contact_phone=tracker.get_slot("contact_phone"),
            device=tracker.get_slot("device"),
            serial_number=tracker.get_slot("serial_number"),
            description=tracker.get_slot("request_text"),
        )
        policy = current_policy()
        idempotency_key, origin, received_at = f"{kind.value}:{key}", origin_of(tracker), utc_now()
        journal = ticket_journal()
        # Taken while the database was down: a retry gets the number it was already given.
        offline = journal.entry_for(idempotency_key)
        try:
            if offline is None:
                with session_scope() as session:
                    ticket, _ = create_service_request(
                        session,
                        kind,
                        registration,
                        idempotency_key=idempotency_key,
                        origin=origin,
                        policy=policy,
                        received_at=received_at,
                    )
                    dispatcher.utter_message(text=request_created(ticket, policy))
                    number = ticket.number
        except SQLAlchemyError as error:
            if not database_unreachable(error):
                logger.exception("service request %s not stored", key)
                dispatcher.utter_message(text=say("service_error", hotline=policy.hotline_phone))
                return []
            try:
                offline = journal.record(
                    kind,
                    registration,
                    idempotency_key=idempotency_key,
                    origin=origin,
                    received_at=received_at,
                    policy=policy,
                )
            except JournalUnavailable:
                logger.exception("service request %s neither stored nor journaled", key)
                dispatcher.utter_message(text=say("service_error", hotline=policy.hotline_phone))
                return []
        if offline is not None:
            number = offline.number
            dispatcher.utter_message(
                text=say(
                    "request_journaled", kind=KIND_LABELS[kind], number=number, hotline=policy.hotline_phone
                )
            )
        queue_after_complaint(dispatcher, tracker, kind, utc_now())
        return [
            SlotSet("request_kind", None),
            SlotSet("request_text", None),
            SlotSet("intake_id", None),
            SlotSet("last_ticket_number", number),
        ]


def duty_desk_for(tracker: Tracker, kind: TicketKind, now: datetime) -> str | None:
    """The duty desk's number when a caller on the phone asked for a person in office hours, else None.

    Only a plain 「转人工」 (request_human, answered in the same turn since the phone number is the caller's):
    a caller who asked to be called back later, or was promised a call-back, is called back.
    """
    # Optional: a contract's policy without a duty desk means every request for a person is a call-back.
    desk = str((current_policy().raw.get("duty_desk") or {}).get("phone") or "")
    if not desk or kind is not TicketKind.CALLBACK or latest_message(tracker).intent != "request_human":
        return None
    if tracker.get_latest_input_channel() != VOICE_CHANNEL or not is_business_hours(now, current_calendar()):
        return None
    return desk


def page_on_call_after_hours(dispatcher: CollectingDispatcher, number: str, now: datetime) -> None:
    """Right after a fault ticket is registered: outside office hours an urgent one pages the on-call engineer at
    once (bot.ops.paging, SMS through the outbox), and the caller hears by when the engineer will call back.

    Within office hours, or for a ticket that is not urgent or already resolved remotely, nothing happens: the
    SLA worker dispatches as usual.
    """
    calendar = current_calendar()
    if is_business_hours(now, calendar):
        return
    policy = current_policy()
    try:
        with session_scope() as session:
            ticket = find_ticket(session, number)
            if ticket is None or not ticket.urgent or TicketStatus(ticket.status) is not TicketStatus.NEW:
                return
            pager = Pager(policy, calendar, current_catalogue(), session_sms_sender(session))
            page_on_call(session, number, at=now, pager=pager)
            # Paged now or by an earlier call for this ticket: either way the first page starts the clock.
            first_page = next(iter(round_pages(session, ticket)), None)
            paged_at = first_page.sent_at if first_page else None
            phone = ticket.contact_phone or ""
    except SQLAlchemyError:
        # The ticket is stored; the SLA worker pages when its dispatch deadline passes.
        logger.exception("on-call engineer not paged for %s", number)
        return
    if paged_at is None:
        logger.error("nobody on call could be paged for urgent ticket %s", number)
        dispatcher.utter_message(response="utter_after_hours_nobody_on_call", hotline=policy.hotline_phone)
        return
    minutes = int(policy.value("paging.after_hours_callback_minutes"))
    due = local_text(paged_at + timedelta(minutes=minutes), policy.timezone)
    dispatcher.utter_message(response="utter_after_hours_call_back", minutes=minutes, due=due, phone=phone)


_SCORE_NUMERALS = {"五": 5, "四": 4, "三": 3, "二": 2, "两": 2, "一": 1}
# How callers rate in words; the longest phrase found wins, so 「不满意」 is never read as 「满意」.
_SCORE_WORDS = {
    "非常不满意": 1,
    "很不满意": 1,
    "太差": 1,
    "很差": 1,
    "差劲": 1,
    "不太满意": 2,
    "不满意": 2,
    "不怎么样": 2,
    "一般": 3,
    "还行": 3,
    "凑合": 3,
    "比较满意": 4,
    "还不错": 4,
    "满意": 4,
    "很满意": 5,
    "非常满意": 5,
    "十分满意": 5,
    "满分": 5,
    "特别好": 5,
}


def score_in(text: str, entities: list[dict[str, Any]]) -> int | None:
    """A 1-5 score from the caller's words (「给5分」, 「四星」, 「不满意」), else from NLU's score entity."""
    match = re.search(r"(?<!\d)([1-5])(?:\s*(?:分|星|颗星))?(?!\d)", text)
    if match:
        return int(match.group(1))
    match = re.search(r"([一二两三四五])\s*(?:分|星|颗星)", text)
    if match:
        return _SCORE_NUMERALS[match.group(1)]
    words = [word for word in _SCORE_WORDS if word in text]
    if words:
        return _SCORE_WORDS[max(words, key=len)]
    for entity in entities:
        digits = re.search(r"^[1-5]$", str(entity.get("value")))
        if entity.get("entity") == "score" and digits:
            return int(digits.group())
    return None


class ActionRateService(Action):
    """Store a 1-5 score, tied to the caller's latest ticket; below the policy's bar it opens a review."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        score = score_in(message.text, message.entities)
        if score is None:
            dispatcher.utter_message(text=say("rating_ask"))
            return []
        policy = current_policy()
        with session_scope() as session:
            tickets = tickets_for_caller(
                session, sender_id=tracker.sender_id, phone=tracker.get_slot("contact_phone"), limit=1
            )
            session.add(
                Rating(
                    ticket_id=tickets[0].id if tickets else None,
                    score=score,
                    comment=message.text,
                    channel=tracker.get_latest_input_channel() or "rest",
                    sender_id=tracker.sender_id,
                    created_at=utc_now(),
                )
            )
        if score < int(policy.value("satisfaction.review_below")):
            dispatcher.utter_message(text=say("rating_low", score=score))
        else:
            dispatcher.utter_message(text=say("rating_thanks", score=score))
        return []
