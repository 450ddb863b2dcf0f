"""Look-ups for the caller: ticket status and the warranty of one device."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.common import caller_of_tracker, failed_again, latest_message, previous_action
from actions.complaints import complaint_follow_up
from actions.knowledge import answer_question, answers
from actions.ratings import rating_follow_up
from actions.ticket_changes import ActionChangeTicket, came_back_after_repair, ticket_meant
from bot.catalogue import current_catalogue
from bot.clock import local_text, to_local, utc_now
from bot.context import (
    TICKETS,
    WARRANTY,
    Lookup,
    asks_about_engineer,
    asks_its_number,
    ordinal_in,
    referenced_ticket,
    the_registered_device,
)
from bot.db import session_scope
from bot.db.models import Device, Ticket
from bot.identity import device_shown_to
from bot.installed_base import warranty_status
from bot.intake import find_ticket_numbers, gives_up, normalise_phone, normalise_serial
from bot.notify.outbox import session_sms_sender
from bot.ops.calendar import current_calendar
from bot.ops.paging import Pager
from bot.policy import ServicePolicy, current_policy
from bot.replies import NOT_GIVEN, engineer_answer, ticket_status, warranty_answer
from bot.safety import HAZARD_INTENT
from bot.texts import say
from bot.ticket_changes import (
    ChangeRefused,
    changes_a_ticket,
    escalate_overdue,
    sounds_impatient,
    urge_by_caller,
    wants_hurry,
)
from bot.tickets import find_ticket, open_tickets_of_hospitals, tickets_for_caller

# The actions that register a ticket: a look-up right after one is about it.
_JUST_REGISTERED = ("action_submit_ticket", "action_submit_service_request")


class ActionCheckTicket(Action):
    """By ticket number when the caller gives one, else the ticket a follow-up points to (「第二个」, 「工程师
    什么时候到」 right after a look-up), else the tickets of this conversation or phone number. A promise
    whose time has passed is not made again: the ticket is escalated and the caller told so. Other people's
    tickets only for a verified caller of that hospital (bot/identity.py): to anyone else a number that exists
    and one that does not get the same answer, and failed look-ups are limited."""

    def name(self) -> str:
        return "action_check_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        rated = rating_follow_up(dispatcher, tracker, message.text)
        if rated is not None:
            return rated  # the ticket a waiting score is for (「SR…那张」)
        about_complaint = complaint_follow_up(dispatcher, tracker, message.text)
        if about_complaint is not None:
            return about_complaint  # 「什么时候给答复」 right after a complaint
        if changes_a_ticket(message.text) or came_back_after_repair(tracker, message.text):
            # 「SR… 这个工单撤销吧」; 「SR… 修好了 结果今天又坏了」 opens a repaired ticket again
            return await ActionChangeTicket().run(dispatcher, tracker, domain)
        if wants_hurry(message.text):
            urged = urge_ticket(dispatcher, tracker)  # 「帮我催一下」
            if urged is not None:
                return urged
        lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
        number = next(
            (str(e["value"]) for e in message.entities if e.get("entity") == "ticket_id"), None
        ) or referenced_ticket(message.text, lookup)
        named = find_ticket_numbers(message.text)
        policy = current_policy()
        now = utc_now()
        with session_scope() as session:
            caller = caller_of_tracker(session, tracker)
            if lookups_exhausted(tracker, policy):
                dispatcher.utter_message(text=say("identity.lookup_limit", hotline=policy.hotline_phone))
                return []
            if len(named) > 1:
                # 「SR… 跟 SR… 这俩单子」: each one answered, in the order said, for 「第二个」 next.
                return _answer_several(dispatcher, tracker, session, named, now)
            if number:
                found = find_ticket(session, number.upper())
                if found is None or not caller.may_see(found):
                    if caller.verified:
                        dispatcher.utter_message(text=say("ticket_not_found", number=number.upper()))
                    else:
                        dispatcher.utter_message(
                            text=say("identity.unverified_lookup", hotline=policy.hotline_phone)
                        )
                    return failed_lookup(tracker)
                dispatcher.utter_message(
                    text=answer_about(
                        session,
                        found,
                        now,
                        impatient=sounds_impatient(message.text),
                        engineer=asks_about_engineer(message.text),
                    )
                )
                numbers = lookup.numbers if lookup and found.number in lookup.numbers else (found.number,)
                return [SlotSet("last_lookup", Lookup(TICKETS, numbers, current=found.number).to_dict())]
            just_made = tracker.get_slot("last_ticket_number")
            if just_made and previous_action(tracker) in _JUST_REGISTERED and asks_its_number(message.text):
                # 「提交了吧 单号多少」 right after the ticket was made: that ticket, not the caller's others.
                made = find_ticket(session, str(just_made))
                if made is not None:
                    dispatcher.utter_message(
                        text=answer_about(session, made, now, impatient=sounds_impatient(message.text))
                    )
                    return [
                        SlotSet("last_lookup", Lookup(TICKETS, (made.number,), current=made.number).to_dict())
                    ]
            position = ordinal_in(message.text)
            if position is not None and lookup is not None and lookup.kind == TICKETS:
                # 「第三个呢」 after a look-up that found two: say what there is, never guess.
                dispatcher.utter_message(
                    text=say(
                        "tickets_no_such_position",
                        count=len(lookup.numbers),
                        position=position + 1,
                        numbers="、".join(lookup.numbers),
                    )
                )
                return []
            # A phone said or given in this conversation is not proven: its tickets show only to whom may see
            # them.
            phone = normalise_phone(message.text) or tracker.get_slot("contact_phone") or caller.phone
            serial = normalise_serial(message.text)
            found_tickets = tickets_for_caller(
                session, sender_id=tracker.sender_id, phone=phone, serial=serial, limit=3
            )
            tickets = [t for t in found_tickets if caller.may_see(t)]
            if not tickets and caller.verified:
                # No number and none of their own: what their hospital has open (「单号忘了」).
                tickets = open_tickets_of_hospitals(session, caller.hospitals, limit=3)
            if not tickets:
                if caller.verified:
                    dispatcher.utter_message(text=say("tickets_none"))
                else:
                    dispatcher.utter_message(
                        text=say("identity.unverified_lookup", hotline=policy.hotline_phone)
                    )
                return []
            if len(tickets) == 1:
                dispatcher.utter_message(
                    text=answer_about(
                        session,
                        tickets[0],
                        now,
                        impatient=sounds_impatient(message.text),
                        engineer=asks_about_engineer(message.text),
                    )
                )
            else:
                lines = [say("tickets_several", count=len(tickets))]
                lines += [ticket_status(t, policy, now) for t in tickets]
                dispatcher.utter_message(text="\n".join(lines))
            return [SlotSet("last_lookup", Lookup(TICKETS, tuple(t.number for t in tickets)).to_dict())]


def urge_ticket(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """「帮我催一下」「怎么还没人来」 about the caller's ticket: recorded on it, tier 2 told
    (bot.ticket_changes), and what happens now: its status, or, past its promised time, an apology and the
    escalation, never the past time again. None when no ticket of theirs is meant (then it is looked up)."""
    message = latest_message(tracker)
    now = utc_now()
    with session_scope() as session:
        number = ticket_meant(session, tracker, message.text)
        ticket = find_ticket(session, number) if number else None
        if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
            return None
        pager = Pager(current_policy(), current_calendar(), current_catalogue(), session_sms_sender(session))
        try:
            change = urge_by_caller(
                session, ticket.number, message.text, caller=tracker.sender_id, at=now, pager=pager
            )
        except ChangeRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return []
        told = say("ticket_told", name=change.told) if change.told else ""
        urged = say("ticket_urged", number=change.number, told=told)
        dispatcher.utter_message(text=urged + answer_about(session, ticket, now))
    return [SlotSet("last_lookup", Lookup(TICKETS, (change.number,)).to_dict())]


def _answer_several(
    dispatcher: CollectingDispatcher, tracker: Tracker, session: Session, numbers: list[str], now: datetime
) -> list[EventType]:
    """Several tickets named at once: the status of each the caller may see; the others are as unknown as a
    made-up number (bot/identity.py)."""
    caller = caller_of_tracker(session, tracker)
    impatient = sounds_impatient(latest_message(tracker).text)
    found = [(n, find_ticket(session, n)) for n in numbers]
    shown = [t for _, t in found if t is not None and caller.may_see(t)]
    lines = [answer_about(session, t, now, impatient=impatient and i == 0) for i, t in enumerate(shown)]
    unknown = [n for n, t in found if t is None or not caller.may_see(t)]
    if unknown and caller.verified:
        lines += [say("ticket_not_found", number=number) for number in unknown]
    elif unknown:
        lines.append(say("identity.unverified_lookup", hotline=current_policy().hotline_phone))
    dispatcher.utter_message(text="\n".join(lines))
    events: list[EventType] = failed_lookup(tracker) if unknown else []
    if shown:
        events.append(SlotSet("last_lookup", Lookup(TICKETS, tuple(t.number for t in shown)).to_dict()))
    return events


def lookups_exhausted(tracker: Tracker, policy: ServicePolicy) -> bool:
    failures = int((tracker.get_slot("failed_attempts") or {}).get("lookup", 0))
    return failures >= int(policy.value("caller_identity.failed_lookups_per_conversation"))


def failed_lookup(tracker: Tracker) -> list[EventType]:
    return [SlotSet("failed_attempts", failed_again(tracker, "lookup"))]


def answer_about(
    session: Session, ticket: Ticket, now: datetime, *, impatient: bool = False, engineer: bool = False
) -> str:
    """A ticket's status, or, asked about its engineer (`engineer`: 「工程师几点到」「电话给我一个」), who
    comes, how to reach them and when; when a promise to the caller has passed, an apology and who has it now
    instead of the past time (the next step of the paging ladder is paged at once, bot.ticket_changes). A
    caller who says they have been waiting is apologised to first, even when the promise still holds."""
    policy = current_policy()
    text = engineer_answer(ticket, policy, now) if engineer else ticket_status(ticket, policy, now)
    pager = Pager(policy, current_calendar(), current_catalogue(), session_sms_sender(session))
    overdue = escalate_overdue(session, ticket, now=now, pager=pager)
    if overdue is None:
        return say("ticket_wait_apology") + text if impatient else text
    return text + say(
        f"ticket_overdue.{overdue.clock}",
        number=ticket.number,
        due=local_text(overdue.due, policy.timezone),
        who=overdue.escalated_to or say("overdue_escalated_nobody"),
        hotline=policy.hotline_phone,
    )


def _serial_in(tracker: Tracker) -> str | None:
    message = latest_message(tracker)
    for entity in message.entities:
        if entity.get("entity") == "serial_number":
            serial = normalise_serial(str(entity.get("value")))
            if serial:
                return serial
    return normalise_serial(message.text)


def _looked_up_serial(tracker: Tracker) -> str | None:
    """「这台机子还在保修期吧」 right after a ticket's status: that ticket's device, for a caller who may
    see the ticket."""
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    number = referenced_ticket(latest_message(tracker).text, lookup)
    if number is None:
        return None
    with session_scope() as session:
        ticket = find_ticket(session, number)
        if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
            return None
        return normalise_serial(ticket.serial_number or "")


class ActionCheckWarranty(Action):
    """Answer from the installed base; without a serial in the message, ask for it with warranty_form."""

    def name(self) -> str:
        return "action_check_warranty"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name == "fault_form":
            # In the middle of a report: answered as any question there, with the report's serial, which
            # stays; where the registry does not know the device, by the age the caller tells. The form goes
            # on.
            return answer_question(dispatcher, tracker, tracker.latest_message.get("text") or "")
        serial = _serial_in(tracker) or tracker.get_slot("serial_number") or _looked_up_serial(tracker)
        if not serial:
            if tracker.latest_action_name == "warranty_form":
                return []  # the form gave up and has told the caller what else to do
            text = tracker.latest_message.get("text") or ""
            said_before = str(tracker.get_slot("faq_last_question") or "")
            if answers().tells_age(text) or answers().tells_age(said_before):
                # 「我们是去年八月装的…」 then 「那现在还在保修期吗」: answered from the policy by that age
                return answer_question(dispatcher, tracker, text)
            return [FollowupAction("warranty_form")]
        lookup = Lookup(WARRANTY, serials=(serial,))
        told = answer_warranty(dispatcher, tracker, serial)
        return [SlotSet("serial_number", None), SlotSet("last_lookup", lookup.to_dict()), *told]


def answer_warranty(dispatcher: CollectingDispatcher, tracker: Tracker, serial: str) -> list[EventType]:
    """The installed base only for a verified caller of the device's hospital; to anyone else a registered
    serial and an unknown one get the same answer, and failed look-ups are limited. Returns the events to
    add."""
    policy = current_policy()
    with session_scope() as session:
        if lookups_exhausted(tracker, policy):
            dispatcher.utter_message(text=say("identity.lookup_limit", hotline=policy.hotline_phone))
            return []
        caller = caller_of_tracker(session, tracker)
        device = device_shown_to(session, caller, serial)
        if device is None:
            if caller.verified:
                dispatcher.utter_message(text=say("warranty_unknown", serial=serial))
            else:
                dispatcher.utter_message(text=say("identity.unverified_lookup", hotline=policy.hotline_phone))
            return failed_lookup(tracker)
        today = to_local(utc_now(), policy.timezone).date()
        dispatcher.utter_message(text=warranty_answer(device, warranty_status(device, today), policy))
    return []


class ValidateWarrantyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_warranty_form"

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("requested_slot") != "serial_number":
            return []
        message = latest_message(tracker)
        if message.intent in ("cancel", "ask_question", "request_human", "report_fault", HAZARD_INTENT):
            return []
        return [SlotSet("serial_number", _serial_in(tracker) or message.text)]

    def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        serial = normalise_serial(str(value))
        if serial:
            return {"serial_number": serial}
        counts = failed_again(tracker, "warranty_serial")
        if gives_up(counts["warranty_serial"]):
            dispatcher.utter_message(text=say("warranty_give_up", hotline=current_policy().hotline_phone))
            return {"serial_number": None, "failed_attempts": {}, "requested_slot": None}
        dispatcher.utter_message(text=say("serial_invalid", value=value))
        return {"serial_number": None, "failed_attempts": counts}


class ActionAskSerialNumber(Action):
    """The fault form's serial question: when the hospital and the device type already point to exactly one
    registered device, offer it (「是 GF-990（GF23070519）那台吗？」) instead of sending the caller to the
    nameplate; offered once per intake, and only to a verified caller of that hospital (the offer names the
    registry's hospital, department, model and serial; bot/identity.py)."""

    def name(self) -> str:
        return "action_ask_fault_form_serial_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("intake_paused"):
            return [
                SlotSet("intake_paused", False)
            ]  # offered again just now (offer_again): no second question
        if not tracker.get_slot("offered_serial"):
            catalogue = current_catalogue()
            said = f"{tracker.get_slot('device') or ''} {tracker.get_slot('fault_description') or ''}"
            device_type = catalogue.type_in_text(said)
            with session_scope() as session:
                device = the_registered_device(
                    session, tracker.get_slot("hospital"), device_type.id if device_type else None, catalogue
                )
                shown = device and device_shown_to(
                    session, caller_of_tracker(session, tracker), device.serial_number
                )
                if shown:
                    dispatcher.utter_message(text=_offer("registry_offer", shown))
                    return [SlotSet("offered_serial", shown.serial_number)]
        dispatcher.utter_message(response="utter_ask_fault_form_serial_number")
        return []


def _offer(key: str, device: Device) -> str:
    return say(
        key,
        hospital=device.hospital,
        department=device.department,
        model=device.model,
        serial=device.serial_number,
    )


def offer_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """「序列号找不到 贴纸磨花了」 when the registered device was offered: the caller may have missed it,
    so it is offered once more by its model and serial, the serial question kept open (「对」 takes it, a
    second 「找不到」 or 「不是」 leaves the serial empty). None when nothing was offered, or it was offered
    twice."""
    offered = tracker.get_slot("offered_serial")
    counts = failed_again(tracker, "registry_offer")
    if not offered or counts["registry_offer"] > 1:
        return None
    with session_scope() as session:
        shown = device_shown_to(session, caller_of_tracker(session, tracker), str(offered))
        if shown is None:
            return None
        dispatcher.utter_message(text=_offer("registry_offer_again", shown))
    return [
        SlotSet("serial_number", None),
        SlotSet("failed_attempts", counts),
        SlotSet("intake_paused", True),
    ]


def offer_declined(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """「不是」 to the registered device offered a second time (offer_again): the serial stays empty, for
    the engineer to read on site. None when no second offer is open."""
    offered_twice = (tracker.get_slot("failed_attempts") or {}).get("registry_offer")
    if tracker.get_slot("requested_slot") != "serial_number" or not (
        tracker.get_slot("offered_serial") and offered_twice
    ):
        return None
    dispatcher.utter_message(text=say("serial_skipped"))
    flags = sorted({*(tracker.get_slot("intake_flags") or []), "serial_not_given"})
    return [SlotSet("serial_number", NOT_GIVEN), SlotSet("intake_flags", flags)]
