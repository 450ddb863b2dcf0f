"""Questions for the knowledge base: answer (each question of the message, a follow-up read with the previous
one), offer the closest questions, or say honestly that we do not know and how to reach a person."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import caller_of_tracker
from actions.complaints import complaint_follow_up
from bot.clock import to_local, utc_now
from bot.config import settings
from bot.context import Lookup
from bot.db import session_scope
from bot.intake_commands import question_on_leaving
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers, Context
from bot.knowledge.learning import learned
from bot.knowledge.questions import record_question
from bot.knowledge.registry import caller_device
from bot.policy import current_policy
from bot.replies import NOT_GIVEN
from bot.texts import say


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    # One per process; it reloads its files by itself when they change.
    return KnowledgeBase(settings().kb_dir, current_policy())


@lru_cache(maxsize=1)
def answers() -> Answers:
    return Answers(knowledge_base(), current_policy())


def _serial(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "serial_number":
            return str(entity.get("value"))
    serial = tracker.get_slot("serial_number")  # the intake's, when the question comes in the middle of it
    if serial not in (None, NOT_GIVEN):
        return str(serial)
    lookup = Lookup.from_dict(tracker.get_slot("last_lookup"))
    return lookup.warranty_device if lookup is not None else None


def _device_spoken_of(tracker: Tracker) -> Context | None:
    """The device of the report under way or just left, as what a question naming none is about
    (「试剂换了新批号要不要重新定标」 after 「我们化学发光仪质控偏高 要不要报修」: the immunoassay's
    answer, not the choice between it and the chemistry analyser's)."""
    left = tracker.get_slot("cancelled_registration") or {}
    device = tracker.get_slot("device") or left.get("device")
    return Context(str(device), None) if device and device != NOT_GIVEN else None


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        about_complaint = complaint_follow_up(dispatcher, tracker, text)
        if about_complaint is not None:
            return about_complaint
        return answer_question(dispatcher, tracker, question_on_leaving(text))


def answer_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: str, *, only_if_known: bool = False
) -> list[EventType]:
    """Answer a question from the knowledge base, about the caller's device where one was named; the events to
    add. only_if_known: say nothing unless the knowledge base has the answer (a question asked in passing,
    beside the step reply of a guided check)."""
    last = tracker.get_slot("faq_last_question")
    previous = Context(str(last), tracker.get_slot("faq_last_topic")) if last else _device_spoken_of(tracker)
    policy = current_policy()
    now = utc_now()
    with session_scope() as session:
        # What the manager taught in the console counts from the next question on, in every process.
        knowledge_base().learn(learned(session))
        caller = caller_of_tracker(session, tracker)
        today = to_local(now, policy.timezone).date()
        device = caller_device(session, caller, _serial(tracker), policy, today)
        reply = answers().reply(question, previous=previous, device=device, today=today)
        if only_if_known and reply.verdict is not Verdict.ANSWER:
            return []
        top = reply.topics[0] if reply.parts else (reply.suggestions[0].id if reply.suggestions else None)
        question_id = record_question(
            session,
            question,
            reply.verdict,
            top,
            reply.score,
            channel=tracker.get_latest_input_channel() or "rest",
            sender_id=tracker.sender_id,
            at=now,
        )
    remembered = [
        SlotSet("faq_last_question", reply.context.question),
        SlotSet("faq_last_topic", reply.context.topic),
    ]
    if reply.verdict is Verdict.ANSWER:
        text = reply.text
        # Feedback only outside a form: there the next 「对」 belongs to the form.
        if not tracker.active_loop_name:
            text += "\n" + say("faq_helpful")
        dispatcher.utter_message(text=text)
        return [SlotSet("faq_misses", 0), SlotSet("faq_question_id", question_id), *remembered]
    if reply.verdict is Verdict.SUGGEST:
        buttons = [{"title": hit.question, "payload": hit.question} for hit in reply.suggestions]
        # A short question naming no topic is asked which topic is meant, not offered guesses.
        key = "faq_clarify" if reply.clarifying else "faq_suggest"
        dispatcher.utter_message(text=say(key), buttons=buttons)
        return [SlotSet("faq_misses", 0), SlotSet("faq_question_id", None), *remembered]
    misses = int(tracker.get_slot("faq_misses") or 0) + 1
    key = "faq_none_twice" if misses >= 2 else "faq_none"
    callback = policy.value("deadlines.callback_minutes")
    dispatcher.utter_message(text=say(key, hotline=policy.hotline_phone, callback_minutes=callback))
    # A declined question is no context for the next one: the earlier question stays the one to continue.
    return [SlotSet("faq_misses", misses), SlotSet("faq_question_id", None)]
