"""What a caller's message means for the registration under way, as a short list of commands.

One pass per message: the message (text, intent, entities) and the dialogue state (the question being asked,
the values so far, whether a registration was just cancelled) in, commands out — fill a field, correct one,
ask one again, skip it, cancel, ask whether to cancel or submit, restore, wait, hand off, leave for a
question, confirm. The Rasa form and actions only carry the commands out. Every value passes its field's
validator (bot/fields.py): what fits another field goes there, what fits none is never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from bot import fields
from bot.callbacks import extension_in, with_extension
from bot.catalogue import Catalogue
from bot.device_reports import DeviceReport, another_device
from bot.intake import (
    CHINESE_DIGITS,
    CONTACT_QUESTIONS,
    DIGRESSIONS,
    MODEL_CODE,
    SPOKEN_DIGITS,
    Message,
    catalogue_device,
    device_mentions,
    digits_only,
    instrument_named,
    instrument_said,
    model_in_series,
    name_among,
    normalise_phone,
    normalise_serial,
    only_agrees,
    with_model_said,
)
from bot.nlu.colloquial import corrected_typos, spelled_codes, spoken_numbers
from bot.replies import NOT_GIVEN
from bot.triage import TriageRules

READBACK = "registration_confirmed"
GUIDE_OFFER = "guide_accepted"  # the slot of 「要先试试远程排查吗？」
# Questions whose answer is no free text (yes or no, a catalogue device): other fields said to them are read.
_NO_FREE_TEXT = (GUIDE_OFFER, "device")
_CALLER_FIELDS = ("hospital", "department", "contact_person", "contact_phone", "site_address")
_PLACE_AND_PEOPLE = ("hospital", "department", "site_address", "contact_person")
# Filled fields a whole message can only mean to correct (a registry-filled hospital, an address misheard).
_SAID_ON_ITS_OWN = ("hospital", "site_address")


class Do(str, Enum):
    SET = "set"  # fill a field
    CORRECT = "correct"  # change a field the caller named
    ASK_AGAIN = "ask_again"  # 「电话写错了」: empty the field and ask it again
    SKIP = "skip"  # 「找不到，直接派人」: the field stays empty
    WAIT = "wait"  # 「等一下，我去看铭牌」
    CANCEL = "cancel"
    CANCEL_OR_SUBMIT = "cancel_or_submit"  # 「算了，对」 at the read-back: ask, never guess
    RESTORE = "restore"  # 「我没说取消」: bring the cancelled registration back
    RESUME = "resume"  # 「继续」: go on with the question asked
    LEAVE = "leave"  # 「不报修，我就问问…」: nothing registered, the question answered
    HAND_OFF = "hand_off"
    CONFIRM = "confirm"
    REJECT = "reject"  # a bare 「不对」 at the read-back: ask what to change
    NO_CHECKS = "no_checks"  # 「不用排查」 with no check offered: noted, the question asked again
    AS_BEFORE = "as_before"  # 「跟上次一样」: a value we cannot see, asked again with why
    RESOLVED = "resolved"  # 「没事了，同事说已经好了」: nothing to register, as a cancellation
    ANOTHER_DEVICE = "another_device"  # 「另外血球仪也报堵孔」: its own ticket, registered after this one


@dataclass(frozen=True)
class Command:
    do: Do
    field: str | None = None
    value: Any = None


@dataclass(frozen=True)
class IntakeState:
    requested: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    cancelled: bool = False  # a registration of this conversation was cancelled and can be restored


def form_labels(path: Path) -> dict[str, str]:
    """Each label of bot/form_labels.yml and the field it names: a field's names, and each of its names and
    bound words with what a form puts before or after them."""
    with path.open(encoding="utf-8") as handle:
        vocabulary = yaml.safe_load(handle)
    labels: dict[str, str] = {}

    def add(label: str, target: str) -> None:
        if labels.setdefault(label, target) != target:
            raise ValueError(f"{path}: 「{label}」 names both {labels[label]} and {target}")

    for target, words in vocabulary.pop("english").items():
        for label in words:
            add(label, target)
    for target, words in vocabulary.items():
        for label in words.get("also", []):
            add(label, target)
        for head in [*words["names"], *words.get("bound", [])]:
            alone = head in words["names"]
            for before in ["", *words.get("before", [])]:
                for after in ["", *words.get("after", [])]:
                    if (before or after or alone) and head not in (before, after):
                        add(f"{before}{head}{after}", target)
    return labels


LABELS = form_labels(Path(__file__).with_name("form_labels.yml"))
# A form's rows that hold no field: its header line (「报修单」「设备报修」「故障申报表」), and remarks
# (「备注：远程排查就不用了，请派工程师上门」), which the dialogue reads from the whole message (a check
# declined) but no field keeps.
_FORM_HEADER = re.compile(
    r"^\s*[【\[]?(?:设备|仪器)?(?:故障)?(?:报修|维修|申报|保修|报障)(?:单|表|申请单?|信息|登记表?)?[】\]]?[：:]?"
    r"(?=\s|$)"
)
# A row about the remote check (「远程:不需要」「是否远程排查：否」) is such a remark too.
_REMARK_LABEL = (
    r"(?:备注|其他说明|其他要求|其他|其它|补充说明|补充|附言|说明|处理要求|要求|诉求"
    r"|(?:是否)?(?:需要)?远程(?:排查|指导|协助|诊断)?|[Rr]emote|REMOTE|[Rr]emarks?|[Nn]otes?)"
)
_LABEL = "|".join(sorted(LABELS, key=len, reverse=True))
# Where a part of a message starts: its beginning, or after a separator.
_AT_PART_START = r"(?:(?<=^)|(?<=[\n，,；;。\s]))"
# 「写错了」「说错咧」「讲反啦」「我报错了」(not an alarm): said or written wrong, in any dialect.
_SAID_WRONG = r"(?:说|写|记|讲|搞|弄|打|填|念|读|(?<=我)报)(?:错|反)(?:了|咧|啦|喽|嘞|咯|哒|喇|噢)?"
_CHANGE = (
    r"(?:要|得|需要)?(?:刚才|前面|之前)?(?:改一下|改一改|改成|改为|换成|换一下|更正(?:一下|为)?|不对|唔啱|唔对|冇啱|错了"
    rf"|有?{_SAID_WRONG}|说重了|说严重了|说大了|有误|(?:说|写|记)得不(?:准|对)|不准确?|不太对|其实是|应该是|是|为|写)"
)
# 「…那里不对哈，…」: a particle before a pause (not the 哈 of 哈达街).
_PARTICLE = r"(?:[哈啊呀吧](?=[，,：:\s]))?"
# 「地址改一下，是…」「地址不对 …」「临床影响改成：…」「电话写错了」: a field named, then its new value (or
# none).
_CORRECTION = re.compile(
    rf"(?:^|[，,。；;\s]|(?<=不对)|(?<=错了)|(?<=前面)|(?<=刚才)|(?<=对了)|(?<=[哦噢哎呃啊])"
    rf"|(?<=不过)|(?<=但是)|(?<=只是)|(?<=就是)|(?<=哎呀)|(?<=哎哟)|(?<=妈呀))(?:那个|把)?({_LABEL})"
    rf"(?:名称|名字|门牌号?|号)?(?:的)?\s*(?:那里|那儿|这里|那块|这块|那个)?\s*(?:也|都)?"
    # 「型号我报错了」「电话刚才写错了」: who said it wrong, before the change
    rf"((?:我们?|俺|刚才|刚刚)?{_CHANGE}(?:{_PARTICLE}[，,：:\s]*(?:其实是|应该是|是|改成|为))?)?{_PARTICLE}[，,：:\s]*(.*)$",
    re.IGNORECASE,
)
# Said after a correction, about the other fields: 「…77号 其他都对」.
_REST_IS_RIGHT = re.compile(
    r"[，,。\s]*(?:其他|其它|其余|别的)(?:的)?(?:都|也)?(?:对|没问题|没错)(?:的|了)?[。！!]*$"
)
_NOT_THIS_BUT = re.compile(r"^不是[^，,。\s]{1,20}[，,。\s]*(?:而)?是(.+)$")
# Fields whose name a caller says as part of the value: 「影响不大」, 「故障灯亮了」.
_LABEL_IN_VALUE = frozenset({"clinical_impact", "fault_description"})
# Field names a caller sticks to their values (「电话158…」「地址德州市…」); not 问题/现象/影响, which open
# sentences.
_GLUED = "|".join(
    sorted(
        (k for k, v in LABELS.items() if v not in _LABEL_IN_VALUE),
        key=len,
        reverse=True,
    )
)
_SEGMENT = re.compile(rf"^\s*({_LABEL})\s*(?:是|为)?[：:\s]*(.+)$", re.IGNORECASE)
# A phone said besides the one registered: 「再留个座机」「另一个号码」「打不通就打科室座机」「也可以打…」.
_SECOND_PHONE = re.compile(
    r"再(?:加|留|记|给)(?:一个|个)|另(?:外|一)(?:一个|个)?(?:电话|号码|手机|座机)|备用(?:电话|号码|手机)?|第二个(?:电话|号码)"
    r"|(?:也|还)(?:可以|能)(?:打|联系|找)|或者(?:打|找)|还有(?:一个|个)(?:电话|号码|手机|座机)|(?:也|还)留(?:一个|个)?"
    r"|(?:打不通|没信号|没人接|不接|接不到|找不到(?:我|人))[^，,。\d]{0,6}?(?:就|再|可以|的话)"
    r"|(?:两个|都)(?:都)?(?:行|可以)|(?:座机|手机|电话|这个号?)(?:也|都)(?:行|可以|能打|打得通)"
)
# ... unless the first is said to be wrong or not to be called: 「电话改一下 …还是打科室座机」.
_FIRST_PHONE_WRONG = re.compile(r"改|错|不对|应该是|换成|换个|别打|不要打|不用打|作废")


def _adds_a_phone(text: str) -> bool:
    return bool(_SECOND_PHONE.search(text)) and not _FIRST_PHONE_WRONG.search(text)


_WAIT = re.compile(
    r"^(?:等一下|等一等|等等|稍等|等会儿?|等下|等我(?:一下|下)?|你等下|您稍等|我(?:去|先)?(?:看|找|问|查)(?:一下|下|看|找|问|查)"
    r"|我去(?:看|找|问|查)|马上|我找找)"
)
# 「等下 先问一句 …多少钱」: a question after the wait word, to be answered now, not waited for.
_ASKS_FIRST = re.compile(r"先问|问(?:一句|个事|个问题|你|您)|想问|请问|顺便问|[吗？?][。！!\s]*$")
_SKIP = re.compile(
    r"没空找|不找了|不用找|(?:没|不)(?:找|看)(?:着|到|见)|(?:找|看)不(?:着|到|见|清)|没有序列号|没序列号|不知道|不清楚"
    r"|直接派|先派人|派人来|直接来人|别问了|提交吧?|就这样吧?|先这样|就这些"
)
_LEAVE = re.compile(
    r"(?:不|没)(?:是|要|想|用)?(?:报修|报|修)(?:了)?[，,\s]*"
    r"(?:(?:也)?(?:不用|不要|别|不)(?:登记|填|记)(?:了)?[，,\s]*)?"  # 「先不报修，也不用登记，我就问问」
    r"(?:我)?(?:就|只是|只)?(?:想)?(?:问问|问一下|咨询|问个)"
    # 「我问问主任再说」: someone else is asked, not the hotline
    r"(?!主任|领导|科长|院长|护士长|老师|同事|上面|上级|别人|他们|她|他|设备科)"
)


def question_on_leaving(text: str) -> str:
    """「先不报修 我就问一下 换了新批号的试剂要不要重新定标」: the question asked instead of a report, without
    the words that leave the report (they pull the knowledge base towards repairs); else the text itself."""
    left = _LEAVE.search(text)
    question = text[left.end() :].strip(" ，,。：:") if left else ""
    return question or text


# 「先不报了 我问问主任再说」「算了 回头再报」: the registration put off, not a question to answer.
_LATER = re.compile(
    r"再说|回头|改天|以后再|晚点再|等会儿?再|明天再|(?:问问|问一下|请示)(?:一下)?(?:主任|领导|科长|院长|护士长|上面)"
)
_RESTORE = re.compile(
    r"没(?:说|让你|要)?取消|不是(?:要)?取消|别取消|不要取消|不取消|我说的?是对|我说对|怎么(?:就)?取消了"
    r"|还是(?:要|得)?(?:报|登记|修)|还(?:是)?(?:要|得)(?:报|修)|别介|"
    # 「就按刚才说的那些报上去」
    r"(?:就)?(?:按|照)(?:刚才|之前|前面|原来)(?:说|讲|报|登记)?的(?:那些|信息)?(?:报|登记|提交|弄)|(?:接着|继续)(?:报|登记|来|弄)|还是(?:要)?提交|(?:直接|帮我)提交|提交吧"
    r"|刚才(?:说|报|登记)的(?:那些|信息)?(?:你)?还(?:有|在|记着)"
    r"|我(?:是)?说(?:的是)?(?:信息)?(?:没问题|没错|对)"
)
_CANCEL_WORDS = re.compile(r"算了|取消|不报了|不要了|不修了|不弄了|撤了|作废")
# 「对的对的」「是是是」: agreement said twice is still agreement.
_AGREE_WORDS = re.compile(
    r"(?:^|[，,\s])(?:(?:对|对的|是的|没错|可以|行|好的?|啱|啱喇)[吧呀啊嘛哈]?[，,\s]*)+(?:[，,。！!\s]|$)|提交|确认|都报"
)
# 「就这样吧」「就这么着」 to the read-back: that is all, it stands.
_THAT_IS_IT = re.compile(r"就(?:这样|这么(?:着|办|定了))")
_RESUME = re.compile(
    r"^(?:继续|接着|接着来|接着登记|继续登记|不取消|没事了?|好了我回来了|回来了)[。！!，, ]*$"
)
# The serial said to be missing, to any question: 「序列号找不到」「铭牌看不清」.
_NO_SERIAL = re.compile(fields.ASIDES["serial_missing"])
_BARE_NO = re.compile(r"^(?:不用了?|没有|没|不要了?|木有|莫得|不知道)[。！!，,.~ ]*$")
_SENDS_ENGINEER = re.compile(fields.SENDS_ENGINEER)
_HAND_OFF = re.compile(r"转人工|zhuan\s*ren\s*gong|真人|人工客服|人工服务|找个人")
_NO_PROBLEM = re.compile(
    r"(?:没|木|莫|冇|没得|莫得)(?:有)?(?:问题|毛病)|没错|都对|没(?:有)?(?:什么|啥)?(?:要|需要)?改的"
)
_HOLD_ON = re.compile(r"不对|错了|别|先不|不要|不能|改|等")
_ONLY_REJECTS = re.compile(
    r"^(?:不对|不是|错了|有错|不太对|木有|莫得|bu ?dui|no)[。！!，,.~ ]*$", re.IGNORECASE
)
# 「不用排查」「不用试了直接派人」: the caller declines a guided check, offered or not.
_NO_CHECKS = re.compile(fields.DECLINES_CHECKS)
# 「没事了 同事说已经好了」「现在能用了 不用来了」: the fault went away while it was being registered.
_RESOLVED = re.compile(
    r"^没事了|(?:已经|自己|又|现在|刚刚?)(?<![没不])(?:好了|恢复了?|正常了|能用了)"
    r"|(?<![没不])(?:好了|恢复了|正常了|能用了).{0,6}不用(?:修|报修|来|派人|登记)|不用(?:修|报修|来人|派人)了"
    f"|{fields.WORKS_AGAIN}"  # 「按你说的重启了一下 现在能正常进样了」
)
# 「你们以前来过 跟上次一样」「还是老地方」: the value of an earlier call or visit, which this one cannot see.
_AS_BEFORE = re.compile(
    r"(?:跟|和|同)(?:上次|上回|以前|之前|原来|往常)(?:的|说的|登记的)?(?:一样|相同|一致)"
    r"|你们(?:以前|之前|上次|上回|原来)?(?:都)?(?:来过|去过|修过|上过门)|老地方|还是(?:上次|上回|原来|以前)(?:那个|的)?"
    r"|(?:地址|电话|科室|号码)?(?:没|没有)(?:变|换)"
)
# Fields a caller may think we keep from an earlier call.
_KEPT_ON_RECORD = ("hospital", "department", "site_address", "contact_phone", "contact_person")
_STILL_BROKEN = re.compile(r"还是|没好|不好|又坏|又不行|还不行")
_NUMBERS = re.compile(r"[\d一二三四五六七八九零〇幺两]")


# Commands after which nothing else the message says is registered.
_ENDS = frozenset({Do.CANCEL, Do.CANCEL_OR_SUBMIT, Do.LEAVE, Do.HAND_OFF, Do.RESOLVED, Do.RESTORE})


def interpret(
    message: Message, state: IntakeState, catalogue: Catalogue, rules: TriageRules
) -> list[Command]:
    """The commands one message gives the registration under way (or about to start, when nothing is
    asked)."""
    commands = _interpret(message, state, catalogue, rules)
    other = _another_device_said(message, state, catalogue)
    if other and not any(c.do in _ENDS for c in commands):
        commands.append(Command(Do.ANOTHER_DEVICE, None, other[0]))
    return commands


def _another_device_said(
    message: Message, state: IntakeState, catalogue: Catalogue
) -> tuple[DeviceReport, str] | None:
    """A fault of another device than the one being registered, said later with other details: its report and
    the words said of it."""
    known = state.values.get("device")
    if not state.requested or known in (None, "", NOT_GIVEN) or message.intent in DIGRESSIONS:
        return None
    other = another_device(message.text, str(known), catalogue)
    if other is None or re.search(r"[？?]|吗", other[1]):
        return None  # 「血球仪还在保修期吗」 asks, reports nothing
    said = fields.says_a_fault(other[1]) or _names_a_symptom(other[0].fault, catalogue)
    return other if said else None


def _interpret(
    message: Message, state: IntakeState, catalogue: Catalogue, rules: TriageRules
) -> list[Command]:
    text = message.text.strip()
    if fields.is_payload(text) or not text:
        return []  # a button says which request, never what a field holds
    message = _as_read(message)
    text = message.text
    if state.cancelled and _RESTORE.search(text):
        # 「我没让你取消啊 信息是对的 提交」: back, and confirmed in the same breath
        # 「等等 我说错了 还是要报的…」: what was said wrong is the cancel
        rest = re.sub(r"(?:等等|等一下)?[，,\s]*(?:我|刚才)?(?:说错了|口误)", "", _RESTORE.sub("", text))
        agrees = _AGREE_WORDS.search(rest) or _NO_PROBLEM.search(rest) or "提交" in text
        confirms = bool(agrees) and not _HOLD_ON.search(rest)
        return [Command(Do.RESTORE), *([Command(Do.CONFIRM)] if confirms else [])]
    if _RESTORE.search(text) and _UNCHANGED.search(text):
        return []  # 「还是要报的，刚才那些信息都不变」 once restored: nothing in the registration to change
    wants_engineer = bool(_SENDS_ENGINEER.search(text))
    if (
        state.requested == "serial_number"
        and _SKIP.search(text)
        and not _HAND_OFF.search(text)
        and not normalise_serial(text)  # 「序列号GF23110582 … 直接派人」 gives it
    ):
        # 「没空找，直接派人」 asks for an engineer, not an operator; what else it says is kept
        said_too = [
            c
            for c in _fields(message, state, catalogue, rules)
            if c.field != "serial_number" and c.do in (Do.SET, Do.CORRECT)
        ]
        return [Command(Do.SKIP, "serial_number"), *said_too]
    if _HAND_OFF.search(text) or (message.intent == "request_human" and not wants_engineer):
        return [Command(Do.HAND_OFF)]
    if _LEAVE.search(text):
        return [Command(Do.LEAVE)]
    found = _fields(message, state, catalogue, rules)
    if message.intent in DIGRESSIONS and state.values.get("serial_number") not in (None, "", NOT_GIVEN):
        # 「顺便问下 我们那台生化HX26020455还在保修期吗」: another device asked about, not the one reported
        found = [c for c in found if c.field not in ("serial_number", "device")]
    model = _model_swapped(text, state, catalogue)
    if model:
        # 「坏的不是KR-800 是KR-2000」: the device registered, and its mention in the fault below
        found = [c for c in found if c.field != "device"] + [model]
    swapped = _swapped(text, state) or (None if found else _fault_said_again(text, state, catalogue))
    named = {c.field for c in found if c.do is not Do.ASK_AGAIN}
    if swapped and (swapped.field not in named or swapped.field not in _LABEL_IN_VALUE):
        # 「医院说错了 不是二院 是三院」「地址搞错哒 不是迎丰中路 是迎丰东路」: the word said wrong, put
        # right in the name or address that holds it; a fault or an impact is said anew after its field's
        # name (「故障说得不准，不是撞针，是加样针弯了」)
        found = [c for c in found if c.field != swapped.field]
        # 「名字不对 不是康华 是康和」: the word said wrong is the hospital's, so 「名字」 meant its name,
        # not the contact's; the right word fills no other field.
        wrong_said = _NOT_X_BUT_Y.search(text)
        right = _wrong_and_right(wrong_said)[1] if wrong_said else ""
        found = [c for c in found if not (right and c.value and str(c.value) in right)]
        # 「科室讲错了 不是检验科 设备在住院楼的生化室」 to the impact question corrects; it answers nothing
        found = [
            c
            for c in found
            if not (
                c.field == state.requested
                and c.do is Do.SET
                and wrong_said
                and wrong_said.group(0) in str(c.value)
            )
        ]
        found.append(swapped)
    ending = _phone_ending_said(text, state)
    if ending and "contact_phone" not in {c.field for c in found}:
        found.append(ending)
    character = _name_character_said(text, state)
    if character:
        found = [c for c in found if c.field != "contact_person"] + [character]
    street = _address_left_open_said(text, state, found)
    if street:
        found = [c for c in found if c.field != "site_address"] + [street]
        impact = next((c for c in found if c.field == "clinical_impact"), None)
        if impact and str(street.value) in str(impact.value):
            # 「问到了 兰州市…566号 … 急诊的血常规都做不成了」: the address is no part of the impact
            found.remove(impact)
            said = _impact_said(text, [str(street.value)], rules)
            if said:
                found.append(Command(impact.do, "clinical_impact", said))
    alarm = None if message.intent in DIGRESSIONS else _another_alarm_said(text, state)
    if alarm and "fault_description" not in {c.field for c in found}:
        found.append(alarm)
    one_character = _character_said(text, state)
    if one_character and not (one_character.field == "contact_phone" and ending):
        # the digits of 「最后一位是7 不是1」 are no serial or phone; a whole phone said with them is kept
        found = [
            c
            for c in found
            if c.field not in ("serial_number", one_character.field) and not _digits_misread_as_phone(c, text)
        ]
        found.append(one_character)
    if state.requested == READBACK:
        return _at_readback(text, message.intent, found)
    if found and _serial_said_missing(text, state) and "serial_number" not in {c.field for c in found}:
        found.append(Command(Do.SKIP, "serial_number"))  # 「…升不到37度 序列号没空找」
    if found:
        return found
    said = fields.strip_around(text)
    for filled in _SAID_ON_ITS_OWN if message.intent not in DIGRESSIONS else ():
        value = fields.VALIDATORS[filled](text)
        current = str(state.values.get(filled) or "")
        if value and current not in ("", NOT_GIVEN, value) and len(value) >= 0.8 * len(said):
            # Another hospital or address said on its own, to another question: the caller's correction; a
            # street said after only a building (「门诊楼二楼」) completes it.
            if filled == "site_address" and not fields.names_a_street(current):
                value = f"{value}{current}"
            return [Command(Do.CORRECT, filled, value)]
    if state.requested and _RESOLVED.search(text) and not _STILL_BROKEN.search(text):
        return [Command(Do.RESOLVED)]
    if state.requested in _KEPT_ON_RECORD and _AS_BEFORE.search(text):
        return [Command(Do.AS_BEFORE, state.requested)]
    if _RESUME.match(text):
        return [Command(Do.RESUME)]
    if state.requested and declines_checks(text):
        return [Command(Do.NO_CHECKS)]
    if _CANCEL_WORDS.search(text) and _AGREE_WORDS.search(text):
        return [Command(Do.CANCEL_OR_SUBMIT)]  # 「算了，对」 in the middle of the form: ask, never guess
    if state.requested == "serial_number" and (_SKIP.search(text) or _BARE_NO.match(text)):
        return [Command(Do.SKIP, "serial_number")]  # 「不用了」 to the serial question after details: skip it
    if _serial_said_missing(text, state):
        return [Command(Do.SKIP, "serial_number")]  # 「找不到序列号」 said to another question
    if _waits(text):
        return [Command(Do.WAIT)]
    if message.intent == "cancel" or (
        _CANCEL_WORDS.search(text) and (len(text) <= 12 or _LATER.search(text))
    ):
        return [Command(Do.CANCEL)]
    return []


def _serial_said_missing(text: str, state: IntakeState) -> bool:
    """「序列号找不到」 said to another question while no serial is registered."""
    return bool(state.requested and not state.values.get("serial_number") and _NO_SERIAL.search(text))


# A long report transcribed from a call has no punctuation: where a caller would pause, before what they say
# next (「…检验科我是蒲建军电话是幺三九…序列号是MS25041128…地址是…」).
_SPOKEN_CUES = re.compile(
    r"(?<=[^，,。；;\s])(?=我是|我叫|我姓|俺叫|俺是|(?:我的?|(?<!我)(?<!我的))(?:联系|手机|电话)(?:号码?)?是|序列号是|编号是|地址是|地址在|科室是|医院是"
    r"|我们(?:科|室|这边)?(?:那|这|的)(?:个|台)|(?:你们)?(?:不用|不要|别|甭|莫得?|冇得?|莫搞|不搞)(?:跟我)?(?:排查|试|远程)|远程(?:排查|指导)?(?:就|也)?(?:不|甭|别|莫)"
    r"|直接(?:派|喊|叫|来)|影响是"
    # 「…我电话幺五九…」「…序列号RB2508…」「…型号是RB-660…」: a field's name before its value, without 是
    rf"|(?:我的?)?(?:手机|电话)(?:号码?|号)?(?=[0-9{SPOKEN_DIGITS}])|序列号(?=[A-Za-z0-9])|型号(?:是)?(?=[A-Za-z])|地址(?!是|在)"
    # 「…进不去急诊凝血都测不了…」「…卡到起门诊病人等了一路」: who is waiting, the impact
    r"|(?<=的)姓(?=[\u4e00-\u9fff]{2})|(?<!门诊)(?<!急诊)(?<!病房)(?<!门诊的)(?<!急诊的)(?<!病房的)(?<![个位名些几多])(?:门诊|急诊|病房|病人|患者)[^科室楼部区，,。\s]{0,4}(?:都|全|在|等|也|那边|排|催))"
)
_SPOKEN_DIGITS_END = re.compile(rf"(?<=[0-9{SPOKEN_DIGITS}]{{7}})(?=[^0-9{SPOKEN_DIGITS}，,。；;\s转分])")


# A part of a report that says another field (「电话是幺三九…」「地址是…」), whatever its value reads like.
_FIELD_CUE = re.compile(
    r"^\s*(?:我是|我叫|我姓|(?:我的?)?(?:联系|手机|电话)(?:号码?)?是|联系人|(?:我的?)?(?:电话|手机)|序列号|编号是|型号|地址"
    r"|地方(?:是|在))"
)


# 「刚才说错了，不是样本针，是试剂针撞了」: a word of what was given, said wrong, without naming its field.
# 「那台机器不在门诊化验室 在住院部的检验科」: where it is, said wrong, the same way.
# 「…念反了 是6703 不是6730」: the right word first.
_NOT_X_BUT_Y = re.compile(
    r"不是([^，,。；;！!？?\s]{1,12}?)[，,。\s]*(?:而|其实|应该)?(?:(?:机器|设备|仪器|它|那台)?在|是)([^，,。；;！!？?\s]{1,20})"
    r"|不在([^，,。；;！!？?\s]{1,12}?)[，,。\s]*(?:而|其实|应该)?(?:是)?在([^，,。；;！!？?\s]{1,20})"
    r"|(?:^|[，,。\s])(?:应该|其实)?是([^，,。；;！!？?\s]{1,20}?)[，,。\s]*不是([^，,。；;！!？?\s]{1,12}?)(?=[，,。；;！!？?\s]|$)"
)


def _wrong_and_right(match: re.Match[str]) -> tuple[str, str]:
    """The word said wrong and the right one, in whichever order they were said."""
    return match.group(1) or match.group(3) or match.group(6), match.group(2) or match.group(
        4
    ) or match.group(5)


# 「哦不好意思刚才说的不对 打印机没事 是做完的结果传不到LIS上…」: the fault said wrong, told again unnamed.
_TOLD_WRONG = re.compile(rf"(?:刚才|前面|之前)?(?:说的|说得|讲的)?(?:不对|{_SAID_WRONG})")
_NOTHING_WRONG_WITH = re.compile(r"[^，,。\s]{1,8}(?:没事|没问题|是好的)[，,。\s]*")


def _fault_said_again(text: str, state: IntakeState, catalogue: Catalogue) -> Command | None:
    """The new fault after 「刚才说的不对」, when one was registered and nothing else is said."""
    said_wrong = _TOLD_WRONG.search(text)
    if not said_wrong or state.values.get("fault_description") in (None, "", NOT_GIVEN):
        return None
    named = re.search(_LABEL, text[: said_wrong.start()], re.IGNORECASE)
    if named and _target(named.group(0)) != "fault_description":
        return None  # 「名字第二个字写错了 是春晓的晓」: another field's, said wrong
    rest = _NOTHING_WRONG_WITH.sub("", text[said_wrong.end() :])
    rest = re.sub(r"^[，,。\s]*(?:其实|应该)?是", "", rest).strip(" ，,。")
    return Command(Do.CORRECT, "fault_description", rest) if _names_a_symptom(rest, catalogue) else None


# 「手机后四位是1947」: the end of the phone given, said again.
_LAST_DIGITS = re.compile(
    r"(?:手机|电话|号码|手机号|电话号)?(?:的)?最?后(?:四|4|三|3|两|2|五|5|一|1)位(?:数)?"
    rf"(?:{_SAID_WRONG}|错了|不对)?[，,\s]*(?:是|应该是|改成|改为|为|写成)?"  # 「最后一位说错了 是九不是八」
    rf"[：:\s]*([0-9{SPOKEN_DIGITS}]{{1,5}})(?![0-9])"
)

# 「刚才那些信息都不变」「其他照旧」: the registration as it was.
_UNCHANGED = re.compile(
    r"(?:信息|那些|刚才(?:说|讲|报|登记|填)?的?|其他|其它|别的)(?:的)?(?:都|全|也)?"
    r"(?:不变|没变|照旧|一样|不用改|不改|照原来|按原来)"
)

_COUNTS = str.maketrans("一两二三四五", "122345")

# 「名字最后一个字写错了 是晴天的晴」「第二个字不对 应该是玉石的玉」: one character of the name, told by a
# word that holds it.
_NAME_CHARACTER = re.compile(
    rf"(第[一二三四1-4]个|最后一个|最后那个|末尾那个|后面那个|后一个|中间那个|中间一个|中间的)字"
    rf"(?:也)?(?:{_SAID_WRONG}|错了|不对)?[，,。\s]*(?:应该|其实)?(?:是|改成|换成|为)?[，,\s]*"
    rf"(?:([{fields.HAN}]{{1,6}}?)的)?([{fields.HAN}])字?(?=$|[，,。；;！!\s])"
)
# 「序列号倒数第二位是8 不是6」「序列号我看错了 最后一位是7」「手机号我说错一个数 倒数第二位是8不是6」: one
# character of the serial or the phone put right.
_CHARACTER_PUT_RIGHT = re.compile(
    r"(?:(?:(序列号|编号|SN|机号)|(手机|电话|号码))[^。；;0-9A-Za-z]{0,10}?)?"
    r"(倒数第[一二三四五12345]位|最后一位|末位|第(?:[一二三四五六七八九十]|\d{1,2})位)"
    rf"(?:数|字|数字)?(?:(?:我|刚才)?(?:{_SAID_WRONG}|错了|不对))?[，,\s]*(?:应该)?(?:是|改成|为)?\s*"
    rf"([A-Za-z0-9{SPOKEN_DIGITS}])"
    rf"(?:[，,\s]*不是([A-Za-z0-9{SPOKEN_DIGITS}]))?",
    re.IGNORECASE,
)
_ORDINALS = {c: n for n, c in enumerate("一二三四五六七八九十", 1)}


def _address_left_open_said(text: str, state: IntakeState, found: list[Command]) -> Command | None:
    """The street said later for an address the caller could not give (「地址先空着」, then 「问到了
    兰州市…东岗西路566号 …」), to whatever question."""
    if state.values.get("site_address") != NOT_GIVEN or any(c.field == "site_address" for c in found):
        return None
    for part in re.split(r"[，,；;。\s]+", text):
        value = fields.address(part) if fields.names_a_street(part) else None
        if value:
            return Command(Do.CORRECT, "site_address", value)
    return None


def _index_said(position: str, length: int) -> int | None:
    """Where 「第二个」「倒数第二位」「最后一个」「中间那个」 points in a name or code this long."""
    count = re.search(r"第([一二三四五六七八九十]|\d{1,2})", position)
    if count:
        said = _ORDINALS.get(count.group(1)) or int(count.group(1))
        index = length - said if position.startswith("倒数") else said - 1
    elif position.startswith("中间"):
        index = 1 if length == 3 else -1  # the middle of a four-character name is no one character
    else:
        index = length - 1  # 最后, 末位, 后面那个
    return index if 0 <= index < length else None


def _another_alarm_said(text: str, state: IntakeState) -> Command | None:
    """The fault registered with the other alarm the caller tells of added (codes: `_new_alarm`)."""
    known = str(state.values.get("fault_description") or "")
    if known in ("", NOT_GIVEN) or re.search(fields.ALARM_CODE, text):
        return None
    said = fields.alarm_in_words(_WRITE_IT_DOWN.sub("", text))
    if said is None or said in known:
        return None
    return Command(Do.CORRECT, "fault_description", f"{known}；又报{said}")


def _digits_misread_as_phone(command: Command, text: str) -> bool:
    digits = re.sub(r"\D", "", str(command.value or ""))
    return command.field == "contact_phone" and not (len(digits) >= 7 and digits in re.sub(r"\D", "", text))


def _character_said(text: str, state: IntakeState) -> Command | None:
    """The serial or phone with the one character said wrong put right: the field named, else the only one
    whose character there is the wrong one said."""
    match = _CHARACTER_PUT_RIGHT.search(text)
    if not match:
        return None
    right, wrong = (str(said or "").translate(CHINESE_DIGITS).upper() for said in match.group(4, 5))
    named = "serial_number" if match.group(1) else "contact_phone" if match.group(2) else None
    candidates = []
    for target in (named,) if named else ("serial_number", "contact_phone"):
        value = str(state.values.get(target) or "")
        index = _index_said(match.group(3), len(value)) if value and value != NOT_GIVEN else None
        if index is not None and value[index] != right and (named or value[index] == wrong):
            candidates.append((target, value, index))
    if len(candidates) != 1:
        return None
    target, value, index = candidates[0]
    if wrong and value[index] != wrong:
        return None
    return Command(Do.CORRECT, target, value[:index] + right + value[index + 1 :])


_OTHER_FIELD_BEFORE = re.compile(r"医院|科室|地址|故障|设备|型号|序列号|编号")


def _name_character_said(text: str, state: IntakeState) -> Command | None:
    """The contact's name with the one character the caller put right."""
    match = _NAME_CHARACTER.search(text)
    name = str(state.values.get("contact_person") or "")
    if not match or not name or name == NOT_GIVEN or _OTHER_FIELD_BEFORE.search(text[: match.start()][-8:]):
        return None
    word, character = match.group(2), match.group(3)
    if word and character not in word:
        return None
    index = _index_said(match.group(1), len(name))
    if index is None or name[index] == character:
        return None
    return Command(Do.CORRECT, "contact_person", name[:index] + character + name[index + 1 :])


def _phone_ending_said(text: str, state: IntakeState) -> Command | None:
    """The phone given before with its last digits as said again (「后四位是1947 刚才说反了」)."""
    match = _LAST_DIGITS.search(text)
    current = str(state.values.get("contact_phone") or "")
    if not match or not current.isdigit() or re.search(r"序列号|编号|SN|机号", text[: match.start()], re.I):
        return None  # 「序列号…最后一位是7」 is the serial's
    ending = match.group(1).translate(CHINESE_DIGITS)
    said_count = match.group(0).split("位")[0][-1].translate(_COUNTS)
    if said_count.isdigit() and int(said_count) != len(ending):
        return None  # 「后四位是13」: not the digits it says it gives
    if len(ending) >= len(current) or current.endswith(ending):
        return None
    return Command(Do.CORRECT, "contact_phone", current[: -len(ending)] + ending)


_NAMES_ANOTHER_FIELD = re.compile(r"序列号|编号|电话|手机|地址|联系人|医院|科室")


def _model_swapped(text: str, state: IntakeState, catalogue: Catalogue) -> Command | None:
    """The device with the model said wrong put right (「坏的不是KR-800 是KR-2000」, 「不是680 是HX-1200」,
    「型号不是680 是1200」)."""
    match = _NOT_X_BUT_Y.search(text)
    device = str(state.values.get("device") or "")
    code = MODEL_CODE.search(device)
    if match is None or code is None:
        return None
    wrong_said, right_said = _wrong_and_right(match)
    wrong = MODEL_CODE.search(wrong_said) or re.fullmatch(r"\d{2,5}", wrong_said)
    if not (wrong and wrong.group(0).upper() in code.group(0).upper()):
        return None
    right = MODEL_CODE.search(right_said)
    digits = re.match(r"\d{2,5}(?![0-9])", right_said)
    if right:
        new_code = right.group(0)
    elif digits and not MODEL_CODE.search(wrong_said):
        new_code = re.sub(re.escape(wrong.group(0)), digits.group(0), code.group(0), count=1)
    else:
        return None
    named = catalogue.device_in_text(new_code) or f"{_device_type_of(device) or ''} {new_code}"
    return Command(Do.CORRECT, "device", named.strip())


def _swapped(text: str, state: IntakeState) -> Command | None:
    """The one field given before that holds the word said wrong, with the right word in its place."""
    match = _NOT_X_BUT_Y.search(text)
    if match is None:
        return None
    wrong, right = _wrong_and_right(match)
    right = re.sub(r"[了啊吧呀的哈啦嘛哩咧]+$", "", right)
    short = [re.fullmatch(r"([一二三四五六七八九十]+)院", said) for said in (wrong, right)]
    if short[0] and short[1] and f"第{short[0].group(1)}" in str(state.values.get("hospital") or ""):
        # 「不是二院 是三院」: how a city's 第二人民医院 is called
        wrong, right = f"第{short[0].group(1)}", f"第{short[1].group(1)}"
    holding = [
        (field, str(value))
        for field, value in state.values.items()
        if field in fields.VALIDATORS and value and value != NOT_GIVEN and wrong in str(value)
    ]
    if len(holding) > 1:
        # 「不是三楼是四楼」: the address holds it as its value, the fault only in passing
        holding = [(f, v) for f, v in holding if f not in _LABEL_IN_VALUE]
    if len(holding) != 1 or not right:
        return None
    field, value = holding[0]
    # 「电话最后一位说错了 是九不是八」: the phone's digit, not the 八 of the address's 二十八号
    named = re.search(_LABEL, text[: match.start()])
    if len(wrong) == 1 and named and _target(named.group(0)) not in (None, field):
        return None
    # 「不是650，是EW-560」 of 「EW-650」: the code whole, not 「EW-EW-560」
    code = re.sub(r"[^A-Za-z0-9\-].*", "", right)
    before = value[: value.index(wrong)]
    wrong = next((code[:k] for k in range(len(code), 0, -1) if before.endswith(code[:k])), "") + wrong
    after = value[value.index(wrong) + len(wrong) :]
    if field == "department":
        # 「在住院部的检验科」; 「机器在急诊楼的急诊化验室」: the building is where, not which department
        right = re.sub(r"^[^的]{1,6}楼的?(?=.{2})", "", right).replace("的", "")
    if field == "site_address" and re.search(r"(?:[路街道巷弄]|大道)[0-9一二三四五六七八九十]+号", right):
        # 「不是通达路 是临沂市兰山区金雀山路61号」: the street and number said whole, in the old one's place
        corrected = fields.address(fields.amended_address(value, right))
        return Command(Do.CORRECT, field, corrected) if corrected else None
    if len(right) > len(wrong) and after[:1] == right[len(wrong) : len(wrong) + 1]:
        right = right[: len(wrong)]  # 「是试剂针撞了」 for 「样本针撞针了」: the word, not the rest again
    amended = value.replace(wrong, right, 1)
    told_on = text[match.end() :].strip(" ，,。；;！!")
    if field == "fault_description" and re.search(f"[{fields.HAN}]", told_on):
        # 「不是电极漂移 是进样针堵咧 吸不上样 一直报吸样失败」: what follows the right word tells it on
        # (「…，序列号没错的」「KR-800是隔壁那台」「是KR24030571」 are of other fields: no part of the fault)
        told = [
            p
            for p in re.split(r"[，,。；;\s]+", told_on)
            if p
            and not (_NAMES_ANOTHER_FIELD.search(p) or MODEL_CODE.search(p) or normalise_serial(p))
            and not _REST_IS_RIGHT.match(p)  # 「其他都对」
        ]
        amended = "，".join([amended, *told])
    corrected = fields.VALIDATORS[field](amended)
    return Command(Do.CORRECT, field, corrected) if corrected else None


_IN_NUMBERS = "0123456789-－"  # 「0416 - 318 7620」: one number
_SPOKEN_GROUP = f"[{SPOKEN_DIGITS}]{{3,}}"


# 「1、」「2.」「（3）」「[4]」「一、」「Ⅱ.」「①」「⑴」「❶」 before the parts of a report written as a list,
# and 「- 」「• 」 starting a line: no part of any value.
_MARKERS = (
    r"\d{1,2}[、．.)）]|[（(\[【]\d{1,2}[)）\]】]|[一二三四五六七八九十]{1,2}[、．]|[Ⅰ-Ⅻ][、．.)）]?"
    r"|[①-⑳⑴-⒇⒈-⒛❶-❿➀-➉]"
)
_LIST_MARKER = re.compile(rf"(?:(?<=^)|(?<=[，,；;。\n：:\s]))(?:{_MARKERS})\s*|^[ \t]*[-•·●▪*][ \t]*", re.M)
# 「报修 一、…医院 二、急诊检验科 三、…」: a list in one line; each marker ends the part before it, which may
# hold spaces of its own.
_MARKER_IN_LINE = re.compile(rf"(?<=[^\s，,；;。：:])[ \t]+(?:{_MARKERS})\s*")


def _punctuated(text: str) -> str:
    """A long unpunctuated message with a comma at each cue of a new part and at each space typed as a pause
    (not inside a number: 「139 0009 4283」); any other message as it is, also a form typed on one line
    (「【单位】… 【部门】…」: its fields' names end its parts)."""
    if len(text) < 30 or re.search(r"[，,。；;、\n]", text):
        return text
    if len(re.findall(rf"(?:{_LABEL})\s*[：:]", text, re.IGNORECASE)) >= 3:
        return text
    words = text.split()
    paused = words[0] if words else ""
    for before, word in zip(words, words[1:], strict=False):
        # 「联系人 彭涛」: the space after a field's name is no pause; nor one inside a number
        joined = (
            re.fullmatch(_LABEL, before, re.IGNORECASE)
            or (before[-1] in _IN_NUMBERS and word[0] in _IN_NUMBERS)
            or (re.fullmatch(r"[A-Za-z]{1,3}", before) and word[0].isdigit())  # 「bg 2503 1729」
            # 「幺三九 四五二七 零八六三」: a number read out in groups
            or (re.search(f"{_SPOKEN_GROUP}$", before) and re.match(_SPOKEN_GROUP, word))
        )
        paused += (" " if joined else "，") + word
    return _SPOKEN_DIGITS_END.sub("，", _SPOKEN_CUES.sub("，", paused))


def names_a_faulty_device(text: str, catalogue: Catalogue) -> bool:
    """「对 就是那台尿机 还是试纸条卡住」: a device and a fault of it, asking nothing."""
    named = catalogue.device_in_text(text) or instrument_said(text)
    return bool(named and fields.says_a_fault(text) and not _ASKS_SOMETHING.search(text))


_ASKS_SOMETHING = re.compile(r"[吗么？?]|怎么|多久|什么|啥|几|要不要|能不能|是不是")


def declines_checks(text: str) -> bool:
    """The caller wants no guided check: said with the report, or to a question of the form."""
    return bool(_NO_CHECKS.search(text.replace(" ", "")))


def _waits(text: str) -> bool:
    """「等一下 我去看看铭牌」, not 「等下 先问一句 …多少钱」 (a question to answer now)."""
    wait = _WAIT.search(text)
    return wait is not None and not _ASKS_FIRST.search(text[wait.end() :])


def _at_readback(text: str, intent: str | None, found: list[Command]) -> list[Command]:
    cancels = bool(_CANCEL_WORDS.search(text)) or intent == "cancel"
    agrees = bool(_AGREE_WORDS.search(text) or _NO_PROBLEM.search(text) or _THAT_IS_IT.search(text))
    agrees = agrees or only_agrees(text)
    if cancels and agrees:
        return [Command(Do.CANCEL_OR_SUBMIT)]
    if found:
        return found
    if _waits(text):
        return [Command(Do.WAIT)]
    if cancels:
        return [Command(Do.CANCEL)]
    if only_agrees(text) or (intent == "affirm" and not _ONLY_REJECTS.match(text)):
        return [Command(Do.CONFIRM)]
    if (agrees or _NO_PROBLEM.search(text)) and not _HOLD_ON.search(text):
        return [Command(Do.CONFIRM)]  # 「木有问题 提交」「没错，提交」
    if _ONLY_REJECTS.match(text) or intent == "deny":
        return [Command(Do.REJECT)]
    return []


def values_of(commands: list[Command]) -> dict[str, Any]:
    """The field values the commands set or correct (an emptied field is None)."""
    values: dict[str, Any] = {}
    for command in commands:
        if command.do in (Do.SET, Do.CORRECT) and command.field:
            values[command.field] = command.value
        elif command.do in (Do.ASK_AGAIN, Do.SKIP) and command.field:
            values[command.field] = None
    return values


def read_fields(
    message: Message, state: IntakeState, catalogue: Catalogue, rules: TriageRules
) -> list[Command]:
    """The fields one message fills, corrects or empties, read against the question asked as `interpret`
    reads them, without the commands that steer a registration (for the contact form, which has none)."""
    if fields.is_payload(message.text.strip()):
        return []  # a button says which request, never what a field holds
    return _fields(_as_read(message), state, catalogue, rules)


def _as_read(message: Message) -> Message:
    """The message with its typos corrected, list markers dropped, each field's name followed by a colon
    whatever the caller typed after it, and a long transcript's pauses as commas."""
    said = spoken_numbers(spelled_codes(corrected_typos(message.text.strip())))
    text = _MARKER_IN_LINE.sub("，", said)
    labelled = _LABEL_SEPARATOR.sub(r"\1\2：", _LIST_MARKER.sub("", text))
    spoken = _punctuated(_slashes_as_pauses(_shared_rows_apart(labelled)))
    return Message(spoken, message.intent, message.entities)


# 「医院/科室：…」「联系人、电话：…」: two fields' names over one value, each field read from it.
_SHARED_ROW = re.compile(
    rf"{_AT_PART_START}({_LABEL})\s*[/／、]\s*({_LABEL})\s*[：:]\s*"
    rf"([^\n]*?)(?=[，,；;。]\s*(?:{_LABEL})\s*[：:]|\n|$)",
    re.IGNORECASE | re.MULTILINE,
)


def _shared_rows_apart(text: str) -> str:
    """Each field of a row with two names as a row of its own, with the row's whole value."""
    apart = "\n" if "\n" in text else "，"
    return _SHARED_ROW.sub(lambda m: f"{m.group(1)}：{m.group(3)}{apart}{m.group(2)}：{m.group(3)}", text)


_SLASH = re.compile(r"[/／|｜]")


def _slashes_as_pauses(text: str) -> str:
    """「报修/…医院/急诊检验室/…/联系人 …」「医院：… | 科室：…」: a slash or a bar between the parts of a
    report is a pause; not the slash of 「S/N」, nor of a date or a ratio (「12/07」「1/2」)."""

    def pause(slash: re.Match[str]) -> str:
        before, after = text[: slash.start()], text[slash.end() :]
        letters = re.search(r"[A-Za-z]$", before) and re.match(r"[A-Za-z]", after)
        numbers = re.search(r"(?<!\d)\d{1,4}$", before) and re.match(r"\d{1,4}(?!\d)", after)
        return slash.group(0) if letters or numbers else "，"

    return _SLASH.sub(pause, text)


def _fields(message: Message, state: IntakeState, catalogue: Catalogue, rules: TriageRules) -> list[Command]:
    """The fields a message gives: those it names, those of an opening report, the impact its words state, and
    the answer to the question asked (or the other fields said to it)."""
    text = message.text.strip()
    found: dict[str, Command] = {}
    labelled = _labelled(text, state, catalogue)
    for command in [*labelled, *_codes(message, state, text), *_entities(message, state, catalogue, text)]:
        _put(found, command)
    # The opening report, also when it answers 「请描述一下故障」 after a bare 「报修」.
    starting = state.requested is None or (
        state.requested == "fault_description" and not any(state.values.get(f) for f in _CALLER_FIELDS)
    )
    _read_report(message, state, catalogue, rules, found, starting=starting, labelled=len(labelled))
    device = found.get("device")
    if device and MODEL_CODE.fullmatch(str(device.value or "")):
        # 「…那个血球仪啊 型号是RB-660…」「…那个血凝仪型号是SG-600…」: a model the catalogue does not know,
        # with the type said apart; a model put right (「型号讲错了，是EW-560」) keeps the type registered
        without_code = MODEL_CODE.sub(" ", text)
        named = (
            catalogue.device_in_text(without_code)
            or instrument_named(without_code)
            or _device_type_of(str(state.values.get("device") or ""))
        )
        if named and not re.search(r"\d", named):
            found["device"] = Command(device.do, "device", f"{named} {device.value}")
    impact = rules.impact_of(text)
    known = rules.impact_of(state.values.get("clinical_impact"))
    changes_urgency = bool(impact and known and impact.urgent != known.urgent)
    if (
        impact
        and (starting or state.requested == READBACK or changes_urgency)
        and (
            starting or not labelled
        )  # 「故障那里写得不准，不是开不了机…」 corrects the fault, not the impact
        and "clinical_impact" not in found
    ):
        # Urgency from the caller's own words (never from a department's name: bot/triage.py leaves those
        # out).
        others = [str(c.value) for c in found.values() if c.value and c.field != "fault_description"]
        said = _impact_clauses(text, others, rules)
        if said and (starting or _grown_worse(message)):
            # 「…现在直接黑屏开不了机了，急诊的血常规都冇得做了」: the impact, not the symptom said with it
            value = fields.clinical_impact("，".join(said))
        elif said:
            # 「刚科主任讲了 病房有几个术前的…急查在等 这个要急」: from the words that say who waits or what
            # for, not who said so (「刚刚急诊科打电话过来，说有个危急病人等…」 names who waits)
            parts = [p for p in re.split(r"[，,；;。！!\s]+", text) if p]
            first = next(i for i, p in enumerate(parts) if p in said or _WHO_WAITS.search(p))
            value = fields.clinical_impact("，".join(parts[first:]))
        else:
            value = impact.label if starting else fields.clinical_impact(text)
        if value and (starting or state.values.get("clinical_impact") != value):
            _put(found, Command(Do.SET if starting else Do.CORRECT, "clinical_impact", value))
    fault_labelled = any(c.field == "fault_description" for c in labelled)
    if impact and "clinical_impact" in found and (starting or _grown_worse(message)) and not fault_labelled:
        # what the clinic does meanwhile (「这批样本下周出就行」) is no part of the fault, however the impact
        # was read (「…影响不大 这批样本下周出就行」 by its label); a fault the caller labelled is as said
        others = [str(c.value) for c in found.values() if c.value and c.field not in _LABEL_IN_VALUE]
        _leave_out_of_fault(found, _impact_clauses(text, others, rules), catalogue)
    _read_answer(message, state, found, rules, labelled=bool(labelled), impact_said=impact is not None)
    if impact and not starting and state.requested not in (None, READBACK, "clinical_impact"):
        _impact_in_passing(text, state, found, rules)
    phone = found.get("contact_phone")
    extension = extension_in(text)
    if phone and phone.value and extension and str(phone.value).startswith("0"):
        # 「请打科室座机0552-3167485转2306」: the engineer dials the extension too
        found["contact_phone"] = Command(
            phone.do, "contact_phone", with_extension(str(phone.value), extension)
        )
    return list(found.values())


def _device_type_of(device: str) -> str | None:
    """The type words of a registered device (「酶免工作站 EW-650」 → 「酶免工作站」); None for a bare model
    or none."""
    kind = MODEL_CODE.sub("", device).strip()
    return kind if kind and device != NOT_GIVEN and re.search(r"[\u4e00-\u9fff]", kind) else None


def _impact_in_passing(text: str, state: IntakeState, found: dict[str, Command], rules: TriageRules) -> None:
    """「急诊科，病人都在等着呢」 to the department question: the answer, and the impact in a part of its
    own. The impact registered gives way to the caller's words when they change the urgency (「…血铅的样本
    先存着 不是很急」 after 「血铅测不了」, 「尿常规先手工做 不急」 after 「用不了」)."""
    current = state.values.get("clinical_impact")
    if "clinical_impact" in found:
        return
    # what was registered, read by the bot (its category's label) or said by the caller (「用不了」)
    known = rules.impact_of(current) if current not in (None, "", NOT_GIVEN) else None
    value = _impact_said(text, [str(c.value) for c in found.values() if c.value], rules)
    said_impact = rules.impact_of(value)
    # the category's label was the bot's reading of the report (「铅测不了」 → 「设备停机…」): the caller's
    # own words of what waits (「娃娃的血铅样本压了十几个」) say more
    bots_words = any(current == impact.label for impact in rules.impacts)
    if (
        current not in (None, "", NOT_GIVEN)
        and not bots_words
        and (said_impact is None or known is None or said_impact.urgent == known.urgent)
    ):
        return
    if value:
        _put(found, Command(Do.CORRECT if known else Do.SET, "clinical_impact", value))


def _impact_said(text: str, given: list[str], rules: TriageRules) -> str | None:
    """Every part of a message that states an impact, none that gives another field (「血铅做不成 不急 这周
    来就行」: both, so that 不急 is not lost; 「序列号没看 直接派人吧 门诊的血常规全停了」: the last)."""
    said = [
        part
        for part in re.split(r"[，,；;。！!\s]+", text)
        if part and not any(part in value or value in part for value in given) and rules.impact_of(part)
    ]
    return fields.clinical_impact("，".join(said)) if said else None


def _impact_clauses(text: str, given: list[str], rules: TriageRules) -> list[str]:
    """The parts of a report that say what the fault does to the clinic and nothing of the fault itself
    (「儿科门诊好几十个小孩在等结果」「不过不急」「还有一台备用的在用」), none that gives another field."""
    return [
        part
        for part in re.split(r"[，,；;。！!\s]+", text)
        if part
        and rules.impact_of(part)
        and (not fields.says_a_fault(part) or _CLINIC_FIRST.match(part))
        and not any(part in value or value in part for value in given)
    ]


_WHO_WAITS = re.compile(r"门诊|急诊|病房|住院|手术|ICU|儿科|体检|病人|患者")
# 「急诊凝血都测不了」「门诊的生化全停了」: what the clinic cannot do, said with a fault word, is the impact.
# Also after the day (「明早的术前凝血出不来」: tests an operation waits for).
_CLINIC_FIRST = re.compile(
    r"(?:(?:今天|今早|明天|明早|上午|下午|晚上|今晚)的?)?(?:门诊|急诊|病房|住院部?|手术室?|术前|ICU|儿科|体检)(?!科|室|楼|检验)"
)


def _leave_out_of_fault(found: dict[str, Command], said: list[str], catalogue: Catalogue) -> None:
    """The fault without the parts that are the impact, unless nothing of the symptom would be left."""
    fault = found.get("fault_description")
    if fault is None or not fault.value:
        return
    parts = re.split(r"([，,；;。！!\s]+)", str(fault.value))
    kept = ""
    for before, part in zip(["", *parts[1::2]], parts[::2], strict=True):
        if part and part not in said:
            kept += (before if kept else "") + part
    if kept and _names_a_symptom(kept, catalogue):
        found["fault_description"] = Command(fault.do, "fault_description", kept)


def _put(found: dict[str, Command], command: Command) -> None:
    """The first command for a field stands."""
    if command.field and command.field not in found:
        found[command.field] = command


def _read_report(
    message: Message,
    state: IntakeState,
    catalogue: Catalogue,
    rules: TriageRules,
    found: dict[str, Command],
    *,
    starting: bool,
    labelled: int,
) -> None:
    """What a report says in passing: its hospital, department, the caller's name, parts that start with a
    field's name, and the fault."""
    text = message.text.strip()
    if (
        starting or not state.values.get("hospital") or state.requested == "hospital"
    ) and "hospital" not in found:
        # A report in free text names its hospital by the hospital word (「…我是驻马店市中心医院检验科的…」),
        # also later while none is registered (「通辽市科尔沁医院 我叫白玉兰 137…」, 「毕节市七星关医院重症
        # 监护室 座机… 找严丽」 to the phone question).
        named = fields.hospital(text)
        if named:
            _put(found, Command(Do.SET, "hospital", named))
    for part in re.split(r"[，,；;。\n]+", text) if starting else ():
        # 「…，地址芜湖市鸠江区银湖北路88号」: a part of the opening report that starts with a field's name.
        match = _SEGMENT.match(part)
        target = _target(match.group(1)) if match else None
        if match and target in _PLACE_AND_PEOPLE and target not in found:
            value = fields.VALIDATORS[target](match.group(2))
            if value:
                _put(found, Command(Do.SET, target, value))
    parts = (
        [fields.strip_around(p) for p in re.split(r"[，,；;。\n]+", text)]
        if labelled >= 3 or starting
        else []
    )
    for index, part in enumerate(parts):
        # An unlabelled part of a report that is a whole department, hospital or street address (「…第四医院，
        # 急诊检验科，联系人 …」, 「…报个修，发光仪MS-600，…，免疫科，我叫…」, 「…，库尔勒市人民东路77号急诊楼
        # 二楼，…」).
        if not part or _SEGMENT.match(part) or re.search("[：:]", part) or fields.says_a_fault(part):
            continue  # 「一直报光路自检失败」「开机报光路暗电流过高」 are the fault, not a street
        target = next(
            (
                t
                for t in ("department", "hospital", "site_address")
                if t not in found
                and fields.VALIDATORS[t](part) == part
                and (t != "site_address" or fields.names_a_street(part))
            ),
            None,
        )
        if target:
            _put(found, Command(Do.SET, target, part))
        elif fields.bare_name(
            part, after_department=index > 0 and fields.department(parts[index - 1]) is not None
        ):
            _put(found, Command(Do.SET, "contact_person", part))  # 「…/检验科/覃春燕/177…」: the contact
    # 「…医院检验科」 to any question: the department comes with the hospital
    if (starting or state.requested == "hospital" or "hospital" in found) and _may_fill(state, "department"):
        department = fields.department_in(text)
        if department:
            _put(found, Command(Do.SET, "department", department))
    handed_over = not _may_fill(state, "contact_person") and _CONTACT_HANDED_OVER.search(text)
    if starting or _may_fill(state, "contact_person") or handed_over:
        # 「行 我叫郗文涛 电话…」 to any question: who they say they are (a name without its cue only in the
        # opening report); 「工程师来了找我同事孟凡超 … 联系人写他吧」: the contact handed over
        report = starting or len(found) >= _A_REPORT_AGAIN
        person = fields.person_in(text) or (_name_before_phone(text) if report else None)
        tagged = found.get("contact_person")
        if handed_over and person and person != state.values.get("contact_person"):
            found["contact_person"] = Command(Do.CORRECT, "contact_person", person)
        elif person and (tagged is None or (person != tagged.value and person.startswith(str(tagged.value)))):
            # The caller's own words beat a name NLU cut short (「我是蒲建军」 tagged 「蒲」).
            found["contact_person"] = Command(Do.SET, "contact_person", person)
    grown_worse = _grown_worse(message)
    if starting or state.requested == "fault_description":
        fault = fields.fault(text) if starting or message.intent == "report_fault" or len(text) > 4 else None
        if fault and not _only_other_fields(text, found) and _names_a_symptom(fault, catalogue):
            fault = _without_other_fields(fault, _with_known(state, found))
            _put(found, Command(Do.SET, "fault_description", fault))
    elif state.values.get("fault_description") not in (None, "", NOT_GIVEN) and (
        grown_worse
        or len(found) >= _A_REPORT_AGAIN
        # 「清洗做到一半跳了个报警E-207」: a new alarm, to whatever question
        or _new_alarm(text, str(state.values["fault_description"]), message.intent)
        # with other details or a word of a fault, not a question (「先问下 过保了咋个收费」 is no symptom;
        # 「吸样以后老报堵孔 序列号没空找」 after 「血球仪HX-H30」 is)
        or (
            (bool(found) or fields.says_a_fault(text))
            and message.intent not in DIGRESSIONS
            and not _names_a_symptom(str(state.values["fault_description"]), catalogue)
        )
    ):
        # The whole report said again later (「是EL-300，序列号…，钠钾都报电极漂移，地址…」 after
        # 「电解质仪用不了了，病人等着」), or the symptom after a fault that named only the device
        # (「要报修原子吸收GF-990」): the symptom it adds is part of the fault.
        known = str(state.values["fault_description"])
        other = _another_device_said(message, state, catalogue)
        fault = fields.fault(text.replace(other[1], " ") if other else text)  # another device's: its own
        rest = _without_other_fields(fault, _with_known(state, found)) if fault else ""
        said = [str(c.value) for c in found.values() if c.field != "device" and c.value]
        # 「门诊凝血停了」: the impact, read on its own; a fault grown worse keeps its symptoms (「现在直接
        # 黑屏开不了机了」 says what stopped too) and none of what is said with them (「刚刚又搞了一下」)
        worse_impact = _impact_clauses(text, [], rules) if grown_worse else []
        more = "，".join(
            p
            for p in re.split(r"[，,；;。\s]+", rest)
            if _names_a_symptom(p, catalogue)
            and (fields.says_a_fault(p) and p not in worse_impact if grown_worse else not rules.impact_of(p))
            and not (only_agrees(p) or _SAYS_NOTHING.fullmatch(p))  # 「好嘛」
            # a field's name opening it, not the 故障 of 「一开机就报传送电机故障」
            and not re.match(rf"(?:{_LABEL})(?:是|为|[：:]|$)", p, re.IGNORECASE)
            and not any(value in p or p in value for value in said)
        )
        if more and more not in known:
            vague = not _names_a_symptom(known, catalogue)
            _put(found, Command(Do.CORRECT, "fault_description", more if vague else f"{known}；{more}"))


# A symptom said with one of these is the fault grown worse (「现在直接黑屏了」「这会儿彻底不转了」).
_GROWN_WORSE = re.compile(r"现在|这会儿?|突然|彻底|完全|更(?:严重|厉害|频繁)|越来越|干脆")


def _grown_worse(message: Message) -> bool:
    """「刚刚又搞了一下，现在直接黑屏开不了机了」: the fault grown worse since, told to whatever question."""
    return bool(
        _GROWN_WORSE.search(message.text)
        and fields.says_a_fault(message.text)
        and message.intent not in DIGRESSIONS
    )


def _new_alarm(text: str, known: str, intent: str | None) -> bool:
    """The message tells of an alarm code the registered fault does not hold (not in a question)."""
    codes = re.findall(fields.ALARM_CODE, text)
    return intent not in DIGRESSIONS and any(code not in known for code in codes)


# 「…检验科，葛玉梅，13700915273，…」: a name said on its own right before a phone in a report.
# Also stuck to the department before it: 「…凤凰医院检验科马秀英 电话13895087431」.
_NAME_BEFORE_PHONE = re.compile(
    rf"(?:^|[，,；;。\s]|(?<=[科室]))({fields.DOTTED_NAME}|[\u4e00-\u9fff]{{2,4}})[，,\s]*(?:电话|手机|联系电话)?(?:是|号码?是?)?[：:\s]*"
    r"(?=1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8})"  # also spaced: 「177 7712 6093」
)


def _name_before_phone(text: str) -> str | None:
    match = _NAME_BEFORE_PHONE.search(text)
    return fields.person(match.group(1)) if match else None


_A_REPORT_AGAIN = 3  # fields a later message gives besides the fault for its symptom to be added


def _read_answer(
    message: Message,
    state: IntakeState,
    found: dict[str, Command],
    rules: TriageRules,
    *,
    labelled: bool,
    impact_said: bool,
) -> None:
    """The answer to the question asked; else the other fields its parts fit, an impact said ahead of its
    question, or the name among a contact reply's parts."""
    text = message.text.strip()
    requested = state.requested
    # A field named (「地址那里不对 应该是…」) is what the message is about, not an answer to the question.
    # A name and nothing else, to the name question, whatever NLU made of it (「修长海」 read as a question).
    bare_name = requested == "contact_person" and fields.person(text) == fields.strip_around(text)
    answers = not labelled and (message.intent not in DIGRESSIONS or bare_name)
    if requested in fields.VALIDATORS and requested not in found and answers:
        for command in _free_answer(requested, text, state, found):
            _put(found, command)
    elif labelled and requested in fields.VALIDATORS and requested not in (*found, *_LABEL_IN_VALUE):
        # 「联系人曲丽娜，135…，大连市中山区人民路45号」 to the address question: a part no label names
        # that is a whole value of the field asked is its answer
        for part in re.split(r"[，,；;。\n]+", text):
            part = fields.strip_around(part)
            whole = part and not re.search(_LABEL, part) and fields.VALIDATORS[requested](part) == part
            if whole and (requested != "site_address" or fields.names_a_street(part)):
                _put(found, Command(Do.SET, requested, part))
                break
    if requested in _NO_FREE_TEXT and answers and not (only_agrees(text) or _BARE_NO.match(text)):
        # 「郑州市金水区经三路5号」 to 「要先试试吗？」 or to 「是哪台设备？」: the caller goes on with the
        # registration (kept; the question is asked again)
        for command in _fitting_parts(requested, text, state, found):
            _put(found, command)
    asked_other = requested in fields.VALIDATORS or requested in _NO_FREE_TEXT
    if asked_other and not found and impact_said and _may_fill(state, "clinical_impact"):
        # 「重金属检测暂停了」 said when the name is asked: the impact, ahead of its question (the name is
        # asked again)
        value = _impact_said(text, [], rules) or fields.clinical_impact(text)
        if value:
            _put(found, Command(Do.SET, "clinical_impact", value))
    if (
        requested in CONTACT_QUESTIONS
        and (len(found) >= 2 or requested == "contact_person")
        and "contact_person" not in found
        and _may_fill(state, "contact_person")
    ):
        # 「…医院 检验科 宫伟 139…」 to a contact question, whatever intent NLU reads: the part no other field
        # took is the name; so it is beside a phone said with its label to the name question
        # (「我是免疫室值夜班的 闫志勇 电话155…」), which the label keeps from being read as the answer.
        name = name_among(text, {field: command.value for field, command in found.items()})
        if name:
            _put(found, Command(Do.SET, "contact_person", name))


_NO_SYMPTOM = re.compile(
    r"坏了|坏掉了|出问题了|有问题|有毛病|出故障了|故障了|不行了|罢工了|趴窝了|要修|报修|修一下|我们|的|了|又|咱|这台|那台|一台"
)


def _names_a_symptom(fault: str, catalogue: Catalogue) -> bool:
    """「血球仪坏了」 says which device, not what is wrong: then the fault is asked."""
    rest = fault
    for term in sorted(catalogue.terms(), key=len, reverse=True):
        rest = rest.replace(term, "")
    rest = _NO_SYMPTOM.sub("", rest)
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 2 or bool(re.search(fields.ALARM_CODE, rest))


def _labelled(text: str, state: IntakeState, catalogue: Catalogue) -> list[Command]:
    """Fields the caller names: a labelled report (「医院 …，科室 …」) or a correction (「地址改一下，
    是…」)."""
    text = _without_form_extras(text)
    text = re.sub(rf"^[^，,：:]{{0,8}}[：:]\s*(?=(?:{_LABEL}))", "", text)  # 「报修：医院 …」
    # Parts start at a separator, or at a space, before a field name: 「联系人 彭涛 电话 156… 医院 …」.
    # Or at a comma before a field name stuck to its value (「我叫尹芳，电话158…，地址德州市…」).
    boundary = (
        r"(?:[，,；;。\n]+|\s+)(?=\s*(?:" + _LABEL + r")\s*(?:是|为)?[：:\s])"
        r"|[，,；;。\n]+(?=(?:" + _GLUED + r")(?!那|这|不对|错|改|写|说|有误|的|在)[\u4e00-\u9fffA-Za-z0-9])"
        # 「…输血科 不是检验科 还有名字是皇甫莉」: a second field corrected in the same breath
        r"|[，,；;。\s]*(?:还有|另外|再就是|再有|以及)[，,\s]*(?=(?:" + _LABEL + r"))"
    )
    segments = (
        _form_rows(text)
        or _glued_segments(text, catalogue)
        or [s for s in re.split(boundary, text) if s.strip()]
    )
    commands = []
    for segment in segments:
        match = _SEGMENT.match(segment) if len(segments) > 1 else None
        correction = _CORRECTION.search(segment) if match else None
        if correction and (correction.group(2) or "").strip() not in ("", "是", "为", "写"):
            match = None  # 「电话写错了，还有地址是…」: this part corrects, the next one labels
        if match is None:
            match = _CORRECTION.search(segment)
            if match is None:
                continue
            label, change, raw = match.group(1), match.group(2), match.group(3)
        else:
            label, change, raw = match.group(1), None, match.group(2)
        target = _target(label)
        raw = _REST_IS_RIGHT.sub("", raw).strip()
        if (
            target not in _LABEL_IN_VALUE
        ):  # 「是急诊检验 还有刚才又弹了个提示…」: the value ends where more begins
            raw = re.split(r"[，,。；;\s]+(?:还有|另外|再就是|再有|顺便|对了)", raw)[0]
        instead = _NOT_THIS_BUT.match(raw)
        if instead:
            raw = instead.group(1)  # 「不是检验科 是免疫室」
        added = _ADDS.match(raw) if target == "fault_description" else None
        known = str(state.values.get(target) or "")
        if added and known not in ("", NOT_GIVEN):
            # 「故障那里再补一句 刚才又跳了个E-411 你一起写上」: more of the fault, not another one
            more = fields.fault(_WRITE_IT_DOWN.sub("", raw[added.end() :]))
            if more:
                commands.append(Command(Do.CORRECT, target, f"{known}；{more}"))
            continue
        # a name's 「不是…」 parts are read by fields.person; an impact's (「不是很急」) are part of it
        if target not in ("contact_person", "clinical_impact"):
            raw = re.sub(r"[，,。\s]+不是[^，,。]{1,20}$", "", raw)  # 「是哈达街41号，不是14号」
        if target == "site_address" and change:
            # 「地址我有讲错 那个是老院区 机器在新院区啦 泉州市…1180号 检验楼三楼」: from the street on
            parts = re.split(r"[，,。\s]+", raw)
            street = next((i for i, part in enumerate(parts) if fields.names_a_street(part)), 0)
            raw = "，".join(parts[street:]) if street else raw
            raw = fields.amended_address(str(state.values.get("site_address") or ""), raw)
        said_with_label = not re.match(r"\s*(?:是|为)?[：:\s]", segment[match.end(1) :])
        if (target == "clinical_impact" and said_with_label and _HOW_BIG.match(raw)) or (
            len(segments) == 1 and not change and said_with_label and target in _LABEL_IN_VALUE
        ):
            raw = f"{label}{raw}"  # 「影响不大」「故障灯一直闪」: the field's name is part of what is said
        if target == "fault_description" and segment.lstrip().startswith(label) is False and not change:
            continue  # 「…的故障…」 inside a sentence names nothing
        if not raw:
            if change and change.strip() not in ("是", "为", "写"):
                commands.append(Command(Do.ASK_AGAIN, target))  # 「电话写错了」
            continue
        # A field's name inside a sentence (「…的地址…」) names nothing; one that opens a comma part does
        # (「…体检中心，地址大同市…」).
        opens_part = segment.lstrip().upper().startswith(label.upper()) or re.search(
            r"[，,；;。\n\s]$", segment[: match.start(1)]
        )
        if not change and len(segments) == 1 and not opens_part:
            continue
        value = _validated(target, raw, catalogue)
        if target == "contact_phone" and value and _adds_a_phone(text):
            value = _with_second_phone(state.values.get("contact_phone"), value)
        if value:
            filled = state.values.get(target) not in (None, "")
            commands.append(Command(Do.CORRECT if filled else Do.SET, target, value))
        elif change and not _NOT_X_BUT_Y.search(raw):
            # 「地址那里我说错了 不是检验科 是急诊化验室」: the field holding 检验科 is put right (`_swapped`)
            commands.append(Command(Do.ASK_AGAIN, target))
    return commands


# 「再补一句」「补充一下」「加一条」 after the fault's name: said in addition; 「你一起写上」 asks it
# written down.
_ADDS = re.compile(
    r"(?:再|也|还要|另外)?(?:补充(?:一下|一句|一条|一点)?|补(?:一句|一下|一条|个|上|点)|追加|(?:添|加)(?:一句|一条|上|一下))"
    r"[，,：:\s]*"
)
_WRITE_IT_DOWN = re.compile(
    r"[，,\s]*(?:你|您|麻烦)?(?:帮我)?(?:一起|也|都)?(?:写上|加上|记上|填上|写进去|记下来?)(?:吧|哈|啊|了)?"
)


def _without_form_extras(text: str) -> str:
    """A form's text without its header and its remarks (each up to the next field's name or the line's
    end)."""
    text = _FORM_HEADER.sub("", text, count=1)
    return re.sub(
        rf"(?:^|[，,；;。\s])\s*{_REMARK_LABEL}\s*[：:][^\n]*?(?=[，,；;。\s]+(?:{_LABEL})\s*[：:]|\n|$)",
        "",
        text,
    )


# 「【医院】…」「医院=…」「医院 | …」「医院——…」: a field's name and its value, apart however typed.
_LABEL_SEPARATOR = re.compile(
    rf"{_AT_PART_START}[【\[]\s*({_LABEL}|{_REMARK_LABEL})\s*[】\]]\s*[：:]?"
    rf"|{_AT_PART_START}({_LABEL}|{_REMARK_LABEL})\s*(?:[=＝|｜>》]|[—－–-]{{1,2}})\s*",
    re.IGNORECASE | re.MULTILINE,
)
_ROW = re.compile(rf"^\s*(?:{_LABEL})\s*(?:是|为)?\s*(?:[：:\s]|$)", re.IGNORECASE)


# A row of a form that names none of the registration's fields (「报修时间：…」「保修状态：在保」):
# no field's, and no part of the row before it.
_OTHER_ROW = re.compile(rf"^[{fields.HAN}A-Za-z]{{2,8}}\s*[：:]")


def _form_rows(text: str) -> list[str] | None:
    """The rows of a report written one field a line (「医院名称：…\n科室：…\n…」); a value on the line after
    its field's name (「故障现象：\n比色杯…」) or running on to the next line is that field's. None unless
    three lines or more start with a field's name."""
    rows: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if _ROW.match(line):
            rows.append(line)
        elif _OTHER_ROW.match(line) and not (rows and re.search(r"[：:]\s*$", rows[-1])):
            continue
        elif line and rows:
            if re.search(r"[：:]\s*$", rows[-1]):  # 「故障现象：」 alone on its line
                rows[-1] += line
            elif re.match(_REMARK_LABEL, line):
                continue  # 「Remote check not needed…」「远程就不用了」 on a line of its own: a remark
            else:  # 「故障现象」 alone, or a value running on
                rows[-1] += ("：" if _ROW.fullmatch(rows[-1]) else "，") + line
    return rows if len(rows) >= 3 else None


# 「影响不大」「影响挺大」 in a labelled report: the label is part of the answer.
_HOW_BIG = re.compile(r"(?:不|很|挺|非常|比较|有点|没)?(?:大|小)")


def _glued_segments(text: str, catalogue: Catalogue) -> list[str] | None:
    """The parts of a report typed with each field name stuck to its value (「科室检验科 联系人马晓东
    电话135…」); None unless at least three parts read that way. A part whose value does not fit its field
    belongs to the part before it (「故障 开机后 设备报警」: 「设备报警」 names no device)."""
    parts = [s for s in re.split(rf"(?:[，,；;。\n]+|\s+)(?=(?:{_LABEL}))", text) if s.strip()]
    segments: list[str] = []
    for part in parts:
        match = _SEGMENT.match(part)
        if segments and not (match and _fits(_target(match.group(1)), match.group(2).strip(), catalogue)):
            segments[-1] = f"{segments[-1]} {part}"
        else:
            segments.append(part)
    return segments if sum(1 for s in segments if _SEGMENT.match(s)) >= 3 else None


def _target(label: str) -> str:
    return _LABEL_FIELDS[label.upper()]


_LABEL_FIELDS = {
    label.upper(): target for label, target in LABELS.items()
}  # 「sn」「Sn号」 as 「SN」「SN号」


def _fits(target: str, raw: str, catalogue: Catalogue) -> bool:
    """A labelled part's value is one of its field's (a device one the catalogue knows)."""
    if target == "device":
        return catalogue.device_in_text(raw) is not None
    return _validated(target, raw, catalogue) is not None


def _validated(target: str, raw: str, catalogue: Catalogue) -> str | None:
    if target == "device":
        # Not in the catalogue: a short name as said, never a symptom (「设备坏了开不了机…」 names no device).
        named = fields.strip_around(raw)
        plain = (
            named
            and len(named) <= 12
            and not re.search(r"[，,。；;]|坏|不了|报警|报错|故障|不动|不亮", named)
        )
        known = catalogue.device_in_text(raw)
        return with_model_said(known, raw) if known else (named if plain else None)
    if target == "department":
        # 「医院/科室：…医院检验科」: the department after the hospital's name
        return fields.department(raw) or fields.department_in(raw)
    if target == "contact_person":
        # 「报修人: 郎玉洁 13900053947」「联系人是我 宓秀云 电话一八六…」「司马亮（手机186…）」: the phone is
        # read apart, and what is in brackets after the name is no part of it
        raw = re.sub(r"[（(][^）)]*(?:[）)]|$)", " ", raw)
        raw = re.split(rf"电话|手机|座机|号码|{_SPOKEN_GROUP}", raw)[0]
        raw = re.sub(r"[，,\s]*(?:她|他|我|你)?(?:的)?$", "", raw)  # 「…吴春梅，她电话…」
        raw = re.sub(r"[\d\-－\s]{7,}", " ", raw).strip()
        # 「联系人别写我，写我们组长吴春梅」: who it is not, then who it is
        raw = re.sub(r"^(?:别|不要|不用|甭)(?:写|填|留)(?:我|我的)?[，,\s]*(?:写|填|留)?(?:成|上)?", "", raw)
        # 「联系人就是我本人，仉永强」: the caller, then their name
        raw = re.sub(r"^(?:就)?(?:是)?我(?:自己|本人)?(?:啊|呀)?[，,：:\s]+(?=\S)", "", raw)
        # 「联系人写我们科主任吧 他叫罗布」: the name said inside the correction; 「…写我们组长吧 陆文娟」:
        # the one part of the value that is a name
        names = {name for name in map(fields.person, re.split(r"[\s，,]+", raw)) if name}
        return fields.person(raw) or fields.person_in(raw) or (names.pop() if len(names) == 1 else None)
    return fields.VALIDATORS[target](raw)


def _with_second_phone(known: Any, another: str) -> str:
    """The registered phone and another one, as the ticket keeps them (「139…、0891-…」): the first one said
    and the latest, which the ticket's phone column holds."""
    if not known:
        return another
    if another in str(known):
        return str(known)
    return f"{str(known).split('、')[0]}、{another}"


def _codes(message: Message, state: IntakeState, text: str) -> list[Command]:
    """Phones and serials, read from the text itself so that spoken digits and odd spacing are understood."""
    commands = []
    phone_asked = state.requested == "contact_phone"
    has_mobile = re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", digits_only(text))
    tagged = any(e.get("entity") == "phone" for e in message.entities)
    if (
        phone_asked
        or has_mobile
        or tagged
        or re.search(r"电话|手机|号码|座机|Tel|Phone|Mobile|Contact", text, re.I)
    ):
        phone = normalise_phone(text)
        # A message that is nothing but a number means "this is my phone", even where one is already known
        # (an SMS caller's own number, prefilled, then another one typed at the read-back).
        bare = re.fullmatch(r"[\d\s\-+()（）转]+", text.strip())
        named = (
            phone_asked
            or bare
            or re.search(r"电话|手机|号码|座机|打这个|联系我|Tel|Phone|Mobile", text, re.I)
        )
        if phone and (named or not state.values.get("contact_phone")):
            if _adds_a_phone(text):
                phone = _with_second_phone(state.values.get("contact_phone"), phone)
            commands.append(Command(_set_or_correct(state, "contact_phone"), "contact_phone", phone))
    serial = normalise_serial(text)
    if serial and (
        state.requested in (None, "serial_number")  # a report's first message: a code there is its serial
        or re.search(r"序列号|SN|机身号|编号|铭牌", text, re.IGNORECASE)
        or any(e.get("entity") == "serial_number" for e in message.entities)
    ):
        commands.append(Command(_set_or_correct(state, "serial_number"), "serial_number", serial))
    return commands


def _set_or_correct(state: IntakeState, target: str) -> Do:
    return Do.CORRECT if state.values.get(target) not in (None, "", NOT_GIVEN) else Do.SET


_ENTITY_FIELDS = {"hospital": "hospital", "department": "department", "person": "contact_person"}


def _entities(message: Message, state: IntakeState, catalogue: Catalogue, text: str) -> list[Command]:
    """Names NLU tagged. A mention fills an empty field or the one asked; it never overwrites the form in
    passing."""
    commands = []
    for entity in message.entities:
        target = _ENTITY_FIELDS.get(str(entity.get("entity")))
        if not target or not _may_fill(state, target):
            continue
        value = str(entity.get("value") or "")
        if target == "hospital":
            checked = fields.hospital(complete_from(value, text))
        elif target == "contact_person":
            checked = fields.person(_surname_or_name(_name_past_label(value, text), text))
        else:
            checked = fields.department(complete_from(value, text, fields.department_in))
        if checked:
            commands.append(Command(Do.SET, target, checked))
    device = _device(message, catalogue)
    if device and (
        _may_fill(state, "device") or _refines(str(state.values.get("device")), device, catalogue)
    ):
        commands.append(Command(Do.SET, "device", device))
    return commands


def _refines(known: str, said: str, catalogue: Catalogue) -> bool:
    """「机器是UA-900」 after 「尿液分析仪报修」: a model of the type given, which names the device better;
    another type, or another model, is a device in passing and changes nothing."""
    known_type = catalogue.type_in_text(known)
    return (
        known_type is not None
        and not MODEL_CODE.search(known)
        and bool(MODEL_CODE.search(said))
        and catalogue.type_in_text(said) == known_type
    )


def complete_from(value: str, text: str, find: Callable[[str], str | None] = fields.hospital) -> str:
    """A name with what the message says around it, when the tagger cut that off: a hospital's city, a
    department's 「急诊」 (「急诊检验科」 tagged 「检验科」) or its room (「新生儿科检验室」 tagged
    「新生儿科」)."""
    whole = find(text)
    return whole if whole and value and (whole.endswith(value) or whole.startswith(value)) else value


# A field's name and what is said right after it (「联系人马玉兰」「报修人：丁玉霞」).
_LABEL_THEN_WORDS = re.compile(rf"({_LABEL})(?:是|叫|为)?[：:\s]*([^，,。；;！!？?\s\d]*)", re.IGNORECASE)


def _name_past_label(value: str, text: str) -> str:
    """「联系人马玉兰」 tagged 「人马」: a name NLU cut across its field's name is the name said after it."""
    for said in _LABEL_THEN_WORDS.finditer(text):
        start = text.find(value, max(0, said.end(1) - len(value) + 1))
        if 0 <= start < said.end(1) < start + len(value):
            after = said.group(2)
            other_label = re.search(_LABEL, after, re.IGNORECASE)
            name = fields.person(after[: other_label.start()] if other_label else after)
            return name or value
    return value


def _surname_or_name(value: str, text: str) -> str:
    """「我姓李，李红梅」: the full name when the text gives one after the surname, else the surname."""
    surname = value[1:] if value.startswith("姓") and len(value) >= 2 else value
    if len(surname) != 1:
        return value
    rest = re.sub(rf"(?:免贵)?姓{re.escape(surname)}", "", text)
    full = re.search(
        rf"(?<![\u4e00-\u9fff]){re.escape(surname)}[\u4e00-\u9fff]{{1,2}}(?![\u4e00-\u9fff])", rest
    )
    return full.group(0) if full else surname


# The contact given handed over to someone else: 「工程师来了找我同事…」「联系人写他吧」「到时候打给小李」.
_CONTACT_HANDED_OVER = re.compile(
    r"(?:找|联系|打给|问)(?:我(?:们)?(?:科|组|室)?的?)?同事|联系人(?:就)?(?:写|改|换|填|留)(?:成|为)?(?:他|她)"
    r"|(?:找|联系|打给)(?:他|她)(?:就行|就可以|就好|吧)|(?:他|她)(?:值|上)(?:夜班|晚班|班)"
)


def _may_fill(state: IntakeState, target: str) -> bool:
    # A field left open (未提供) may still be given later.
    return state.values.get(target) in (None, "", NOT_GIVEN) or state.requested == target


def _device(message: Message, catalogue: Catalogue) -> str | None:
    """A catalogue device the caller named (a model beats a type) or the text names, before a mention outside
    the catalogue."""
    mentions = device_mentions(message.entities)
    device = (
        catalogue_device(mentions, catalogue)
        or catalogue.device_in_text(message.text)
        or instrument_said(message.text)
        or model_in_series(message.text, catalogue)
        or (mentions[0] if mentions else None)
        or instrument_named(message.text)
    )
    return with_model_said(device, message.text) if device else None


# Which field a piece of free text fits, tried in this order (codes first: they are unambiguous).
_FIT_ORDER = ("contact_phone", "serial_number", "hospital", "site_address", "department", "contact_person")


def _free_answer(
    requested: str, text: str, state: IntakeState, already: Mapping[str, Command]
) -> list[Command]:
    """The reply to the question asked: its value when it fits; else the fields its parts fit (「张建国
    139…」)."""
    if requested == "serial_number":
        # Codes were read already. Letters or digits that are no serial go to the form's check, which shows
        # what a serial looks like and counts the tries; an address or a hospital (「鹤壁市…红旗街14号」) is
        # taken as such, and the serial asked again.
        attempt = fields.strip_around(text)
        if (
            re.search(r"[A-Za-z0-9０-９]", attempt)
            and not fields.says_a_fault(attempt)  # 「跳了个报警E-207」: the fault goes on, no serial
            and not normalise_phone(attempt)
            and not fields.address(attempt)
            and not fields.hospital(attempt)
        ):
            return [Command(Do.SET, "serial_number", attempt)]
        return _fitting_parts(requested, text, state, already)
    value = fields.VALIDATORS[requested](text)
    if requested == "contact_phone" and not value and re.search(r"\d{3}", digits_only(text)):
        # Digits that are no phone go to the form's check, which explains the format and counts the tries
        # (not the 一 of 「请示一下」).
        return [Command(Do.SET, "contact_phone", fields.strip_around(text))]
    if value and requested in _LABEL_IN_VALUE and _only_other_fields(text, already):
        value = None  # 「我是输血科的邓晓琳 电话139…」 to the fault question: who, not what is wrong
    if value and requested in ("contact_person", "department", "hospital", "site_address"):
        # A reply that holds another field's code (a phone) is split below rather than taken whole.
        value = None if _NUMBERS.search(text) and requested != "site_address" else value
    if value:
        return [Command(_set_or_correct(state, requested), requested, value)]
    return _fitting_parts(requested, text, state, already)


def _fitting_parts(
    requested: str, text: str, state: IntakeState, already: Mapping[str, Command]
) -> list[Command]:
    """The fields the parts of a reply fit, when it is no value of the field asked."""
    commands: list[Command] = []
    fault = already.get("fault_description")
    told = str(fault.value) if fault and fault.value else ""
    # A part the fault took (「稀释液空」 after a new alarm) is no name or place.
    for part in [p for p in re.split(r"[，,、；;。\s]+", text) if p and p not in told]:
        for target in _FIT_ORDER:
            if target in already or any(c.field == target for c in commands):
                continue
            if target != requested and not _may_fill(state, target):
                continue
            fitted = fields.VALIDATORS[target](part)
            if fitted:
                commands.append(Command(_set_or_correct(state, target), target, fitted))
                break
    return commands


def _only_other_fields(text: str, commands: Mapping[str, Command]) -> bool:
    """The text is nothing but values of other fields (a name and a phone), so it describes no fault or
    impact."""
    rest = text
    for command in commands.values():
        if command.field in ("fault_description", "clinical_impact") or not command.value:
            continue
        rest = rest.replace(str(command.value), "")
    rest = _SECOND_PHONE.sub("", rest)  # 「再留个座机…」「打不通就打…」: how another phone is given
    rest = re.sub(r"[\d\s\-+，,、。.：:]", "", digits_only(rest) if re.search(r"\d", rest) else rest)
    rest = re.sub(
        rf"{_LABEL}|我是|我叫|我们|我|的|是|叫|在", "", rest
    )  # 「我是…的… 电话…」: words between them
    return len(rest) < 2


_WHO_LEFT = re.compile(
    r"^(?:[，,、。\s）)]|电话|手机|号码|是|的|[\u4e00-\u9fff]{1,6}?(?:科|室|中心)的?|我们|咱们|这边|那个|这个|那台|这台)+"
)


def _after_who(fault: str, taken: list[Command]) -> str:
    """A report in one breath (「我是…医院检验科的韩冬梅电话139…我们的尿液分析仪卡住了」): the fault starts
    after the last value of another field, without 「的」「我们那个」 and the department."""
    ends = [fault.find(str(c.value)) + len(str(c.value)) for c in taken if c.value and str(c.value) in fault]
    if not ends:
        return fault
    rest = _WHO_LEFT.sub("", fault[max(ends) :]).strip()
    return rest if len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 4 else fault


_SAYS_NOTHING = re.compile(
    r"(?:好的?|好嘛|嗯+|哦|喔|晓得了|知道了|那个|那|就|顺便|再|给|帮忙|转|分机)*(?:报个修|报修|报一下修|修一下)?"
    r"(?:吧|啊|嘛|哈|噻|咯|嘞)?|\d{1,6}"
)


def _with_known(state: IntakeState, found: Mapping[str, Command]) -> dict[str, Command]:
    """The fields this message gives, and those registered before it (read again, a report's phone is
    registered already and not found anew)."""
    known = {
        f: Command(Do.SET, f, v)
        for f, v in state.values.items()
        if f in fields.VALIDATORS and v and v != NOT_GIVEN
    }
    return {**known, **found}


_CODES = ("serial_number", "contact_phone")


def _code(text: str) -> str:
    return re.sub(r"[\s\-－]", "", text).upper()


def _only_a_code(part: str, taken: list[Command]) -> bool:
    """The part is a serial or phone of the report with its field's name, however it was spaced."""
    plain = _code(part)
    for command in taken:
        if command.field in _CODES and command.value:
            plain = plain.replace(_code(str(command.value)), "")
    return plain != _code(part) and not re.sub(rf"{_LABEL}|是|为|[：:]", "", plain, flags=re.IGNORECASE)


def _without_other_fields(fault: str, commands: Mapping[str, Command]) -> str:
    """A whole report in one message: the fault is what is left once the other fields' values are taken
    out."""
    # An impact counts only as the caller said it (「影响不大，不急」), not as the category read from it.
    taken = [
        c
        for c in commands.values()
        if c.field not in ("fault_description", "device")
        and not (c.field == "clinical_impact" and str(c.value) not in fault)
    ]
    spaced = len(re.findall(r"\s+", fault)) >= 3  # 「报修 常德市…医院 生化室 … 联系人覃丽 电话139…」
    if not re.search(r"[，,；;。\n]", fault) and not spaced:
        return _after_who(fault, taken)
    if len(taken) < 2:
        return fault
    separators = (
        r"[，,；;。\n]+|\s+" if spaced and not re.search(r"[，,；;。\n]", fault) else r"[，,；;。\n]+"
    )
    parts = [p for p in re.split(separators, fault) if p.strip() and not fields.only_report(p)]
    kept = []
    for part in parts:
        if _SAYS_NOTHING.fullmatch(part.strip()):
            continue  # 「好」「那顺便报个修」「转」「802」 (an extension read with the phone)
        if (
            _FIELD_CUE.match(part)
            or not fields.strip_around(part)
            or any(part.strip() in str(c.value) for c in taken)
        ):
            continue
        if _only_a_code(part, taken):
            continue  # 「编号 bg 2503 1729」: a serial or phone as read out, not as stored
        if any(str(c.value) in part for c in taken):
            # 「…序列号BC25071206吸样针老是吸不上样」: what is said after another field's value in the part
            part = _after_who(part, taken)
            if any(str(c.value) in part for c in taken):
                continue
        kept.append(part)
    rest = "，".join(kept)
    return (fields.fault(rest) or rest) if kept else fault  # its own lead-in (「我们的…」) dropped too
