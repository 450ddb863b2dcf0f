"""Look-ups for the caller: ticket status and the warranty of one device."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_message
from bot.clock import to_local, utc_now
from bot.db import session_scope
from bot.installed_base import find_device, warranty_status
from bot.intake import find_ticket_number, gives_up, normalise_phone, normalise_serial
from bot.policy import current_policy
from bot.replies import ticket_status, warranty_answer
from bot.safety import HAZARD_INTENT
from bot.texts import say
from bot.tickets import find_ticket, tickets_for_caller


class ActionCheckTicket(Action):
    """By ticket number when the caller gives one, else the tickets of this conversation or phone number."""

    def name(self) -> str:
        return "action_check_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        number = next(
            (str(e["value"]) for e in message.entities if e.get("entity") == "ticket_id"), None
        ) or find_ticket_number(message.text)
        policy = current_policy()
        with session_scope() as session:
            if number:
                found = find_ticket(session, number.upper())
                if found is None:
                    dispatcher.utter_message(text=say("ticket_not_found", number=number.upper()))
                else:
                    dispatcher.utter_message(text=ticket_status(found, policy))
                return []
            phone = normalise_phone(message.text) or tracker.get_slot("contact_phone")
            tickets = tickets_for_caller(session, sender_id=tracker.sender_id, phone=phone, limit=3)
            if not tickets:
                dispatcher.utter_message(text=say("tickets_none"))
            elif len(tickets) == 1:
                dispatcher.utter_message(text=ticket_status(tickets[0], policy))
            else:
                lines = [say("tickets_several", count=len(tickets))]
                lines += [ticket_status(t, policy) for t in tickets]
                dispatcher.utter_message(text="\n".join(lines))
        return []


def _serial_in(tracker: Tracker) -> str | None:
    message = latest_message(tracker)
    for entity in message.entities:
        if entity.get("entity") == "serial_number":
            serial = normalise_serial(str(entity.get("value")))
            if serial:
                return serial
    return normalise_serial(message.text)


class ActionCheckWarranty(Action):
    """Answer from the installed base; without a serial in the message, ask for it with warranty_form."""

    def name(self) -> str:
        return "action_check_warranty"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        serial = _serial_in(tracker) or tracker.get_slot("serial_number")
        if not serial:
            if tracker.latest_action_name == "warranty_form":
                return []  # the form gave up and has told the caller what else to do
            return [FollowupAction("warranty_form")]
        policy = current_policy()
        with session_scope() as session:
            device = find_device(session, serial)
            if device is None:
                dispatcher.utter_message(text=say("warranty_unknown", serial=serial))
            else:
                today = to_local(utc_now(), policy.timezone).date()
                dispatcher.utter_message(text=warranty_answer(device, warranty_status(device, today), policy))
        return [SlotSet("serial_number", None)]


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
        counts = dict(tracker.get_slot("failed_attempts") or {})
        counts["warranty_serial"] = counts.get("warranty_serial", 0) + 1
        if gives_up(counts["warranty_serial"]):
            dispatcher.utter_message(text=say("warranty_give_up", hotline=current_policy().hotline_phone))
            return {"serial_number": None, "failed_attempts": {}, "requested_slot": None}
        dispatcher.utter_message(text=say("serial_invalid", value=value))
        return {"serial_number": None, "failed_attempts": counts}
