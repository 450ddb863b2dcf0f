"""Turns outside any flow: a stray 「好的」/「对」, and the 「您是想…」 choices of the two-stage fallback."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_message, previous_action
from actions.lookup import offer_declined
from actions.ratings import rating_follow_up
from actions.requests import booking_follow_up, call_back_follow_up
from bot.context import asks_state_of_reported
from bot.db import session_scope
from bot.knowledge.questions import record_feedback
from bot.nlu.closing import closing_intent
from bot.replies import FIELD_LABELS
from bot.texts import labels, say

# Intents never offered as a guess: they mean nothing on their own.
NOT_OFFERED = {"nlu_fallback", "out_of_scope", "inform", "affirm", "deny"}
CHOICES = 3


class ActionAcknowledge(Action):
    """A yes or no outside any form answers what the bot did last.

    After 「这个回答有帮助吗？」 it is the feedback; right after a call-back, its time is said again;
    right after a ticket, a repeated 「确认」 is told the ticket exists already (never a second one);
    otherwise it is simply acknowledged.
    """

    def name(self) -> str:
        return "action_acknowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        rated = rating_follow_up(dispatcher, tracker, tracker.latest_message.get("text") or "")
        if rated is not None:
            return rated  # 「不用了」 to the question for a phone after a low score
        called_back = call_back_follow_up(dispatcher, tracker, latest_message(tracker))
        if called_back is not None:
            return called_back  # 「对 就那个时间」 right after a call-back: its time said again
        booked = booking_follow_up(dispatcher, tracker, latest_message(tracker))
        if booked is not None:
            return booked  # 「对 就这样约」 right after a booking: the booking said again, never made twice
        previous = previous_action(tracker)
        question_id = tracker.get_slot("faq_question_id")
        if previous == "action_answer_question" and question_id is not None:
            helpful = intent == "affirm"
            with session_scope() as session:
                record_feedback(session, int(question_id), helpful)
            dispatcher.utter_message(text=say("faq_feedback_thanks" if helpful else "faq_feedback_sorry"))
            return [SlotSet("faq_question_id", None)]
        requested = tracker.get_slot("requested_slot")
        declined = offer_declined(dispatcher, tracker) if intent == "deny" else None
        if declined is not None:
            return declined  # 「不是」 to the registered device offered twice: the serial stays empty
        if tracker.active_loop.get("name") == "fault_form" and requested in FIELD_LABELS:
            # 「对的」 to the serial question: the caller thinks all is given; say what is still missing (the
            # form asks it again)
            dispatcher.utter_message(text=say("intake_still_missing", label=FIELD_LABELS[requested]))
            return []
        number = tracker.get_slot("last_ticket_number")
        acknowledges = closing_intent(tracker.latest_message.get("text") or "") is not None
        # 「对 提交」 right after the safety ticket, or a detail added to it: that ticket, not a new one.
        after_incident = previous == "action_submit_safety_ticket" or (
            previous == "action_follow_up" and tracker.get_slot("changed_ticket") == number
        )
        if (
            number
            and intent == "affirm"
            and not acknowledges  # 「晓得了」 takes note, it confirms nothing again
            and (previous in ("action_submit_ticket", "action_submit_service_request") or after_incident)
        ):
            dispatcher.utter_message(text=say("ticket_already_created", number=number))
        else:
            dispatcher.utter_message(text=say("acknowledge"))
        return []


class ActionDefaultAskAffirmation(Action):
    """Low NLU confidence: offer the likeliest meanings as choices instead of guessing."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if asks_state_of_reported(text):
            # No doubt to put to the caller: the message is a look-up, as a click on that choice would say
            return _clarified(tracker, "check_ticket")
        names = labels("intent_labels")
        ranking = tracker.latest_message.get("intent_ranking") or []
        offered = [r["name"] for r in ranking if r.get("name") in names and r["name"] not in NOT_OFFERED][
            :CHOICES
        ]
        buttons = [{"title": names[name], "payload": f"/{name}"} for name in offered]
        buttons.append({"title": say("ask_affirmation_none"), "payload": "/deny"})
        dispatcher.utter_message(text=say("ask_affirmation"), buttons=buttons)
        return []


def _clarified(tracker: Tracker, intent: str) -> list[EventType]:
    """The caller's message again, as that intent (what Rasa's two-stage fallback does with a choice made):
    the fallback's turn is taken back and the request answered."""
    latest = dict(tracker.latest_message)
    parse_data = {**latest, "intent": {"name": intent, "confidence": 1.0}}
    return [
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered(
            latest.get("text"), parse_data=parse_data, input_channel=tracker.get_latest_input_channel()
        ),
    ]
