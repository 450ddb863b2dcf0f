"""Scoring a question against the FAQ: one confidence in [0, 1] per entry.

Every entry is indexed as its *variants* (the canonical question and each paraphrase) and as one *bag* of words:
the words of all its variants, plus its answer's words counted `answer_weight` times each (an answer holds words a
caller uses, 「周末和节假日都有人接」). For a question q (normalised and tokenised by `TextAnalyser`) and an entry e:

    lexical(q, e) = BM25(q, bag(e)) / ((k1 + 1) · Σ_{t ∈ q} idf(t))
    fuzzy(q, e)   = max over the variants v of e of cos(q, v), on TF-IDF vectors of character 1-3-grams
    score(q, e)   = device(q, e) · (w · lexical(q, e) + (1 − w) · fuzzy(q, e))          (w = bm25_weight)

BM25 has the usual k1 and b, with idf(t) = ln(1 + (N − n_t + 0.5) / (n_t + 0.5)) over the N entries' bags; a term
no entry has gets the largest idf. A one-character term of q also counts the times the character occurs inside the
bag's longer words, weighted `sub_word_weight` (and n_t counts those bags too): callers write 洗, 修, 关 where the
FAQ has 清洗, 维修, 关机, and the word-level BM25 would miss them. The divisor is BM25's upper bound for q (every
term matched infinitely often), so `lexical` is the share of the question's information that the entry's wording
covers, weighted towards words the entry repeats, i.e. its core words; off-topic words (天气, 股票) count in the
divisor and pull it down. The bag lets a question borrow words from several paraphrases; the n-gram half rewards
one paraphrase that is close as a whole and forgives word-splitting differences.

device(q, e) is `device_mismatch` (< 1) when q names a device type and e is only about other device types, else 1:
「发光仪多久定标」 must not get the chemistry analyser's calibration advice.

Every factor lies in [0, 1], so the score does too; higher means more confident.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot.knowledge.text import TextAnalyser


@dataclass(frozen=True)
class ScoringSettings:
    k1: float = 1.2
    b: float = 0.75
    bm25_weight: float = 0.6
    answer_weight: float = 1.0
    device_mismatch: float = 0.5
    sub_word_weight: float = 0.0


@dataclass(frozen=True)
class Variant:
    entry_id: str
    text: str


@dataclass(frozen=True)
class HeldOut:
    """A variant asked as a question with itself removed from the index: does the rest of its entry find it?"""

    variant: Variant
    best_id: str
    best_score: float
    own_score: float
    runner_up_score: float  # the second entry's: what KnowledgeBase.ask's answer_margin is measured against


class Index:
    def __init__(
        self,
        variants: list[Variant],
        answers: Mapping[str, str],
        analyser: TextAnalyser,
        settings: ScoringSettings,
        entry_devices: Mapping[str, frozenset[str]],
        device_terms: Mapping[str, str],
    ) -> None:
        """answers: entry id → answer text; entry_devices: the device types an entry is limited to (empty: all);
        device_terms: canonical device word → device type id."""
        self.variants = variants
        self._analyser = analyser
        self._settings = settings
        self._entry_devices = entry_devices
        self._device_terms = device_terms
        self._variant_terms = [Counter(analyser.terms(v.text)) for v in variants]
        self._bags: dict[str, dict[str, float]] = {}
        for variant, terms in zip(variants, self._variant_terms, strict=True):
            bag = self._bags.setdefault(variant.entry_id, {})
            for term, tf in terms.items():
                bag[term] = bag.get(term, 0.0) + tf
        for entry_id, bag in self._bags.items():
            for term, tf in Counter(analyser.terms(answers.get(entry_id, ""))).items():
                bag[term] = bag.get(term, 0.0) + settings.answer_weight * tf
        # The Chinese characters inside the bag's longer words, for a one-character word of a question (洗: 清洗).
        self._inner: dict[str, dict[str, float]] = {
            entry_id: _inner_characters(bag) for entry_id, bag in self._bags.items()
        }
        self._bag_lengths = {entry_id: sum(bag.values()) for entry_id, bag in self._bags.items()}
        self._avg_bag = sum(self._bag_lengths.values()) / max(len(self._bags), 1)
        self._df = Counter(term for bag in self._bags.values() for term in bag)
        if settings.sub_word_weight:
            self._df.update(char for entry_id, bag in self._bags.items() for char in self._inner[entry_id].keys() - bag)
        grams = [Counter(analyser.ngrams(list(terms.elements()))) for terms in self._variant_terms]
        gram_df = Counter(gram for counts in grams for gram in counts)
        self._gram_idf = {gram: self._smooth_idf(n) for gram, n in gram_df.items()}
        self._gram_postings: dict[str, list[tuple[int, float]]] = {}
        for i, counts in enumerate(grams):
            for gram, weight in self._unit_vector(counts).items():
                self._gram_postings.setdefault(gram, []).append((i, weight))

    def _idf(self, term: str) -> float:
        n, df = len(self._bags), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _smooth_idf(self, df: int) -> float:
        return math.log((len(self.variants) + 1) / (df + 1)) + 1

    def _unit_vector(self, counts: Counter[str]) -> dict[str, float]:
        # An n-gram no variant has gets the largest idf, so unknown words lengthen the question's vector.
        weights = {
            g: (1 + math.log(tf)) * self._gram_idf.get(g, self._smooth_idf(0)) for g, tf in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def entry_scores(self, question: str, held_out: int | None = None) -> dict[str, float]:
        """The score of every entry (see the module docstring), highest first. `held_out` removes one variant from
        its entry; corpus statistics (idf, average length) keep it, which barely matters with hundreds of them."""
        terms = self._analyser.terms(question)
        if not terms:
            return {}
        k1, b, w = self._settings.k1, self._settings.b, self._settings.bm25_weight
        query = set(terms)
        idf = {t: self._idf(t) for t in query}
        bound = (k1 + 1) * sum(idf.values())
        fuzzy = self._fuzzy(terms, held_out)
        named = {self._device_terms[t] for t in query if t in self._device_terms}
        scores = {}
        for entry_id, bag in self._bags.items():
            removed: Counter[str] = Counter()
            if held_out is not None and self.variants[held_out].entry_id == entry_id:
                removed = self._variant_terms[held_out]
            inner, removed_inner = self._inner[entry_id], _inner_characters(removed)
            length_norm = k1 * (1 - b + b * (self._bag_lengths[entry_id] - removed.total()) / self._avg_bag)
            bm25 = 0.0
            for term in query:
                tf = bag.get(term, 0.0) - removed[term]
                if len(term) == 1:
                    tf += self._settings.sub_word_weight * (inner.get(term, 0.0) - removed_inner.get(term, 0.0))
                if tf > 0:
                    bm25 += idf[term] * tf * (k1 + 1) / (tf + length_norm)
            score = min(1.0, w * bm25 / bound + (1 - w) * fuzzy.get(entry_id, 0.0))  # min: float rounding
            devices = self._entry_devices.get(entry_id, frozenset())
            if named and devices and not named & devices:
                score *= self._settings.device_mismatch
            scores[entry_id] = score
        return dict(sorted(scores.items(), key=lambda item: item[1], reverse=True))

    def _fuzzy(self, terms: list[str], held_out: int | None) -> dict[str, float]:
        cosines = [0.0] * len(self.variants)
        for gram, weight in self._unit_vector(Counter(self._analyser.ngrams(terms))).items():
            for i, variant_weight in self._gram_postings.get(gram, ()):
                cosines[i] += weight * variant_weight
        if held_out is not None:
            cosines[held_out] = 0.0
        best: dict[str, float] = {}
        for variant, cosine in zip(self.variants, cosines, strict=True):
            best[variant.entry_id] = max(cosine, best.get(variant.entry_id, 0.0))
        return best

    def held_out(self) -> list[HeldOut]:
        """Leave-one-out over all variants, for linting and for tuning the thresholds."""
        results = []
        for i, variant in enumerate(self.variants):
            ranked = list(self.entry_scores(variant.text, held_out=i).items())
            best_id, best_score = ranked[0] if ranked else ("", 0.0)
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            results.append(HeldOut(variant, best_id, best_score, dict(ranked).get(variant.entry_id, 0.0), runner_up))
        return results


def _inner_characters(bag: Mapping[str, float]) -> dict[str, float]:
    """How often each Chinese character occurs inside the bag's words of two or more characters."""
    inner: dict[str, float] = {}
    for term, tf in bag.items():
        if len(term) > 1:
            for char in term:
                if not char.isascii():
                    inner[char] = inner.get(char, 0.0) + tf
    return inner
