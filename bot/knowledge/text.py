"""Normalisation and tokenisation of FAQ texts and user questions, the same way for both.

`normalise`: NFKC (full-width letters, digits and punctuation become half-width), traditional → simplified
Chinese (OpenCC t2s), Latin lower-cased, punctuation and symbols turned into spaces, then every synonym
replaced by its group's canonical word, longest variant first (so 「延长质保」 is matched before 「质保」),
and again until nothing changes, so that rewrites chain (「寄回厂里」 → 「寄回厂家」 → 「返厂」). A Latin or
digit variant only matches a whole code (「kr800」 not inside 「kr8000」).
`terms`: jieba words of the normalised text, stopwords dropped; the canonical words and the domain words are
in the tokenizer's dictionary so they stay whole, and a canonical word that replaced a variant is kept whole
even where the tokenizer would rather join one of its characters to a neighbour.
`ngrams`: character n-grams of the terms run together, for the fuzzy half of the score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

import jieba
from opencc import OpenCC

# High enough that a domain word beats the general dictionary's split of it (「生化」+「仪」).
_DOMAIN_WORD_FREQ = 50_000
# Rewrite rounds of `normalise`: chains are two or three steps long; the cap only guards against a cycle.
_MAX_REWRITE_ROUNDS = 5
# Texts whose terms are kept, so that a FAQ reload analyses only the texts that changed: more than a FAQ of
# 10,000 entries holds (74,000 texts). When full, the cache starts again, which costs one slower reload.
_TERMS_CACHE_SIZE = 100_000


@lru_cache(maxsize=1)
def general_dictionary() -> tuple[dict[str, int], int]:
    """jieba's general dictionary (word → frequency, total), read from disk once per process: it takes a
    second."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")  # built on first use, once: it reads its conversion tables


@lru_cache(maxsize=20_000)
def clean(text: str) -> str:
    """Half-width, simplified, lower-case text with punctuation and symbols turned into single spaces."""
    text = str(_t2s().convert(unicodedata.normalize("NFKC", text))).lower()
    kept = [" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text]
    return " ".join("".join(kept).split())


class TextAnalyser:
    """Turns a text into retrieval terms and character n-grams; built once per synonym configuration."""

    def __init__(
        self,
        synonyms: Mapping[str, Iterable[str]],
        words: Iterable[str] = (),
        stopwords: Iterable[str] = (),
        ngram_range: tuple[int, int] = (1, 3),
    ) -> None:
        self._canonical: dict[str, str] = {}
        self.problems: list[str] = []  # for KnowledgeBase.check: a word in two groups maps to the later one
        for canonical, variants in synonyms.items():
            target = clean(canonical)
            for variant in (canonical, *variants):
                key = clean(variant)
                if self._canonical.get(key, target) != target:
                    self.problems.append(
                        f"synonym 「{variant}」 is in the groups of {self._canonical[key]} and {target}"
                    )
                self._canonical[key] = target
        alternatives = sorted(self._canonical, key=len, reverse=True)
        self._synonym_re = re.compile("|".join(map(_variant_pattern, alternatives))) if alternatives else None
        self._stopwords = frozenset(clean(word) for word in stopwords)
        self._ngram_range = ngram_range
        # A private tokenizer, so our words do not leak into Rasa's global jieba dictionary. It starts from a
        # copy of the general dictionary (jieba 0.42's FREQ/total/initialized) instead of reading it from disk
        # again.
        self._tokenizer = jieba.Tokenizer()
        freq, total = general_dictionary()
        self._tokenizer.FREQ, self._tokenizer.total, self._tokenizer.initialized = dict(freq), total, True
        # A stopword that is a group's word (咋 → 怎么) is dropped anyway: boosting it would only bend the
        # splits.
        self._words = frozenset(clean(word) for word in words)
        for word in {*self._canonical.values(), *self._words} - self._stopwords:
            if word and " " not in word:
                self._tokenizer.add_word(word, freq=_DOMAIN_WORD_FREQ)
        self._terms_cache: dict[str, tuple[str, ...]] = {}

    def normalise(self, text: str) -> str:
        return self._rewrite(text)[0]

    @property
    def frequencies(self) -> tuple[dict[str, int], int]:
        """The tokenizer's unigram counts (the general dictionary with the domain's words) and their total."""
        return self._tokenizer.FREQ, self._tokenizer.total

    @property
    def own_words(self) -> set[str]:
        """The synonyms (every variant and group word), the domain words and the stopwords."""
        return {*self._canonical, *self._canonical.values(), *self._words, *self._stopwords}

    def terms(self, text: str) -> list[str]:
        cached = self._terms_cache.get(text)
        if cached is None:
            if len(self._terms_cache) >= _TERMS_CACHE_SIZE:
                self._terms_cache.clear()
            cached = self._terms_cache[text] = tuple(self._analyse(text))
        return list(cached)

    def _analyse(self, text: str) -> list[str]:
        normalised, produced = self._rewrite(text)
        if produced and self._synonym_re is not None:
            # A word a rewrite put in is set apart, so that the tokenizer keeps it whole next to what the
            # caller wrote (「保修期外修」 → 「过保修」: 过保 + 修, not 过 + 保修). Words the caller wrote are
            # left to the tokenizer.
            normalised = self._synonym_re.sub(
                lambda match: f" {match.group(0)} " if match.group(0) in produced else match.group(0),
                normalised,
            )
        # HMM off: it invents odd words from unknown runs; single characters are better terms for short
        # questions.
        words = self._tokenizer.lcut(normalised, HMM=False)
        return [word for word in words if word.strip() and word not in self._stopwords]

    def _rewrite(self, text: str) -> tuple[str, set[str]]:
        """The normalised text, and the canonical words that replaced a variant in it."""
        text = clean(text)
        produced: set[str] = set()
        if self._synonym_re is None:
            return text, produced

        def canonical(match: re.Match[str]) -> str:
            word = self._canonical[match.group(0)]
            if word != match.group(0):
                produced.add(word)
            return word

        for _ in range(_MAX_REWRITE_ROUNDS):
            rewritten = self._synonym_re.sub(canonical, text)
            if rewritten == text:
                break
            text = rewritten
        return text, produced

    def ngrams(self, terms: list[str]) -> list[str]:
        chars = "".join(terms)
        low, high = self._ngram_range
        return [chars[i : i + n] for n in range(low, high + 1) for i in range(len(chars) - n + 1)]


def _variant_pattern(variant: str) -> str:
    """The regex of a synonym variant; Latin letters and digits at its ends must not continue a longer
    code."""
    pattern = re.escape(variant)
    if variant[:1].isascii() and variant[:1].isalnum():
        pattern = "(?<![a-z0-9])" + pattern
    if variant[-1:].isascii() and variant[-1:].isalnum():
        pattern += "(?![a-z0-9])"
    return pattern
