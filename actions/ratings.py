"""Ratings in the conversation: the score for the ticket it is about (bot.ratings), the question which ticket
when that is not clear, and the phone a low score's review needs, asked once."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import latest_message
from bot.callbacks import declines_call_back
from bot.clock import utc_now
from bot.context import TICKETS, Lookup, referenced_ticket
from bot.db import session_scope
from bot.db.models import Ticket
from bot.intake import find_ticket_number, normalise_phone, says_unknown
from bot.policy import current_policy
from bot.ratings import (
    RatingTarget,
    Target,
    add_review_contact,
    contact_for_review,
    needs_review,
    record_rating,
    ticket_to_rate,
)
from bot.texts import say
from bot.tickets import STATUS_LABELS, TicketStatus, find_ticket


def rate(
    dispatcher: CollectingDispatcher, tracker: Tracker, score: int, comment: str, number: str | None
) -> list[EventType]:
    """Record a score for the ticket it is about, or ask which ticket (the score waits in pending_rating); a
    caller who said before the score that they cannot name the ticket has it kept without one."""
    asked = tracker.get_slot("pending_rating") or {}
    if number is None and asked.get("no_ticket"):
        return _rate_without_ticket(dispatcher, tracker, score, comment)
    number = number or asked.get("number")
    policy = current_policy()
    phone = tracker.get_slot("contact_phone")
    with session_scope() as session:
        target = ticket_to_rate(session, number, sender_id=tracker.sender_id, phone=phone)
        if target.kind is not Target.TICKET or target.ticket is None:
            events = _ask_about(dispatcher, target)
            waiting = None if target.kind is Target.NOT_DONE else {"score": score, "comment": comment}
            return [*events, SlotSet("pending_rating", waiting)]
        ticket = target.ticket
        _record(session, tracker, ticket, score, comment)
        done: list[EventType] = [SlotSet("pending_rating", None)]
        if not needs_review(score, policy):
            dispatcher.utter_message(text=say("rating_thanks", score=score))
            return done
        contact = contact_for_review(ticket, [phone])
        if contact:
            dispatcher.utter_message(
                text=say("rating_low_named", score=score, number=ticket.number, phone=contact)
            )
            return done
        dispatcher.utter_message(text=say("rating_low_ask_phone", score=score, number=ticket.number))
        return [*done, SlotSet("rating_contact_for", ticket.number)]


def rating_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """The reply to a rating's question: the ticket a waiting score is for, or the phone for a low score's
    review (asked once: a refusal is accepted). None when the message answers neither."""
    pending = tracker.get_slot("pending_rating")
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    if pending and pending.get("score") is None:
        # Which ticket, asked before the score: its number, or 「单号记不得了」; then the score is asked.
        number = find_ticket_number(text) or referenced_ticket(text, lookup)
        if number is None and not (says_unknown(text) or latest_message(tracker).intent == "deny"):
            return None
        dispatcher.utter_message(text=say("rating_ask"))
        waiting: dict[str, object] = (
            {"score": None, "number": number} if number else {"score": None, "no_ticket": True}
        )
        return [SlotSet("pending_rating", waiting)]
    if pending:
        number = find_ticket_number(text) or referenced_ticket(text, lookup)
        if number:
            return rate(dispatcher, tracker, int(pending["score"]), str(pending["comment"]), number)
        if says_unknown(text) or latest_message(tracker).intent == "deny":
            # 「工单号我忘了」: the score is kept without its ticket, not dropped.
            return _rate_without_ticket(dispatcher, tracker, int(pending["score"]), str(pending["comment"]))
    number = tracker.get_slot("rating_contact_for")
    if not number:
        return None
    done: list[EventType] = [SlotSet("rating_contact_for", None)]
    phone = normalise_phone(text)
    if phone is None:
        if declines_call_back(text) or latest_message(tracker).intent == "deny":
            dispatcher.utter_message(text=say("rating_contact_declined", number=number))
            return done
        return None
    with session_scope() as session:
        ticket = find_ticket(session, str(number))
        if ticket is not None:
            add_review_contact(session, ticket, phone, actor=tracker.sender_id, at=utc_now())
    dispatcher.utter_message(text=say("rating_contact_kept", phone=phone))
    return [*done, SlotSet("contact_phone", phone)]


def _record(session: Session, tracker: Tracker, ticket: Ticket | None, score: int, comment: str) -> None:
    record_rating(
        session,
        ticket,
        score,
        comment,
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "rest",
        at=utc_now(),
    )


def _rate_without_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, score: int, comment: str
) -> list[EventType]:
    with session_scope() as session:
        _record(session, tracker, None, score, comment)
    low = needs_review(score, current_policy())
    dispatcher.utter_message(text=say("rating_low_unlinked" if low else "rating_thanks", score=score))
    return [SlotSet("pending_rating", None)]


def ask_for_score(dispatcher: CollectingDispatcher, tracker: Tracker, number: str | None) -> list[EventType]:
    """「我想给上次的服务打个分」 without a score: first which ticket, when that is not clear, then the
    score."""
    with session_scope() as session:
        target = ticket_to_rate(
            session, number, sender_id=tracker.sender_id, phone=tracker.get_slot("contact_phone")
        )
        if target.kind is Target.TICKET:
            dispatcher.utter_message(text=say("rating_ask"))
            return []
        asked = _ask_about(dispatcher, target)
        if target.kind is Target.NOT_DONE:
            return asked
        return [*asked, SlotSet("pending_rating", {"score": None})]  # which ticket, then the score


def _ask_about(dispatcher: CollectingDispatcher, target: RatingTarget) -> list[EventType]:
    """Say why the rating has no ticket yet: still being handled, which of several (「第一张」 then
    names one of them), or which one at all."""
    if target.kind is Target.NOT_DONE and target.ticket is not None:
        status = STATUS_LABELS[TicketStatus(target.ticket.status)]
        dispatcher.utter_message(text=say("rating_not_done", number=target.ticket.number, status=status))
        return []
    if target.kind is Target.WHICH:
        numbers = "、".join(target.choices)
        dispatcher.utter_message(text=say("rating_which", count=len(target.choices), numbers=numbers))
        return [SlotSet("last_lookup", Lookup(TICKETS, target.choices).to_dict())]
    dispatcher.utter_message(text=say("rating_unknown"))
    return []
