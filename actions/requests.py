"""Requests that are not a new intake: a follow-up on what the caller just looked up or booked, a change to a
ticket they have (cancel, add a line), a complaint heard before it is registered, a call-back at the time
asked for, and a request for a person that never loops. The rules live in bot.context, bot.ticket_changes and
bot.callbacks; these actions only read the tracker and say the result."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CALLER_SLOTS, caller_of_tracker, latest_message, previous_action, shown_device
from actions.complaints import complaint_follow_up
from actions.intake import ActionStartIntake
from actions.knowledge import answer_question
from actions.lookup import ActionCheckTicket, answer_about, answer_warranty
from actions.ratings import rating_follow_up, rating_reasons
from actions.safety import incident_addition
from actions.ticket_changes import ActionChangeTicket, add_to_ticket
from bot.callbacks import (
    amend_call_back,
    declines_call_back,
    extension_in,
    requested_times,
    requested_window,
)
from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.context import (
    TICKETS,
    Lookup,
    asks_about_booking,
    asks_about_engineer,
    asks_state_of_reported,
    books_again,
    ordinal_in,
    other_device_asked,
    warranty_follow_up,
)
from bot.db import session_scope
from bot.intake import Message, extract_fields, find_ticket_number, normalise_serial, only_agrees
from bot.intake_commands import IntakeState, names_a_faulty_device, read_fields, values_of
from bot.nlu.closing import agrees_as_arranged, closing_intent
from bot.policy import current_policy
from bot.replies import NOT_GIVEN, booking_confirmed, call_back_confirmed, request_made_already
from bot.submission import note_repeat_report
from bot.texts import say
from bot.ticket_changes import BOOKING_DETAILS, BOOKINGS, amend_booking, changes_a_ticket, note_question
from bot.tickets import (
    KIND_LABELS,
    STATUS_LABELS,
    Registration,
    TicketKind,
    TicketStatus,
    find_ticket,
    open_ticket_for_serial,
)
from bot.triage import current_rules


class ActionFollowUp(Action):
    """Details given outside any form: a serial after a warranty look-up, a position or line for a ticket just
    looked up or registered; otherwise the caller is asked what they want."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        incident = incident_addition(dispatcher, tracker, message)
        if incident is not None:
            return incident  # 「地址 …」 right after the safety ticket: on that ticket
        answered = rating_follow_up(dispatcher, tracker, message.text)
        if answered is not None:
            return answered
        about_complaint = complaint_follow_up(dispatcher, tracker, message.text)
        if about_complaint is not None:
            return about_complaint
        called_back = call_back_follow_up(dispatcher, tracker, message)
        if called_back is not None:
            return called_back
        booked = booking_follow_up(dispatcher, tracker, message)
        if booked is not None:
            return booked
        added = further_addition(dispatcher, tracker, message)
        if added is not None:
            return added
        lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
        serial = warranty_follow_up(message.text, lookup)
        if serial is None:
            with session_scope() as session:
                other = other_device_asked(session, message.text, lookup, current_catalogue())
                serial = other.serial_number if other else None
        if serial:
            told = answer_warranty(dispatcher, tracker, serial)
            assert lookup is not None
            follow = Lookup(lookup.kind, serials=(*lookup.serials, serial))
            return [SlotSet("last_lookup", follow.to_dict()), *told]
        if asks_state_of_reported(message.text):
            # 「…BC25010266那台上礼拜报了修 现在咋样了」: its state asked, nothing new to add to it
            return await ActionCheckTicket().run(dispatcher, tracker, domain)
        if repeat_report(dispatcher, tracker, message):
            return []
        if changes_a_ticket(message.text):
            return await ActionChangeTicket().run(dispatcher, tracker, domain)
        about_looked_up = ordinal_in(message.text) is not None or asks_about_engineer(message.text)
        if about_looked_up and lookup is not None and lookup.kind == TICKETS:
            # 「第二个呢」, 「那这台今天能来人不」, 「工程师的电话给我一个」 about the tickets just looked up
            return await ActionCheckTicket().run(dispatcher, tracker, domain)
        unclear = message.intent == "nlu_fallback"
        if unclear and names_a_faulty_device(message.text, current_catalogue()):
            # 「对 就是那台尿机 还是试纸条卡住」 after a look-up that found nothing: a fault report
            started = await ActionStartIntake().run(dispatcher, tracker, domain)
            return [*started, FollowupAction("fault_form")]
        if unclear:
            # It continues nothing (data/rules/conversation.yml sent it here first): the likeliest meanings.
            return [FollowupAction("action_two_stage_fallback")]
        # 「你好 延吉市布尔哈通医院 检验科 我叫金美玉 电话139…」 before saying what for: kept for what is next
        said = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
        who = {slot: said[slot] for slot in CALLER_SLOTS if said.get(slot)}
        dispatcher.utter_message(response="utter_clarify_inform")
        return [SlotSet(slot, value) for slot, value in who.items()]


# The bot's last actions after which a call-back or a booking was just registered or talked about.
_RIGHT_AFTER_REQUEST = ("action_submit_service_request", "action_follow_up", "action_acknowledge")


def call_back_follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, message: Message
) -> list[EventType] | None:
    """Right after a call-back was registered, the caller's next words are about it: a time
    (「对 就明天上午十点以后」「改到后天上午吧」), a name, a number or an extension go on its ticket, and
    the time it is for is said again — a plain yes (「对 就那个时间」) hears it too. Never an earlier call
    than asked. None when the message is no such thing."""
    booked = tracker.get_slot("last_request") or {}
    if (
        booked.get("kind") != TicketKind.CALLBACK.value
        or previous_action(tracker) not in _RIGHT_AFTER_REQUEST
    ):
        return None
    policy = current_policy()
    now = utc_now()
    found = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
    person, phone = found.get("contact_person"), found.get("contact_phone")
    names_time = requested_window(message.text, now, policy.timezone, bare=True) is not None
    agrees = message.intent == "affirm" and closing_intent(message.text) is None
    if not (person or phone or names_time or agrees or extension_in(message.text)):
        return None
    with session_scope() as session:
        amended = amend_call_back(
            session,
            str(booked.get("number")),
            message.text,
            person=person,
            phone=phone,
            now=now,
            policy=policy,
            caller=tracker.sender_id,
        )
        if amended is None:
            return None
        dispatcher.utter_message(text=call_back_confirmed(amended, policy))
    return [SlotSet("contact_person", person)] if person else []


def booking_follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, message: Message
) -> list[EventType] | None:
    """Right after a maintenance or training was booked, the caller's next words are about it: an address, a
    department, a contact or a time go on it (bot.ticket_changes.amend_booking), and a yes in any words
    (「对 就这样约」「行 就这」, 「没别的了 就这么约」 with a goodbye) hears the booking as it stands — it is
    never made twice; so does a yes to the arrangement after a question about it was answered
    (「保养收钱吗」, then 「好 那就这么约吧」; a bare 「对」 there answers 「这个回答有帮助吗」). None when
    the message is no such thing."""
    booked = tracker.get_slot("last_request") or {}
    previous = previous_action(tracker)
    asked_between = previous == "action_answer_question" and agrees_as_arranged(message.text)
    if (
        booked.get("kind") not in BOOKINGS
        or (previous not in _RIGHT_AFTER_REQUEST and not asked_between)
        or changes_a_ticket(message.text)  # 「补充一下 一共五个人」: a note on it (action_change_ticket)
    ):
        return None
    found = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
    details = {name: str(found[name]) for name in BOOKING_DETAILS if found.get(name)}
    # The time asked for, from what is left once the details are taken out (「…二路58号」 is no date).
    rest = message.text
    for piece in (p for value in details.values() for p in re.split(r"[，,\s]+", value) if p):
        rest = rest.replace(piece, " ")
    when = requested_times(rest)
    agrees = agrees_as_arranged(message.text) or (
        (message.intent == "affirm" or only_agrees(message.text)) and closing_intent(message.text) is None
    )
    if not (details or when or agrees):
        return None
    with session_scope() as session:
        ticket = amend_booking(
            session, str(booked.get("number")), details, when, caller=tracker.sender_id, at=utc_now()
        )
        if ticket is None:
            return None
        dispatcher.utter_message(text=booking_confirmed(ticket, current_policy()))
    return [SlotSet(name, value) for name, value in details.items() if name in CALLER_SLOTS]


# After a line was added to a ticket: the bot's last actions, and what is no further line (a 「好的 谢谢」).
_RIGHT_AFTER_CHANGE = ("action_change_ticket", "action_check_ticket", "action_follow_up")


def further_addition(
    dispatcher: CollectingDispatcher, tracker: Tracker, message: Message
) -> list[EventType] | None:
    """Right after the caller added a line to a ticket, another message that NLU could not place or read
    as details (「还有 工程师来之前先打这个电话 一五八…找杨阿妹」) is a further line for the same ticket:
    recorded on it, with the contact it names written out, and tier 2 told. None otherwise."""
    number = tracker.get_slot("changed_ticket")
    if (
        not number
        or previous_action(tracker) not in _RIGHT_AFTER_CHANGE
        or message.intent not in ("nlu_fallback", "inform")
        or closing_intent(message.text) is not None
        or find_ticket_number(message.text) not in (None, number)
    ):
        return None
    return add_to_ticket(dispatcher, tracker, str(number), message)


async def request_follow_up(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    kind: TicketKind,
    *,
    on_phone: bool,
) -> list[EventType] | None:
    """Before a service request starts: a question about a booking or a complaint just made is answered, and
    the same booking said again is not made twice (None: a new request after all); right after a status
    look-up, a wish to reach the engineer is answered from the ticket. A complaint is heard and apologised for
    first; a request for a person gets the hotline number at once (`on_phone`: the caller is on it
    already)."""
    message = latest_message(tracker)
    policy = current_policy()
    finished: list[EventType] = [SlotSet("request_kind", None), SlotSet("intake_id", None)]
    if kind is TicketKind.COMPLAINT:
        # 「投诉几天有结果」 right after the complaint was registered: its deadlines, no second complaint.
        about_complaint = complaint_follow_up(dispatcher, tracker, message.text)
        if about_complaint is not None:
            return [*finished, *about_complaint]
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    if lookup is not None and lookup.kind == TICKETS and asks_about_engineer(message.text):
        # 「能让工程师直接给我打个电话吗」 right after a status look-up: who comes and how to reach them.
        return [*finished, *await ActionCheckTicket().run(dispatcher, tracker, domain)]
    if message.intent == "request_human" and not on_phone:
        # The hotline at once: a person now, or a call-back for a caller who leaves a number (asked once).
        if declines_call_back(message.text):
            dispatcher.utter_message(text=say("handoff_no_phone", hotline=policy.hotline_phone))
            return [SlotSet("request_kind", None), SlotSet("intake_id", None)]
        minutes = policy.value("deadlines.callback_minutes")
        dispatcher.utter_message(text=say("handoff_hotline", hotline=policy.hotline_phone, minutes=minutes))
    booked = tracker.get_slot("last_request") or {}
    if kind is TicketKind.CALLBACK:
        # 「明天上午十点以后打 我叫…」 read as a call-back asked again: more about the one just registered.
        called_back = call_back_follow_up(dispatcher, tracker, message)
        if called_back is not None:
            return [SlotSet("request_kind", None), SlotSet("intake_id", None), *called_back]
    if booked.get("kind") == kind.value and not books_again(message.text):
        if not asks_about_booking(message.text):
            with session_scope() as session:
                made = find_ticket(session, str(booked.get("number")))
                said = (
                    request_made_already(made, policy)
                    if made is not None  # else journaled while the database was down
                    else say("ticket_already_created", number=booked.get("number"))
                )
            dispatcher.utter_message(text=said)
            return finished
        answered = answer_question(dispatcher, tracker, message.text, only_if_known=True)
        if not answered:
            # 「培训完了会发合格证书不」 with no answer in the knowledge base: the question goes on the
            # booking, for whoever calls to confirm it.
            with session_scope() as session:
                note_question(
                    session, str(booked.get("number")), message.text, caller=tracker.sender_id, at=utc_now()
                )
            dispatcher.utter_message(
                text=say(
                    "request_question_noted",
                    kind=KIND_LABELS[kind],
                    number=booked.get("number"),
                    question=message.text,
                )
            )
        return [*finished, *answered]
    if kind is TicketKind.COMPLAINT:
        rated = rating_reasons(dispatcher, tracker, message.text)
        if rated is not None:
            # 「工程师换了块板子就走了 第二天又报一样的错」 right after a score: its reasons, no complaint.
            return [SlotSet("request_kind", None), SlotSet("intake_id", None), *rated]
        number = find_ticket_number(message.text)
        about = say("complaint_about", number=number) if number else ""
        dispatcher.utter_message(text=say("complaint_heard", about=about))
        if number:
            # The ticket complained about: where it stands, and if its promise has passed, escalated now —
            # told only to a caller who may see it (bot/identity.py).
            with session_scope() as session:
                named = find_ticket(session, number)
                if named is not None and caller_of_tracker(session, tracker).may_see(named):
                    dispatcher.utter_message(text=answer_about(session, named, utc_now()))
    return None


def registry_fields(message: Message, tracker: Tracker) -> dict[str, Any]:
    """A serial from the installed base in a service request (said, or the one whose warranty was just looked
    up: 「过保前约一次保养」) answers who and where: hospital, department, device and its address (a booking's
    engineer goes there) — for a verified caller of that hospital only (bot/identity.py); others name them."""
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    serial = serial_said(message) or (lookup.warranty_device if lookup is not None else None)
    if serial is None:
        return {}
    with session_scope() as session:
        device = shown_device(session, tracker, serial)
        if device is None:
            return {}
        return {
            "serial_number": serial,
            "hospital": device.hospital,
            "department": device.department,
            "device": f"{device.device_type} {device.model}",
            "site_address": device.address,
        }


def named_ticket_fields(message: Message, tracker: Tracker) -> dict[str, Any]:
    """A ticket of before named by its number (「SR… 两天了没人来，我要投诉」) answers the same: its hospital,
    department and device, for a caller who may see it."""
    number = find_ticket_number(message.text)
    if number is None:
        return {}
    with session_scope() as session:
        ticket = find_ticket(session, number)
        if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
            return {}
        named = {
            "serial_number": ticket.serial_number,
            "hospital": ticket.hospital,
            "department": ticket.department,
            "device": ticket.device,
        }
        return {field: value for field, value in named.items() if value and value != NOT_GIVEN}


def repeat_report(dispatcher: CollectingDispatcher, tracker: Tracker, message: Message) -> bool:
    """A serial with an open ticket, said outside any form (「我是同事任杰 138… 这台KR…还是堵」): this
    caller's name, phone and words go on that ticket, and nothing more is asked. False when no open ticket has
    it."""
    serial = serial_said(message)
    if serial is None:
        return False
    found = extract_fields(message, None, current_catalogue(), current_rules())
    with session_scope() as session:
        ticket = open_ticket_for_serial(session, serial)
        if ticket is None:
            return False
        registration = Registration(
            description=message.text,
            contact_person=found.get("contact_person"),
            contact_phone=found.get("contact_phone"),
        )
        report = f"{tracker.sender_id}:{len(tracker.events)}"
        note_repeat_report(session, ticket, registration, report, tracker.sender_id, utc_now())
        if not caller_of_tracker(session, tracker).may_see(ticket):
            # An unverified caller learns neither that ticket's number nor its state (bot/identity.py).
            dispatcher.utter_message(text=say("duplicate_found_unverified", serial=serial))
            return True
        status = STATUS_LABELS[TicketStatus(ticket.status)]
        dispatcher.utter_message(
            text=say("duplicate_found", serial=serial, number=ticket.number, status=status)
        )
    return True


def serial_said(message: Message) -> str | None:
    """The serial in a message: NLU's entity, else one of its words (a phone right before it is another
    word)."""
    for entity in message.entities:
        if entity.get("entity") == "serial_number":
            serial = normalise_serial(str(entity.get("value")))
            if serial:
                return serial
    return next(filter(None, (normalise_serial(word) for word in message.text.split())), None)
