"""Fault intake: start the form, read and check each answer, read the registration back, submit the ticket."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import asdict, replace
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    CALLER_SLOTS,
    INTAKE_SLOTS,
    PLACE_SLOTS,
    caller_of_tracker,
    caller_phone,
    failed_again,
    hazard_interrupts,
    intake_state,
    latest_message,
    origin_of,
    reset,
)
from actions.knowledge import answer_question, answers
from actions.lookup import offer_again
from actions.ticket_changes import ActionChangeTicket, came_back_after_repair
from bot.callbacks import extension_in, with_extension
from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.config import settings
from bot.context import accepts_offer
from bot.db import session_scope
from bot.device_reports import DeviceReport, serials_by_device, split_by_device
from bot.fields import SKIPS_QUESTION, asks_for_guidance, strip_around
from bot.guard import phone_after_failed_validation, registered_place, registry_check
from bot.identity import Caller
from bot.installed_base import find_device
from bot.intake import (
    DIGRESSIONS,
    FIELDS,
    SUBMITS,
    Message,
    city_of,
    extract_fields,
    find_ticket_number,
    gives_up,
    normalise_phone,
    normalise_serial,
    only_agrees,
    phone_said_in_words,
    says_unknown,
    serials_in,
    symptom_text,
)
from bot.intake_commands import Command, Do, IntakeState, declines_checks, interpret, read_fields, values_of
from bot.journal import ticket_journal
from bot.knowledge.guidance import GuideLibrary, GuideProgress, Outcome, asks_for_engineer, guide_decision
from bot.ops.after_hours import AfterHoursCall
from bot.policy import ServicePolicy, current_policy
from bot.replies import FIELD_LABELS, NOT_GIVEN, registration_summary, ticket_confirmation
from bot.serial_answer import checked_serial, unreadable_serial
from bot.submission import SubmitOutcome, submit_ticket
from bot.texts import say
from bot.tickets import STATUS_LABELS, Registration, TicketKind, TicketStatus
from bot.triage import assess, current_rules

GUIDE_SLOTS = ["guide_accepted", "guide_step_answer"]
GUIDE_DONE = "done"
STOPPED = "stopped"
UNCLEAR = "unclear"
WAITING = "waiting"  # 「稍等，我去看看」: the caller is doing the step
ASKED = "asked"  # a question at a step: answered, and the step said again
MOVED_TO = "moved_to"  # {MOVED_TO: 2}: a new alarm made step 2 the one to do now
# registration_confirmed while the caller corrects a field at the read-back: neither yes nor no.
CORRECTED = "corrected"

logger = logging.getLogger(__name__)


def _known_cities() -> list[str]:
    policy = current_policy()
    return [*policy.value("service_area.station_cities"), *policy.value("service_area.remote_areas")]


@lru_cache(maxsize=1)
def guide_library() -> GuideLibrary:
    # One per process; it reloads kb/guides/ by itself when a guide changes.
    return GuideLibrary(settings().kb_dir)


def _progress(tracker: Tracker) -> GuideProgress | None:
    saved = tracker.get_slot("guide_progress")
    return GuideProgress.from_dict(saved, guide_library()) if saved else None


class ActionStartIntake(Action):
    """A new fault report: clear the last intake, keep who the caller is, take what the first message says."""

    def name(self) -> str:
        return "action_start_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        if tracker.active_loop.get("name") == "fault_form":
            # A fault described again in the middle of the form adds what is new; nothing given is lost.
            state = intake_state(tracker)
            found = values_of(_commands(message, IntakeState(None, state.values)))
            return [SlotSet(f, v) for f, v in found.items() if v is not None and not state.values.get(f)]
        if find_ticket_number(message.text) and came_back_after_repair(tracker, message.text):
            # 「SR… 上礼拜修的那台 今天又卡试纸条了」: that ticket opens again; no second registration
            changed = await ActionChangeTicket().run(dispatcher, tracker, domain)
            return [*changed, FollowupAction("action_listen")]
        if tracker.get_slot("registration_restorable") and any(
            c.do is Do.RESTORE for c in _commands(message, IntakeState(cancelled=True))
        ):
            # 「主任说还是要报」 right after a cancellation reads as a report: the cancelled one comes back.
            return await ActionRestoreIntake().run(dispatcher, tracker, domain)
        found = {k: v for k, v in values_of(_commands(message, IntakeState())).items() if v is not None}
        # A colleague reporting next (「同事郑阳 再报一下…」): the last caller's phone is not theirs.
        colleague = found.get("contact_person") not in (None, tracker.get_slot("contact_person"))
        kept_phone = None if colleague else tracker.get_slot("contact_phone")
        caller = caller_phone(tracker)
        if caller and not kept_phone:
            found.setdefault("contact_phone", caller)
        labelled = (tracker.latest_message.get("metadata") or {}).get("device_serial")
        if labelled:
            # A web chat opened from the device's QR label (bot/webchat): the device is known, the caller is
            # not — a label can be photographed and its link passed on, so it proves no hospital.
            found.setdefault("serial_number", str(labelled))
            found.setdefault("device", labelled_device(str(labelled)))
        events = reset(INTAKE_SLOTS, keep=CALLER_SLOTS)
        if colleague and "contact_phone" not in found:
            events.append(SlotSet("contact_phone", None))
        if found.get("hospital") not in (None, tracker.get_slot("hospital")):
            events += [
                SlotSet(slot, None) for slot in PLACE_SLOTS
            ]  # another hospital: not the last one's place
        events += [
            SlotSet("intake_id", uuid.uuid4().hex),
            SlotSet("intake_flags", []),
            SlotSet("failed_attempts", {}),
            SlotSet("cancelled_registration", None),
            SlotSet("registration_restorable", False),
        ]
        reports = split_by_device(message.text, current_catalogue())
        if reports:
            # Two devices in one message: one ticket each, the first now, the others right after it.
            first = reports[0]
            found.update(device=first.device, fault_description=first.fault)
            if first.serial:
                found["serial_number"] = first.serial
            named = "、".join(_with_serial(r) for r in reports)
            dispatcher.utter_message(
                text=say("several_devices", count=len(reports), devices=named, first=first.device)
            )
        events.append(SlotSet("pending_devices", [asdict(r) for r in reports[1:]]))
        events += [SlotSet(field, value) for field, value in found.items()]
        return events


def _with_serial(report: DeviceReport) -> str:
    """The device as the caller can tell it from the other: with its serial when one was said."""
    return (
        say("device_with_serial", device=report.device, serial=report.serial)
        if report.serial
        else report.device
    )


def _another_device_noted(
    commands: list[Command], dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Another device's fault said during this registration: kept for a ticket of its own, registered right
    after this one (as the second device of a message that named two), never mixed into this one."""
    pending = list(tracker.get_slot("pending_devices") or [])
    catalogue = current_catalogue()
    waiting = {catalogue.type_in_text(p["device"]) for p in pending}
    reports = [
        c.value
        for c in commands
        if c.do is Do.ANOTHER_DEVICE and catalogue.type_in_text(c.value.device) not in waiting
    ]
    for report in reports:
        dispatcher.utter_message(
            text=say("another_device_noted", device=_with_serial(report), fault=report.fault)
        )
    return [SlotSet("pending_devices", [*pending, *(asdict(r) for r in reports)])] if reports else []


def labelled_device(serial: str) -> str | None:
    """The type and model of the device whose label opened the chat (printed on the label too); None when the
    registry cannot be read now (the form asks)."""
    try:
        with session_scope() as session:
            device = find_device(session, serial)
            return f"{device.device_type} {device.model}" if device else None
    except SQLAlchemyError:
        logger.exception("the labelled device %s not read", serial)
        return None


def next_device(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """After a ticket, the next device of a message that named several: a new intake at the same place,
    started at once (the caller, hospital, department and address are kept; its serial and fault are its
    own)."""
    pending = list(tracker.get_slot("pending_devices") or [])
    if not pending:
        return []
    report = DeviceReport(**pending[0])
    dispatcher.utter_message(text=say("next_device", device=report.device))
    # 「两部都报」 at the read-back confirmed every device of the message: the next is sent once complete.
    both = bool(tracker.get_slot("registration_confirmed")) and bool(
        _ALL_DEVICES.search(latest_message(tracker).text)
    )
    return [
        SlotSet("pending_devices", pending[1:]),
        SlotSet("intake_id", uuid.uuid4().hex),
        SlotSet("intake_flags", []),
        SlotSet("failed_attempts", {}),
        SlotSet("device", report.device),
        SlotSet("fault_description", report.fault),
        SlotSet("serial_number", report.serial),
        # said of all of them in the same message
        SlotSet("clinical_impact", tracker.get_slot("clinical_impact")),
        SlotSet("registration_confirmed", True if both else None),
        FollowupAction("fault_form"),
    ]


def _serials_of_the_devices(tracker: Tracker) -> tuple[str | None, list[dict[str, Any]]] | None:
    """Serials of several devices said at once (「UA24103311 和 EL25010502」) while the message's other
    devices wait: this device's serial and the waiting devices with theirs; None when not said so."""
    pending = [DeviceReport(**p) for p in tracker.get_slot("pending_devices") or []]
    serials = serials_in(latest_message(tracker).text)
    if not pending or len(serials) < 2:
        return None
    owners = serials_by_device(serials, [str(tracker.get_slot("device") or ""), *(r.device for r in pending)])
    kept = [replace(r, serial=r.serial or owner) for r, owner in zip(pending, owners[1:], strict=True)]
    return owners[0], [asdict(r) for r in kept]


_ALL_DEVICES = re.compile(r"都|两[台部个]|几[台部个]|一起|全部")


# What a guided check is about: a reply that repeats the fault (「还是显示报警」) answers no registration
# question.
_FAULT_FIELDS = ("fault_description", "device", "clinical_impact")
_SERIAL_SPACING = re.compile(r"[\s\-－.。]")


# What NLU reads as a question: a step reply of these intents may be one without a word of asking.
_ASKS = ("ask_question", "check_warranty")


def _guide_step_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, message: Message
) -> list[EventType]:
    """A reply to a guide step: its outcome, and any registration field it gives. A serial or phone read out
    in the middle of a step goes into the registration (validated as usual); the walk keeps its place and the
    step is asked again, briefly. A new alarm is noted in the fault: one said in words that a later step
    checks moves the walk to that step, any other ends the walk for an engineer; a reading is compared with
    its set value (bot.knowledge.guidance read_reply)."""
    fields = _fields_given_during_walk(message)
    events: list[EventType] = [SlotSet(field, value) for field, value in fields.items()]
    library = guide_library()
    # 「跳过」 may read as cancel to NLU: a reply that states a step's outcome is one, whatever the intent.
    asked = answers().asking_part(message.text)
    if not asked and message.intent in _QUESTION_INTENTS:
        asked = message.text
    progress = _progress(tracker)
    reply = library.read_reply(message.text, asked, progress.guide if progress else None)
    if reply.wants_engineer:
        return _walk_left(message, tracker)  # 「别试了，直接派工程师」
    new_alarm = reply.new_code or reply.new_alarm
    if new_alarm:
        fault = library.say(
            "new_code_fault", fault=tracker.get_slot("fault_description") or "", code=new_alarm
        )
        events.append(SlotSet("fault_description", fault))
        number = progress.step_for(new_alarm) if progress and reply.new_alarm else None
        if progress and number:
            # 「又报稀释液不足」 at the clog guide's first step: on to the step that checks the diluent.
            dispatcher.utter_message(text=library.say("new_alarm_step", alarm=new_alarm, number=number))
            return [*events, SlotSet("guide_step_answer", {MOVED_TO: number})]
        dispatcher.utter_message(text=library.say("new_code", code=new_alarm))
        return [*events, SlotSet("guide_step_answer", STOPPED)]
    if reply.reading is not None:
        dispatcher.utter_message(text=library.reading_said(reply.reading))
    if reply.outcome is not None:
        if reply.question and not _answered_this_turn(tracker):
            # 「还是不行，工程师多久能到」: the question too, when the knowledge base knows the answer.
            answer_question(dispatcher, tracker, reply.question, only_if_known=True)
        return [*events, SlotSet("guide_step_answer", reply.outcome.value)]
    if reply.wait and not fields:
        return [SlotSet("guide_step_answer", WAITING)]
    if guide_decision(message.text, message.intent) is False:
        return _walk_left(message, tracker)
    if reply.question:
        # 「这一步会不会把样本弄丢」「保修还在吗」: answered, then the same step again; the walk keeps its
        # place.
        if not _answered_this_turn(tracker):
            answer_question(dispatcher, tracker, reply.question)
        return [*events, SlotSet("guide_step_answer", ASKED)]
    if not fields and message.intent in _ASKS and not _answered_this_turn(tracker):
        # 「过保了维修点收费」: a question without a word of asking, answered when the knowledge base
        # knows it (「嗯嗯我看看」 asks nothing).
        answered = answer_question(dispatcher, tracker, message.text, only_if_known=True)
        if answered:
            return [*answered, SlotSet("guide_step_answer", ASKED)]
    if not fields and message.intent not in ("cancel", "request_human", "ask_question"):
        return [SlotSet("guide_step_answer", UNCLEAR)]
    return events


# The intents of a question: one even when the reply has no word of asking.
_QUESTION_INTENTS = ("ask_question", "check_warranty")


def _answered_this_turn(tracker: Tracker) -> bool:
    """Whether a rule answered this message before the form read it (action_answer_question, or
    action_check_warranty in the middle of the form)."""
    return any(
        event.get("event") == "action"
        and event.get("name") in ("action_answer_question", "action_check_warranty")
        for event in _events_since_the_caller_spoke(tracker)
    )


def _dialled(said: str) -> str | None:
    """A phone as the engineer dials it, with its extension (「0552-3167485 转2306」)."""
    phone = normalise_phone(said)
    return with_extension(phone, extension_in(said)) if phone else None


def _walk_left(message: Message, tracker: Tracker) -> list[EventType]:
    """The walk left for an engineer, with whatever else the caller says of the registration (an impact
    given before stands)."""
    given = _fields_given_during_walk(message, leaving=not tracker.get_slot("clinical_impact"))
    # 「那就派人吧 包头市青山医院生化室 朝鲁 139… KR-1500 …」: the rest of the registration, read as a report
    state = intake_state(tracker)
    said = values_of(
        read_fields(message, IntakeState(None, state.values), current_catalogue(), current_rules())
    )
    for field in ("hospital", "department", "contact_person", "contact_phone", "site_address", "device"):
        if said.get(field) and not state.values.get(field):
            given.setdefault(field, said[field])
    return [*(SlotSet(field, value) for field, value in given.items()), SlotSet("guide_step_answer", STOPPED)]


def _fields_given_during_walk(message: Message, leaving: bool = False) -> dict[str, Any]:
    """The registration fields a reply to a guide step gives besides the step's outcome, e.g. a serial
    number; leaving the walk for an engineer, also the clinical impact said with it (「不弄了 直接派人来嘛
    门诊血常规全部停起的」)."""
    found = extract_fields(message, None, current_catalogue(), current_rules())
    serial = normalise_serial(message.text)
    if serial and "serial_number" not in found and _SERIAL_SPACING.sub("", message.text).upper() == serial:
        found["serial_number"] = serial  # nothing but a code read off the nameplate
    given = {field: value for field, value in found.items() if field not in _FAULT_FIELDS}
    impact = current_rules().impact_of(message.text) if leaving else None
    return {**given, "clinical_impact": impact.label} if impact else given


class ValidateFaultForm(FormValidationAction):
    def name(self) -> str:
        return "validate_fault_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The registration form, with a troubleshooting walk after the device when a guide fits the fault (a
        check for any device, printer, software or power, right after the fault: no device is asked first)."""
        if tracker.get_slot("duplicate_of"):
            # The report goes on the device's open ticket (action_submit_ticket notes it): nothing more
            # to ask, also when the serial came in the report's first message.
            return []
        if not tracker.get_slot("guide_id"):
            return list(domain_slots)
        guide = guide_library().guide(str(tracker.get_slot("guide_id")))
        walk_after = "device" if guide.device_types else "fault_description"
        if tracker.get_slot("guide_solved"):
            # Solved on the phone: nothing more to register; action_submit_ticket records it as resolved.
            return [*domain_slots[: domain_slots.index(walk_after) + 1], *GUIDE_SLOTS]
        position = domain_slots.index(walk_after) + 1
        return [*domain_slots[:position], *GUIDE_SLOTS, *domain_slots[position:]]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """One pass over the message for every field (bot.intake), instead of one extract_ method per slot."""
        message = latest_message(tracker)
        if hazard_interrupts(message) or _just_restored(tracker):
            return []  # safety rules take the turn, or the restore read it
        requested = tracker.get_slot("requested_slot")
        if requested == "guide_accepted":
            decision = guide_decision(message.text, message.intent)
            if decision is not None:
                # 「不用排查了 直接派人 联系人… 手机… 地址…」: the answer, and the details said with it
                said = values_of(_commands(message, intake_state(tracker)))
                return [
                    SlotSet("guide_accepted", decision),
                    *[SlotSet(field, value) for field, value in said.items() if field in FIELDS],
                ]
        if requested == "guide_step_answer":
            return _guide_step_events(dispatcher, tracker, message)
        commands = _commands(message, intake_state(tracker))
        found = values_of(commands)
        offered = tracker.get_slot("offered_serial")
        if (
            requested == "serial_number"
            and offered
            and "serial_number" not in found
            and accepts_offer(message)
        ):
            found["serial_number"] = offered  # 「对，就是那台」 to the registered device offered
        several = _serials_of_the_devices(tracker)
        if several and several[0] and not tracker.get_slot("serial_number"):
            found["serial_number"] = several[0]  # the others go to their devices when it is checked
        events: list[EventType] = [SlotSet(field, value) for field, value in found.items()]
        if found and not _answered_this_turn(tracker):
            # 「对 就是MS25080632 这台还在保修期不」: the answer and a question in one breath; both are taken
            asked = answers().asking_part(message.text)
            if asked:
                events += answer_question(dispatcher, tracker, asked, only_if_known=True)
        if requested == "registration_confirmed":
            # The answer goes through validate_registration_confirmed, the one place that may also set
            # correction_pending (rasa_sdk drops extracted slots that are not form slots).
            done = {command.do for command in commands}
            if found:
                events.append(SlotSet("registration_confirmed", CORRECTED))
            elif Do.CONFIRM in done:
                events.append(SlotSet("registration_confirmed", True))
            elif Do.REJECT in done:
                events.append(SlotSet("registration_confirmed", False))
        return events

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Commands that are no field value (wait, skip, cancel, leave…) are carried out here; the rest fill
        slots."""
        message = latest_message(tracker)
        if hazard_interrupts(message) or _just_restored(tracker):
            return await super().run(
                dispatcher, tracker, domain
            )  # safety rules take the turn, or the restore read it
        commands = _commands(message, intake_state(tracker))
        noted = _another_device_noted(commands, dispatcher, tracker)
        commands = [c for c in commands if c.do is not Do.ANOTHER_DEVICE]
        return [*noted, *await self._carried_out(commands, message, dispatcher, tracker, domain)]

    async def _carried_out(
        self,
        commands: list[Command],
        message: Message,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested == "guide_accepted" and _neither_yes_nor_no(message, commands):
            counts = failed_again(tracker, "guide_accepted")
            if gives_up(counts["guide_accepted"]):
                # Twice neither yes nor no (「不知道」): no check, the registration goes on, as the serial's.
                dispatcher.utter_message(text=say("guide_declined"))
                return [
                    SlotSet("guide_accepted", False),
                    SlotSet("guide_step_answer", GUIDE_DONE),
                    SlotSet("failed_attempts", counts),
                ]
            # 「显示三十五度」 to 「要试试吗？」: the offer once more, shortly, not the menu for a new request
            dispatcher.utter_message(text=say("guide_unclear_offer"))
            # The guide's slots are not the domain's: without requested_slot Rasa would ask the serial next.
            return [
                SlotSet("guide_accepted", None),
                SlotSet("intake_paused", True),
                SlotSet("requested_slot", "guide_accepted"),
                SlotSet("failed_attempts", counts),
            ]
        given = [field for field in values_of(commands) if field in FIELD_LABELS and field != requested]
        only_fields = all(command.do in (Do.SET, Do.CORRECT) for command in commands)
        answered = guide_decision(message.text, message.intent) is not None
        if requested == "guide_accepted" and given and only_fields and not answered:
            # Details instead of yes or no: kept, and the offer made again in a line, not the whole offer;
            # details again: the caller wants it registered, and the registration goes on.
            events = await super().run(dispatcher, tracker, domain)
            counts = failed_again(tracker, "guide_accepted")
            if gives_up(counts["guide_accepted"]):
                dispatcher.utter_message(text=_noted(commands, given, message.text) + say("guide_declined"))
                return [
                    *events,
                    SlotSet("guide_accepted", False),
                    SlotSet("guide_step_answer", GUIDE_DONE),
                    SlotSet("failed_attempts", counts),
                ]
            dispatcher.utter_message(
                text=say("guide_offer_noted", noted=_noted(commands, given, message.text))
            )
            return [*events, SlotSet("intake_paused", True), SlotSet("failed_attempts", counts)]
        if requested in FIELDS and given and only_fields and requested not in values_of(commands):
            # Details other than the one asked: said to be kept before the question comes again (twice: then
            # a field the engineer can learn on the phone is left open).
            noted = _noted(commands, given, message.text)
            if noted:
                dispatcher.utter_message(text=noted)
            if requested in (*_MAY_STAY_EMPTY, "device"):
                counts = failed_again(tracker, requested)
                left = gives_up(counts[requested])
                if left:
                    dispatcher.utter_message(text=say("field_left_open", label=FIELD_LABELS[requested]))
                events = await super().run(dispatcher, tracker, domain)
                open_slot = [SlotSet(requested, NOT_GIVEN)] if left else []
                return [*events, *open_slot, SlotSet("failed_attempts", counts)]
        if requested in GUIDE_SLOTS:
            commands = [c for c in commands if c.do is Do.LEAVE]  # a guide step reads its own answers
        events = _flow_events(commands, requested, message, dispatcher, tracker)
        if events is not None:
            return events
        return await super().run(dispatcher, tracker, domain)

    def _flag(self, tracker: Tracker, flag: str) -> list[str]:
        return sorted({*(tracker.get_slot("intake_flags") or []), flag})

    def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The serial checked (bot.serial_answer): asked again, skipped, kept, or filling in its site; the
        serials of the message's other devices said with it are kept for them."""
        if value is None:
            return {"serial_number": None}  # emptied when the intake started: nothing to check
        text = str(value)
        if text == NOT_GIVEN:
            return {"serial_number": NOT_GIVEN}
        serial = normalise_serial(text)
        slots: dict[str, Any]
        if serial is None:
            counts = failed_again(tracker, "serial_number")
            answer = unreadable_serial(text, counts["serial_number"])
            slots = {**answer.fields, "failed_attempts": counts}
        else:
            with session_scope() as session:
                answer = checked_serial(
                    session,
                    caller_of_tracker(session, tracker),
                    serial,
                    fault=str(tracker.get_slot("fault_description") or ""),
                    department=tracker.get_slot("department"),
                )
            slots = dict(answer.fields)
        dispatcher.utter_message(text=answer.reply)
        if answer.flag:
            slots["intake_flags"] = self._flag(tracker, answer.flag)
        several = _serials_of_the_devices(tracker)
        if several:
            slots["pending_devices"] = several[1]
        return slots

    def validate_fault_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Offer a troubleshooting guide, once per intake, when one fits this fault on this device."""
        if tracker.get_slot("guide_id") or tracker.get_slot("guide_accepted") is not None:
            return {"fault_description": value}
        said = latest_message(tracker).text
        if declines_checks(said) or (_urgent(tracker) and asks_for_engineer(f"{value} {said}")):
            # Declined, or urgent and asked for an engineer: no check now, nor when the form comes back.
            return {"fault_description": value, "guide_accepted": False}
        catalogue = current_catalogue()
        device_type = catalogue.type_in_text(f"{tracker.get_slot('device') or ''} {value}")
        found = guide_library().match(
            symptom_text(str(value), catalogue), device_type.id if device_type else None
        )
        if found and asks_for_guidance(said):
            # 「先教我怎么排堵」: the walk starts at once, no offer first.
            progress = GuideProgress.start(found.guide).to_dict()
            return {
                "fault_description": value,
                "guide_id": found.guide.id,
                "guide_accepted": True,
                "guide_progress": progress,
            }
        return {"fault_description": value, "guide_id": found.guide.id if found else None}

    def validate_guide_accepted(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            guide = guide_library().guide(str(tracker.get_slot("guide_id")))
            return {"guide_accepted": True, "guide_progress": GuideProgress.start(guide).to_dict()}
        dispatcher.utter_message(text=say("guide_declined"))
        return {"guide_accepted": False, "guide_step_answer": GUIDE_DONE}

    def validate_guide_step_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        progress = _progress(tracker)
        if value == GUIDE_DONE or progress is None:
            return {"guide_step_answer": GUIDE_DONE}
        if value == STOPPED:
            dispatcher.utter_message(text=say("guide_declined"))
            return {"guide_step_answer": GUIDE_DONE}
        if value == UNCLEAR:
            dispatcher.utter_message(text=guide_library().say("unclear"))
            return {"guide_step_answer": None}
        if value == WAITING:
            dispatcher.utter_message(text=guide_library().say("wait"))
            return {"guide_step_answer": None, "intake_paused": True}  # not the step again: we wait
        if value == ASKED:
            return {"guide_step_answer": None}  # the question was answered: the step is asked again
        if isinstance(value, dict) and MOVED_TO in value:
            moved = progress.skip_to(int(value[MOVED_TO]))
            return {"guide_step_answer": None, "guide_progress": moved.to_dict()}
        progress = progress.answer(Outcome(value))
        if not progress.finished:
            return {"guide_step_answer": None, "guide_progress": progress.to_dict()}
        dispatcher.utter_message(text=guide_library().say("solved" if progress.solved else "not_solved"))
        return {
            "guide_step_answer": GUIDE_DONE,
            "guide_progress": progress.to_dict(),
            "guide_solved": progress.solved,
        }

    def validate_registration_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"registration_confirmed": True, "correction_pending": False}
        # A correction is read back at once; a bare 「不对」 first asks what to change.
        return {"registration_confirmed": None, "correction_pending": value is False}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"contact_phone": None}
        phones = [_dialled(part) for part in str(value).split("、")]
        if phones and all(phones):
            taken = "、".join(p for p in phones if p)
            said = latest_message(tracker).text
            if tracker.get_slot("requested_slot") == "contact_phone" and phone_said_in_words(said, taken):
                dispatcher.utter_message(text=say("phone_read_back", phone=taken))
            return {"contact_phone": taken}
        counts = failed_again(tracker, "contact_phone")
        if gives_up(counts["contact_phone"]):
            # The caller is in a hurry: keep their own number (SMS, voice) or their words, capped, which the
            # engineer checks on the first call; words that never validated are never sent an SMS
            # (bot/guard.py).
            kept, validated = phone_after_failed_validation(str(value), caller_phone(tracker))
            dispatcher.utter_message(text=say("phone_accepted_unverified", value=kept))
            if validated:
                return {"contact_phone": kept, "failed_attempts": counts}
            return {
                "contact_phone": kept,
                "failed_attempts": counts,
                "intake_flags": self._flag(tracker, "phone_unverified"),
            }
        dispatcher.utter_message(text=say("phone_invalid", value=value))
        return {"contact_phone": None, "failed_attempts": counts}

    def validate_clinical_impact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # 「对」 to 「影响大吗？」 says nothing the engineer can plan with: ask for the situation in a few
        # words.
        if only_agrees(str(value)):
            dispatcher.utter_message(text=say("impact_unclear"))
            return {"clinical_impact": None}
        return {"clinical_impact": value}

    def validate_site_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        city = city_of(str(value), _known_cities()) or tracker.get_slot("site_city")
        return {"site_address": value, "site_city": city}

    def validate_hospital(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        city = tracker.get_slot("site_city") or city_of(str(value), _known_cities())
        # Department and address are asked, never filled in from the registry for a caller who may not see it;
        # whether the hospital named is the serial's goes on the ticket for tier 2 only (bot/guard.py).
        serial = tracker.get_slot("serial_number")
        checked = registry_check(serial, str(value))
        if checked is None:
            return {"hospital": value, "site_city": city}
        # Another hospital than the serial's: a department and address filled in from the registry are not
        # this one's, and are asked.
        stale = {
            slot: None for slot, kept in registered_place(serial).items() if tracker.get_slot(slot) == kept
        }
        if stale:
            city = city_of(str(value), _known_cities())
        return {"hospital": value, "site_city": city, "intake_flags": self._flag(tracker, checked), **stale}


def _noted(commands: list[Command], fields: list[str], said: str = "") -> str:
    """「医院、电话已记下。」 for details given to another question (the serial says so itself); a correction
    with its new value (「科室已改为输血科。」), a phone told in words with its digits, so that the caller
    hears it was understood."""
    corrected = {c.field: c.value for c in commands if c.do is Do.CORRECT and c.field in fields and c.value}
    phone = next((str(c.value) for c in commands if c.field == "contact_phone" and c.value), None)
    if (
        "contact_phone" in fields
        and "contact_phone" not in corrected
        and phone
        and phone_said_in_words(said, phone)
    ):
        fields = [f for f in fields if f != "contact_phone"]
        return _noted(commands, fields) + say("phone_read_back", phone=phone)
    changes = "".join(
        say("noted_changed", label=label, value=corrected[field])
        for field, label in FIELD_LABELS.items()
        if field in corrected and field != "serial_number"
    )
    named = "、".join(
        label
        for field, label in FIELD_LABELS.items()
        if field in fields and field not in corrected and field != "serial_number"
    )
    return changes + (say("noted", fields=named) if named else "")


def _neither_yes_nor_no(message: Message, commands: list[Command]) -> bool:
    """A reply to the offer of a guided check that takes it up, declines it, gives a field or leaves the
    form for something else is none of these."""
    return (
        guide_decision(message.text, message.intent) is None
        and not commands
        and message.intent not in DIGRESSIONS
        and bool(message.text.strip())
    )


class ActionAskGuideAccepted(Action):
    def name(self) -> str:
        return "action_ask_guide_accepted"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("intake_paused"):
            return [SlotSet("intake_paused", False)]  # the offer was just made again, shortly
        guide = guide_library().guide(str(tracker.get_slot("guide_id")))
        text = say("guide_offer", title=guide.title, steps=len(guide.steps))
        if _urgent(tracker):
            text += say("guide_offer_urgent")
        dispatcher.utter_message(text=text)
        return []


def _urgent(tracker: Tracker) -> bool:
    impact = current_rules().impact_of(tracker.get_slot("clinical_impact"))
    return bool(impact and impact.urgent)


class ActionAskGuideStepAnswer(Action):
    """Say the step the caller is on: safety first, then what to check, then how to answer."""

    def name(self) -> str:
        return "action_ask_guide_step_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("intake_paused"):
            return [SlotSet("intake_paused", False)]  # the caller is doing the step: we wait
        progress = _progress(tracker)
        if progress is None or progress.current_step is None:
            return []
        this_turn = _events_since_the_caller_spoke(tracker)
        if any(event.get("event") == "slot" and event.get("name") == "guide_progress" for event in this_turn):
            # The walk moved on this turn (started, or the last step answered): the whole step, safety first.
            text = guide_library().step_prompt(progress.current_step, progress.number, progress.total)
        else:
            # The reply answered something else: confirm the fields it gave unless a validator already spoke.
            answered = any(event.get("event") == "bot" for event in this_turn)
            noted = [] if answered else _fields_set(this_turn)
            text = guide_library().step_reminder(progress.current_step, progress.number, noted)
        dispatcher.utter_message(text=text)
        return []


def _events_since_the_caller_spoke(tracker: Tracker) -> list[dict[str, Any]]:
    """This turn's events so far: the form's extractions, validations and messages after the latest user
    message."""
    events: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        events.append(event)
    return events[::-1]


def _fields_set(events: list[dict[str, Any]]) -> list[str]:
    """The labels of the registration fields these events fill, in the registration's order."""
    filled = {event.get("name") for event in events if event.get("event") == "slot" and event.get("value")}
    return [label for field, label in FIELD_LABELS.items() if field in filled]


class ActionAskRegistrationConfirmed(Action):
    """Read the registration back, or, after a 「不对」, ask what to change."""

    def name(self) -> str:
        return "action_ask_registration_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("intake_paused"):
            return [SlotSet("intake_paused", False)]  # the bot asked something else this turn
        if tracker.get_slot("correction_pending"):
            dispatcher.utter_message(text=say("correction_prompt"))
        else:
            progress = _progress(tracker)
            triage = assess(
                current_rules(), tracker.get_slot("fault_description"), tracker.get_slot("clinical_impact")
            )
            dispatcher.utter_message(
                text=registration_summary(
                    tracker.current_slot_values(), triage.urgent, len(progress.tried) if progress else 0
                )
            )
        return []


def _registration(tracker: Tracker) -> Registration:
    def given(slot: str) -> str | None:
        value = tracker.get_slot(slot)
        return None if value in (None, NOT_GIVEN) else str(value)

    return Registration(
        hospital=given("hospital"),
        department=given("department"),
        contact_person=given("contact_person"),
        contact_phone=given("contact_phone"),
        device=given("device"),
        serial_number=given("serial_number"),
        description=given("fault_description"),
        site_address=given("site_address"),
        site_city=given("site_city"),
        clinical_impact=given("clinical_impact"),
        flags=list(tracker.get_slot("intake_flags") or []),
        remote_steps=progress.tried if (progress := _progress(tracker)) else [],
    )


class ActionSubmitTicket(Action):
    """The form is done: create the ticket exactly once, or note the report on the device's open ticket."""

    def name(self) -> str:
        return "action_submit_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intake_id = tracker.get_slot("intake_id")
        if not intake_id:
            return []
        done = reset(INTAKE_SLOTS, keep=CALLER_SLOTS)
        duplicate_of = tracker.get_slot("duplicate_of")
        solved = bool(tracker.get_slot("guide_solved"))
        if not duplicate_of and not (tracker.get_slot("registration_confirmed") or solved):
            return done
        caller = _caller_or_unverified(tracker)
        submitted = submit_ticket(
            TicketKind.FAULT,
            _registration(tracker),
            report_id=intake_id,
            origin=origin_of(tracker),
            received_at=utc_now(),
            journal=ticket_journal(),
            resolved_remotely=solved,
            repeat_of=duplicate_of,
            caller_verified=caller.verified,
        )
        policy = current_policy()
        if submitted.outcome is SubmitOutcome.FAILED:
            dispatcher.utter_message(text=say("service_error", hotline=policy.hotline_phone))
            # Keep the intake and ask for the confirmation again: the retry reuses its key, so still exactly
            # once.
            return [SlotSet("registration_confirmed", None), FollowupAction("fault_form")]
        ticket = submitted.ticket
        if submitted.outcome is SubmitOutcome.DUPLICATE_NOTED:
            if ticket is not None and not caller.may_see(ticket):
                # An unverified caller learns neither that ticket's number nor its state (bot/identity.py).
                dispatcher.utter_message(text=say("duplicate_noted_unverified"))
            elif ticket is not None and duplicate_of:
                dispatcher.utter_message(text=say("duplicate_noted", number=ticket.number))
            elif ticket is not None:
                status = STATUS_LABELS[TicketStatus(ticket.status)]
                text = say(
                    "duplicate_found", serial=ticket.serial_number, number=ticket.number, status=status
                )
                dispatcher.utter_message(text=text)
            return done
        if solved:
            dispatcher.utter_message(text=say("remote_resolved", number=submitted.number))
        elif submitted.outcome is SubmitOutcome.JOURNALED:
            text = say("ticket_journaled", number=submitted.number, hotline=policy.hotline_phone)
            dispatcher.utter_message(text=text)
        elif ticket is not None:
            dispatcher.utter_message(text=ticket_confirmation(ticket, policy, submitted.after_hours))
            _tell_not_paged(dispatcher, submitted.after_hours, policy)
        return [*done, SlotSet("last_ticket_number", submitted.number), *next_device(dispatcher, tracker)]


def _caller_or_unverified(tracker: Tracker) -> Caller:
    """Who is asking; with the database down, an unverified caller (the ticket still goes to the journal)."""
    try:
        with session_scope() as session:
            return caller_of_tracker(session, tracker)
    except SQLAlchemyError:
        logger.exception("caller of %s not known: treated as unverified", tracker.sender_id)
        return Caller(tracker.sender_id)


def _tell_not_paged(
    dispatcher: CollectingDispatcher, call: AfterHoursCall | None, policy: ServicePolicy
) -> None:
    """After hours without a page, the caller is told why: the page is held for the duty desk (an unverified
    caller past the hourly cap) or nobody is on call (a call-back is in the ticket's confirmation, as its one
    first-contact promise)."""
    if call is None or call.callback_due is not None:
        return
    if call.held and call.code_sent_to:
        text = say("page_awaits_code", masked=call.code_sent_to, hotline=policy.hotline_phone)
        dispatcher.utter_message(text=text)
    elif call.held:
        dispatcher.utter_message(text=say("page_held", hotline=policy.hotline_phone))
    else:
        dispatcher.utter_message(response="utter_after_hours_nobody_on_call", hotline=policy.hotline_phone)


class ActionCancelForm(Action):
    """Stop the form under way (fault_form, contact_form or warranty_form); nothing is created."""

    def name(self) -> str:
        return "action_cancel_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=say("intake_cancelled"))
        return [ActiveLoop(None), SlotSet("requested_slot", None), *_cancelled(tracker)]


def _just_restored(tracker: Tracker) -> bool:
    """The message was read already by the action that (re)started the form: the one that brought a cancelled
    registration back (「我没让你取消啊 信息是对的」 is no fault), the one that started the next device of a
    message that named several (「两部都报」 is no fault either), or the start of such a message, which gave
    each device its own words."""
    several = bool(tracker.get_slot("pending_devices"))
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        name = event.get("name") if event.get("event") == "action" else None
        if name in ("action_restore_intake", "action_submit_ticket") or (
            name == "action_start_intake" and several
        ):
            return True
    return False


def _commands(message: Message, state: IntakeState) -> list[Command]:
    return interpret(message, state, current_catalogue(), current_rules())


def _cancelled(tracker: Tracker) -> list[EventType]:
    """The intake ends; what it held is kept aside for 「我没说取消」 (a fault registration only)."""
    saved = _form_values(tracker) if tracker.active_loop.get("name") == "fault_form" else None
    return [
        *reset(INTAKE_SLOTS, keep=CALLER_SLOTS),
        SlotSet("cancelled_registration", saved),
        SlotSet("registration_restorable", saved is not None),
    ]


def _form_values(tracker: Tracker) -> dict[str, Any] | None:
    """What a cancelled registration held, so that 「我没说取消」 can bring it back."""
    values = {slot: tracker.get_slot(slot) for slot in RESTORABLE_SLOTS if tracker.get_slot(slot) is not None}
    return values if any(values.get(field) for field in FIELDS) else None


def _flow_events(
    commands: list[Command],
    requested: str | None,
    message: Message,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> list[EventType] | None:
    """The events of a command that fills no field; None when the message is for the slots (or for the rules:
    a hand-off, a question, a bare cancel that NLU reads as such)."""
    done = {command.do: command for command in commands}
    if Do.LEAVE in done:
        dispatcher.utter_message(text=say("intake_left"))
        # The form ends without a ticket, kept aside for 「还是报吧」; the question in the same message is
        # answered at once.
        return [
            *_cancelled(tracker),
            SlotSet("requested_slot", None),
            FollowupAction("action_answer_question"),
        ]
    if Do.CANCEL in done or Do.RESOLVED in done:
        dispatcher.utter_message(text=say("intake_cancelled" if Do.CANCEL in done else "intake_resolved"))
        return [*_cancelled(tracker), SlotSet("requested_slot", None)]
    if Do.CANCEL_OR_SUBMIT in done and requested:
        if requested == "registration_confirmed":
            dispatcher.utter_message(text=say("intake_cancel_or_submit"))
            return [SlotSet("registration_confirmed", None), SlotSet("intake_paused", True)]
        dispatcher.utter_message(text=say("intake_cancel_or_continue"))
        return [SlotSet(requested, None)]
    if Do.RESUME in done and requested:
        return [SlotSet(requested, None)]  # the form asks its question again
    if Do.NO_CHECKS in done and requested:
        dispatcher.utter_message(text=say("intake_no_checks"))
        return [SlotSet(requested, None)]
    if Do.AS_BEFORE in done and requested:
        dispatcher.utter_message(text=say("intake_as_before", label=FIELD_LABELS.get(requested, requested)))
        return [SlotSet(requested, None)]
    if Do.WAIT in done and requested:
        dispatcher.utter_message(text=say("intake_wait"))
        return [SlotSet(requested, None), SlotSet("intake_paused", requested == "registration_confirmed")]
    if Do.SKIP in done and requested:
        said_too = {f: v for f, v in values_of(commands).items() if f != "serial_number" and v}
        offered = offer_again(dispatcher, tracker) if requested == "serial_number" else None
        if offered is not None:
            return [*offered, *(SlotSet(f, v) for f, v in said_too.items())]
        # Asked or not, the serial stays empty; another question asked is asked again.
        dispatcher.utter_message(text=say("serial_skipped"))
        flags = sorted({*(tracker.get_slot("intake_flags") or []), "serial_not_given"})
        again = [] if requested in ("serial_number", *said_too) else [SlotSet(requested, None)]
        return [
            SlotSet("serial_number", NOT_GIVEN),
            SlotSet("intake_flags", flags),
            *again,
            *(SlotSet(f, v) for f, v in said_too.items()),
        ]
    again = [c.field for c in commands if c.do is Do.ASK_AGAIN and c.field]
    if again and not values_of([c for c in commands if c.do is not Do.ASK_AGAIN]):
        dispatcher.utter_message(text=say("intake_ask_again", label=FIELD_LABELS.get(again[0], again[0])))
        return [SlotSet(again[0], None), SlotSet("registration_confirmed", None)]
    if not commands and requested == "registration_confirmed" and message.intent not in DIGRESSIONS:
        return [SlotSet(requested, None)]  # neither yes, no nor a correction: the registration is read again
    if (
        not commands
        and requested in FIELDS
        and requested != "serial_number"
        and message.intent not in DIGRESSIONS
        and message.text.strip()
        and not message.text.strip().startswith("/")
    ):
        # A question NLU was unsure of (「你们工程师是从武汉过来还是随州有人」): answered when the knowledge
        # base knows it, and the field asked again.
        unsure = message.intent in _UNSURE and not says_unknown(
            message.text
        )  # 「不清楚什么型号」 asks nothing
        asked = answers().asking_part(message.text) if unsure else ""
        answered = answer_question(dispatcher, tracker, asked, only_if_known=True) if asked else []
        if answered:
            return [*answered, SlotSet(requested, None)]
        return _not_a_value(requested, message.text.strip(), dispatcher, tracker)
    return None


# What NLU says of a message it could not place: a question in it may still be one the knowledge base knows.
_UNSURE = ("nlu_fallback", "out_of_scope")


def _not_a_value(
    requested: str, said: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """A reply that fits no field: said so, never stored, and the question asked again; a value given before
    is acknowledged, and a field the engineer can learn on the phone is left open after two such replies."""
    if requested == "device":
        return _device_not_named(said, dispatcher, tracker)
    repeated = _already_given(said, tracker)
    if repeated:
        # 「检验科」 again to the address question: kept already; the question is what is missing.
        dispatcher.utter_message(text=say("intake_already_noted", label=FIELD_LABELS[repeated]))
        return [SlotSet(requested, None)]
    events: list[EventType] = []
    if requested in _MAY_STAY_EMPTY:
        counts = failed_again(tracker, requested)
        if gives_up(counts[requested]) or _submits(said) or re.search(SKIPS_QUESTION, said):
            dispatcher.utter_message(text=say("field_left_open", label=FIELD_LABELS[requested]))
            return _left_open(requested, said, tracker, SlotSet("failed_attempts", counts))
        events.append(SlotSet("failed_attempts", counts))
    if requested == "clinical_impact":
        dispatcher.utter_message(
            text=say("impact_unclear")
        )  # e.g. a bare 「对」: what the impact is, in words
    elif only_agrees(said):
        # 「对」 to a field question: the caller thinks all is given; say what is still missing
        dispatcher.utter_message(
            text=say("intake_still_missing", label=FIELD_LABELS.get(requested, requested))
        )
    else:
        label = FIELD_LABELS.get(requested, requested)
        dispatcher.utter_message(text=say("intake_not_a_value", value=said[:30], label=label))
    return [SlotSet(requested, None), *events]


def _submits(said: str) -> bool:
    """「对 提交」 to a question the caller thought answered: they want it sent, without this field."""
    return only_agrees(said) and bool(SUBMITS.search(said))


def _left_open(requested: str, said: str, tracker: Tracker, *events: EventType) -> list[EventType]:
    """The field asked left open; sent at once when the caller said 提交 and nothing else is missing (a
    caller who says 提交 and hangs up believes it sent)."""
    left_open = [SlotSet(requested, NOT_GIVEN), *events]
    if _submits(said) and not [f for f in FIELDS if f != requested and tracker.get_slot(f) is None]:
        return [*left_open, SlotSet("registration_confirmed", True)]
    return left_open


def _already_given(said: str, tracker: Tracker) -> str | None:
    """The field whose registered value the message repeats, word for word."""
    said = strip_around(said)
    return next((field for field in FIELDS if said and tracker.get_slot(field) == said), None)


# Fields the engineer can learn on the first call: after two answers that are none, left open.
_MAY_STAY_EMPTY = ("department", "contact_person", "site_address", "clinical_impact")


def _device_not_named(said: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """No catalogue device in the answer: asked again, and after the second such answer kept as said
    (「打印机」) or left open (「不知道」) for the engineer to see on site, as the serial is."""
    counts = failed_again(tracker, "device")
    flags = sorted({*(tracker.get_slot("intake_flags") or []), "device_not_in_catalogue"})
    serial = tracker.get_slot("serial_number")
    if _submits(said) and serial and serial != NOT_GIVEN:
        # the serial names the device in the archive: 「对 提交」 sends it without the model
        dispatcher.utter_message(text=say("field_left_open", label=FIELD_LABELS["device"]))
        return _left_open(
            "device", said, tracker, SlotSet("failed_attempts", counts), SlotSet("intake_flags", flags)
        )
    if not gives_up(counts["device"]):
        label = FIELD_LABELS["device"]
        # 「冇得问题，提交」: the caller thinks all is given; say what is still missing
        missing = say("intake_still_missing", label=label) if only_agrees(said) else None
        dispatcher.utter_message(text=missing or say("intake_not_a_value", value=said[:30], label=label))
        return [SlotSet("device", None), SlotSet("failed_attempts", counts)]
    # 「对」「提交」 to the device question agree to something else: no device
    device = NOT_GIVEN if says_unknown(said) or only_agrees(said) else strip_around(said)[:30] or NOT_GIVEN
    if device == NOT_GIVEN:
        dispatcher.utter_message(text=say("field_left_open", label=FIELD_LABELS["device"]))
    else:
        dispatcher.utter_message(text=say("device_kept", device=device))
    return [SlotSet("device", device), SlotSet("failed_attempts", counts), SlotSet("intake_flags", flags)]


# A restored registration: the form fields, what the intake had learnt about the device and whether a check
# was offered (it is not offered again).
RESTORABLE_SLOTS = (
    *FIELDS,
    "site_city",
    "intake_flags",
    "guide_id",
    "guide_accepted",
    "guide_progress",
    "guide_solved",
)


# What a reply right after a cancellation does when it does not take the cancellation back: what it would have
# done (data/rules/conversation.yml).
_USUAL_ACTION = {
    "ask_repeat": "action_repeat_safety",
    "cancel": "action_change_ticket",
    "affirm": "action_acknowledge",
    "deny": "action_acknowledge",
    "inform": "action_follow_up",
    "nlu_fallback": "action_two_stage_fallback",
}


class ActionRestoreIntake(Action):
    """「我没说取消」 right after a cancellation: the registration comes back to where it was."""

    def name(self) -> str:
        return "action_restore_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        saved = tracker.get_slot("cancelled_registration")
        commands = _commands(message, IntakeState(cancelled=bool(saved)))
        if not saved or not any(c.do is Do.RESTORE for c in commands):
            return [FollowupAction(_USUAL_ACTION.get(message.intent or "", "action_acknowledge"))]
        dispatcher.utter_message(text=say("intake_restored"))
        missing = [field for field in FIELDS if not saved.get(field)]
        # 「还是要报的 …提交吧」, only fields the engineer can learn on the phone missing: sent without them
        left_open = all(f in _MAY_STAY_EMPTY for f in missing) and bool(SUBMITS.search(message.text))
        confirmed = any(c.do is Do.CONFIRM for c in commands) and (not missing or left_open)
        for field in missing if confirmed else []:
            dispatcher.utter_message(text=say("field_left_open", label=FIELD_LABELS[field]))
        return [
            *[SlotSet(field, NOT_GIVEN) for field in (missing if confirmed else [])],
            SlotSet("registration_confirmed", True if confirmed else None),
            SlotSet("cancelled_registration", None),
            SlotSet("registration_restorable", False),
            SlotSet("intake_id", uuid.uuid4().hex),
            SlotSet("failed_attempts", {}),
            *[SlotSet(slot, value) for slot, value in saved.items()],
            FollowupAction("fault_form"),
        ]
