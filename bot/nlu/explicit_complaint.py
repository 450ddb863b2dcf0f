"""`complaint` when the caller says they complain (「我要投诉」「投诉！」) and the classifier, torn between a
complaint and what the complaint is about (a late ticket, a fault back again), did not dare to choose.

In config.yml, after FallbackClassifier (it only resolves that classifier's 「您是想…」)::

    pipeline:
      # ... intent classifier, entity extractors, FallbackClassifier ...
      - name: bot.nlu.explicit_complaint.ExplicitComplaint

An angry caller who names a ticket or a repeat fault must first hear an apology, not a menu: a complaint
said as a demand (投诉, 「我要反映个问题」, 「这个我们不能接受」, 「给个说法」) decides it when the
classifier ranked complaint first or second (「投诉 单号SR… 工程师…」 is torn between the ticket and the
complaint). So it does when the classifier chose a look-up of what the complaint is about with complaint
next (「我要反映个问题 SR… 报价一万二 明明还在保修期里…不能接受」 read as a warranty question). A question
about complaining (「怎么投诉」「投诉电话多少」) is no demand.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent

COMPLAINT = "complaint"
_DEMAND = re.compile(r"投诉")
# A complaint in other words: only when the classifier thought of a complaint too (a rating may say them).
_IN_OTHER_WORDS = re.compile(
    r"反映(?:个|一个|一下|下)?(?:问题|情况)|(?:不能|没法|无法|不可能)接受|给(?:个|我们|我们一个|一个)?说法"
)
# What a complaint is about, which the classifier may choose over it: a ticket, a warranty, a question.
_SUBJECTS = frozenset({"check_ticket", "check_warranty", "ask_question"})
# A question about the complaint procedure, not a complaint.
_ABOUT_COMPLAINING = re.compile(
    r"怎么投诉|如何投诉|投诉(?:电话|渠道|流程|方式|热线)|在哪(?:里|儿)?投诉|能不能投诉|可以投诉吗"
    r"|投诉(?:应该|该|要|得|的话)?(?:怎么|如何|咋|找谁|打哪|去哪)"  # 「投诉应该怎么投」「投诉的话找谁」
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ExplicitComplaint(RuleComponent):
    """Turns the fallback, or a look-up of what is complained about, into `complaint` when complaint ranks
    first or second and the caller demands it."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            read = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            demands = says_complaint(text) or bool(_IN_OTHER_WORDS.search(text))
            if read not in ("nlu_fallback", *_SUBJECTS) or not demands:
                continue
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r[INTENT_NAME_KEY] != "nlu_fallback"
            ]
            complaint = next((r for r in ranking[:2] if r[INTENT_NAME_KEY] == COMPLAINT), None)
            if complaint is not None:
                message.set(INTENT, complaint, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [complaint, *(r for r in ranking if r is not complaint)],
                    add_to_output=True,
                )
        return messages


def says_complaint(text: str) -> bool:
    """投诉 said as a demand, not asked about (「怎么投诉」)."""
    return bool(_DEMAND.search(text)) and not _ABOUT_COMPLAINING.search(text)
