"""Fault intake: read registration fields out of what the caller says, and check phone numbers and serials.

Plain domain code for the fault form: the Rasa validator hands over the message (text, intent, entities) and
the slot the bot asked for; this module says which form fields the message fills or corrects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.catalogue import Catalogue
from bot.triage import TriageRules

# Form fields, in the order the bot asks for what is still missing.
FIELDS = (
    "fault_description",
    "device",
    "serial_number",
    "hospital",
    "department",
    "site_address",
    "contact_person",
    "contact_phone",
    "clinical_impact",
)

# Every checked field gives up after its 2nd bad answer rather than being asked a third time: the serial is
# skipped, the device and the fault form's phone kept as said (flagged for the engineer), the warranty look-up
# and a call-back's phone end with the hotline number. actions/common.failed_again counts them.
MAX_FAILURES = 2


def gives_up(failures: int) -> bool:
    """After this many bad answers to one field, stop asking for it."""
    return failures >= MAX_FAILURES


ENTITY_FIELDS = {
    "phone": "contact_phone",
    "serial_number": "serial_number",
    "hospital": "hospital",
    "department": "department",
    "person": "contact_person",
    "device": "device",
}

# Intents whose text is never taken as a free-text answer: the caller changed the subject.
DIGRESSIONS = frozenset(
    {
        "ask_question",
        "check_ticket",
        "check_warranty",
        "request_human",
        "complaint",
        "cancel",
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "request_maintenance",
        "request_training",
        "rate_service",
    }
)

# Digits as said one by one: 幺 and 两 on the phone, and the radio way (洞 0, 拐 7, 勾 9) some callers keep.
SPOKEN_DIGITS = "零〇一幺二两三四五六七八九洞拐勾"
CHINESE_DIGITS = str.maketrans(SPOKEN_DIGITS, "0011223456789079")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
_COUNTRY_CODE = re.compile(r"(?:\+|00)?86(?=1[3-9]\d{9}(?!\d))")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
# A phone as written in a message, with its label and extension (「电话 0371-65503321 分机 302」).
_PHONE_SPAN = re.compile(
    r"(?:电话|手机|号码)?[:：是]?\s*(?<![A-Za-z0-9])\+?\d[\d\-－ ]{5,}\d(?:\s*(?:转|分机号?)\s*\d{2,6})?"
)
_SERIAL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,3}\d{6,10}[A-Za-z]?)(?![A-Za-z0-9])")
_TICKET = re.compile(r"(?<![A-Za-z0-9])(SR\d{12})(?!\d)", re.IGNORECASE)
# 「单号是二零二六一二零六零零一九」: on the phone the SR is often left out after the word for it.
_TICKET_WITHOUT_SR = re.compile(
    r"(?:工单|单号|单子|(?<!设备)(?<!资产)(?<!仪器)编号)(?:号|号码)?(?:是|为)?[:：]?(20\d{10})(?!\d)"
)
_CITY = re.compile(r"([\u4e00-\u9fa5]{2,4}?)(?:市|县)")
_ADDRESS_HINT = re.compile(r"[市区县镇乡路街道号楼院栋]")
_HOSPITAL_HINT = re.compile(r"医院|卫生院|中心|诊所|保健院|疾控|研究所|检验所|医学院")
# 「地址改成…」, 「科室是输血科」: a field named by the caller, answered or corrected at any step.
_FIELD_NAMES = {
    "地址": "site_address",
    "故障": "fault_description",
    "现象": "fault_description",
    "医院": "hospital",
    "科室": "department",
    "联系人": "contact_person",
    "型号": "device",
}
_FIELD_CUE = re.compile(
    r"(地址|故障|现象|医院|科室|联系人|型号)(?:名称|名字)?(?:应该是|改成|改为|换成|是|在)[：:，, ]*(.+)"
)
_FILLER = re.compile(
    r"^(你好|您好|喂|嗯+|呃+|那个|就是|是|我们是|我们在|我是|在|位于|地址是|地址|联系人是?|联系人|我姓|姓|"
    r"叫)[，,：: ]*"
)
_UNKNOWN = re.compile(
    r"不知道|不清楚|找不到|看不到|没有序列号|没序列号|不记得|记不得|记不住|记不清|忘了|忘记|没有|跳过"
)


@dataclass(frozen=True)
class Message:
    text: str
    intent: str | None
    entities: list[dict[str, Any]]


def digits_only(text: str) -> str:
    """Spoken or typed digits as plain digits: 「幺三九 1234-5678」 → 「13912345678」."""
    return re.sub(r"[\s\-－—_()（）]", "", text.translate(CHINESE_DIGITS))


def normalise_phone(text: str) -> str | None:
    """A mobile (11 digits) or a landline with area code (0371-65432109), or None when the text holds
    neither."""
    compact = _COUNTRY_CODE.sub("", digits_only(text))
    mobile = _MOBILE.search(compact)
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.search(text.translate(CHINESE_DIGITS).replace(" ", "")) or _LANDLINE.search(compact)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    return None


def phone_said_in_words(text: str, phone: str) -> bool:
    """The caller told the number in words or in groups (「一五九 三四五一 七七零二」), not typed as it is
    stored: it is read back, so that a caller on the phone hears what was taken."""
    typed = re.sub(r"[\s\-－—]", "", text)
    return phone.replace("-", "") not in typed and bool(
        re.search(r"[\s零〇一二两三四五六七八九幺洞拐]", text)
    )


def normalise_serial(text: str) -> str | None:
    """A serial number in canonical form (upper case, no spaces), or None."""
    # Spaces kept first: 「13598203347 BC71000001」 is a phone and a serial; then read out in groups
    # (「KR 2306 0142」).
    # Last, read out in Chinese digits on the phone (「BC二四零九零零一二」).
    plain = re.sub(r"[\s\-－]", "", text)
    for candidate in (re.sub(r"[\-－]", "", text), plain, plain.translate(CHINESE_DIGITS)):
        if _TICKET.search(candidate):
            return None
        match = _SERIAL.search(candidate)
        if match:
            return match.group(1).upper()
    return None


def serials_in(text: str) -> list[str]:
    """Every serial number of a message, in the order said (「UA24103311 和 EL25010502」)."""
    plain = re.sub(r"[\-－]", "", text)
    if _TICKET.search(plain):
        plain = _TICKET.sub(" ", plain)
    return list(dict.fromkeys(m.group(1).upper() for m in _SERIAL.finditer(plain)))


def says_unknown(text: str) -> bool:
    """The caller cannot give the value (「找不到序列号」, 「不知道」)."""
    return bool(_UNKNOWN.search(text))


# A reply that only agrees (「对」「嗯」「好的」): an answer to a yes/no question, not a description of
# anything. Said in a row too, and in the caller's dialect: 「对 提交」「嗯嗯 对」「没问题 提交吧」
# 「系 冇错 提交」(粤语, 客家话), 「对头 交上去嘛」(西南官话), 「中 没毛病」(中原官话).
_YES = (
    r"对|对的|对对|对对对|是|是的|是滴|是嘞|系|係|系嘅|係嘅|嗯+|嗯呐|嗯哪|好|好的|好滴|好嘞|行|行嘞|中|成|可以|得嘞"
    r"|没错|没毛病|没问题|没得问题|莫得问题|冇问题|冇問題|冇错|冇錯|无错|无问题|对头|要得|啱|啱喇|啱啱|啱嘅|妥了"
    r"|ok|OK|yes|对着哩|对着呢|dui|shi ?de|确认|就(?:是)?这样(?:子)?|就(?:是)?这些|就这"
    # 「这样就可以」「就这么着」(北方话), 「冇得问题」(西南官话), 「没得事」
    r"|这样就(?:可以|行|好)|这样(?:可以|行)|就这么着|就这么办|这么着|冇得问题|没得事|木问题|没啥问题|都对"
)
SUBMIT_WORDS = r"提交|交上去|交咗佢?|报上去|递交"
_AGREEMENT = (
    # 「对额」(吴语), 「好噻」「要得撒」(西南官话), 「对哇」
    rf"(?:(?:{_YES}|{SUBMIT_WORDS})[吧嘛呗啊呀哈咯喇啦嘞哦了额噻撒哇呐哟]*"
    r"|(?:(?:这|那)?(?:两|三|几)[台部个])?(?:都|一起)(?:报|修)[吧了]?)"  # 「两台都报」 of several devices
)
_ONLY_AGREES = re.compile(rf"^{_AGREEMENT}(?:[，,\s]*{_AGREEMENT})*[。！!，,.~ ]*$")
SUBMITS = re.compile(rf"{SUBMIT_WORDS}|就这样")


def only_agrees(text: str) -> bool:
    return bool(_ONLY_AGREES.match(text.strip()))


def find_ticket_number(text: str) -> str | None:
    """A ticket number, also read out in Chinese numerals (「SR 二零二六一二零六零零一九」), and after
    「单号」 without its SR; the first when the message names several."""
    numbers = find_ticket_numbers(text)
    return numbers[0] if numbers else None


_READ_OUT = re.compile(f"[{SPOKEN_DIGITS}]{{4,}}")


def find_ticket_numbers(text: str) -> list[str]:
    """Every ticket number a message names, in its order, once each (「SR… 跟 SR… 这俩单子」)."""
    # Only a number read out is translated: 「两张」 after a number is no digit of it.
    plain = _READ_OUT.sub(lambda m: m.group().translate(CHINESE_DIGITS), re.sub(r"[\s\-－]", "", text))
    found = [(m.start(), m.group(1).upper()) for m in _TICKET.finditer(plain)]
    found += [(m.start(1), f"SR{m.group(1)}") for m in _TICKET_WITHOUT_SR.finditer(plain)]
    return list(dict.fromkeys(number for _, number in sorted(found)))


_DEPARTMENT = re.compile(r"[\u4e00-\u9fa5]{1,5}(?:科|室|中心)(?:的)?")
_WHO = re.compile(r"^(?:我们|咱们|你好|您好|喂)[，,、 ]*|(?:我们|咱们)(?:这边|这里)?(?:的)?")


def symptom_text(text: str, catalogue: Catalogue) -> str:
    """The fault itself, without who and which device: 「我们检验科生化仪的打印机打不出来了」 → 「打印机打不出
    来了」.

    Guide matching scores how much of the description a guide covers, so words about the caller or the device
    (already known from the form) would only dilute it.
    """
    terms = sorted(catalogue.terms(), key=len, reverse=True)
    for term in terms:
        text = re.sub(re.escape(term) + "(?:的)?", "", text, flags=re.IGNORECASE)
    text = _DEPARTMENT.sub("", text)
    return _WHO.sub("", text).strip("，,。 ") or text


def city_of(text: str | None, known_cities: list[str]) -> str | None:
    """The city or county a site address or hospital name names."""
    if not text:
        return None
    for city in known_cities:
        if city in text:
            return city
    match = _CITY.search(text)
    return match.group(1) if match else None


def _strip_filler(text: str) -> str:
    text = text.strip().strip("。.!！?？~～ ")
    previous = None
    while previous != text:
        previous = text
        text = _FILLER.sub("", text).strip()
    return text


def device_mentions(entities: list[dict[str, Any]]) -> list[str]:
    """The devices NLU tagged in a message, as the caller said them."""
    return [str(e.get("value")) for e in entities if e.get("entity") == "device" and e.get("value")]


def catalogue_device(mentions: list[str], catalogue: Catalogue) -> str | None:
    """The most specific catalogue device among the caller's mentions: a catalogue model beats a device type;
    None when no mention is in the catalogue."""
    for mention in mentions:
        model = catalogue.model(mention)
        if model:
            return f"{model.type_name} {model.model}"
    for mention in mentions:
        device_type = catalogue.type_named(mention)
        if device_type:
            return device_type.name
    return None


# A model code as printed on a device (「KR-1500」「KR-i500」): letters, a dash, digits; serials have no dash.
MODEL_CODE = re.compile(
    # 「HG-8」: one digit after two letters or more
    r"(?<![A-Za-z0-9])(?:[A-Za-z]{2,4}-[A-Za-z]?\d{1,5}|[A-Za-z]-[A-Za-z]?\d{2,5})[A-Za-z]?(?![A-Za-z0-9]|[室号房间楼层])"
)


# An instrument outside the catalogue named with its model (「血凝仪CA-560」「血气分析仪 BG-800」「血凝仪
# 型号是SG-600」「荧光定量PCR仪 PQ-96」「酶免工作站 EW-650」): a name may hold Latin letters, and a
# workstation or system is one too.
_INSTRUMENT_KIND = r"(?:分析仪|测定仪|仪|机|工作站|系统)"
_INSTRUMENT = re.compile(
    rf"([\u4e00-\u9fff][\u4e00-\u9fffA-Za-z]{{0,10}}?{_INSTRUMENT_KIND})[，,\s]*(?:的?(?:型号|机型)(?:是|为)?[：:\s]*)?"
    r"(?=[A-Za-z]{1,4}-[A-Za-z]?\d)"
)
_BEFORE_INSTRUMENT = re.compile(r"^.*(?:那台|这台|那个|这个|一台|台|个|的|是)")


# The model first: 「CA-560全自动血凝分析仪」.
_CODE_THEN_INSTRUMENT = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fffA-Za-z]{0,8}?(?:分析仪|测定仪|仪|工作站))")


def instrument_said(text: str) -> str | None:
    """A device the catalogue does not know, as the caller named it with its model code."""
    for match in _INSTRUMENT.finditer(text):
        name = _BEFORE_INSTRUMENT.sub("", _WHOSE.sub("", match.group(1)))
        code = MODEL_CODE.match(text, match.end())
        if len(name) >= 2 and code:
            return f"{name} {code.group(0)}"
    for code in MODEL_CODE.finditer(text):
        named = _CODE_THEN_INSTRUMENT.match(text, code.end())
        if named:
            return f"{named.group(1)} {code.group(0)}"
    return None


# An instrument outside the catalogue named by its kind alone, the way a lab calls it: 「那个糖化仪坏了」.
_INSTRUMENT_NAMED = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:分析仪|测定仪|仪))(?![器表])")
_WHOSE = re.compile(r"^.*(?:科|室|中心|病区)(?:里|的)*")  # 「检验科那个…」「科里的…」
_NO_INSTRUMENT = frozenset({"仪", "分析仪", "测定仪"})


def instrument_named(text: str) -> str | None:
    """A device the catalogue does not know, named without a model (「糖化仪」): kept as said."""
    for match in _INSTRUMENT_NAMED.finditer(text):
        name = _BEFORE_INSTRUMENT.sub("", _WHOSE.sub("", match.group(1)))
        if len(name) >= 2 and name not in _NO_INSTRUMENT:
            return name
    return None


def model_in_series(text: str, catalogue: Catalogue) -> str | None:
    """A model the catalogue does not list, of a series it knows (「尿沉渣UA-720」): its type and the code."""
    for code in MODEL_CODE.finditer(text):
        device_type = None if catalogue.model(code.group(0)) else catalogue.series_type(code.group(0))
        if device_type:
            return f"{device_type.name} {code.group(0)}"
    return None


def with_model_said(device: str, text: str) -> str:
    """A device type with the model code the caller said next to it, when the catalogue does not know that
    model: the engineer needs 「全自动生化分析仪 KR-1500」, not the type alone."""
    if re.search(r"\d", device):
        return device  # a catalogue model already
    code = next((c for c in MODEL_CODE.finditer(text) if not _ALARM_BEFORE.search(text[: c.start()])), None)
    return f"{device} {code.group(0)}" if code else device


# 「开机报E-07」「屏幕显示Err-12」: a code after an alarm word is the alarm, not the model.
_ALARM_BEFORE = re.compile(r"(?:报|显示|提示|跳|出|弹|代码|码|错误|报警|故障)[了出个着]?[：:\s]*$")


# Codes are read by regexes and by parsing the text; the statistical extractor's guesses at them (「0311」 out
# of a spaced serial read as a phone) are not taken. Names of places, departments and people have Chinese
# characters.
_CODE_FIELDS = frozenset({"contact_phone", "serial_number"})
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _plausible(field: str, value: str, entity: dict[str, Any]) -> bool:
    if field in _CODE_FIELDS:
        return entity.get("extractor") != "CRFEntityExtractor"
    return bool(_HAN.search(value))


def _contact_name(value: str, text: str) -> str:
    """「我姓李，李红梅」: the full name when the text gives one after the surname, else the surname alone."""
    if not value.startswith("姓") or len(value) < 2:
        return value
    surname = value[1:]
    full = re.search(rf"{re.escape(surname)}[\u4e00-\u9fff]{{1,2}}", text.replace(value, ""))
    return full.group(0) if full else surname


def extract_fields(
    message: Message,
    requested: str | None,
    catalogue: Catalogue,
    rules: TriageRules,
) -> dict[str, Any]:
    """The form fields this message fills or corrects.

    Entities fill their field whenever they appear, so 「电话写错了，是139…」 corrects the phone at any step
    and one message may fill several fields. Free text answers only the field the bot asked for, unless the
    caller changed the subject. Phone and serial are taken from the text too, so a caller who types only the
    digits is understood even when NLU tags nothing.
    """
    text = message.text.strip()
    found: dict[str, Any] = {}
    for entity in message.entities:
        field = ENTITY_FIELDS.get(str(entity.get("entity")))
        value = str(entity.get("value") or "").strip()
        if field and field != "device" and value and _plausible(field, value, entity):
            found[field] = _contact_name(value, text) if field == "contact_person" else value
    if "hospital" in found:
        from bot.fields import complete_hospital  # bot.fields builds on this module's phone and serial checks

        found["hospital"] = complete_hospital(found["hospital"], text)
    mentions = device_mentions(message.entities)
    named = catalogue_device(mentions, catalogue) or (mentions[0] if mentions else None)
    device = (
        named or catalogue.device_in_text(text) or instrument_said(text) or model_in_series(text, catalogue)
    )
    if device:
        found["device"] = with_model_said(device, text)

    if "contact_phone" in found or requested == "contact_phone" or _MOBILE.search(digits_only(text)):
        phone = normalise_phone(text)
        if phone:
            found["contact_phone"] = phone
    serial = normalise_serial(text)
    if serial and (
        requested == "serial_number" or "serial_number" in found or "序列号" in text or "SN" in text.upper()
    ):
        found["serial_number"] = serial

    if message.intent == "report_fault" and requested in (None, "fault_description"):
        found.setdefault("fault_description", _strip_filler(text))
    impact = rules.impact_of(text)
    if impact and (requested == "clinical_impact" or message.intent == "report_fault"):
        found.setdefault("clinical_impact", text if requested == "clinical_impact" else impact.label)

    cue = _FIELD_CUE.search(text)
    if cue and _FIELD_NAMES[cue.group(1)] not in found:
        found[_FIELD_NAMES[cue.group(1)]] = _strip_filler(cue.group(2))

    # 「找不到」 answers a request for the serial whatever intent NLU reads into it (it is no request for a
    # person).
    if (
        requested == "serial_number"
        and "serial_number" not in found
        and message.intent != "cancel"
        and says_unknown(text)
    ):
        found["serial_number"] = text
    if requested in CONTACT_QUESTIONS and "contact_person" not in found and len(found) >= 2:
        # 「医院 科室 宫伟 139…」 to a contact question: the part no other field took is the name.
        name = name_among(text, found)
        if name:
            found["contact_person"] = name
    if requested in FIELDS and requested not in found and message.intent not in DIGRESSIONS:
        # 「牛小梅 15903746620」 to 「怎么称呼？」: the phone was taken above, the rest answers the question.
        rest = (
            _PHONE_SPAN.sub(" ", text).strip()
            if set(found) == {"contact_phone"} and requested != "contact_phone"
            else text
        )
        answer = _free_text_answer(requested, rest)
        if answer:
            found[requested] = answer
    return found


# The questions of a contact form, where one reply often gives the hospital, the name and the phone at once.
CONTACT_QUESTIONS = ("hospital", "contact_person", "contact_phone")


def name_among(text: str, found: Mapping[str, Any]) -> str | None:
    """A part of the message that no found value covers and that is a person's name."""
    from bot.fields import person  # bot.fields builds on this module's phone and serial checks

    taken = [str(v) for v in found.values() if v]
    for part in re.split(r"[，,、；;。\s]+", _PHONE_SPAN.sub(" ", text)):
        if part and not any(part in v or v in part for v in taken):
            name = person(part)
            if name:
                return name
    return None


def _free_text_answer(requested: str, text: str) -> str | None:
    """The caller's reply as the value of the field the bot asked for, when it plausibly is one."""
    if requested == "clinical_impact" and only_agrees(text):
        return text.strip()  # 「对」 to 「影响大吗？」: the validator asks for the situation in words
    value = _strip_filler(text)
    if not value:
        return None
    if requested == "contact_phone":
        # Digits that do not parse still go to the validator, which explains the format and asks again.
        return value if re.search(r"\d", digits_only(value)) else None
    if requested == "serial_number":
        # Chinese without a letter or digit (「开机就报错」) says something else, not a misread serial; a code
        # goes to the validator, which accepts unknown serials flagged and lets 「不知道」 through after
        # retries.
        return value if re.search(r"[A-Za-z0-9０-９]", value) else None
    if requested == "hospital" and not _HOSPITAL_HINT.search(value) and len(value) > 20:
        return None
    if requested == "contact_person" and len(value) > 12:
        return None
    if requested == "site_address" and not _ADDRESS_HINT.search(value) and len(value) < 2:
        return None
    return value
