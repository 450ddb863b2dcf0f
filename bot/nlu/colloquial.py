"""Pinyin, dialect and chat slang as the standard words the intent classifier was trained on
(colloquial.yml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.intake import CHINESE_DIGITS, SPOKEN_DIGITS
from bot.numerals import chinese_number

LEXICON = Path(__file__).with_name("colloquial.yml")
_LATIN_RUN = re.compile(r"[a-z]+(?:\s+[a-z]+)*")
# A number read out digit by digit (「SR 二零二六一二零六零零三三」, a phone): six digits or more, as figures.
_SPOKEN_NUMBER = re.compile(f"[{SPOKEN_DIGITS}]{{6,}}")
# A phone read out in groups (「一五八 八五五零 六七二一」), as a voice transcript or a caller writes it.
_SPOKEN_GROUPS = re.compile(rf"[{SPOKEN_DIGITS}]{{3,4}}(?:\s+[{SPOKEN_DIGITS}]{{3,4}}){{1,3}}")
_PHONE_DIGITS = 7
# A code read out: letters one by one (「C F」「h x」) and digits said (「二三幺幺洞七四两」「八百」), or
# letters and digits each spaced (「h x 2 4 0 6」). Letters typed together before typed digits are left as
# typed.
_SPELLED_CODE = re.compile(
    rf"(?<![A-Za-z])(?P<letters>[A-Za-z](?:\s[A-Za-z]){{1,3}}|[A-Za-z]{{1,4}})\s?"
    rf"(?P<digits>[{SPOKEN_DIGITS}0-9](?:\s?[{SPOKEN_DIGITS}])+|[0-9](?:\s[0-9])+|[一二两三四五六七八九][百千](?![{SPOKEN_DIGITS}十])"
    # 「HB八十」: a model's number said in tens, not a count (「PT十几秒」)
    rf"|[一二两三四五六七八九]?十[一二三四五六七八九]?(?![{SPOKEN_DIGITS}十百千几多来余分秒个度次天号台年月日点块]))"
)
_ROUND = {"百": "00", "千": "000"}
# Letters spelt one by one with words between them (「字母S然后G然后数字六百」「字母H、B，数字八十」): the
# letters of a code, spaced as read out.
_SPELT_LETTERS = re.compile(
    r"(?:英文)?字母\s*(?P<letters>[A-Za-z](?:\s*(?:然后|接着|再|后面是|[，,、])?\s*(?:字母)?\s*[A-Za-z](?![A-Za-z])){0,3})"
    r"\s*(?:(?:然后|接着|再|后面是|[，,、])\s*)?(?:数字\s*)?"
)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    return (
        {str(k): str(v) for k, v in raw["pinyin"].items()},
        {str(k): str(v) for k, v in raw["dialect"].items()},
        {str(k): str(v) for k, v in raw["whole"].items()},
        {str(k): str(v) for k, v in raw["typos"].items()},
    )


def corrected_typos(text: str) -> str:
    """The registration's words a caller typed with the wrong homophone (「检验课」「点话」), as meant."""
    typos = _lexicon()[3]
    for word in sorted(typos, key=len, reverse=True):
        text = text.replace(word, typos[word])
    return text


def _pinyin_run(run: str, pinyin: dict[str, str]) -> str:
    """「xie xie ni」 → 「谢谢你」: the run cut greedily into known syllable groups; unchanged unless all are
    known."""
    letters = re.sub(r"\s+", "", run)
    longest = max(len(key) for key in pinyin)
    words, at = [], 0
    while at < len(letters):
        for size in range(min(longest, len(letters) - at), 0, -1):
            if letters[at : at + size] in pinyin:
                words.append(pinyin[letters[at : at + size]])
                at += size
                break
        else:
            return run
    return "".join(words)


def _spoken_groups(match: re.Match[str]) -> str:
    """Groups of spoken digits as figures when together they are as long as a phone number."""
    said = match.group(0)
    digits = re.sub(r"\s+", "", said)
    return said.translate(CHINESE_DIGITS) if len(digits) >= _PHONE_DIGITS else said


def spelled_codes(text: str) -> str:
    """Codes read out as written: 「C F二三幺幺洞七四两」 → 「CF23110742」; a short one is a model,
    written the catalogue's way: 「R B六六零」 → 「RB-660」, 「C F八百」 → 「CF-800」."""

    def written(match: re.Match[str]) -> str:
        letters, said = (
            re.sub(r"\s", "", match.group("letters")).upper(),
            re.sub(r"\s", "", match.group("digits")),
        )
        if not (" " in match.group("letters") or re.search(f"[{SPOKEN_DIGITS}]", said)):
            return match.group(0)  # 「KR800」: as typed
        if said[-1] in _ROUND:
            return f"{letters}-{said[0].translate(CHINESE_DIGITS)}{_ROUND[said[-1]]}"
        if "十" in said:
            return f"{letters}-{int(chinese_number(said) or 0)}"
        digits = said.translate(CHINESE_DIGITS)
        return f"{letters}-{digits}" if len(digits) <= 4 else f"{letters}{digits}"

    text = _SPELT_LETTERS.sub(lambda m: " ".join(re.findall(r"[A-Za-z]", m.group("letters"))), text)
    return _SPELLED_CODE.sub(written, text)


def spoken_numbers(text: str) -> str:
    """Numbers read out digit by digit, alone or in groups (「一八九八五幺二七六三洞」「幺三九 四五二七
    零八六三」), as figures."""
    text = _SPOKEN_GROUPS.sub(_spoken_groups, text)
    return _SPOKEN_NUMBER.sub(lambda m: m.group(0).translate(CHINESE_DIGITS), text)


def standard_words(text: str, whole_message: bool = True) -> str:
    """Lower-case text with pinyin runs and dialect words replaced; whole-message slang (「88」「中」) only
    when `whole_message`, since inside a longer text those are digits or other words."""
    pinyin, dialect, whole, _ = _lexicon()
    text = corrected_typos(text)
    stripped = text.strip(" 。.!！~～，,？?")
    if whole_message and stripped in whole:
        return whole[stripped]
    text = spoken_numbers(spelled_codes(text))
    text = _LATIN_RUN.sub(lambda m: _pinyin_run(m.group(0), pinyin), text)
    for word in sorted(dialect, key=len, reverse=True):
        text = text.replace(word, dialect[word])
    return text
