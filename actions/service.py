"""Service requests besides faults (complaint, call-back by a person, maintenance, training) and ratings; in
office hours a caller on the phone who asks for a person is put through to the duty desk
(bot/ops/after_hours.py)."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    CALLER_SLOTS,
    INTAKE_SLOTS,
    caller_phone,
    failed_again,
    given_slot,
    hazard_interrupts,
    intake_state,
    latest_message,
    origin_of,
    reset,
)
from actions.handoff import queue_after_complaint, queue_instead_of_callback
from actions.ratings import ask_for_score, rate
from actions.requests import named_ticket_fields, registry_fields, request_follow_up
from bot.callbacks import declines_call_back, extension_in, requested_times, schedule_window, with_extension
from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.db import session_scope
from bot.intake import find_ticket_number, gives_up, normalise_phone
from bot.intake_commands import IntakeState, read_fields, values_of
from bot.journal import ticket_journal
from bot.ops.after_hours import VOICE_CHANNEL, duty_desk_for
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from bot.ratings import score_in
from bot.replies import callback_scheduled, request_created
from bot.submission import SubmitOutcome, submit_ticket
from bot.texts import say
from bot.ticket_changes import note_complaint
from bot.tickets import KIND_LABELS, Registration, TicketKind
from bot.triage import current_rules

KIND_BY_INTENT = {
    "complaint": TicketKind.COMPLAINT,
    "request_human": TicketKind.CALLBACK,
    "request_callback": TicketKind.CALLBACK,
    "request_maintenance": TicketKind.MAINTENANCE,
    "request_training": TicketKind.TRAINING,
}
CONTACT_SLOTS = ("hospital", "contact_person", "contact_phone")
# Said on the way to the contact questions (a call-back's hospital and name with its number, a booking's
# serial and address with its contact): kept, though the form does not ask for them.
SAID_ON_THE_WAY = ("hospital", "department", "contact_person", "device", "serial_number", "site_address")
# contact_phone when the caller will not leave one: never stored, it withdraws the call-back.
DECLINED = "declined"


class ActionStartServiceRequest(Action):
    """Remember what the caller asks for; contact_form then asks only for the contact details still
    missing."""

    def name(self) -> str:
        return "action_start_service_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        kind = KIND_BY_INTENT.get(message.intent or "", TicketKind.CALLBACK)
        said = tracker.get_slot("request_text")
        if (
            tracker.active_loop_name == "contact_form"
            and tracker.get_slot("request_kind") == kind.value
            and said
        ):
            # 「你们赶紧给个说法」 while the complaint's details are asked: more of its words, not a new one.
            dispatcher.utter_message(text=say("request_more_words"))
            return [SlotSet("request_text", f"{said}；{message.text}")]
        on_phone = tracker.get_latest_input_channel() == VOICE_CHANNEL
        follow_up = await request_follow_up(dispatcher, tracker, domain, kind, on_phone=on_phone)
        if follow_up is not None:
            return follow_up
        events: list[EventType] = [
            SlotSet("request_kind", kind.value),
            SlotSet("request_text", message.text),
            SlotSet("intake_id", uuid.uuid4().hex),
        ]
        if kind in (TicketKind.MAINTENANCE, TicketKind.TRAINING):
            # The first reply names what is being booked, before the first question about it.
            dispatcher.utter_message(text=say("booking_started", kind=KIND_LABELS[kind]))
        registered = registry_fields(message, tracker)
        if registered:
            dispatcher.utter_message(text=say("serial_known_request", **registered))
        given = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
        named = named_ticket_fields(message, tracker)
        found = {**{f: v for f, v in given.items() if v is not None}, **named, **registered}
        events += [SlotSet(f, v) for f, v in found.items() if f in CONTACT_SLOTS or f in SAID_ON_THE_WAY]
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
        # A call-back needs only a number to call; the others also need who and where; nothing when the
        # request was answered or withdrawn (actions/requests.py).
        if not tracker.get_slot("request_kind"):
            return []
        asked = (
            ["contact_phone"]
            if tracker.get_slot("request_kind") == TicketKind.CALLBACK.value
            else domain_slots
        )
        # What was said on the way (「绍兴市…医院免疫室 我姓茅 座机…转8012」 to a call-back's phone question)
        # is kept: the form keeps only the slots it requires. Given already, these are never asked.
        said = [slot for slot in SAID_ON_THE_WAY if slot not in asked and tracker.get_slot(slot)]
        return [*asked, *said]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # The form keeps only its required slots; when the caller wants it goes on the request's words.
        events = await super().run(dispatcher, tracker, domain)
        message = latest_message(tracker)
        return events if hazard_interrupts(message) else [*events, *_times_said(tracker, message.text)]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        if hazard_interrupts(message):
            return []  # safety first: data/rules/safety.yml takes the turn
        if message.intent == "wait":
            return []  # 「等一下，我问问主任」 is no answer: the rule for 「稍等」 says we wait
        requested = tracker.get_slot("requested_slot")
        if requested == "contact_phone" and (
            declines_call_back(message.text)
            or (message.intent == "request_human" and normalise_phone(message.text) is None)
        ):
            # 「不想留电话」, or a person asked for again instead of a number: the phone was asked once.
            return [SlotSet("contact_phone", DECLINED)]  # validate_contact_phone withdraws the call-back
        commands = read_fields(message, intake_state(tracker), current_catalogue(), current_rules())
        # Values only: an emptied field (「电话写错了」) would reach validate_contact_phone as a wrong number.
        # What the form does not ask for fills an empty slot only: a device said in passing changes nothing.
        given = values_of(commands).items()
        return [
            SlotSet(f, v)
            for f, v in given
            if v is not None and (f in CONTACT_SLOTS or (f in SAID_ON_THE_WAY and not tracker.get_slot(f)))
        ]

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == DECLINED or declines_call_back(str(value)):
            # Asked once; a caller who will not leave a number gets the hotline, not the same question again.
            dispatcher.utter_message(text=say("handoff_no_phone", hotline=current_policy().hotline_phone))
            return {"contact_phone": None, "request_kind": None, "intake_id": None}
        phone = normalise_phone(str(value))
        if phone:
            # 「…分机 8021」 said with the request, the switchboard number a message later
            request = str(tracker.get_slot("request_text") or "") if phone.startswith("0") else ""
            extension = extension_in(latest_message(tracker).text) or extension_in(request)
            return {"contact_phone": with_extension(phone, extension)}
        counts = failed_again(tracker, "request_phone")
        if gives_up(counts["request_phone"]):
            # No number to call back after the same number of tries as every checked field: the hotline
            # instead, and nothing kept (a call-back to a number that is no number reaches nobody).
            dispatcher.utter_message(
                text=say("request_phone_give_up", hotline=current_policy().hotline_phone)
            )
            del counts["request_phone"]
            return {"contact_phone": None, "request_kind": None, "intake_id": None, "failed_attempts": counts}
        dispatcher.utter_message(text=say("phone_invalid", value=value))
        return {"contact_phone": None, "failed_attempts": counts}


def _times_said(tracker: Tracker, text: str) -> list[EventType]:
    """When the caller wants it, said with their contact details (「明天下午两点半到四点半之间打 …
    手机…」, 「下礼拜二三下午都行 大概五六个人」): added to the request's words, so the call-back is
    scheduled into that window and whoever confirms a booking sees it."""
    said = str(tracker.get_slot("request_text") or "")
    times = requested_times(text)
    if not times or times in said:
        return []
    return [SlotSet("request_text", f"{said}；{times}" if said else times)]


def _request_registration(tracker: Tracker) -> Registration:
    """The request as asked, and a fault report under way when the caller asked for a person in the middle of
    it: its fault, place and clinical impact go on the call-back ticket, not lost with the form."""
    request = given_slot(tracker, "request_text")
    fault = given_slot(tracker, "fault_description")
    description = say("request_with_fault", request=request or "", fault=fault) if fault else request
    return Registration(
        hospital=given_slot(tracker, "hospital"),
        department=given_slot(tracker, "department"),
        contact_person=given_slot(tracker, "contact_person"),
        contact_phone=given_slot(tracker, "contact_phone"),
        device=given_slot(tracker, "device"),
        serial_number=given_slot(tracker, "serial_number"),
        description=description,
        site_address=given_slot(tracker, "site_address"),
        site_city=given_slot(tracker, "site_city"),
        clinical_impact=given_slot(tracker, "clinical_impact"),
    )


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
        desk = duty_desk_for(
            kind,
            latest_message(tracker).intent,
            tracker.get_latest_input_channel(),
            utc_now(),
            policy=current_policy(),
            calendar=current_calendar(),
        )
        finished = [SlotSet("request_kind", None), SlotSet("request_text", None), SlotSet("intake_id", None)]
        if desk:
            # The voice channel dials it; if nobody answers there it asks for a call-back (request_callback).
            dispatcher.utter_message(response="utter_putting_through")
            dispatcher.utter_message(json_message={"dial": desk})
            return finished
        if queue_instead_of_callback(dispatcher, tracker, kind, utc_now()):
            return finished
        registration = _request_registration(tracker)
        submitted = submit_ticket(
            kind,
            registration,
            report_id=key,
            origin=origin_of(tracker),
            received_at=utc_now(),
            journal=ticket_journal(),
        )
        policy = current_policy()
        if submitted.outcome is SubmitOutcome.FAILED:
            dispatcher.utter_message(text=say("service_error", hotline=policy.hotline_phone))
            return []
        if submitted.outcome is SubmitOutcome.JOURNALED:
            text = say(
                "request_journaled",
                kind=KIND_LABELS[kind],
                number=submitted.number,
                hotline=policy.hotline_phone,
            )
            dispatcher.utter_message(text=text)
        elif submitted.ticket is not None:
            request = given_slot(tracker, "request_text")
            with session_scope() as session:
                window = schedule_window(session, submitted.ticket, request, policy)
            if window is not None:
                dispatcher.utter_message(text=callback_scheduled(submitted.ticket, window, policy))
            else:
                dispatcher.utter_message(text=request_created(submitted.ticket, policy))
        carried_fault = given_slot(tracker, "fault_description") is not None
        if carried_fault and submitted.outcome is not SubmitOutcome.FAILED:
            dispatcher.utter_message(text=say("request_fault_kept"))
            finished += reset(INTAKE_SLOTS, keep=CALLER_SLOTS)  # the report lives on this ticket now
        named = find_ticket_number(given_slot(tracker, "request_text") or "")
        if kind is TicketKind.COMPLAINT and submitted.ticket is not None and named:
            with session_scope() as session:
                note_complaint(session, named, submitted.ticket, caller=tracker.sender_id, at=utc_now())
        queue_after_complaint(dispatcher, tracker, kind, utc_now())
        booked = {"kind": kind.value, "number": submitted.number}
        return [*finished, SlotSet("last_ticket_number", submitted.number), SlotSet("last_request", booked)]


class ActionRateService(Action):
    """A 1-5 score for a finished ticket (bot.ratings): the one named or the caller's only one; asked which,
    or told to wait while it is still being handled; a low score asks once for a phone when there is none."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        score = score_in(message.text, message.entities)
        if score is None:
            return ask_for_score(dispatcher, tracker, find_ticket_number(message.text))
        return rate(dispatcher, tracker, score, message.text, find_ticket_number(message.text))
