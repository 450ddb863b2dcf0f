"""Scoring a question against the FAQ: one confidence in [0, 1] per entry.

Every entry is indexed as its *variants* (the canonical question and each paraphrase) and as one *bag* of
words: the words of all its variants, plus its answer's words counted `answer_weight` times each (an answer
holds words a caller uses, 「周末和节假日都有人接」). For a question q (normalised and tokenised by
`TextAnalyser`) and an entry e:

    lexical(q, e) = BM25(q, bag(e)) / ((k1 + 1) · Σ_{t ∈ q} idf(t))
    fuzzy(q, e)   = max over the variants v of e of cos(q, v), on TF-IDF vectors of character 1-3-grams
    score(q, e)   = device(q, e) · (w · lexical(q, e) + (1 − w) · fuzzy(q, e))          (w = bm25_weight)

BM25 has the usual k1 and b, with idf(t) = ln(1 + (N − n_t + 0.5) / (n_t + 0.5)) over the N entries' bags; a
term no entry has gets the largest idf. A one-character term of q also counts the times the character occurs
inside the bag's longer words, weighted `sub_word_weight` (and n_t counts those bags too): callers write 洗,
修, 关 where the FAQ has 清洗, 维修, 关机, and the word-level BM25 would miss them. The divisor is BM25's
upper bound for q (every term matched infinitely often), so `lexical` is the share of the question's
information that the entry's wording covers, weighted towards words the entry repeats, i.e. its core words;
off-topic words (天气, 股票) count in the divisor and pull it down. The bag lets a question borrow words from
several paraphrases; the n-gram half rewards one paraphrase that is close as a whole and forgives
word-splitting differences.

device(q, e) is `device_mismatch` (< 1) when q names a device type and e is only about other device types,
else 1:「发光仪多久定标」 must not get the chemistry analyser's calibration advice.

Every factor lies in [0, 1], so the score does too; higher means more confident.

The index is inverted, so that a question costs what its words and n-grams match, not what the FAQ holds: per
term, the entries whose bag has it (with its tf, sub-words included) and per n-gram, the variants that have it
(with their unit-vector weight), as numpy arrays. A question adds each term's and each n-gram's postings into
one array over entries and one over variants, in the same order as a term-by-term loop would, so the scores
are those of the formulas above to the last bit; entries nothing matches score 0 and are left out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.knowledge.text import TextAnalyser

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.intp]
_Posting = tuple[_Ints, _Floats]  # (entry or variant positions, tf or weight)


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
    """A variant asked as a question with itself removed from the index: does the rest of its entry find
    it?"""

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
        """answers: entry id → answer text; entry_devices: the device types an entry is limited to (empty:
        all); device_terms: canonical device word → device type id."""
        self.variants = variants
        self._analyser = analyser
        self._settings = settings
        self._device_terms = device_terms
        self._entry_ids = list(dict.fromkeys(variant.entry_id for variant in variants))
        self._position = {entry_id: i for i, entry_id in enumerate(self._entry_ids)}
        # The n-gram cosines are kept in rows sorted by entry (a duplicate id can split an entry's variants),
        # so that each entry's maximum is one reduceat over its run of rows.
        variant_entry = [self._position[variant.entry_id] for variant in variants]
        by_entry = sorted(range(len(variants)), key=variant_entry.__getitem__)
        self._row_of = [0] * len(variants)
        for row, i in enumerate(by_entry):
            self._row_of[i] = row
        self._variant_starts = np.array(
            [
                row
                for row, i in enumerate(by_entry)
                if row == 0 or variant_entry[i] != variant_entry[by_entry[row - 1]]
            ],
            dtype=np.intp,
        )
        self._variant_terms = [Counter(analyser.terms(v.text)) for v in variants]
        self._bags: dict[str, dict[str, float]] = {}
        for variant, terms in zip(variants, self._variant_terms, strict=True):
            bag = self._bags.setdefault(variant.entry_id, {})
            for term, tf in terms.items():
                bag[term] = bag.get(term, 0.0) + tf
        for entry_id, bag in self._bags.items():
            for term, tf in Counter(analyser.terms(answers.get(entry_id, ""))).items():
                bag[term] = bag.get(term, 0.0) + settings.answer_weight * tf
        # The Chinese characters inside the bag's longer words, for a one-character word of a question (洗: 清
        # 洗).
        self._inner: dict[str, dict[str, float]] = {
            entry_id: _inner_characters(bag) for entry_id, bag in self._bags.items()
        }
        self._bag_lengths = {entry_id: sum(bag.values()) for entry_id, bag in self._bags.items()}
        self._avg_bag = sum(self._bag_lengths.values()) / max(len(self._bags), 1)
        self._df = Counter(term for bag in self._bags.values() for term in bag)
        if settings.sub_word_weight:
            self._df.update(
                char for entry_id, bag in self._bags.items() for char in self._inner[entry_id].keys() - bag
            )
        self._length_norm = np.array([self._entry_length_norm(entry_id) for entry_id in self._entry_ids])
        self._term_postings = self._build_term_postings()
        self._device_filters = self._build_device_filters(entry_devices)
        grams = [Counter(analyser.ngrams(list(terms.elements()))) for terms in self._variant_terms]
        gram_df = Counter(gram for counts in grams for gram in counts)
        self._gram_idf = {gram: self._smooth_idf(n) for gram, n in gram_df.items()}
        self._unknown_gram_idf = self._smooth_idf(0)
        gram_postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, counts in enumerate(grams):
            for gram, weight in self._unit_vector(counts).items():
                rows, weights = gram_postings.setdefault(gram, ([], []))
                rows.append(self._row_of[i])
                weights.append(weight)
        self._gram_postings: dict[str, _Posting] = {
            gram: (np.array(rows, dtype=np.intp), np.array(weights))
            for gram, (rows, weights) in gram_postings.items()
        }

    def _entry_length_norm(self, entry_id: str, removed: int = 0) -> float:
        k1, b = self._settings.k1, self._settings.b
        return k1 * (1 - b + b * (self._bag_lengths[entry_id] - removed) / self._avg_bag)

    def _build_term_postings(self) -> dict[str, _Posting]:
        """term → the entries whose bag matches it and the tf it has there (a one-character term also counts
        inside longer words, at sub_word_weight)."""
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, entry_id in enumerate(self._entry_ids):
            bag, inner = self._bags[entry_id], self._inner[entry_id]
            for term in bag.keys() | {char for char in inner if char not in bag}:
                tf = self._term_frequency(term, bag, inner)
                if tf > 0:
                    entries, tfs = postings.setdefault(term, ([], []))
                    entries.append(i)
                    tfs.append(tf)
        return {
            term: (np.array(entries, dtype=np.intp), np.array(tfs))
            for term, (entries, tfs) in postings.items()
        }

    def _term_frequency(
        self,
        term: str,
        bag: Mapping[str, float],
        inner: Mapping[str, float],
        removed: Mapping[str, float] | None = None,
        removed_inner: Mapping[str, float] | None = None,
    ) -> float:
        """tf of a question's term in an entry's bag, less what a held-out variant adds to the bag."""
        removed, removed_inner = removed or {}, removed_inner or {}
        tf = bag.get(term, 0.0) - removed.get(term, 0)
        if len(term) == 1:
            tf += self._settings.sub_word_weight * (inner.get(term, 0.0) - removed_inner.get(term, 0.0))
        return tf

    def _build_device_filters(
        self, entry_devices: Mapping[str, frozenset[str]]
    ) -> dict[str, npt.NDArray[np.bool_]]:
        """ "limited" → the entries limited to some device types; each device type id → the entries about
        it."""
        devices = [entry_devices.get(entry_id, frozenset()) for entry_id in self._entry_ids]
        filters = {"": np.array([bool(limited) for limited in devices], dtype=np.bool_)}
        for device_id in {device for limited in devices for device in limited}:
            filters[device_id] = np.array([device_id in limited for limited in devices], dtype=np.bool_)
        return filters

    def holds(self, term: str) -> bool:
        """Whether some entry's bag has the term (sub-words included)."""
        return term in self._df

    def _idf(self, term: str) -> float:
        n, df = len(self._bags), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _smooth_idf(self, df: int) -> float:
        return math.log((len(self.variants) + 1) / (df + 1)) + 1

    def _unit_vector(self, counts: Counter[str]) -> dict[str, float]:
        # An n-gram no variant has gets the largest idf, so unknown words lengthen the question's vector.
        weights = {
            g: (1 + math.log(tf)) * self._gram_idf.get(g, self._unknown_gram_idf) for g, tf in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def entry_scores(
        self, question: str, held_out: int | None = None, limit: int | None = None
    ) -> dict[str, float]:
        """The score of every entry the question matches at all (see the module docstring), highest first,
        ties in the order of the entries; only the best `limit` when given. `held_out` removes one variant
        from its entry; corpus statistics (idf, average length) keep it, which barely matters with hundreds of
        them."""
        terms = self._analyser.terms(question)
        if not terms or not self._entry_ids:
            return {}
        k1, w = self._settings.k1, self._settings.bm25_weight
        query = list(dict.fromkeys(terms))  # each term once, in a fixed order so the sums are reproducible
        idf = {t: self._idf(t) for t in query}
        bound = (k1 + 1) * sum(idf.values())
        bm25 = np.zeros(len(self._entry_ids))
        for term in query:
            posting = self._term_postings.get(term)
            if posting is not None:
                entries, tfs = posting
                bm25[entries] += idf[term] * tfs * (k1 + 1) / (tfs + self._length_norm[entries])
        if held_out is not None:
            entry_id = self.variants[held_out].entry_id
            bm25[self._position[entry_id]] = self._held_out_bm25(query, idf, entry_id, held_out)
        scores = np.minimum(
            1.0, w * bm25 / bound + (1 - w) * self._fuzzy(terms, held_out)
        )  # min: float rounding
        named = {self._device_terms[t] for t in query if t in self._device_terms}
        if named:
            about_named = np.zeros(len(self._entry_ids), dtype=np.bool_)
            for device_id in named & self._device_filters.keys():
                about_named |= self._device_filters[device_id]
            scores[self._device_filters[""] & ~about_named] *= self._settings.device_mismatch
        return self._ranked(scores, limit)

    def _held_out_bm25(
        self, query: list[str], idf: Mapping[str, float], entry_id: str, held_out: int
    ) -> float:
        k1 = self._settings.k1
        removed = self._variant_terms[held_out]
        bag, inner, removed_inner = self._bags[entry_id], self._inner[entry_id], _inner_characters(removed)
        length_norm = self._entry_length_norm(entry_id, removed.total())
        bm25 = 0.0
        for term in query:
            tf = self._term_frequency(term, bag, inner, removed, removed_inner)
            if tf > 0:
                bm25 += idf[term] * tf * (k1 + 1) / (tf + length_norm)
        return bm25

    def _ranked(self, scores: _Floats, limit: int | None) -> dict[str, float]:
        """The entries that score above 0, highest first, ties in entry order; the best `limit` when given."""
        candidates = np.flatnonzero(scores > 0)
        if limit is not None and len(candidates) > limit:
            # Everything tied with the limit-th score stays in, so the stable sort below picks as a full sort
            # would.
            cut = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[scores[candidates] >= cut]
        order = candidates[np.argsort(-scores[candidates], kind="stable")][:limit]
        return {self._entry_ids[i]: float(scores[i]) for i in order}

    def _fuzzy(self, terms: list[str], held_out: int | None) -> _Floats:
        """Per entry, the highest cosine of the question's n-gram vector with one of its variants'."""
        cosines = np.zeros(len(self.variants))
        for gram, weight in self._unit_vector(Counter(self._analyser.ngrams(terms))).items():
            posting = self._gram_postings.get(gram)
            if posting is not None:
                rows, weights = posting
                cosines[rows] += weight * weights
        if held_out is not None:
            cosines[self._row_of[held_out]] = 0.0
        result: _Floats = np.maximum.reduceat(cosines, self._variant_starts)
        return result

    def held_out(self) -> list[HeldOut]:
        """Leave-one-out over all variants, for linting and for tuning the thresholds."""
        results = []
        for i, variant in enumerate(self.variants):
            ranked = list(self.entry_scores(variant.text, held_out=i).items())
            best_id, best_score = ranked[0] if ranked else ("", 0.0)
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            results.append(
                HeldOut(variant, best_id, best_score, dict(ranked).get(variant.entry_id, 0.0), runner_up)
            )
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
