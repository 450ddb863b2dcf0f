"""`report_hazard` whenever the keyword rules of kb/safety/ recognise a hazard, and never otherwise.

In config.yml, last (after FallbackClassifier, so that an uncertain or garbled hazard still counts)::

    pipeline:
      # ... tokenizer, intent classifier, entity extractors, FallbackClassifier ...
      - name: bot.nlu.safety_intent.SafetyIntentOverride

A hazard must never depend on the statistical classifier's mood: a message in which bot/safety.py finds a
hazard gets the intent `report_hazard` with confidence 1, ahead of the ranking; a message the classifier
called `report_hazard` but in which the rules find none (「试剂要避光防火吗」) gets the classifier's next best
intent. The rules are read in `create` from `bot.config.settings().kb_dir`, nothing is persisted in the model:
a change to kb/safety/ needs a restart, not a retraining.
"""

from __future__ import annotations

from pathlib import Path

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent
from bot.safety import HAZARD_INTENT, SafetyRules, load_rules


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyIntentOverride(RuleComponent):
    """Sets `report_hazard` from the safety rules, overriding the classifier in both directions."""

    def __init__(self, rules: SafetyRules) -> None:
        self._rules = rules

    @classmethod
    def from_kb(cls, kb_dir: Path) -> SafetyIntentOverride:
        return cls(load_rules(kb_dir))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r[INTENT_NAME_KEY] != HAZARD_INTENT
            ]
            if self._rules.recognise(text) is not None:
                hazard = {INTENT_NAME_KEY: HAZARD_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, hazard, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [hazard, *ranking], add_to_output=True)
            elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == HAZARD_INTENT and ranking:
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
