"""The FAQ knowledge base the bot asks: kb/faq/*.yml searched with the settings of kb/retrieval.yml.

    kb = KnowledgeBase(kb_dir, policy)
    result = kb.ask("保修几年啊")       # Answer(verdict=Verdict.ANSWER, hits=[FaqHit(...), ...])

It re-reads the FAQ by itself when a file under kb/faq/, kb/retrieval.yml or kb/devices.yml changes (one stat
per file on each `ask`), so content editors see their change without a restart. A change that does not load (a
YAML error) is logged and the previous content stays in service.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import suppress
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.examples import (
    Example,
    ExampleModel,
    ExampleSettings,
    Opinion,
    labelled_texts,
    load_examples,
)
from bot.knowledge.faq import FaqEntry, duplicates, load_faq, load_yaml
from bot.knowledge.homophones import Homophones
from bot.knowledge.retrieval import HeldOut, Index, ScoringSettings, Variant
from bot.knowledge.text import TextAnalyser
from bot.policy import PolicyError, ServicePolicy

log = logging.getLogger(__name__)

_MODEL_SEPARATORS = re.compile(r"[-_\s]+")

_Stamp = tuple[tuple[str, int, int], ...]
EXAMPLES_FILE = "examples.yml"  # labelled callers' questions (bot.knowledge.examples)


class KnowledgeBaseError(RuntimeError):
    """A knowledge base file cannot be read."""


class Verdict(str, Enum):
    ANSWER = "answer"  # the first hit is confident enough to be the reply
    SUGGEST = "suggest"  # offer the hits as 「您是想问：」 choices
    NONE = "none"  # nothing close enough: fall back


@dataclass(frozen=True)
class FaqHit:
    id: str
    question: str
    answer: str  # with the policy's numbers filled in
    score: float  # in [0, 1], see bot.knowledge.retrieval


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    hits: list[FaqHit]  # best first, at most k, none below the suggest threshold; empty for Verdict.NONE
    # The best k entries and their scores whatever the scores (for a question nothing was found for).
    nearest: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class RetrievalSettings:
    answer_threshold: float
    # ANSWER also needs this lead over the second entry: a near tie is for the caller to pick.
    answer_margin: float
    suggest_threshold: float
    # ANSWER also when the best entry is the only one at or above suggest_threshold and scores this much.
    lone_answer_threshold: float
    scoring: ScoringSettings
    examples: ExampleSettings = ExampleSettings()


@dataclass(frozen=True)
class Learned:
    """What the knowledge base learned in the console (bot.knowledge.learning), merged into the index on the
    fly: callers' questions attached to entries as paraphrases, and entries drafted from missed questions."""

    paraphrases: tuple[tuple[str, str], ...] = ()  # (entry id, question)
    entries: tuple[tuple[str, str, str, str], ...] = ()  # (id, question, answer, file)


@dataclass(frozen=True)
class _Content:
    settings: RetrievalSettings
    analyser: TextAnalyser
    entries: list[FaqEntry]
    by_id: dict[str, FaqEntry]
    index: Index
    problems: list[str]
    device_words: frozenset[str]  # the canonical device words (生化仪, 发光仪 …) of normalised texts
    homophones: Homophones
    example_model: ExampleModel | None  # None: no examples, or `examples.enabled` is false


class KnowledgeBase:
    def __init__(self, kb_dir: Path, policy: ServicePolicy) -> None:
        """Loads kb_dir/faq/*.yml, kb_dir/retrieval.yml and kb_dir/devices.yml; raises KnowledgeBaseError."""
        self.kb_dir = kb_dir
        self.policy = policy
        self._lock = threading.Lock()
        self._learned = Learned()
        self._config_stamp, self._faq_stamp = self._stamps()
        self._content = self._load(analyser=None)

    @property
    def entries(self) -> list[FaqEntry]:
        self._reload_if_changed()
        return list(self._content.entries)

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._content.by_id.get(entry_id)

    @property
    def settings(self) -> RetrievalSettings:
        return self._content.settings

    def learn(self, learned: Learned) -> None:
        """Merge what was learned into the index (a rebuild only when it changed; no retraining, no
        restart)."""
        with self._lock:
            if learned == self._learned:
                return
            self._learned = learned
            try:
                self._content = self._load(self._content.analyser)
            except KnowledgeBaseError:
                log.exception("learned questions not merged; the previous content stays in service")

    # The helpers below read the content as of the last `ask` (no file check each: a reply calls them often).

    def normalise(self, text: str) -> str:
        """The text as the retriever reads it: cleaned, synonyms replaced by their group's word."""
        return self._content.analyser.normalise(text)

    def ngrams(self, text: str) -> list[str]:
        """The character n-grams the fuzzy half of the score compares (synonyms applied, stopwords
        dropped)."""
        analyser = self._content.analyser
        return analyser.ngrams(analyser.terms(text))

    def terms(self, text: str) -> list[str]:
        """The words the retriever looks a text up by (synonyms applied, stopwords dropped)."""
        return self._content.analyser.terms(text)

    def known_terms(self, text: str) -> list[str]:
        """The text's terms that some FAQ entry holds (its words, or a character inside them)."""
        index = self._content.index
        return [term for term in self._content.analyser.terms(text) if index.holds(term)]

    def correct(self, text: str) -> str:
        """The text with homophone typos and typed pinyin turned into the knowledge base's words (保休 →
        保修, yan bao → 延保)."""
        return self._content.homophones.correct(text)

    def device_words(self, text: str) -> set[str]:
        """The device types a text names, as canonical words (「KR-2000」, 「生化」 → 生化仪)."""
        words = self._content.device_words
        return {term for term in self._content.analyser.terms(text) if term in words}

    def opinion(self, question: str) -> Opinion | None:
        """The classifier's classes for a question (bot.knowledge.examples); None without a classifier."""
        model = self._content.example_model
        return model.opinion(question) if model is not None else None

    def refresh(self) -> None:
        """Re-reads the files that changed since the last look (ask does it by itself)."""
        self._reload_if_changed()

    def ask(self, question: str, k: int = 3, *, check_files: bool = True) -> Answer:
        """check_files=False: a caller that asks many times for one message has called `refresh` once."""
        if check_files:
            self._reload_if_changed()
        content, settings = self._content, self._content.settings
        by_id = content.by_id
        # The runner-up is needed for the margin even when only one hit is asked for.
        ranked = list(content.index.entry_scores(question, limit=max(k, 2)).items())
        hits = [
            FaqHit(entry_id, by_id[entry_id].question, by_id[entry_id].answer, round(score, 4))
            for entry_id, score in ranked[:k]
            if score >= settings.suggest_threshold
        ]
        if not hits:
            return Answer(Verdict.NONE, [], ranked[:k])
        best, runner_up = ranked[0][1], (ranked[1][1] if len(ranked) > 1 else 0.0)
        confident = best >= settings.answer_threshold and best - runner_up >= settings.answer_margin
        lone = runner_up < settings.suggest_threshold  # nothing else the caller could have meant
        confident = confident or (lone and best >= settings.lone_answer_threshold)
        return Answer(Verdict.ANSWER if confident else Verdict.SUGGEST, hits, ranked[:k])

    def closest(self, question: str) -> FaqHit | None:
        """The best entry for a question whatever its score (for the manager, never for a caller)."""
        self._reload_if_changed()
        ranked = list(self._content.index.entry_scores(question, limit=1).items())
        if not ranked:
            return None
        entry = self._content.by_id[ranked[0][0]]
        return FaqHit(entry.id, entry.question, entry.answer, round(ranked[0][1], 4))

    def held_out(self) -> list[HeldOut]:
        """Every question and paraphrase asked with itself left out of the index (see Index.held_out)."""
        self._reload_if_changed()
        return self._content.index.held_out()

    def check(self) -> list[str]:
        """Lint problems of the FAQ; empty when every entry loads, is unique and is found by its own
        paraphrases."""
        self._reload_if_changed()
        content = self._content
        problems = content.analyser.problems + content.problems
        problems += duplicates(content.entries, content.analyser.normalise)
        for result in content.index.held_out():
            if result.best_id != result.variant.entry_id:
                problems.append(
                    f"{result.variant.entry_id}: 「{result.variant.text}」 without itself finds"
                    f" {result.best_id} "
                    f"({result.best_score:.2f}) before its own entry ({result.own_score:.2f})"
                )
        return problems

    def _stamps(self) -> tuple[_Stamp, _Stamp]:
        config = [self.kb_dir / "retrieval.yml", self.kb_dir / "devices.yml"]
        content = [*sorted((self.kb_dir / "faq").glob("*.yml")), self.kb_dir / EXAMPLES_FILE]
        return file_stamp(config), file_stamp(content)

    def _reload_if_changed(self) -> None:
        with self._lock:
            config_stamp, faq_stamp = self._stamps()
            if (config_stamp, faq_stamp) == (self._config_stamp, self._faq_stamp):
                return
            # Building the tokenizer is the slow part: keep it unless the synonyms or the devices changed.
            analyser = self._content.analyser if config_stamp == self._config_stamp else None
            self._config_stamp, self._faq_stamp = config_stamp, faq_stamp
            try:
                self._content = self._load(analyser)
            except KnowledgeBaseError:
                log.exception("knowledge base change not loaded; the previous content stays in service")
                return
            log.info("knowledge base reloaded: %d entries", len(self._content.entries))

    def _load(self, analyser: TextAnalyser | None) -> _Content:
        retrieval = read_yaml(self.kb_dir / "retrieval.yml")
        devices: list[dict[str, Any]] = read_yaml(self.kb_dir / "devices.yml").get("device_types", [])
        try:
            settings = RetrievalSettings(
                answer_threshold=float(retrieval["answer_threshold"]),
                answer_margin=float(retrieval.get("answer_margin", 0.0)),
                suggest_threshold=float(retrieval["suggest_threshold"]),
                lone_answer_threshold=float(
                    retrieval.get("lone_answer_threshold", retrieval["answer_threshold"])
                ),
                scoring=ScoringSettings(**retrieval.get("scoring", {})),
                examples=ExampleSettings(**retrieval.get("examples", {})),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise KnowledgeBaseError(f"{self.kb_dir / 'retrieval.yml'}: bad settings ({error})") from error
        if analyser is None:
            analyser = TextAnalyser(
                synonyms=synonym_groups(retrieval.get("synonyms", {}), devices),
                words=retrieval.get("words", []),
                stopwords=retrieval.get("stopwords", []),
                ngram_range=tuple(retrieval.get("ngram_range", (1, 3))),
            )
        try:
            loaded = load_faq(self.kb_dir / "faq", self.policy, {device["id"] for device in devices})
        except (OSError, yaml.YAMLError) as error:
            raise KnowledgeBaseError(f"cannot read the FAQ in {self.kb_dir / 'faq'}: {error}") from error
        loaded.entries[:] = _with_learned(loaded.entries, self._learned, self.policy)
        device_terms = {analyser.normalise(_device_word(device)): device["id"] for device in devices}
        index = Index(
            variants=[Variant(entry.id, text) for entry in loaded.entries for text in entry.variants],
            answers={entry.id: entry.answer for entry in loaded.entries},
            analyser=analyser,
            settings=settings.scoring,
            entry_devices={entry.id: frozenset(entry.device_types) for entry in loaded.entries},
            device_terms=device_terms,
        )
        by_id = {entry.id: entry for entry in loaded.entries}
        # What a misspelt word may become: the words of the FAQ's texts (cached by the analyser) and its own.
        vocabulary = {term for variant in index.variants for term in analyser.terms(variant.text)}
        homophones = Homophones(vocabulary | analyser.own_words, *analyser.frequencies)
        examples_path = self.kb_dir / EXAMPLES_FILE
        examples, problems = load_examples(
            examples_path, read_yaml(examples_path) if examples_path.exists() else None
        )
        model = (
            _example_model(index, analyser, homophones, examples, self._learned, settings.examples)
            if settings.examples.enabled
            else None
        )
        return _Content(
            settings,
            analyser,
            loaded.entries,
            by_id,
            index,
            loaded.problems + problems,
            frozenset(device_terms),
            homophones,
            model,
        )


def _example_model(
    index: Index,
    analyser: TextAnalyser,
    homophones: Homophones,
    examples: list[Example],
    learned: Learned,
    settings: ExampleSettings,
) -> ExampleModel | None:
    """The classifier of bot.knowledge.examples, trained on the FAQ's texts, the examples and what was learned
    in the console; None when there is nothing to tell apart."""
    # The questions attached in the console are examples of their entry too (at once, like their paraphrases).
    attached = [Example(entry_id, text) for entry_id, text in learned.paraphrases]
    attached += [Example(entry_id, question) for entry_id, question, _, _ in learned.entries]
    known = {variant.entry_id for variant in index.variants}
    variants = [(variant.entry_id, variant.text) for variant in index.variants]
    labelled = labelled_texts(variants, examples + attached, known)
    if not labelled:
        return None

    def features(text: str) -> list[str]:
        terms = analyser.terms(text)
        return [*analyser.ngrams(terms), *(f"w:{term}" for term in terms)]

    # An example is read as a caller's message is: homophone typos corrected first.
    corrected = [(homophones.correct(text), label) for text, label in labelled]
    return ExampleModel(corrected, features, settings.regularisation)


def _with_learned(entries: list[FaqEntry], learned: Learned, policy: ServicePolicy) -> list[FaqEntry]:
    """The FAQ's entries plus the learned ones, each with its learned paraphrases (a duplicate is left
    out)."""
    known = {entry.id for entry in entries}
    merged = list(entries)
    for entry_id, question, answer, file in learned.entries:
        if entry_id in known:
            continue
        with suppress(PolicyError):  # a brace the manager wrote is text, not a policy value
            answer = policy.render(answer)
        merged.append(FaqEntry(entry_id, question, (), answer, ("learned",), (), "console", file))
        known.add(entry_id)
    extra: dict[str, list[str]] = {}
    for entry_id, text in learned.paraphrases:
        extra.setdefault(entry_id, []).append(text)
    return [
        replace(
            entry,
            paraphrases=entry.paraphrases + tuple(t for t in extra[entry.id] if t not in entry.variants),
        )
        if entry.id in extra
        else entry
        for entry in merged
    ]


def file_stamp(paths: list[Path]) -> _Stamp:
    """What changes when a file is edited, added or removed; (-1, -1) for a missing file."""
    stamps = []
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            stamps.append((path.name, -1, -1))
        else:
            stamps.append((path.name, status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            raw = load_yaml(handle)
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeBaseError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path} is not a YAML mapping")
    return raw


def _device_word(device: dict[str, Any]) -> str:
    """The canonical word of a device type: its shortest name (shares the fewest characters with other
    devices)."""
    return min([device["name"], *device.get("aliases", [])], key=len)


def synonym_groups(groups: dict[str, list[str]], devices: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The synonym groups of retrieval.yml plus one per device type: its name, aliases and model codes mapped
    to its word, so that 「HX-680质保多久」 reads as 「生化仪质保多久」 and the device is recognised."""
    merged = {str(canonical): [str(v) for v in variants or []] for canonical, variants in groups.items()}
    for device in devices:
        names = [device["name"], *device.get("aliases", [])]
        for model in device.get("models", []):
            names += _model_spellings(str(model["model"]))
        merged.setdefault(_device_word(device), []).extend(names)
    return merged


def _model_spellings(code: str) -> list[str]:
    """KR-2000 as callers type it: KR-2000, KR 2000 (the same once cleaned) and KR2000; case is cleaned
    away."""
    return [code, _MODEL_SEPARATORS.sub("", code)]
