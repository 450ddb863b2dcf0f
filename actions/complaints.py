"""A question about a complaint the caller has just made (「你们多久能给我个说法」): answered from its ticket
and the policy's complaint deadlines (bot.replies.complaint_deadlines), whatever intent NLU gave it."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import caller_of_tracker
from bot.context import asks_when_answered
from bot.db import session_scope
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from bot.replies import complaint_deadlines
from bot.tickets import TicketKind, find_ticket


def complaint_follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str
) -> list[EventType] | None:
    """When the caller hears back about the complaint registered in this conversation; None when the message
    asks no such thing or no complaint was made."""
    made = tracker.get_slot("last_request") or {}
    if made.get("kind") != TicketKind.COMPLAINT.value or not asks_when_answered(text):
        return None
    with session_scope() as session:
        ticket = find_ticket(session, str(made.get("number")))
        if ticket is None or not caller_of_tracker(session, tracker).may_see(ticket):
            return None
        dispatcher.utter_message(text=complaint_deadlines(ticket, current_policy(), current_calendar()))
    return []
