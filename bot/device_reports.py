"""One message about several devices (「生化仪和血球仪都开不了机」, 「生化仪报温度异常，血球仪开不了机」):
each device
is its own ticket, so the message is split into one report per device, in the order they were named.

    split_by_device("生化仪报温度异常 血球仪开不了机", catalogue)
    # [DeviceReport("全自动生化分析仪", "生化仪报温度异常"), DeviceReport("全自动血细胞分析仪", "血球仪开不了
    # 机")]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.catalogue import Catalogue

# 「和」「跟」「还有」 between two device names: what follows the second name is said of both.
_JOINED = re.compile(r"^\s*(?:和|跟|与|及|以及|还有|、|，|,|\s)\s*$")


@dataclass(frozen=True)
class DeviceReport:
    device: str  # as bot.catalogue names it: 「全自动生化分析仪」 or 「全自动生化分析仪 HX-680」
    fault: str  # the words about this device


def _mentions(text: str, catalogue: Catalogue) -> list[tuple[int, int, str]]:
    """(start, end, device) of every device named, longest name first where two overlap, in text order."""
    names = sorted(
        {(name, t.name) for t in catalogue.types for name in (t.name, *t.aliases)}
        | {(m.model, f"{m.type_name} {m.model}") for t in catalogue.types for m in t.models},
        key=lambda pair: -len(pair[0]),
    )
    taken: list[tuple[int, int, str]] = []
    upper = text.upper()
    for name, device in names:
        for match in re.finditer(re.escape(name.upper()), upper):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, device))
    return sorted(taken)


def split_by_device(text: str, catalogue: Catalogue) -> list[DeviceReport]:
    """One report per distinct device type named; fewer than two devices: [] (an ordinary report)."""
    mentions = _mentions(text, catalogue)
    kinds = {catalogue.type_in_text(device) for _, _, device in mentions}
    if len(kinds) < 2:
        return []
    reports: list[DeviceReport] = []
    for index, (start, end, device) in enumerate(mentions):
        following = mentions[index + 1][0] if index + 1 < len(mentions) else len(text)
        words = text[start:following].strip(" ，,。；;")
        if index + 1 < len(mentions) and _JOINED.match(text[end:following]):
            # 「生化仪和血球仪都开不了机」: the fault after the last name belongs to this one too.
            words = text[start:end] + text[mentions[-1][1] :].strip()
        if any(catalogue.type_in_text(r.device) == catalogue.type_in_text(device) for r in reports):
            continue
        reports.append(DeviceReport(device, words))
    return reports if len(reports) >= 2 else []
