"""Turns outside any flow: a stray 「好的」/「对」, and the 「您是想…」 choices of the two-stage fallback."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.texts import labels, say

# Intents never offered as a guess: they mean nothing on their own.
NOT_OFFERED = {"nlu_fallback", "out_of_scope", "inform", "affirm", "deny"}
CHOICES = 3


class ActionAcknowledge(Action):
    """A 「对」 or 「好的」 with nothing to confirm: after a ticket, say it exists already, never make a second."""

    def name(self) -> str:
        return "action_acknowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        number = tracker.get_slot("last_ticket_number")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if number and intent == "affirm" and _just_submitted(tracker):
            dispatcher.utter_message(text=say("ticket_already_created", number=number))
        else:
            dispatcher.utter_message(text=say("acknowledge"))
        return []


def _just_submitted(tracker: Tracker) -> bool:
    """Did the bot's last action before this message submit something?"""
    for event in reversed(tracker.events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return event["name"] in ("action_submit_ticket", "action_submit_service_request")
    return False


class ActionDefaultAskAffirmation(Action):
    """Low NLU confidence: offer the likeliest meanings as choices instead of guessing."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        names = labels("intent_labels")
        ranking = tracker.latest_message.get("intent_ranking") or []
        offered = [r["name"] for r in ranking if r.get("name") in names and r["name"] not in NOT_OFFERED][:CHOICES]
        buttons = [{"title": names[name], "payload": f"/{name}"} for name in offered]
        buttons.append({"title": say("ask_affirmation_none"), "payload": "/deny"})
        dispatcher.utter_message(text=say("ask_affirmation"), buttons=buttons)
        return []
