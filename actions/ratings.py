"""Ratings in the conversation: the score for the ticket it is about (bot.ratings), the question which ticket
when that is not clear, and the phone a low score's review needs, asked once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import latest_message
from bot.callbacks import declines_call_back
from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.context import TICKETS, Lookup, referenced_ticket
from bot.db import session_scope
from bot.db.models import Rating, Ticket
from bot.intake import find_ticket_number, normalise_phone, only_agrees, says_unknown
from bot.intake_commands import IntakeState, read_fields, values_of
from bot.nlu.closing import closing_intent
from bot.policy import current_policy
from bot.ratings import (
    Rater,
    RatingTarget,
    Target,
    add_reasons,
    add_review_contact,
    cannot_name_ticket,
    contact_for_review,
    needs_review,
    note_early_rating,
    record_rating,
    score_in,
    ticket_of_rater,
    ticket_to_rate,
)
from bot.texts import say
from bot.tickets import STATUS_LABELS, TicketStatus, find_ticket
from bot.triage import current_rules


def rate(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    score: int,
    comment: str,
    number: str | None,
    phone: str | None = None,
) -> list[EventType]:
    """Record a score for the ticket it is about, or ask which ticket (the score waits in pending_rating); a
    caller who said before the score that they cannot name the ticket has it kept without one. `phone`: one
    the caller has just said."""
    asked = tracker.get_slot("pending_rating") or {}
    if number is None and asked.get("no_ticket"):
        return _rate_without_ticket(dispatcher, tracker, score, comment, Rater(**asked.get("rater") or {}))
    number = number or asked.get("number")
    policy = current_policy()
    phone = phone or tracker.get_slot("contact_phone")
    rater = _rater_said(tracker) if number is None else Rater()
    if number is None and not rater and (cannot_name_ticket(comment) or says_unknown(comment)):
        # 「工单号弄丢了 给个一分」: unless their phone has a ticket, kept without one, nothing asked.
        with session_scope() as session:
            mine = ticket_to_rate(session, None, sender_id=tracker.sender_id, phone=phone).kind
        if mine is Target.UNKNOWN:
            return _rate_without_ticket(dispatcher, tracker, score, comment, rater)
    with session_scope() as session:
        target = ticket_to_rate(session, number, sender_id=tracker.sender_id, phone=phone)
        found = (
            ticket_of_rater(session, rater, utc_now()) if target.kind is Target.UNKNOWN and rater else None
        )
        if found is not None and found.kind in (Target.TICKET, Target.WHICH):
            # 「我是宜兴市…医院检验科的 上次修血球仪那个工程师 给个五星」: their hospital's recent finished
            # ticket (one still open is another service: the number is asked).
            target = found
        if target.kind is Target.NOT_DONE and target.ticket is not None:
            # Rated before the service is over: not a score yet, but the caller's words go on the ticket.
            note_early_rating(session, target.ticket, comment, actor=tracker.sender_id, at=utc_now())
            status = STATUS_LABELS[TicketStatus(target.ticket.status)]
            dispatcher.utter_message(
                text=say("rating_not_done_kept", number=target.ticket.number, status=status)
            )
            return [SlotSet("pending_rating", None)]
        if target.kind is not Target.TICKET or target.ticket is None:
            events = _ask_about(dispatcher, target)
            waiting = (
                None
                if target.kind is Target.NOT_DONE
                else {"score": score, "comment": comment, "rater": asdict(rater)}
            )
            return [*events, SlotSet("pending_rating", waiting)]
        ticket = target.ticket
        rating = _record(session, tracker, ticket, score, comment)
        contact = contact_for_review(ticket, [phone])
        low = needs_review(score, policy)
        done: list[EventType] = [
            SlotSet("pending_rating", None),
            _just_recorded(tracker, rating, ticket.number, ask_phone=low and not contact),
        ]
        if not low:
            dispatcher.utter_message(text=say("rating_thanks", score=score))
            return done
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
    number = find_ticket_number(text) or referenced_ticket(text, lookup)
    rater = _rater_said(tracker) if pending and number is None else Rater()
    no_number = says_unknown(text) or cannot_name_ticket(text) or latest_message(tracker).intent == "deny"
    score = score_in(text, latest_message(tracker).entities)
    if pending and pending.get("score") is None and score is not None:
        # 「两分 工程师人还行 就是等了一天半才来…」 to the question which service (or to the score's question
        # for the ticket named first): the score and its reasons are kept, and rated as soon as the ticket
        # (or who the caller is) is known.
        pending = {**pending, "score": score, "comment": text}
        number = number or pending.get("number")
        if number is None and not (no_number or rater):
            dispatcher.utter_message(text=say("rating_score_kept", score=score))
            return [SlotSet("pending_rating", pending)]
    if pending and pending.get("score") is None:
        # Which ticket, asked before the score: its number, 「单号记不得了」, or who the caller is (their
        # ticket is looked for); then the score is asked.
        if number is None and not (no_number or rater):
            return None
        if number is None and rater:
            number = _found_for(rater)
        dispatcher.utter_message(text=say("rating_ask"))
        waiting: dict[str, object] = (
            {"score": None, "number": number}
            if number
            else {"score": None, "no_ticket": True, "rater": asdict(rater)}
        )
        return [SlotSet("pending_rating", waiting), *_phone_of(rater)]
    if pending:
        score, comment = int(pending["score"]), str(pending["comment"])
        if number:
            return rate(dispatcher, tracker, score, comment, number)
        if rater:
            # 「单号冇记 孝感市…医院检验科 冯晓琴 137…」: their (or their hospital's) recent finished ticket,
            # else the score is kept without one.
            return [*_rate_for_rater(dispatcher, tracker, pending, rater), *_phone_of(rater)]
        if no_number:
            # 「工单号我忘了」: the score is kept without its ticket, not dropped.
            return _rate_without_ticket(
                dispatcher, tracker, score, comment, Rater(**pending.get("rater") or {})
            )
    reviewed = tracker.get_slot("rating_contact_for")
    if not reviewed:
        return rating_reasons(dispatcher, tracker, text)
    done: list[EventType] = [SlotSet("rating_contact_for", None)]
    phone = normalise_phone(text)
    if phone is None:
        if declines_call_back(text) or latest_message(tracker).intent == "deny":
            dispatcher.utter_message(text=say("rating_contact_declined", number=reviewed))
            return done
        return rating_reasons(dispatcher, tracker, text)
    with session_scope() as session:
        ticket = find_ticket(session, str(reviewed))
        if ticket is not None:
            add_review_contact(session, ticket, phone, actor=tracker.sender_id, at=utc_now())
    dispatcher.utter_message(text=say("rating_contact_kept", phone=phone))
    return [*done, SlotSet("contact_phone", phone)]


def rating_reasons(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """The caller's next words right after a rating (「工程师换了块板子就走了 第二天又报一样的错」, 「我叫…
    电话…」): reasons and who they are go on that rating, never a complaint of their own; a low score
    without a phone asks for one. None when no rating was just given, or the message rates, names a ticket or
    only agrees or thanks."""
    rated = tracker.get_slot("last_rating") or {}
    if (
        rated.get("turn") != _user_turns(tracker) - 1
        or find_ticket_number(text)
        or score_in(text, [])
        or closing_intent(text)
        or only_agrees(text)
    ):
        return None
    phone = _rater_said(tracker).phone
    with session_scope() as session:
        add_reasons(session, int(rated["id"]), text)
        ticket = find_ticket(session, str(rated["number"])) if rated.get("number") else None
        if phone and ticket is not None:
            add_review_contact(session, ticket, phone, actor=tracker.sender_id, at=utc_now())
    if phone:
        dispatcher.utter_message(text=say("rating_contact_kept", phone=phone))
    elif rated.get("ask_phone"):
        dispatcher.utter_message(text=say("rating_reasons_ask_phone"))
    else:
        dispatcher.utter_message(text=say("rating_reasons_kept"))
    still = {**rated, "turn": _user_turns(tracker), "ask_phone": bool(rated.get("ask_phone")) and not phone}
    return [
        SlotSet("last_rating", still),
        SlotSet("rating_contact_for", None),
        *_phone_of(Rater(phone=phone)),
    ]


def _user_turns(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") == "user")


def _just_recorded(tracker: Tracker, rating: Rating, number: str | None, *, ask_phone: bool) -> EventType:
    """The rating this turn recorded, for the reasons or phone said next (rating_reasons)."""
    return SlotSet(
        "last_rating",
        {"id": rating.id, "number": number, "ask_phone": ask_phone, "turn": _user_turns(tracker)},
    )


def _record(session: Session, tracker: Tracker, ticket: Ticket | None, score: int, comment: str) -> Rating:
    return record_rating(
        session,
        ticket,
        score,
        comment,
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "rest",
        at=utc_now(),
    )


def _rater_said(tracker: Tracker) -> Rater:
    """Who the caller said they are in the latest message: hospital, name, phone."""
    said = values_of(
        read_fields(latest_message(tracker), IntakeState(), current_catalogue(), current_rules())
    )
    return Rater(
        hospital=said.get("hospital"), person=said.get("contact_person"), phone=said.get("contact_phone")
    )


def _phone_of(rater: Rater) -> list[EventType]:
    return [SlotSet("contact_phone", rater.phone)] if rater.phone else []


def _found_for(rater: Rater) -> str | None:
    """The number of the one finished ticket of this caller or hospital, if there is exactly one."""
    with session_scope() as session:
        target = ticket_of_rater(session, rater, utc_now())
        return target.ticket.number if target.kind is Target.TICKET and target.ticket else None


def _rate_for_rater(
    dispatcher: CollectingDispatcher, tracker: Tracker, pending: dict[str, Any], rater: Rater
) -> list[EventType]:
    """A waiting score, by who the caller is: their one finished ticket, the choice among several, else kept
    without a ticket with who rated it."""
    score, comment = int(pending["score"]), str(pending["comment"])
    with session_scope() as session:
        target = ticket_of_rater(session, rater, utc_now())
        if target.kind is Target.WHICH:
            # The score waits for 「第一张」, or 「不记得」 (then kept with who rated it).
            return [
                *_ask_about(dispatcher, target),
                SlotSet("pending_rating", {**pending, "rater": asdict(rater)}),
            ]
        number = target.ticket.number if target.kind is Target.TICKET and target.ticket else None
    if number:
        return rate(dispatcher, tracker, score, comment, number, phone=rater.phone)
    return _rate_without_ticket(dispatcher, tracker, score, comment, rater)


def _rate_without_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, score: int, comment: str, rater: Rater
) -> list[EventType]:
    """The score kept without its ticket, its reasons once, and who gave it when they said so: the manager who
    reviews a low score calls them."""
    kept = f"{comment}\n{say('rating_rater', rater=str(rater))}" if rater else comment
    low = needs_review(score, current_policy())
    with session_scope() as session:
        rating = _record(session, tracker, None, score, kept)
        recorded = _just_recorded(tracker, rating, None, ask_phone=low and not rater.phone)
    if not low:
        dispatcher.utter_message(text=say("rating_thanks", score=score))
    elif rater.phone:
        dispatcher.utter_message(text=say("rating_low_unlinked_phone", score=score, phone=rater.phone))
    else:
        dispatcher.utter_message(text=say("rating_low_unlinked", score=score))
    return [SlotSet("pending_rating", None), recorded]


def ask_for_score(dispatcher: CollectingDispatcher, tracker: Tracker, number: str | None) -> list[EventType]:
    """「我想给上次的服务打个分」 without a score: first which ticket, when that is not clear, then the
    score."""
    with session_scope() as session:
        target = ticket_to_rate(
            session, number, sender_id=tracker.sender_id, phone=tracker.get_slot("contact_phone")
        )
        if target.kind is Target.TICKET and target.ticket is not None:
            dispatcher.utter_message(text=say("rating_ask"))
            # The score said next is for this ticket (「SR… 那次维修 我来评个分」 then 「给个四分吧」).
            return [SlotSet("pending_rating", {"score": None, "number": target.ticket.number})]
        asked = _ask_about(dispatcher, target)
        if target.kind is Target.NOT_DONE and target.ticket is not None and number:
            # Still being handled: a score said next is kept on it as words, not yet a rating.
            return [*asked, SlotSet("pending_rating", {"score": None, "number": target.ticket.number})]
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
