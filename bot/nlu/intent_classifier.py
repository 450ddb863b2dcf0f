"""The hotline's intent classifier: TF-IDF over characters and words, a linear SVM, calibrated probabilities.

In config.yml, after the tokenizer and in place of DIET's intent classification::

    pipeline:
      - name: bot.nlu.tokenizer.HotlineTokenizer
      - name: bot.nlu.intent_classifier.NgramIntentClassifier
      # ... entity extractors ...
      - name: FallbackClassifier

Why not DIET: on the hotline's data and on the SMP2017 benchmark (docs/benchmarks.md) a linear model over
character and word n-grams is more accurate than DIET trained from scratch, trains in seconds instead of
minutes, needs a fraction of the memory and parses in well under a millisecond.

Features, computed from the text alone (no featurizer needed before it):
- the text normalised: full-width → half-width (ＫＲ２０００ → kr2000), traditional → simplified Chinese,
  lower case, so a caller's input method does not change the answer;
- character n-grams (`char_ngrams`) of the normalised text, whitespace removed;
- word n-grams (`word_ngrams`) of the tokenizer's tokens, normalised the same way;
each block TF-IDF weighted (sublinear term frequency) and L2-normalised, the word block scaled by
`word_weight`.

Probabilities: a one-vs-rest LinearSVC (`C`, classes balanced) calibrated by Platt scaling over
`calibration_folds` stratified folds (the fold models' probabilities are averaged), so that the
FallbackClassifier's threshold means what it says. `intent_ranking` is Rasa's: the `ranking_length` best,
confidences descending.

The fitted vectorisers and classifier are saved with skops (no pickle) in the component's model storage.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import skops.io as sio
from opencc import OpenCC
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.nlu.colloquial import standard_words

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_model.skops"
# The types in a saved model that skops does not trust by default; a file holding any other is refused.
TRUSTED_TYPES = [
    f"{__name__}.NgramIntentModel",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
]


@lru_cache(maxsize=1)
def _simplifier() -> OpenCC:
    return OpenCC("t2s")


def normalise(text: str, whole_message: bool = False) -> str:
    """The text as the classifier sees it: half-width, simplified Chinese, lower case, standard words
    (bot/nlu/colloquial.yml: pinyin, dialect)."""
    # NFKC turns full-width letters, digits and punctuation (and the ideographic space) into half-width ones.
    plain = _simplifier().convert(unicodedata.normalize("NFKC", text)).lower()
    return standard_words(plain, whole_message)


def ngrams(items: Sequence[str], sizes: tuple[int, int], joiner: str) -> Iterable[str]:
    """The n-grams of items for every n in sizes (inclusive)."""
    smallest, largest = sizes
    for n in range(smallest, largest + 1):
        for i in range(len(items) - n + 1):
            yield joiner.join(items[i : i + n])


class NgramIntentModel:
    """The classifier itself, without Rasa: texts with their words in, intent probabilities out."""

    def __init__(
        self,
        char_ngrams: tuple[int, int],
        word_ngrams: tuple[int, int],
        word_weight: float,
        C: float,
        calibration_folds: int,
        random_seed: int,
    ) -> None:
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.word_weight = word_weight
        self.C = C
        self.calibration_folds = calibration_folds
        self.random_seed = random_seed
        self.vectorisers = {
            "chars": (DictVectorizer(), TfidfTransformer(sublinear_tf=True)),
            "words": (DictVectorizer(), TfidfTransformer(sublinear_tf=True)),
        }
        self.classifier: CalibratedClassifierCV | None = None

    def _counts(self, text: str, words: Sequence[str]) -> dict[str, Counter[str]]:
        chars = [c for c in normalise(text, whole_message=True) if not c.isspace()]
        normalised_words = [normalise(word) for word in words]
        return {
            "chars": Counter(ngrams(chars, self.char_ngrams, "")),
            "words": Counter(ngrams(normalised_words, self.word_ngrams, " ")),
        }

    def _features(self, samples: Sequence[tuple[str, Sequence[str]]], fit: bool) -> csr_matrix:
        counts = [self._counts(text, words) for text, words in samples]
        blocks = []
        for name, (vectoriser, tfidf) in self.vectorisers.items():
            block_counts = [c[name] for c in counts]
            if fit:
                block = tfidf.fit_transform(vectoriser.fit_transform(block_counts))
            else:
                block = tfidf.transform(vectoriser.transform(block_counts))
            blocks.append(block * (self.word_weight if name == "words" else 1.0))
        return hstack(blocks, format="csr")

    def fit(self, samples: Sequence[tuple[str, Sequence[str]]], intents: Sequence[str]) -> None:
        """Learns intents from (text, words) samples.

        Raises ValueError if there are fewer than two intents, or an intent has fewer than two examples
        (calibration needs each intent in at least two folds).
        """
        counts = Counter(intents)
        if len(counts) < 2:
            raise ValueError(f"an intent classifier needs at least two intents, got {sorted(counts)}")
        rarest, fewest = min(counts.items(), key=lambda item: item[1])
        if fewest < 2:
            raise ValueError(f"intent '{rarest}' has {fewest} example; every intent needs at least two")
        folds = StratifiedKFold(
            min(self.calibration_folds, fewest), shuffle=True, random_state=self.random_seed
        )
        svm = LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_seed)
        self.classifier = CalibratedClassifierCV(svm, cv=folds, method="sigmoid")
        self.classifier.fit(self._features(samples, fit=True), np.array(intents))

    @property
    def intents(self) -> list[str]:
        """The intents the model knows, in the order of predict_proba's columns."""
        if self.classifier is None:
            return []
        return [str(intent) for intent in self.classifier.classes_]

    def predict_proba(self, samples: Sequence[tuple[str, Sequence[str]]]) -> np.ndarray:
        """One row of intent probabilities (summing to 1) per sample, columns as in `intents`."""
        if self.classifier is None:
            raise RuntimeError("the intent model is not trained")
        return self.classifier.predict_proba(self._features(samples, fit=False))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NgramIntentClassifier(GraphComponent, IntentClassifier):
    """Intents from character and word n-grams with a calibrated linear SVM (see the module docstring)."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The word n-grams come from the tokens."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        """Packages this component imports.

        Not opencc: Rasa looks these names up both as modules and as distributions, and opencc's distribution
        is called opencc-python-reimplemented (requirements.lock pins it).
        """
        return ["sklearn", "skops"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Settings tuned by cross-validation (docs/benchmarks.md); config.yml states them explicitly."""
        return {
            "char_ngrams": [1, 2],
            "word_ngrams": [1, 2],
            "word_weight": 0.7,
            "C": 3.0,
            "calibration_folds": 5,
            "random_seed": 42,
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: NgramIntentModel | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model or self._new_model(self.config)

    @staticmethod
    def _new_model(config: dict[str, Any]) -> NgramIntentModel:
        try:
            char_ngrams = _ngram_range(config, "char_ngrams")
            word_ngrams = _ngram_range(config, "word_ngrams")
            return NgramIntentModel(
                char_ngrams=char_ngrams,
                word_ngrams=word_ngrams,
                word_weight=float(config["word_weight"]),
                C=float(config["C"]),
                calibration_folds=int(config["calibration_folds"]),
                random_seed=int(config["random_seed"]),
            )
        except (TypeError, ValueError) as exc:
            raise InvalidConfigException(f"NgramIntentClassifier: {exc}") from exc

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NgramIntentClassifier:
        """A new, untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the model on the intent examples and saves it."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT)]
        if not examples:
            logger.debug("No intent examples: NgramIntentClassifier is not trained.")
            return self._resource
        self.model.fit([_sample(e) for e in examples], [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NgramIntentClassifier:
        """The trained classifier, or an untrained one if training had no intent examples."""
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                model = sio.load(path, trusted=_trusted_types(path))
        except ValueError:
            # Rasa's way of saying the resource was never written: nothing was trained.
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `intent` and `intent_ranking` on every message with text."""
        intents = self.model.intents
        if not intents:
            return messages
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return messages
        probabilities = self.model.predict_proba([_sample(m) for m in with_text])
        length = int(self.config["ranking_length"]) or len(intents)
        for message, row in zip(with_text, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")[:length]
            ranking = [{"name": intents[i], PREDICTED_CONFIDENCE_KEY: float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def _sample(message: Message) -> tuple[str, list[str]]:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return message.get(TEXT), [token.text for token in tokens]


def _ngram_range(config: dict[str, Any], key: str) -> tuple[int, int]:
    smallest, largest = (int(n) for n in config[key])
    if not 1 <= smallest <= largest:
        raise ValueError(
            f"'{key}' must be [smallest, largest] with 1 <= smallest <= largest, got {config[key]}"
        )
    return smallest, largest


def _trusted_types(path: Any) -> list[str]:
    unknown = sio.get_untrusted_types(file=path)
    refused = [t for t in unknown if t not in TRUSTED_TYPES]
    if refused:
        raise InvalidConfigException(f"{path} holds types that are not the intent model's: {refused}")
    return unknown
