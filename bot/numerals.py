"""Numbers as callers say or type them: 「三十四」, 「三十五点二」, 「十二」, 「35.2」."""

from __future__ import annotations


def chinese_number(text: str) -> float | None:
    """「三十四」 34, 「35.2」, 「三十五点二」 35.2, 「8」; None when it is no number."""
    text = text.strip().rstrip(".点")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    whole, _, fraction = text.partition("点")
    digits = {
        "零": 0,
        "一": 1,
        "二": 2,
        "两": 2,
        "三": 3,
        "四": 4,
        "五": 5,
        "六": 6,
        "七": 7,
        "八": 8,
        "九": 9,
    }

    def integer(part: str) -> int | None:
        if not part:
            return 0
        if part.isdigit():
            return int(part)
        if "百" in part:
            hundreds, _, rest = part.partition("百")
            high, low = integer(hundreds) or 1, integer(rest)
            return None if low is None else high * 100 + low
        if "十" in part:
            tens, _, ones = part.partition("十")
            return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
        return digits.get(part) if len(part) == 1 else None

    number = integer(whole)
    if number is None:
        return None
    if fraction:
        decimals = "".join(str(digits[c]) if c in digits else c for c in fraction)
        return float(f"{number}.{decimals}") if decimals.isdigit() else None
    return float(number)
