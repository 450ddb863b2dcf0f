"""`complaint` when the caller says they complain (「我要投诉」「投诉！」) and the classifier, torn between a
complaint and what the complaint is about (a late ticket, a fault back again), did not dare to choose.

In config.yml, after FallbackClassifier (it only resolves that classifier's 「您是想…」)::

    pipeline:
      # ... intent classifier, entity extractors, FallbackClassifier ...
      - name: bot.nlu.explicit_complaint.ExplicitComplaint

An angry caller who names a ticket or a repeat fault must first hear an apology, not a menu: the word
投诉 said as a demand decides it. A question about complaining (「怎么投诉」「投诉电话多少」) is no
demand, and the tie-break applies only when complaint is the classifier's best guess.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent

COMPLAINT = "complaint"
_DEMAND = re.compile(r"投诉")
# A question about the complaint procedure, not a complaint.
_ABOUT_COMPLAINING = re.compile(
    r"怎么投诉|如何投诉|投诉(?:电话|渠道|流程|方式|热线)|在哪(?:里|儿)?投诉|能不能投诉|可以投诉吗"
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ExplicitComplaint(RuleComponent):
    """Turns the fallback into `complaint` when complaint ranks first and the caller says 投诉 as a demand."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != "nlu_fallback" or not says_complaint(text):
                continue
            best = next((r for r in ranking if r[INTENT_NAME_KEY] != "nlu_fallback"), None)
            if best and best[INTENT_NAME_KEY] == COMPLAINT:
                message.set(INTENT, best, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [r for r in ranking if r[INTENT_NAME_KEY] != "nlu_fallback"],
                    add_to_output=True,
                )
        return messages


def says_complaint(text: str) -> bool:
    """投诉 said as a demand, not asked about (「怎么投诉」)."""
    return bool(_DEMAND.search(text)) and not _ABOUT_COMPLAINING.search(text)
