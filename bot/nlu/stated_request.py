"""A booking or a rating asked for in so many words is that request, whatever else the message carries.

「…医院检验科 想约个KR-2000的年度保养 序列号… 联系人… 电话… 地址…」 gives a whole report's details, so the
labelled-report rule made it a fault report and the bot asked for its clinical impact; 「想约个UA-720尿机的
操作培训 …医院检验科 联系人… 电话…」 read as details (inform) and got the menu. 约/预约/安排 with 保养,
维护 or 培训 decides: request_maintenance or request_training (issue 12). Not a question about booking
(「保养怎么约」), one booked before (「约了保养没人来」), a repair asked for (「…报修 顺便约个保养」), a
ticket named (its change is check_ticket's), nor a complaint said as one.

「给你们上礼拜那次维修打个分 两分 工程师来了修一半…」 sounds like a complaint and the classifier could not
choose: a score (「两分」「打五分」「五星」「满分」) or a ticket's number with a word of rating (打分, 评分,
评价, 打五分) decides rate_service; the reasons are its comment. A caller who says 投诉 as a demand complains.

A question about maintenance or training (「这个培训要收费吗」「保养要收费吗 还在保修期」) that the classifier
could not place between a question, a booking and the warranty (the fallback's 「您是想…」) is a question, for
the knowledge base, also right after a booking.

After the FallbackClassifier (whose doubt it resolves; a booking or a rating said in so many words is no
doubt) and after the safety override (a hazard stays a hazard).
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.context import asks_about_booking
from bot.intake import find_ticket_number
from bot.nlu.explicit_complaint import says_complaint
from bot.nlu.labelled_report import names_a_repair
from bot.nlu.rule_component import RuleComponent, decide_intent
from bot.safety import HAZARD_INTENT

MAINTENANCE = "request_maintenance"
TRAINING = "request_training"
RATING = "rate_service"
QUESTION = "ask_question"
FALLBACK = "nlu_fallback"

# 约 as a request to book, not 大约/节约/合约; not one booked before (约了, 约好的, 预约过).
_BOOK = re.compile(
    r"(?<![大节合契制不别没])(?:预约|约|安排)(?:个|一个|一下|下|一次|个时间)?"
    r"(?![了过好的])"
    r"\s?([^，,。；;！!？?\s]{0,16}?)(保养|维保|维护|培训)"
)
# Asking how booking works or what it costs, not asking to book (「能约下周三的保养吗」 asks to book).
_ABOUT_BOOKING = re.compile(r"怎么|怎样|如何|流程|要不要|需不需要|多少钱|收费|费用|要钱|收钱|多久|多长|提前")

_SCORE = r"(?:(?<![\d.])[1-5]|[一二两三四五])\s*(?:分(?![钟钱制])|星|颗星)|满分"
_RATES = re.compile(
    r"打分|打个分|评分|评个分|评价|好评|差评|满分|(?:打|给|评)(?:个|了|你们|您们)?\s*(?:" + _SCORE + ")"
)
_SCORE_SAID = re.compile(_SCORE)


# 「想请你们工程师来讲一次课」: a training asked for without the word.
_LECTURE = re.compile(r"(?:来|过来|给我们)讲(?:一次|一下|一堂|一节|个|堂|节)?课")


def booking_in(text: str) -> str | None:
    """request_maintenance or request_training for a message that asks to book one, else None."""
    if find_ticket_number(text) is not None or says_complaint(text) or names_a_repair(text):
        return None
    if _ABOUT_BOOKING.search(text):
        return None
    if _LECTURE.search(text.replace(" ", "")):
        return TRAINING
    found = _BOOK.search(text)
    if found is None:
        return None
    # 「约个操作和日常维护培训」 is a training: 培训 anywhere in what is booked decides.
    rest = text[found.start(1) : found.end(2) + 6]
    return TRAINING if "培训" in rest else MAINTENANCE


_SUBJECT = re.compile(r"保养|维保|维护|培训")
_TORN_BETWEEN = frozenset({"ask_question", MAINTENANCE, TRAINING, "check_warranty"})


def question_about_a_service(text: str, intent: str | None, ranking: list[dict]) -> bool:
    """「这个培训要收费吗」「保养要收费吗 还在保修期」, which the classifier could not place (the fallback)
    between a question, a booking and the warranty: a question, for the knowledge base (also right after a
    booking)."""
    if intent != FALLBACK or not _SUBJECT.search(text) or booking_in(text) or not asks_about_booking(text):
        return False
    top = [r.get("name") for r in ranking if r.get("name") != FALLBACK][:2]
    return len(top) == 2 and set(top) <= _TORN_BETWEEN and QUESTION in top


def asks_to_rate(text: str) -> bool:
    """A score said with a word of rating (「打个分 两分」, 「打五分」, 「评价五星」), or the ticket it is
    for (「SR… 那次维修 我来评个分」), and no complaint demanded."""
    said = text.replace(" ", "")
    rated = _SCORE_SAID.search(said) or find_ticket_number(text) is not None
    return bool(_RATES.search(said) and rated) and not says_complaint(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StatedRequestIntent(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            read = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not text or read == HAZARD_INTENT:
                continue  # safety first: a hazard is never a booking or a rating
            intent = RATING if asks_to_rate(text) else booking_in(text)
            if intent is None and question_about_a_service(text, read, message.get(INTENT_RANKING_KEY) or []):
                intent = QUESTION
            if intent:
                decide_intent(message, intent)
        return messages
