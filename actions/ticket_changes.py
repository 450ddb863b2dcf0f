"""A caller's change to a ticket they have: 「这个工单撤销吧」 cancels it, 「补充一下…」 adds a note;
tier 2 is told (bot.ticket_changes)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.common import caller_of_tracker, latest_message
from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.context import TICKETS, Lookup, referenced_ticket
from bot.db import session_scope
from bot.intake import Message, find_ticket_number
from bot.intake_commands import IntakeState, read_fields, values_of
from bot.notify.outbox import session_sms_sender
from bot.ops import texts as ops_texts
from bot.ops.calendar import current_calendar
from bot.ops.paging import Pager
from bot.policy import current_policy
from bot.texts import say
from bot.ticket_changes import (
    Change,
    ChangeRefused,
    add_by_caller,
    cancel_by_caller,
    reopen_by_caller,
    says_it_came_back,
    wants_addition,
    wants_cancel,
    with_contact,
)
from bot.tickets import OPEN_STATUSES, TicketStatus, find_ticket, tickets_for_caller
from bot.triage import current_rules


class ActionChangeTicket(Action):
    """「这个工单撤销吧」, 「补充一下…」 about a ticket the caller has: by its number, else the one just
    looked up or registered in this conversation, else their only open ticket; asked which when that is not
    clear."""

    def name(self) -> str:
        return "action_change_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = latest_message(tracker)
        at = utc_now()
        with session_scope() as session:
            number = ticket_meant(session, tracker, message.text)
            if number is None:
                dispatcher.utter_message(text=say("ticket_change_which"))
                return []
            ticket = find_ticket(session, number)
            if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
                # Only the caller's own tickets (bot/identity.py): another's number is as unknown as a made-up
                # one, so nobody cancels or annotates a ticket by guessing its number.
                dispatcher.utter_message(text=ops_texts.say("errors.ticket_not_found", number=number))
                return []
            policy = current_policy()
            pager = Pager(policy, current_calendar(), current_catalogue(), session_sms_sender(session))
            adds = wants_addition(message.text) and not wants_cancel(message.text)
            # 「修好了 又坏了」 about a repaired ticket: open again (on an open one it is a note, as 补充)
            came_back = (
                says_it_came_back(message.text)
                and not wants_cancel(message.text)
                and TicketStatus(ticket.status) in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
            )
            try:
                if came_back:
                    change = reopen_by_caller(
                        session, number, message.text, caller=tracker.sender_id, at=at, pager=pager
                    )
                elif adds:
                    change = add_by_caller(
                        session,
                        number,
                        _words_with_contact(message),
                        caller=tracker.sender_id,
                        at=at,
                        pager=pager,
                    )
                else:
                    change = cancel_by_caller(
                        session, number, message.text, caller=tracker.sender_id, at=at, pager=pager
                    )
            except ChangeRefused as refused:
                dispatcher.utter_message(text=str(refused))
                return []
        dispatcher.utter_message(text=_change_said(change, message.text))
        return [
            SlotSet("last_lookup", Lookup(TICKETS, (change.number,)).to_dict()),
            SlotSet("changed_ticket", change.number if adds else None),
        ]


def came_back_after_repair(tracker: Tracker, text: str) -> bool:
    """「SR… 修好了 结果今天又坏了」: the fault of a repaired ticket of the caller's is back."""
    if not says_it_came_back(text) or wants_cancel(text):
        return False
    with session_scope() as session:
        number = ticket_meant(session, tracker, text)
        ticket = find_ticket(session, number) if number else None
        return (
            ticket is not None
            and TicketStatus(ticket.status) in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
            and caller_of_tracker(session, tracker).may_see(ticket)
        )


def add_to_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, number: str, message: Message
) -> list[EventType]:
    """One more line from the caller on a ticket they have just added to: recorded, tier 2 told."""
    with session_scope() as session:
        ticket = find_ticket(session, number)
        if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
            dispatcher.utter_message(text=ops_texts.say("errors.ticket_not_found", number=number))
            return [SlotSet("changed_ticket", None)]
        policy = current_policy()
        pager = Pager(policy, current_calendar(), current_catalogue(), session_sms_sender(session))
        words = _words_with_contact(message)
        try:
            change = add_by_caller(
                session, number, words, caller=tracker.sender_id, at=utc_now(), pager=pager
            )
        except ChangeRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return [SlotSet("changed_ticket", None)]
    dispatcher.utter_message(text=_change_said(change, words))
    return [SlotSet("changed_ticket", change.number)]


def _words_with_contact(message: Message) -> str:
    """The caller's words, and a person or phone they name written out (「一五八 八五五零 六七二一
    找杨阿妹」 → 「联系人：杨阿妹 15885506721」), so that the engineer can dial it."""
    found = values_of(read_fields(message, IntakeState(), current_catalogue(), current_rules()))
    return with_contact(message.text, found.get("contact_person"), found.get("contact_phone"))


def ticket_meant(session: Session, tracker: Tracker, text: str) -> str | None:
    """The ticket a change is about: by its number, else the one just looked up or registered in this
    conversation, else the caller's only open ticket."""
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    said = find_ticket_number(text) or referenced_ticket(text, lookup)
    if said:
        return said
    last = tracker.get_slot("last_ticket_number")
    if last:
        return str(last)
    mine = tickets_for_caller(session, sender_id=tracker.sender_id, phone=tracker.get_slot("contact_phone"))
    open_ones = [t for t in mine if TicketStatus(t.status) in OPEN_STATUSES]
    return open_ones[0].number if len(open_ones) == 1 else None


def _change_said(change: Change, words: str) -> str:
    told = say("ticket_told", name=change.told) if change.told else ""
    if change.reopened:
        return say("ticket_reopened", number=change.number, words=words.strip(), told=told)
    if change.cancelled:
        return say("ticket_cancelled_by_caller", number=change.number, told=told)
    if wants_cancel(words):
        return say("ticket_cancel_too_late", number=change.number, told=told)
    return say("ticket_note_added", number=change.number, words=words.strip(), told=told)
