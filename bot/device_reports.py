"""One message about several devices (「生化仪和血球仪都开不了机」, 「生化仪报温度异常，血球仪开不了机」):
each device is its own ticket, so the message is split into one report per device, in the order they were
named.

    split_by_device("生化仪报温度异常 血球仪开不了机", catalogue)
    # [DeviceReport("全自动生化分析仪", "生化仪报温度异常"), DeviceReport("全自动血细胞分析仪", "血球仪开不了
    # 机")]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import fields
from bot.catalogue import Catalogue
from bot.intake import MODEL_CODE, normalise_phone, normalise_serial

# 「和」「跟」「还有」 between two device names: what follows the second name is said of both.
_JOINED = re.compile(r"^\s*(?:和|跟|与|及|以及|还有|、|，|,|\s)\s*$")


@dataclass(frozen=True)
class DeviceReport:
    device: str  # as bot.catalogue names it: 「全自动生化分析仪」 or 「全自动生化分析仪 HX-680」
    fault: str  # the words about this device
    serial: str | None = None  # the serial said among them


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
    # A model the catalogue does not list, of a series it knows: 「电解质EL-500」.
    for code in MODEL_CODE.finditer(text):
        device_type = None if catalogue.model(code.group(0)) else catalogue.series_type(code.group(0))
        start, end = code.span()
        if device_type and all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, f"{device_type.name} {code.group(0)}"))
    return sorted(taken)


# A serial said among a device's words (「…KR-2000序列号KR24110527开机报…」): its own field, not the fault.
_SERIAL_SAID = re.compile(
    r"(?:序列号|编号|SN|机身号)?(?:是|为)?[:：]?\s*(?<![A-Za-z0-9])[A-Za-z]{2,3}\d{6,10}[A-Za-z]?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Parts of a device's words that say something else: the place or the caller, the next device's lead-in
# (「另一部系电解质」).
_NOT_ITS_FAULT = re.compile(
    r"序列号|编号|SN|^(?:地址|地止|电话|手机|联系人|我叫|我姓)|另一|另外一|还有一|第二台|第二部",
    re.IGNORECASE,
)


def _about_the_device(words: str) -> str:
    """The words about a device without its serial, the caller's details said after them (「…联系人覃明秀
    电话139… 地址…」) and what the caller wants done (「远程不搞了 派人来」)."""
    parts = [p for p in re.split(r"[，,。；;\s]+", _SERIAL_SAID.sub(" ", words)) if p]
    kept = [
        p
        for p in parts
        if not (
            _NOT_ITS_FAULT.search(p)
            or fields.is_aside(p)
            or normalise_phone(p)
            or (fields.address(p) and fields.names_a_street(p))
        )
    ]
    return "，".join(kept) or words


def _grouped(mentions: list[tuple[int, int, str]], catalogue: Catalogue) -> list[tuple[int, int, str]]:
    """Names of one device said in a row (「尿机UA-720」) as one mention, by its most specific name."""
    groups: list[tuple[int, int, str]] = []
    for start, end, device in mentions:
        if groups and catalogue.type_in_text(groups[-1][2]) == catalogue.type_in_text(device):
            first, _, named = groups[-1]
            if start - groups[-1][1] <= 2:
                groups[-1] = (first, end, device if len(device) > len(named) else named)
                continue
        groups.append((start, end, device))
    return groups


def split_by_device(text: str, catalogue: Catalogue) -> list[DeviceReport]:
    """One report per distinct device type named; fewer than two devices: [] (an ordinary report)."""
    mentions = _grouped(_mentions(text, catalogue), catalogue)
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
        reports.append(DeviceReport(device, _about_the_device(words), normalise_serial(words)))
    return reports if len(reports) >= 2 else []


def serials_by_device(serials: list[str], devices: list[str]) -> list[str | None]:
    """Which of several serials said together is whose, for devices in the order they are registered: a
    serial goes to the device whose model it starts like (UA24103311 to the UA-720), the rest in the order
    said."""
    left = list(serials)
    owners: list[str | None] = []
    for device in devices:
        model = MODEL_CODE.search(device)
        letters = model.group(0).split("-")[0].upper() if model else None
        mine = next((s for s in left if letters and re.match(rf"{letters}\d", s)), None)
        owners.append(mine)
        if mine:
            left.remove(mine)
    return [owner or (left.pop(0) if left else None) for owner in owners]


def another_device(text: str, known: str, catalogue: Catalogue) -> tuple[DeviceReport, str] | None:
    """A device of another type than the one being registered, named in a later message with words of its
    own (「…地址… 另外血球仪也一直报堵孔」): its report, and the words said of it as they stand in the
    text."""
    known_type = catalogue.type_in_text(known)
    if known_type is None:
        return None
    mentions = _grouped(_mentions(text, catalogue), catalogue)
    for index, (start, _, device) in enumerate(mentions):
        if catalogue.type_in_text(device) in (None, known_type):
            continue
        following = mentions[index + 1][0] if index + 1 < len(mentions) else len(text)
        words = text[start:following]
        lead_in = _LEAD_IN.search(text[:start])
        said = text[lead_in.start() if lead_in else start : following]
        return DeviceReport(device, _about_the_device(words), normalise_serial(words)), said
    return None


# What leads to another device: 「另外」「还有我们那台」「对了 旁边的」.
_LEAD_IN = re.compile(
    r"(?:另外|还有|以及|再有|再就是|对了|顺便|而且|同时)?[，,\s]*(?:我们|咱们|俺们)?(?:旁边|隔壁|那边|这边)?(?:的)?"
    r"(?:另一|那一|这一|一|那|这)?(?:台|部|个)?\s*$"
)
