"""bot/nlu/safety_intent.py: `report_hazard` exactly when the kb/safety rules find a hazard, whatever the
classifier (or the fallback) said."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import settings
from bot.nlu.safety_intent import SafetyIntentOverride
from bot.safety import HAZARD_INTENT, load_rules

OVERRIDE = SafetyIntentOverride(load_rules(settings().kb_dir))


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={TEXT: text, INTENT: ranked[0], INTENT_RANKING_KEY: ranked})


def intent_of(message: Message) -> Any:
    return message.get(INTENT)["name"]


@pytest.mark.parametrize(
    "ranking",
    [
        (("nlu_fallback", 0.4), ("report_fault", 0.3)),  # garbled: the fallback would have asked 「您是想…」
        (("ask_question", 0.6), ("report_fault", 0.3)),  # 「是不是漏气了，怎么办」 read as a question
        (("report_fault", 0.9), ("inform", 0.1)),
    ],
)
def test_a_hazard_is_report_hazard_whatever_the_classifier_said(
    ranking: tuple[tuple[str, float], ...],
) -> None:
    [message] = OVERRIDE.process([classified("原子吸收那边一股很重的乙炔味 是不是漏气了 怎么办", *ranking)])
    assert intent_of(message) == HAZARD_INTENT and message.get(INTENT)["confidence"] == 1.0
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == [
        HAZARD_INTENT,
        *(name for name, _ in ranking),
    ]


def test_a_mention_the_classifier_took_for_a_hazard_gets_its_next_best_intent() -> None:
    [message] = OVERRIDE.process(
        [classified("试剂要避光防火吗", (HAZARD_INTENT, 0.5), ("ask_question", 0.4))]
    )
    assert intent_of(message) == "ask_question"
    assert HAZARD_INTENT not in [r["name"] for r in message.get(INTENT_RANKING_KEY)]


def test_an_ordinary_message_is_left_as_it_was() -> None:
    [message] = OVERRIDE.process(
        [classified("保修期还有多久", ("ask_question", 0.8), ("check_warranty", 0.2))]
    )
    assert intent_of(message) == "ask_question" and len(message.get(INTENT_RANKING_KEY)) == 2
