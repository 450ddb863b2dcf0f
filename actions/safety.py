"""Safety first: the instruction before anything else, then only what tier 2 needs, then the incident
registered.

A message in which kb/safety/ finds a hazard has the intent `report_hazard` (bot/nlu/safety_intent.py); the
rules of data/rules/safety.yml send it here from anywhere in the conversation, and the other forms' validators
leave it unanswered (`hazard_interrupts`) so that those rules take over.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    CALLER_SLOTS,
    INTAKE_SLOTS,
    caller_phone,
    hazard_interrupts,
    latest_message,
    may_see_ticket,
    origin_of,
    previous_action,
    reset,
    shown_device,
)
from actions.handoff import queue_after_incident
from actions.ticket_changes import add_to_ticket
from bot.catalogue import current_catalogue
from bot.clock import local_text, utc_now
from bot.db import session_scope
from bot.incidents import (
    DETAIL_FIELDS,
    IncidentReport,
    IncidentSubmitted,
    add_incident_details,
    submit_incident,
)
from bot.intake import (
    FIELDS,
    Message,
    city_of,
    extract_fields,
    find_ticket_number,
    normalise_phone,
    normalise_serial,
)
from bot.intake_commands import IntakeState, read_fields, values_of
from bot.journal import ticket_journal
from bot.policy import current_policy
from bot.replies import FIELD_LABELS, NOT_GIVEN
from bot.safety import ADVERSE_EVENT, PERSON_HURT, Finding, SafetyRules, current_safety_rules
from bot.submission import SubmitOutcome
from bot.texts import say
from bot.tickets import Registration
from bot.triage import current_rules

logger = logging.getLogger(__name__)
# What tier 2 needs at once, besides the hazard: which device, where, whom to call back.
TIER2_FIELDS = (
    "device",
    "serial_number",
    "hospital",
    "department",
    "site_address",
    "contact_person",
    "contact_phone",
)
# What a safety question keeps of an answer besides its own slots: the details the caller says with it
# (「联系人 郭晓燕 电话 …」 to the phone question, 「插头拔了 人都离远了 序列号… 地址… 体检都停了」 to whether
# people are safe). rasa_sdk drops extracted slots that are not the form's, so ValidateSafetyForm.run keeps
# them.
DETAIL_SLOTS = (*TIER2_FIELDS, "clinical_impact")
_SERIAL_WORDS = re.compile(r"序列号|编号|SN|[是为：:，,。\s]")


def _instruction(tracker: Tracker) -> str | None:
    hazards = tracker.get_slot("safety_hazards") or []
    return current_safety_rules().hazard(hazards[0]).instruction if hazards else None


class ActionSafetyFirst(Action):
    """Say the hazard's instruction, verbatim, before anything else; keep what the message says for tier 2."""

    def name(self) -> str:
        return "action_safety_first"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rules = current_safety_rules()
        message = latest_message(tracker)
        finding = rules.recognise(message.text)
        if finding is None:
            # NLU and these rules are the same rules (bot/nlu/safety_intent.py); repeat what we have, if
            # anything.
            dispatcher.utter_message(text=_instruction(tracker) or rules.say("repeat_none"))
            return []
        dispatcher.utter_message(text=finding.hazard.instruction)
        if finding.harmed and finding.hazard.id != PERSON_HURT:
            dispatcher.utter_message(text=rules.say("someone_hurt"))
        # A second message while the details are taken adds to the incident under way; after its ticket, a new
        # report starts a new incident.
        ongoing = tracker.active_loop_name == "safety_form" and bool(tracker.get_slot("intake_id"))
        events = [*_incident_events(tracker, finding, message, ongoing), *_tier2_events(tracker, message)]
        if ongoing:
            return events
        return [*events, *_register_at_once(dispatcher, tracker, events)]


def _register_at_once(
    dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
) -> list[EventType]:
    """The incident registered and paged now, with what is known: the caller may hang up after the
    instruction. The safety questions then add to it (ActionSubmitSafetyTicket)."""
    rules = current_safety_rules()
    slots = {
        **tracker.current_slot_values(),
        **{event["name"]: event["value"] for event in events if event.get("event") == "slot"},
    }
    outcome = _submit(tracker, slots, rules).incident
    if outcome is None:
        return [SlotSet("safety_ticket", None)]  # not stored yet: registered once the details are taken
    dispatcher.utter_message(
        text=rules.say("paged_at_once")
        if outcome.paged
        else rules.say("nobody_paged", hotline=current_policy().hotline_phone)
    )
    return [SlotSet("safety_ticket", outcome.number)]


def _incident_events(tracker: Tracker, finding: Finding, message: Message, ongoing: bool) -> list[EventType]:
    """The hazards, flags and words of the incident so far."""
    earlier = list(tracker.get_slot("safety_hazards") or []) if ongoing else []
    hazards = [hazard.id for hazard in finding.hazards]
    said = [
        text for text in (tracker.get_slot("safety_description") if ongoing else None, message.text) if text
    ]
    events: list[EventType] = [
        SlotSet("safety_hazards", [*hazards, *(h for h in earlier if h not in hazards)]),
        SlotSet(
            "safety_flags",
            sorted({*((tracker.get_slot("safety_flags") or []) if ongoing else []), *finding.flags}),
        ),
        SlotSet("safety_description", "；".join(dict.fromkeys(said))),
    ]
    if not ongoing:
        events.append(SlotSet("intake_id", uuid.uuid4().hex))
    if finding.harmed:
        events.append(SlotSet("safety_people_safe", message.text))
    elif not finding.hazard.ask_people_safe and not tracker.get_slot("safety_people_safe"):
        events.append(SlotSet("safety_people_safe", NOT_GIVEN))
    return events


def _tier2_events(tracker: Tracker, message: Message) -> list[EventType]:
    """Device, place and phone the hazard message already gives; a known serial fills the site from the
    registry."""
    found = {
        field: value
        for field, value in extract_fields(message, None, current_catalogue(), current_rules()).items()
        if field in TIER2_FIELDS
    }
    # A serial of the registration under way counts too: the caller is not asked it twice.
    serial = (
        found.get("serial_number")
        or normalise_serial(message.text)
        or _given(tracker.current_slot_values(), "serial_number")
    )
    if serial:
        found.update(_registry_fields(tracker, serial))
        found["safety_serial"] = serial
    elif tracker.get_slot("serial_number") == NOT_GIVEN:
        found["safety_serial"] = NOT_GIVEN  # the caller could not find it a moment ago: not asked again
    phone = caller_phone(tracker)
    if phone and not tracker.get_slot("contact_phone"):
        found.setdefault("contact_phone", phone)
    return [SlotSet(field, value) for field, value in found.items()]


def _registry_fields(tracker: Tracker, serial: str) -> dict[str, Any]:
    """The device and its site from the registry, for a verified caller of its hospital only; anyone else is
    asked where, and the incident carries the serial, by which tier 2 finds the device (bot/identity.py)."""
    with session_scope() as session:
        device = shown_device(session, tracker, serial)
        if device is None:
            return {"serial_number": serial}
        return {
            "serial_number": serial,
            "device": f"{device.device_type} {device.model}",
            "hospital": device.hospital,
            "department": device.department,
            "site_address": device.address,
            "site_city": device.city,
        }


class ValidateSafetyForm(FormValidationAction):
    """Whether people are safe, the device, the place and a phone: one short question each, nothing more."""

    def name(self) -> str:
        return "validate_safety_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        validation = await self._extract_validation_events(dispatcher, tracker, domain)
        validated = {event["name"] for event in validation if event.get("event") == "slot"}
        # The details said with an answer that are no question of this form (contact, address, impact) are
        # kept too.
        kept = [
            event
            for event in extraction
            if event.get("event") == "slot"
            and event["name"] in DETAIL_SLOTS
            and event["name"] not in validated
        ]
        return [*kept, *validation]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        if hazard_interrupts(message):
            return []  # a new hazard: data/rules/safety.yml says its instruction first
        rules = current_safety_rules()
        requested = tracker.get_slot("requested_slot")
        if rules.asks_repeat(message.text):
            dispatcher.utter_message(text=_instruction(tracker) or rules.say("repeat_none"))
            # The question stays open (set to nothing, so the form does not reject the turn) and is asked
            # again.
            return [SlotSet(requested, None)]
        found = said_details(message, requested, tracker)
        serial = found.pop("serial_number", None)
        if serial:
            found["safety_serial"] = serial  # checked against the registry by validate_safety_serial
        if requested == "safety_people_safe":
            rest = _besides_details(message.text, found.values())
            if rest or not found:
                found[requested] = rest or message.text
        elif requested == "safety_serial" and not serial:
            found[requested] = message.text
        elif requested == "device" and serial and "device" not in found:
            # 「序列号ZS…」 to 「是哪台设备？」: the nameplate names it (validate_device looks it up)
            found[requested] = message.text.strip()
        elif requested in ("device", "hospital", "contact_phone") and not found and message.text:
            # Whatever was said, when it names nothing else: in a hurry, on a bad line, tier 2 checks it.
            found[requested] = message.text.strip()
        elif requested == "hospital" and not found.get("hospital") and _a_place(found):
            # 「在哪家医院、哪个科室或房间？」 answered by an address or a room: tier 2 finds the site by it.
            found["hospital"] = NOT_GIVEN
        elif requested in FIELD_LABELS and requested not in found and found:
            # Other details than the one asked: said to be kept before the question comes again.
            named = [
                FIELD_LABELS[_LABELLED.get(field, field)]
                for field in found
                if field in _LABELLED or field in FIELD_LABELS
            ]
            dispatcher.utter_message(text=say("noted", fields="、".join(dict.fromkeys(named))))
        return [SlotSet(field, value) for field, value in found.items()]

    def validate_safety_people_safe(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        rules = current_safety_rules()
        if value in (None, NOT_GIVEN) or not rules.harmed(str(value)):
            return {"safety_people_safe": value}
        dispatcher.utter_message(text=rules.say("someone_hurt"))
        flags = sorted({*(tracker.get_slot("safety_flags") or []), ADVERSE_EVENT})
        return {"safety_people_safe": value, "safety_flags": flags}

    def validate_device(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # A serial read off the nameplate finds the device, its site and any open ticket to escalate.
        serial = normalise_serial(str(value or ""))
        if not serial:
            return {"device": value}
        # What is left besides the serial names the device; a bare serial leaves it to the registry or tier 2.
        rest = _SERIAL_WORDS.sub("", str(value).upper().replace(serial, "")).strip()
        return {"device": rest or NOT_GIVEN, "safety_serial": serial, **_registry_fields(tracker, serial)}

    def validate_safety_serial(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        serial = normalise_serial(str(value or ""))
        if not serial:
            return {"safety_serial": NOT_GIVEN if value else None}  # 「不知道」: tier 2 checks the nameplate
        said = said_details(latest_message(tracker), tracker.get_slot("requested_slot"), tracker)
        # The registry names the device and fills in the site, but not over a place the caller says with the
        # serial.
        registry = {
            slot: value
            for slot, value in _registry_fields(tracker, serial).items()
            if slot in ("serial_number", "device") or slot not in said
        }
        return {"safety_serial": serial, **registry}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # In a hurry, on a bad line: whatever was said is kept; the engineer calls the number tier 1 got.
        return {"contact_phone": value and (normalise_phone(str(value)) or str(value))}

    def validate_hospital(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        policy = current_policy()
        cities = [*policy.value("service_area.station_cities"), *policy.value("service_area.remote_areas")]
        # The place as said (「…医院检验科二楼」) is where the engineer goes: kept whole unless the site is
        # known. Only an answer to the question is a place: never a hazard (the form's first validation reads
        # the hazard's message, 「机器后面冒烟了」), nor a message that names other details.
        message = latest_message(tracker)
        said = said_details(message, "hospital", tracker)
        asked = tracker.get_slot("requested_slot") == "hospital"
        answers_only = set(said) <= {"hospital", "department", "site_address"}
        hazard = current_safety_rules().recognise(message.text) is not None
        place = message.text.strip() if asked and answers_only and not hazard else ""
        return {
            "hospital": value,
            "site_address": tracker.get_slot("site_address") or place or None,
            "site_city": tracker.get_slot("site_city") or city_of(f"{value or ''} {place}", cities),
        }


def said_details(message: Message, requested: str | None, tracker: Tracker) -> dict[str, Any]:
    """The registration's details a message gives, read as the intake reads them (bot.intake_commands), read
    against the safety question asked."""
    state = IntakeState(requested if requested in FIELDS else None, tracker.current_slot_values())
    found = values_of(read_fields(message, state, current_catalogue(), current_rules()))
    if current_safety_rules().recognise(message.text) is not None:
        return {}  # a hazard's message is never a field's value
    details = {field: value for field, value in found.items() if field in DETAIL_SLOTS and value}
    if "clinical_impact" not in details and current_rules().impact_of(message.text):
        # 「急诊的血常规都在等」: the impact, whatever the question (never the hospital asked)
        details["clinical_impact"] = _besides_details(message.text, details.values()) or message.text.strip()
    return details


def _a_place(found: Mapping[str, Any]) -> bool:
    return bool(found.get("site_address") or found.get("department"))


def _besides_details(text: str, values: Any) -> str:
    """The clauses of an answer that hold none of the details found in it: 「人都出来了」 of 「人都出来了
    联系人 郭晓燕 电话…」."""
    parts = [part for part in re.split(r"[，,。；;\s]+", text) if part]
    found = [str(value) for value in values if value]
    rest = [
        part
        for part in parts
        if not any(value in part or part in value for value in found) and not _DETAIL_LABEL.fullmatch(part)
    ]
    return " ".join(rest)


# The registration's label of a safety slot that holds one of its fields.
_LABELLED = {"safety_serial": "serial_number"}
_DETAIL_LABEL = re.compile(r"(?:联系人|电话|手机|序列号|编号|地址|医院|科室)[：:是]?")


def _given(slots: Mapping[str, Any], name: str) -> str | None:
    value = slots.get(name)
    return None if value in (None, "", NOT_GIVEN) else str(value)


def _incident_of(slots: Mapping[str, Any], rules: SafetyRules) -> tuple[Registration, IncidentReport]:
    """The ticket's registration (the hazards first in its description, then any fault reported earlier) and
    the incident report, from the conversation's slots."""
    hazards = tuple(slots.get("safety_hazards") or ())
    said = _given(slots, "safety_description") or ""
    earlier_fault = _given(slots, "fault_description")
    description = rules.say(
        "ticket_description", hazards="、".join(rules.hazard(hazard).label for hazard in hazards), said=said
    ) + (rules.say("earlier_fault", fault=earlier_fault) if earlier_fault else "")
    registration = Registration(
        hospital=_given(slots, "hospital"),
        department=_given(slots, "department"),
        contact_person=_given(slots, "contact_person"),
        contact_phone=_given(slots, "contact_phone"),
        device=_given(slots, "device"),
        serial_number=normalise_serial(_given(slots, "serial_number") or ""),
        description=description,
        site_address=_given(slots, "site_address"),
        site_city=_given(slots, "site_city"),
        clinical_impact=_given(slots, "clinical_impact"),
        flags=list(slots.get("intake_flags") or []),
    )
    report = IncidentReport(
        hazard_ids=hazards,
        flags=tuple(slots.get("safety_flags") or ()),
        description=said,
        people=_given(slots, "safety_people_safe"),
    )
    return registration, report


def _submit(tracker: Tracker, slots: Mapping[str, Any], rules: SafetyRules) -> IncidentSubmitted:
    """The incident of these slots registered (bot/incidents.py); its details added when it already is."""
    registration, report = _incident_of(slots, rules)
    report_id, now = str(slots.get("intake_id")), utc_now()
    registered = slots.get("safety_ticket")
    try:
        if registered:
            details = add_incident_details(
                str(registered),
                registration,
                report,
                report_id=report_id,
                actor=tracker.sender_id,
                received_at=now,
                safety_rules=rules,
            )
            if details is not None:
                return IncidentSubmitted(details)
        return submit_incident(
            registration,
            report,
            report_id=report_id,
            origin=origin_of(tracker),
            received_at=now,
            journal=ticket_journal(),
            safety_rules=rules,
            policy=current_policy(),
        )
    except SQLAlchemyError:
        logger.exception("safety incident not registered")
        return IncidentSubmitted(None)


class ActionSubmitSafetyTicket(Action):
    """The details are taken: add them to the incident registered at the first message (or register it now, if
    that failed), tell the caller."""

    def name(self) -> str:
        return "action_submit_safety_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rules, policy = current_safety_rules(), current_policy()
        slots = tracker.current_slot_values()
        if not slots.get("safety_hazards"):
            return []
        result = _submit(tracker, slots, rules)
        outcome = result.incident
        if outcome is None:
            # Journaled or not stored: nobody was paged, so the caller phones the hotline now.
            journaled = result.submitted and result.submitted.outcome is SubmitOutcome.JOURNALED
            if journaled and result.submitted and result.submitted.number:
                number = result.submitted.number
                dispatcher.utter_message(
                    text=rules.say("journaled", number=number, hotline=policy.hotline_phone)
                )
                return [SlotSet("safety_ticket", number), SlotSet("last_ticket_number", number)]
            dispatcher.utter_message(text=rules.say("service_error", hotline=policy.hotline_phone))
            return []
        told = not outcome.escalated or may_see_ticket(tracker, outcome.number)
        dispatcher.utter_message(
            text=rules.say(
                ("escalated" if outcome.escalated else "created") if told else "escalated_unverified",
                number=outcome.number,
                response_due=local_text(outcome.response_due, policy.timezone),
                response_minutes=int(policy.value("safety.response_minutes")),
                phone=_given(slots, "contact_phone") or "",
            )
        )
        if not outcome.paged:
            logger.error("nobody could be paged for safety incident %s", outcome.number)
            dispatcher.utter_message(text=rules.say("nobody_paged", hotline=policy.hotline_phone))
        queue_after_incident(dispatcher, tracker, utc_now())
        done = reset(
            (*INTAKE_SLOTS, "safety_description", "safety_people_safe", "safety_flags", "safety_serial"),
            keep=CALLER_SLOTS,
        )
        told_number = [SlotSet("last_ticket_number", outcome.number)] if told else []
        return [*done, SlotSet("safety_ticket", outcome.number), *told_number]


class ActionRepeatSafety(Action):
    """「再说一遍」: the safety instruction of this conversation again, verbatim."""

    def name(self) -> str:
        return "action_repeat_safety"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=_instruction(tracker) or current_safety_rules().say("repeat_none"))
        return []


# The bot's last actions after which the caller's details still belong to the safety ticket just registered:
# its registration, or a detail added to it a moment ago.
_RIGHT_AFTER_INCIDENT = ("action_submit_safety_ticket", "action_follow_up", "action_acknowledge")


def incident_addition(
    dispatcher: CollectingDispatcher, tracker: Tracker, message: Message
) -> list[EventType] | None:
    """Right after the safety ticket was registered, details the caller goes on giving (「地址 …」, 「急诊的
    血常规都在等」) belong on it: the ticket's empty fields filled, their words recorded and tier 2 told, as
    for any line added to a ticket (actions/ticket_changes.py). None when the message is no such thing."""
    number = tracker.get_slot("safety_ticket")
    previous = previous_action(tracker)
    if (
        not number
        or number != tracker.get_slot("last_ticket_number")  # an escalation the caller may not see
        or previous not in _RIGHT_AFTER_INCIDENT
        or (previous != "action_submit_safety_ticket" and tracker.get_slot("changed_ticket") != number)
        or message.intent not in ("inform", "nlu_fallback", "report_fault")
        or find_ticket_number(message.text) not in (None, number)
    ):
        return None
    found = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
    impact = current_rules().impact_of(message.text)
    details = {field: value for field, value in found.items() if field in DETAIL_SLOTS and value}
    if impact and "clinical_impact" not in details:
        details["clinical_impact"] = message.text.strip()
    if not details:
        return None
    if details.get("site_address") and not details.get("site_city"):
        policy = current_policy()
        cities = [*policy.value("service_area.station_cities"), *policy.value("service_area.remote_areas")]
        details["site_city"] = city_of(str(details["site_address"]), cities)
    rules = current_safety_rules()
    registration = Registration(
        **{field: value for field, value in details.items() if field in DETAIL_FIELDS and value}
    )
    try:
        add_incident_details(
            str(number),
            registration,
            IncidentReport(hazard_ids=(), flags=(), description=""),
            report_id=uuid.uuid4().hex,
            actor=tracker.sender_id,
            received_at=utc_now(),
            safety_rules=rules,
        )
    except SQLAlchemyError:
        logger.exception("details not added to safety incident %s", number)
    return add_to_ticket(dispatcher, tracker, str(number), message)
