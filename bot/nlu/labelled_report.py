"""A registration written out with its field names (「医院 …，科室 …，电话 …，故障 …」) is a fault report.

Such a message is long and full of names and numbers, so the n-gram classifier spreads its probability over
inform, report_fault and the rest and the bot would offer a menu (issue 12, D3). Three or more field names,
one of them the fault, make it a report whatever the classifier thought. Runs after the intent classifier and
before the FallbackClassifier.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.intake_commands import LABELS
from bot.nlu.rule_component import RuleComponent

REPORT_INTENT = "report_fault"
MIN_LABELS = 3
_FAULT_LABELS = frozenset(label for label, field in LABELS.items() if field == "fault_description")
# A field name at the start of the text or after a separator, followed by its value.
_LABEL = re.compile(
    r"(?:^|[，,；;。\s：:])(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")\s*(?:是|为)?[：:\s]",
    re.IGNORECASE,
)


def labelled_fields(text: str) -> set[str]:
    """The registration field names the text uses as labels."""
    return {match.group(1) for match in _LABEL.finditer(text)}


def is_labelled_report(text: str) -> bool:
    labels = labelled_fields(text)
    fields = {LABELS.get(label, LABELS.get(label.upper())) for label in labels}
    return len(fields) >= MIN_LABELS and bool(labels & _FAULT_LABELS)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LabelledReportClassifier(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not is_labelled_report(text):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != REPORT_INTENT]
            top = {"name": REPORT_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [top, *[{**r, PREDICTED_CONFIDENCE_KEY: 0.0} for r in ranking]],
                add_to_output=True,
            )
        return messages
