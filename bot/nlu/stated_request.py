"""A booking or a rating asked for in so many words is that request, whatever else the message carries.

「…医院检验科 想约个KR-2000的年度保养 序列号… 联系人… 电话… 地址…」 gives a whole report's details, so the
labelled-report rule made it a fault report and the bot asked for its clinical impact; 「想约个UA-720尿机的
操作培训 …医院检验科 联系人… 电话…」 read as details (inform) and got the menu. 约/预约/安排 with 保养,
维护 or 培训 decides: request_maintenance or request_training (issue 12). Not a question about booking
(「保养怎么约」), one booked before (「约了保养没人来」), a repair asked for (「…报修 顺便约个保养」), a
ticket named (its change is check_ticket's), nor a complaint said as one.

「给你们上礼拜那次维修打个分 两分 工程师来了修一半…」 sounds like a complaint and the classifier could not
choose: a score (「两分」「打五分」「五星」「满分」) with a word of rating (打分, 评分, 评价, 打五分) decides
rate_service; the reasons are its comment. A caller who says 投诉 as a demand complains.

After the labelled-report rule (whose report it may overrule) and before the ticket-change rule and the
FallbackClassifier.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.intake import find_ticket_number
from bot.nlu.explicit_complaint import says_complaint
from bot.nlu.labelled_report import names_a_repair
from bot.nlu.rule_component import RuleComponent, decide_intent

MAINTENANCE = "request_maintenance"
TRAINING = "request_training"
RATING = "rate_service"

# 约 as a request to book, not 大约/节约/合约; not one booked before (约了, 约好的, 预约过).
_BOOK = re.compile(
    r"(?<![大节合契制不别没])(?:预约|约|安排)(?:个|一个|一下|下|一次|个时间)?"
    r"(?![了过好的])"
    r"\s?([^，,。；;！!？?\s]{0,16}?)(保养|维保|维护|培训)"
)
# Asking how booking works, not asking to book.
_ABOUT_BOOKING = re.compile(r"怎么|怎样|如何|流程|要不要|需不需要|多少钱|收费|费用|多久|[？?吗]")

_SCORE = r"(?:(?<![\d.])[1-5]|[一二两三四五])\s*(?:分(?![钟钱制])|星|颗星)|满分"
_RATES = re.compile(
    r"打分|打个分|评分|评个分|评价|好评|差评|满分|(?:打|给|评)(?:个|了|你们|您们)?\s*(?:" + _SCORE + ")"
)
_SCORE_SAID = re.compile(_SCORE)


def booking_in(text: str) -> str | None:
    """request_maintenance or request_training for a message that asks to book one, else None."""
    if find_ticket_number(text) is not None or says_complaint(text) or names_a_repair(text):
        return None
    found = _BOOK.search(text)
    if found is None or _ABOUT_BOOKING.search(text):
        return None
    # 「约个操作和日常维护培训」 is a training: 培训 anywhere in what is booked decides.
    rest = text[found.start(1) : found.end(2) + 6]
    return TRAINING if "培训" in rest else MAINTENANCE


def asks_to_rate(text: str) -> bool:
    """A score said with a word of rating (「打个分 两分」, 「打五分」, 「评价五星」), and no complaint
    demanded."""
    said = text.replace(" ", "")
    return bool(_RATES.search(said) and _SCORE_SAID.search(said)) and not says_complaint(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StatedRequestIntent(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            intent = RATING if asks_to_rate(text) else booking_in(text)
            if intent:
                decide_intent(message, intent)
        return messages
