"""One value per span: where two extractors tag overlapping pieces of a message as the same entity (the
CRF's 「1234 5678」 inside the regex's 「150 1234 5678」), only the longest piece is kept, so that one phone
number said with spaces never becomes two.

In config.yml right after the entity extractors it reconciles (CRFEntityExtractor, RegexEntityExtractor).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent


def longest_per_span(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drops an entity that lies inside a longer (or equal, earlier-listed) entity of the same type."""
    kept: list[dict[str, Any]] = []
    for entity in sorted(entities, key=lambda e: (e["start"] - e["end"], e["start"])):
        inside = any(
            other["entity"] == entity["entity"]
            and other["start"] <= entity["start"]
            and entity["end"] <= other["end"]
            and (other["start"], other["end"]) != (entity["start"], entity["end"])
            for other in kept
        )
        if not inside:
            kept.append(entity)
    return [e for e in entities if any(e is k for k in kept)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityOverlapResolver(RuleComponent):
    """Keeps the longest of overlapping same-type entities."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if len(entities) > 1:
                message.set(ENTITIES, longest_per_span(entities), add_to_output=True)
        return messages
