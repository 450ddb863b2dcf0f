"""Cutting long answers into messages a platform accepts, at sentence ends where possible.

SMS: Chinese text is sent as UCS-2, 70 characters in a single SMS, 67 per part of a long one (the rest of each
part carries the reassembly header); characters outside the BMP (emoji) take two. We always size for UCS-2,
which is also safe for the rare all-ASCII answer. The parts of a long answer are numbered 「(1/3)」 within
those 67. WeChat: a text message holds about 2048 bytes of UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Callable

SMS_SINGLE = 70
SMS_PART = 67
WECHAT_BYTES = 2000

_SENTENCE_ENDS = "\n。！？!?；;"
_CLAUSE_ENDS = "，,、：:）)」』】"
_WORD_CHAR = re.compile(r"[A-Za-z0-9\-]")

Size = Callable[[str], int]
# The number in front of each part of a long SMS, from its index (from 1) and the number of parts.
Label = Callable[[int, int], str]


def ucs2_length(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _longest_prefix(text: str, limit: int, size: Size) -> int:
    total = 0
    for index, char in enumerate(text):
        total += size(char)
        if total > limit:
            return index
    return len(text)


def _cut_point(text: str, limit: int, size: Size) -> int:
    """Where to end the next part: after a sentence, else a clause, else between words, else anywhere."""
    fits = _longest_prefix(text, limit, size)
    # Prefer a sentence end, then a clause end, that leaves a part of reasonable length; a short part is
    # still better than cutting through a sentence.
    shortest = max(1, fits // 3)
    for marks, earliest in (
        (_SENTENCE_ENDS, shortest),
        (_CLAUSE_ENDS, shortest),
        (_SENTENCE_ENDS + _CLAUSE_ENDS + " ", 1),
    ):
        best = max(text.rfind(mark, 0, fits) for mark in marks) + 1
        if best >= earliest:
            return best
    # Do not cut through a serial number, phone number or model name.
    cut = fits
    while cut > shortest and _WORD_CHAR.match(text[cut - 1]) and _WORD_CHAR.match(text[cut]):
        cut -= 1
    return cut if cut > shortest else fits


def split_text(text: str, limit: int, size: Size = len) -> list[str]:
    """Non-empty parts of at most `limit` (as measured by `size`), in order."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if size(rest) <= limit:
            parts.append(rest)
            break
        cut = _cut_point(rest, limit, size)
        part, rest = rest[:cut].strip(), rest[cut:].strip()
        if part:
            parts.append(part)
    return parts


def limit_parts(parts: list[str], max_parts: int, limit: int, size: Size, overflow_note: str) -> list[str]:
    """At most `max_parts` parts; when some are dropped the last kept one ends with `overflow_note`."""
    if len(parts) <= max_parts:
        return parts
    kept = parts[:max_parts]
    room = limit - size(overflow_note)
    last = kept[-1]
    while size(last) > room:
        last = last[:-1]
    kept[-1] = last.rstrip() + overflow_note
    return kept


def sms_parts(text: str, max_parts: int, overflow_note: str, label: Label) -> list[str]:
    """One SMS of up to 70 characters, or numbered parts of up to 67 each (label included), at most
    `max_parts`.

    Parts of a long answer may arrive out of order on a phone, so each starts with `label(index, total)`,
    e.g. 「(1/3)」.
    """
    content = text.strip()
    if ucs2_length(content) <= SMS_SINGLE:
        return [content] if content else []
    # The labels' width depends on the number of parts, which depends on the room the labels leave: start
    # from two parts and widen until the count holds (it only grows, and at most to max_parts).
    total = 2
    while True:
        room = SMS_PART - max(ucs2_length(label(index, total)) for index in range(1, total + 1))
        parts = limit_parts(
            split_text(content, room, ucs2_length), max_parts, room, ucs2_length, overflow_note
        )
        if len(parts) <= total:
            break
        total = len(parts)
    return [label(index, len(parts)) + part for index, part in enumerate(parts, start=1)]


def wechat_parts(text: str, max_parts: int, overflow_note: str) -> list[str]:
    parts = split_text(text, WECHAT_BYTES, utf8_length)
    return limit_parts(parts, max_parts, WECHAT_BYTES, utf8_length, overflow_note)
