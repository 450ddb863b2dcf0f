"""Questions for the knowledge base: answer, offer the closest questions, or say honestly that we do not know."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.clock import utc_now
from bot.config import settings
from bot.db import session_scope
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.questions import record_question
from bot.policy import current_policy
from bot.texts import say


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    # One per process; it reloads its files by itself when they change.
    return KnowledgeBase(settings().kb_dir, current_policy())


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        question = tracker.latest_message.get("text") or ""
        result = knowledge_base().ask(question)
        with session_scope() as session:
            question_id = record_question(
                session,
                question,
                result,
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                at=utc_now(),
            )
        if result.verdict is Verdict.ANSWER:
            text = result.hits[0].answer
            # Feedback only outside a form: there the next 「对」 belongs to the form.
            if not tracker.active_loop_name:
                text += "\n" + say("faq_helpful")
            dispatcher.utter_message(text=text)
            return [SlotSet("faq_misses", 0), SlotSet("faq_question_id", question_id)]
        if result.verdict is Verdict.SUGGEST:
            buttons = [{"title": hit.question, "payload": hit.question} for hit in result.hits]
            dispatcher.utter_message(text=say("faq_suggest"), buttons=buttons)
            return [SlotSet("faq_misses", 0), SlotSet("faq_question_id", None)]
        misses = int(tracker.get_slot("faq_misses") or 0) + 1
        if misses >= 2:
            dispatcher.utter_message(text=say("faq_none_twice", hotline=current_policy().hotline_phone))
        else:
            dispatcher.utter_message(text=say("faq_none"))
        return [SlotSet("faq_misses", misses), SlotSet("faq_question_id", None)]
