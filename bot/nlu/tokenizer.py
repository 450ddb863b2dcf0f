"""The hotline's Chinese tokenizer: Rasa's JiebaTokenizer, taught the device catalogue, with codes kept whole.

In config.yml, in place of JiebaTokenizer::

    language: zh
    pipeline:
      - name: bot.nlu.tokenizer.HotlineTokenizer

What it changes:
- Every term of kb/devices.yml (type names, aliases, brands, model codes) is in jieba's dictionary, so
  全自动生化分析仪, 生化仪 and 原子吸收 are one token each. The dictionary is built in memory from the
  catalogue whenever the component is built, for training and inference alike; no file is written or read
  besides the catalogue, and nothing is persisted in the model.
- Latin/digit codes are one token each: model codes (AA-7000, KR-i300), serials (SN20240518A), ticket ids
  (SR202611210007), phone numbers (0371-65432109); jieba alone cuts AA-7000 into AA / - / 7000.
- Whitespace is not a token (jieba emits " " as one).

It segments with its own jieba.Tokenizer, so the global jieba, which spaCy and other code share, is left as it
was. `dictionary_path` is refused: domain words belong in the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jieba
import rasa.shared.utils.io
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message

from bot.config import settings
from bot.nlu.terms import CatalogueEntry, load_terms

# Letters and digits, optionally joined by - _ . (KR-i300, 0371-65432109, V2.1). Not "/": "KR-2000/AA-7000"
# is two models.
CODE = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")


class DomainSegmenter:
    """jieba with the catalogue in its dictionary, codes kept whole and whitespace dropped."""

    def __init__(self, words: Iterable[str]) -> None:
        self._jieba = jieba.Tokenizer()
        for word in words:
            # Without a frequency jieba suggests one just high enough to keep the word whole.
            self._jieba.add_word(word)

    def segment(self, text: str) -> list[tuple[str, int]]:
        """The words of text, each with its start offset in text."""
        pieces = [(word, start, end) for word, start, end in self._jieba.tokenize(text) if not word.isspace()]
        return _join_codes(pieces, text)


def _join_codes(pieces: list[tuple[str, int, int]], text: str) -> list[tuple[str, int]]:
    # A code is joined only where its ends fall on piece boundaries: a catalogue word that jieba kept whole
    # across a Latin/Chinese border (say B超) is left alone.
    first_piece = {start: i for i, (_, start, _) in enumerate(pieces)}
    last_piece = {end: i for i, (_, _, end) in enumerate(pieces)}
    code_ends: dict[int, int] = {}  # index of a code's first piece → index of its last
    for code in CODE.finditer(text):
        first, last = first_piece.get(code.start()), last_piece.get(code.end())
        if first is not None and last is not None:
            code_ends[first] = last
    words = []
    i = 0
    while i < len(pieces):
        last = code_ends.get(i, i)
        start, end = pieces[i][1], pieces[last][2]
        words.append((text[start:end], start))
        i = last + 1
    return words


@lru_cache(maxsize=4)
def _segmenter(words: tuple[str, ...]) -> DomainSegmenter:
    return DomainSegmenter(words)


def segmenter_for(catalogue: Mapping[str, CatalogueEntry]) -> DomainSegmenter:
    """The segmenter for this catalogue, built once per process: jieba takes ~1.5 s and ~70 MB to load."""
    return _segmenter(tuple(sorted(catalogue)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HotlineTokenizer(JiebaTokenizer):
    """JiebaTokenizer with the device catalogue as dictionary and Latin/digit codes as single tokens."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, model_storage, resource)
        if config.get("dictionary_path") is not None:
            raise InvalidConfigException(
                f"{type(self).__name__} builds its dictionary from the device catalogue; "
                "add domain words to kb/devices.yml instead of setting 'dictionary_path'."
            )
        # Here rather than in create/load: both go through __init__, at training and at inference.
        self._segmenter = segmenter_for(load_terms(settings().kb_dir))

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """The catalogue's words: they change the tokens, so Rasa must not reuse cached training steps."""
        return rasa.shared.utils.io.deep_container_fingerprint(sorted(load_terms(settings().kb_dir)))

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenizes the text of the given attribute of the message."""
        words = self._segmenter.segment(message.get(attribute))
        return self._apply_token_pattern([Token(word, start) for word, start in words])
