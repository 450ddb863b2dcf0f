"""`device` entities for every device the catalogue knows, read from kb/devices.yml at start-up.

In config.yml, after the statistical entity extractor and EntitySynonymMapper::

    pipeline:
      - name: bot.nlu.tokenizer.HotlineTokenizer
      # ... featurizers ...
      - name: CRFEntityExtractor
      - name: EntitySynonymMapper
      - name: bot.nlu.catalogue_entities.CatalogueEntityExtractor

It tags type names, aliases, brands and model codes as `device`. The value is canonical: the type name for a
type or alias (生化仪 → 全自动生化分析仪), the model code as catalogued for a model (kr2000 → KR-2000), the
brand for a brand. Model codes match in any case, with or without their hyphen (KR-2000, kr-2000, KR2000,
KR 2000). Where matches overlap, the longest wins (全自动生化分析仪 over 生化分析仪).

Matching: a spaCy PhraseMatcher on `spacy.blank("zh")` whose tokenizer is the HotlineTokenizer's segmentation
(jieba with the catalogue in its dictionary, codes whole). spaCy's own jieba segmenter works offline too, but
it uses the global jieba without the catalogue words (我们的生化仪坏了 → 生化 / 仪坏) and cuts codes
(KR / - / 2000); sharing the tokenizer's segmentation also keeps every match on Rasa token boundaries. A
term is therefore found only where it is a whole word: 中华信息 holds no brand 华信, KR-20000 no KR-2000;
the price is that a term fused into a longer word is missed (生化仪器 → 生化 / 仪器).

Duplicates with other extractors: a `device` entity from another extractor (the CRF) that overlaps a catalogue
match is dropped and the catalogue's entity, with its canonical value, is kept; `device` entities that
overlap no catalogue match are kept as they are. That is why this component goes after CRFEntityExtractor.

The catalogue is read in `create` (which `load` calls) from `bot.config.settings().kb_dir` and nothing is
persisted in the model, so a model added to kb/devices.yml is recognised after a restart, without retraining.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import spacy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans, get_words_and_spaces

from bot.nlu.rule_component import RuleComponent
from bot.nlu.terms import CatalogueEntry, load_terms, model_spellings
from bot.nlu.tokenizer import segmenter_for

DEVICE = "device"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogueEntityExtractor(RuleComponent, EntityExtractorMixin):
    """Tags `device` entities for the catalogue's type names, aliases, brands and model codes."""

    def __init__(self, catalogue: Mapping[str, CatalogueEntry]) -> None:
        self._catalogue = catalogue
        self._segmenter = segmenter_for(catalogue)
        self._nlp = spacy.blank("zh")
        # spaCy's hook for a custom tokenizer: patterns and messages are cut as Rasa's tokens are.
        self._nlp.tokenizer = self._make_doc
        # LOWER: model codes in any case; Chinese has no case.
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for term, entry in catalogue.items():
            spellings = model_spellings(term) if entry.kind == "model" else {term}
            self._matcher.add(term, [self._nlp.make_doc(spelling) for spelling in sorted(spellings)])

    @classmethod
    def from_kb(cls, kb_dir: Path) -> CatalogueEntityExtractor:
        return cls(load_terms(kb_dir))

    @staticmethod
    def required_packages() -> list[str]:
        """Packages this component imports."""
        return ["jieba", "spacy"]

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the catalogue's `device` entities to each message, replacing overlapping ones."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(self.extract(text))
            kept = [entity for entity in message.get(ENTITIES, []) if not _overlaps_device(entity, found)]
            message.set(ENTITIES, kept + found, add_to_output=True)
        return messages

    def extract(self, text: str) -> list[dict[str, Any]]:
        """The catalogue's devices in text, in text order; of overlapping matches the longest."""
        spans = filter_spans(self._matcher(self._nlp.make_doc(text), as_spans=True))
        return [
            {
                ENTITY_ATTRIBUTE_TYPE: DEVICE,
                ENTITY_ATTRIBUTE_START: span.start_char,
                ENTITY_ATTRIBUTE_END: span.end_char,
                ENTITY_ATTRIBUTE_VALUE: self._catalogue[span.label_].canonical,
            }
            for span in spans
        ]

    def _make_doc(self, text: str) -> Doc:
        words, spaces = get_words_and_spaces([word for word, _ in self._segmenter.segment(text)], text)
        return Doc(self._nlp.vocab, words=words, spaces=spaces)


def _overlaps_device(entity: dict[str, Any], found: list[dict[str, Any]]) -> bool:
    return entity.get(ENTITY_ATTRIBUTE_TYPE) == DEVICE and any(
        entity[ENTITY_ATTRIBUTE_START] < other[ENTITY_ATTRIBUTE_END]
        and other[ENTITY_ATTRIBUTE_START] < entity[ENTITY_ATTRIBUTE_END]
        for other in found
    )
