"""Homophones and typed pinyin in a question, put back into the knowledge base's own words.

Callers type with a pinyin input method and pick the wrong character (保休 → 保修, 维修保告 → 维修报告,
几个小是 → 几个小时), voice transcripts mishear (返厂为修), and some type the pinyin itself (yan bao duo shao
qian). A run of characters that is not a word but sounds like a word of the vocabulary (everyday
toneless pinyin) is replaced by it; a run of Latin syllables that splits wholly into the vocabulary's words is
written in them. The vocabulary is the knowledge base's own words (FAQ texts, synonyms, devices), so a
correction can only lead to a word the knowledge base knows.

One character of a run is replaced, and only where the word is much likelier than the run as written (the
tokenizer's unigram frequencies); never a run that is a word of the dictionary (实际 does not become
试剂, 哪天 not 那天), nor one that would break a word written right next to it (分析仪下, 的化学). pypinyin's
data ships in its wheel: nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Longest run of characters replaced as one word: the domain's words are two to four characters.
_MAX_WORD = 4
# How much likelier (natural log of the unigram odds) the word must be than the run as written: the dev
# sets' typos gain 2-11 (小是 → 小时 2.4, 保告 → 报告 10.9); a run across two words (出了 → 除了) less.
_MIN_GAIN = 2.0
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RUN = re.compile(r"[a-z]+(?: [a-z]+)*", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _reading(char: str) -> str:
    """The toneless everyday reading of one character: what the caller typed to get it (给 gei, not ji)."""
    return str(lazy_pinyin(char, style=Style.NORMAL)[0])


class Homophones:
    def __init__(self, words: Iterable[str], frequencies: Mapping[str, int], total: int) -> None:
        """words: the vocabulary (simplified characters); frequencies, total: the tokenizer's unigram counts
        (the general dictionary with the domain's words)."""
        self._frequencies = frequencies
        self._total = total
        self._words: set[str] = set()
        self._by_sound: dict[tuple[str, ...], str] = {}
        self._by_letters: dict[str, str] = {}  # joined toneless pinyin → word, for typed pinyin
        # The likeliest word first: it keeps a sound shared by several (baoxiu → 保修, not the typo 保休).
        for word in sorted(set(words), key=lambda w: (-frequencies.get(w, 0), w)):
            if not word or not all(_HAN.match(ch) for ch in word) or len(word) > _MAX_WORD:
                continue
            self._words.add(word)
            sound = tuple(lazy_pinyin(word, style=Style.NORMAL))
            # 保修 and 报修 are both words, so neither is ever replaced by the other.
            if len(word) >= 2:
                self._by_sound.setdefault(sound, word)
            self._by_letters.setdefault("".join(sound), word)

    def correct(self, text: str) -> str:
        """The text with misspelt words and typed pinyin replaced by the vocabulary's words; punctuation,
        digits and other characters stay as they are."""
        return _LATIN_RUN.sub(lambda match: self._from_pinyin(match.group(0)), self._homophones(text))

    def _homophones(self, text: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            replaced = self._at(text, i)
            if replaced is None:
                out.append(text[i])
                i += 1
            else:
                out.append(replaced[0])
                i += replaced[1]
        return "".join(out)

    def _at(self, text: str, i: int) -> tuple[str, int] | None:
        """(the word, the length of the run it replaces) at position i, or None."""
        for length in range(_MAX_WORD, 1, -1):
            if text[i : i + length] in self._words:
                return text[i : i + length], length
        for length in range(_MAX_WORD, 1, -1):
            run = text[i : i + length]
            if len(run) < length or not all(_HAN.match(ch) for ch in run) or self._frequencies.get(run, 0):
                continue
            if any(
                text[j : j + 2] in self._words or text[j : j + 3] in self._words
                for j in range(i + 1, i + length)
            ):
                continue
            # Its first character ends a word written before it (分析仪下), or its last starts one (的化学).
            end = i + length
            if any(self._frequencies.get(text[k : i + 1], 0) for k in (i - 2, i - 1) if k >= 0):
                continue
            if any(self._frequencies.get(text[end - 1 : end + k], 0) for k in (1, 2) if end + k <= len(text)):
                continue
            word = self._by_sound.get(tuple(map(_reading, run)))
            if (
                word is not None
                and sum(a != b for a, b in zip(word, run, strict=True)) == 1
                and self._log_odds(word) - self._log_odds(run) >= _MIN_GAIN
            ):
                return word, length
        return None

    def _log_odds(self, text: str) -> float:
        """The log probability of the likeliest split of a short text into the tokenizer's words."""
        best = [0.0] + [-math.inf] * len(text)
        for j in range(1, len(text) + 1):
            for k in range(max(0, j - _MAX_WORD), j):
                count = self._frequencies.get(text[k:j], 0) or (1 if j - k == 1 else 0)
                if count:
                    best[j] = max(best[j], best[k] + math.log(count / self._total))
        return best[-1]

    def _from_pinyin(self, run: str) -> str:
        """Latin syllables in the vocabulary's words when they split wholly into them and one word has two
        syllables or more (「bao yang mian fei ma」 → 保养免费吗); else the run as typed (kr, pdf, ok)."""
        letters = run.lower().replace(" ", "")
        # spelt[j]: the fewest words that spell letters[:j]
        spelt: dict[int, list[str]] = {0: []}
        for j in range(1, len(letters) + 1):
            for k in range(max(0, j - 6 * _MAX_WORD), j):
                word = self._by_letters.get(letters[k:j])
                if word is not None and k in spelt and (j not in spelt or len(spelt[k]) + 1 < len(spelt[j])):
                    spelt[j] = [*spelt[k], word]
        words = spelt.get(len(letters))
        if words is None or all(len(word) < 2 for word in words):
            return run
        return "".join(words)
