"""What the hotline's NLU components with nothing to train share (catalogue entities, safety intent, labelled
report, entity overlaps): Rasa's `create` and `load` both build them from the knowledge base as it is then
(`from_kb`), so a change to kb/ needs a restart, never a retraining; Chinese only."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.config import settings

Component = TypeVar("Component", bound="RuleComponent")


class RuleComponent(GraphComponent):
    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        """The component from kb/ as it is now (Rasa's `load` calls this too)."""
        return cls.from_kb(settings().kb_dir)

    @classmethod
    def from_kb(cls: type[Component], kb_dir: Path) -> Component:
        """The component; one that reads nothing from kb/ has nothing to build."""
        return cls()

    @staticmethod
    def supported_languages() -> list[str]:
        """Chinese only: the segmentation is jieba's."""
        return ["zh"]


def decide_intent(message: Message, name: str) -> None:
    """`name` with confidence 1 and the classifier's others at 0: a rule decided, the fallback has nothing to
    judge."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    top = {"name": name, PREDICTED_CONFIDENCE_KEY: 1.0}
    others = [{**r, PREDICTED_CONFIDENCE_KEY: 0.0} for r in ranking if r.get("name") != name]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *others], add_to_output=True)
