"""What a follow-up refers to: the tickets and devices of the caller's last look-up, and the registered device
that a hospital and a device type point to.

A human agent remembers what they just read out: after a status look-up, 「工程师什么时候到」 is about that
ticket and 「第二个是哪台」 about the second one; after a warranty look-up, 「那KR23060142呢」 is the same
question about another serial. The look-up is kept as a small JSON-able `Lookup` (a Rasa slot) and read back
here; no Rasa imports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.db.models import Device
from bot.intake import MODEL_CODE, Message, find_ticket_number, normalise_serial

TICKETS = "tickets"
WARRANTY = "warranty"

_ORDINAL_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_ORDINAL = re.compile(r"第\s*([一二两三四五1-5])\s*(?:个|张|台|单|条|份)?")
_LAST = re.compile(r"最后(?:一|那|这)?(?:个|张|台|单|条)")
_FIRST = re.compile(r"(?:头一|前一|上一)(?:个|张|台|单|条)")
# 「这台」「那张」「它」: the one just spoken about.
_THIS_ONE = re.compile(r"[这那它](?:台|张|个|单|部)?")
# 「那这台今天能来人不」「工程师几点到」「今天能到吗」「下午来得了不」「明天到不到」: when someone
# comes, asked of a ticket.
_VISIT = re.compile(
    r"(?:来人|到场|上门|派人|过来|来修)(?:不|吗|么|没|了没)|(?:几点|什么时候|啥时候|多久|哪天|多会儿?)(?:能|才|会)?"
    r"(?:来|到|上门|过来)|(?:能|会|可以)(?:到|来|过来|上门)(?:不|吗|么|嘛|伐|没)|(?:来|到)得了(?:不|吗|么|没)?"
    r"|(来|到)不\1"
)


def asks_about_visit(text: str) -> bool:
    """「那这台今天能来人不」, 「工程师啥时候到」: a question about a ticket's visit."""
    return bool(_VISIT.search(text.replace(" ", "")))


# 「…HX22090815那台前面报过修 现在啥情况了」: a repair reported before, its state asked (the classifier,
# torn by the hospital and department said first, could not choose between a look-up and a report).
_REPORTED_BEFORE = re.compile(
    r"报(?:过|了|的)修|报修(?:过|了)|修过|报过"
    r"|(?:之前|前面|上次|上回|上周|上礼拜|上个?星期|前几天|前天|昨天)(?:报|登记)"
)
_ITS_STATE = re.compile(
    r"(?:啥|什么|咋样|怎样|怎么样|怎么)(?:情况|样|回事|进展)?了?|修好了?(?:没|吗|么)|有(?:没有)?消息"
    r"|跟进|(?:啥|什么)时候(?:能)?(?:来|到)|几时(?:来|到)"
)
# Words of a repair's progress: a look-up with the serial (「…那台的维修进度」「修到哪一步了」).
_PROGRESS = re.compile(r"进度|进展|到哪一步|(?:修|处理|弄|搞)到哪")


def asks_state_of_reported(text: str) -> bool:
    """「…那台前面报过修 现在啥情况了」「…HH24031108 修到哪一步了」: the state of a repair reported before,
    asked with its serial (not a new fault told with it)."""
    said = text.replace(" ", "")
    if not normalise_serial(text):
        return False
    if _REPORTED_BEFORE.search(said) and _ITS_STATE.search(said):
        return True
    return bool(_PROGRESS.search(said)) and not _FAULT_TOLD.search(said)


# A fault told with the serial makes it a report (or a repeat report), not a look-up.
_FAULT_TOLD = re.compile(r"报错|报警|故障|坏了|堵|漏|不亮|黑屏|死机|开不了机|偏高|偏低|失控")


# 「单号多少」「单号再发我一下」「编号是几」: the number of the ticket just made, not the caller's tickets.
_ITS_NUMBER = re.compile(r"单号|编号|单子号|号码是")


def asks_its_number(text: str) -> bool:
    """「提交了吧 单号多少」 asks for the number of the ticket just made; 「查一下我的工单」 for all."""
    return bool(_ITS_NUMBER.search(text))


# Who comes and how to reach them, asked of a ticket: 「工程师的电话能给我一个吗」「派的是哪位师傅」.
_ENGINEER = r"(?:工程师|师傅|维修员|技术员|来的人|派的人|上门的人|来修的人)"
_PHONE = r"(?:电话|手机|号码|联系方式|微信)"
_WHO_COMES = re.compile(
    f"{_ENGINEER}.*{_PHONE}|{_PHONE}.*{_ENGINEER}|"
    f"{_ENGINEER}.*(?:叫什么|叫啥|是谁|是哪位|哪位|哪个|姓什么|姓啥|名字)|(?:哪位|哪个){_ENGINEER}|"
    f"(?:派|安排)(?:了|的)?(?:谁|哪位|哪个)|(?:谁|哪位)(?:来|过来|上门|负责)"
)
# 「工程师电话一直打不通」「那个师傅态度太差」: a complaint about the engineer, not a question.
_ABOUT_THE_ENGINEER = re.compile(r"不接|没接|打不通|没人接|关机|态度|投诉")


def asks_about_engineer(text: str) -> bool:
    """「工程师的电话能给我一个吗」, 「派的是哪位师傅」, 「大概几点到」: a question about who comes to a
    ticket, how to reach them or when they come."""
    said = text.replace(" ", "")
    if _ABOUT_THE_ENGINEER.search(said):
        return False
    return bool(_WHO_COMES.search(said)) or asks_about_visit(said)


# 「你们多久能给我个说法」「什么时候给答复」: when an answer comes, asked right after a complaint.
_WHEN = re.compile(r"多久|多长时间|什么时候|啥时候|几天|哪天|几时|多会儿?|何时|啥时")
_ANSWER = re.compile(r"说法|答复|回复|交代|结果|回音|反馈|处理|联系|解决|回话|消息|电话")
# Words of another subject: 「保修期多久」 is a question of its own.
_OTHER_SUBJECT = re.compile(r"保修|过保|保养|培训|配件|发票|证书|工程师|师傅|上门|到场|来人")


def asks_when_answered(text: str) -> bool:
    """「你们多久能给我个说法」, 「啥时候有回音」, 「几天能处理」: when the caller hears back, asked of a
    request just made; not a question on another subject (「保修期多久」)."""
    said = text.replace(" ", "")
    return bool(_WHEN.search(said) and _ANSWER.search(said)) and not _OTHER_SUBJECT.search(said)


# A follow-up that only makes sense about something just named: 「那…呢」, 「这台」, 「它」.
_FOLLOW_UP = re.compile(r"^(?:那|那么|还有|再|另外|这|那个|这个)|呢[？?。！!]*$|[它这那](?:台|张|个|单)")


@dataclass(frozen=True)
class Lookup:
    """What the caller last looked up: `kind` is TICKETS or WARRANTY; `numbers` the tickets in the order they
    were read out; `serials` the devices (the ticket's device, or the serial whose warranty was asked);
    `current` the one of several tickets last spoken about (「第二个是哪台」), which 「这台」 means next."""

    kind: str
    numbers: tuple[str, ...] = ()
    serials: tuple[str, ...] = field(default_factory=tuple)
    current: str | None = None

    @property
    def warranty_device(self) -> str | None:
        """The serial a warranty look-up was last about, which the next question or booking is about too
        (「过了保修一次多少钱」, 「过保前约一次保养」); None after any other look-up."""
        return self.serials[-1] if self.kind == WARRANTY and self.serials else None

    def to_dict(self) -> dict[str, Any]:
        kept: dict[str, Any] = {
            "kind": self.kind,
            "numbers": list(self.numbers),
            "serials": list(self.serials),
        }
        return {**kept, "current": self.current} if self.current else kept

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Lookup | None:
        if not data or data.get("kind") not in (TICKETS, WARRANTY):
            return None
        return cls(
            kind=str(data["kind"]),
            numbers=tuple(str(n) for n in data.get("numbers") or []),
            serials=tuple(str(s) for s in data.get("serials") or []),
            current=str(data["current"]) if data.get("current") else None,
        )


def ordinal_in(text: str) -> int | None:
    """The 0-based position a follow-up names: 「第二个」 1, 「第2张」 1, 「最后那张」 -1, 「头一个」 0; None
    if none."""
    match = _ORDINAL.search(text)
    if match:
        token = match.group(1)
        return (int(token) if token.isdigit() else _ORDINAL_DIGITS[token]) - 1
    if _LAST.search(text):
        return -1
    if _FIRST.search(text):
        return 0
    return None


def referenced_ticket(text: str, lookup: Lookup | None) -> str | None:
    """The ticket a message is about: a number in it, else the one of the last look-up it points to (「第二
    个」), else the only ticket of that look-up. None when it names none or the reference is ambiguous."""
    number = find_ticket_number(text)
    if number:
        return number
    if lookup is None or lookup.kind != TICKETS or not lookup.numbers:
        return None
    position = ordinal_in(text)
    if position is not None:
        if -len(lookup.numbers) <= position < len(lookup.numbers):
            return lookup.numbers[position]
        return None
    if len(lookup.numbers) == 1:
        return lookup.numbers[0]
    return lookup.current if lookup.current and _THIS_ONE.search(text) else None


def warranty_follow_up(text: str, lookup: Lookup | None) -> str | None:
    """After a warranty look-up, 「那KR23060142呢」 or 「还有一台 EL24120098」: the serial to look up next;
    None when the message is no such follow-up (no serial in it, or the last look-up was not about a
    warranty)."""
    if lookup is None or lookup.kind != WARRANTY:
        return None
    serial = normalise_serial(text)
    if serial is None or serial in lookup.serials:
        return None
    return serial


# 「那另一台呢」「还有一台」: another device than the one just looked up.
_ANOTHER_ONE = re.compile(r"另(?:外)?一台|另一个|别的那台|还有一台|其他那台")


def other_device_asked(
    session: Session, text: str, lookup: Lookup | None, catalogue: Catalogue
) -> Device | None:
    """After a warranty look-up, 「那另一台呢，急诊检验室那台KR-800」: the one other registered device of that
    hospital the message points to, by model, type or department, or as the only other one; None when it
    points to none or to several, or names its serial (`warranty_follow_up`)."""
    if lookup is None or lookup.kind != WARRANTY or not lookup.serials or normalise_serial(text):
        return None
    if not is_follow_up(text):
        return None
    last = session.scalars(select(Device).where(Device.serial_number == lookup.serials[-1])).first()
    if last is None:
        return None
    same_site = select(Device).where(Device.hospital == last.hospital).order_by(Device.id)
    others = [device for device in session.scalars(same_site) if device.serial_number not in lookup.serials]
    code = MODEL_CODE.search(text)
    named_type = catalogue.type_in_text(text)
    if code:
        others = [d for d in others if _same_code(d.model, code.group(0))]
    elif named_type:
        others = [d for d in others if catalogue.type_named(d.model) == named_type]
    department = [d for d in others if d.department in text]
    if department:
        others = department
    elif not (code or named_type or _ANOTHER_ONE.search(text)):
        return None
    return others[0] if len(others) == 1 else None


def _same_code(model: str, said: str) -> bool:
    return re.sub(r"[\s\-－]", "", model).upper() == re.sub(r"[\s\-－]", "", said).upper()


def is_follow_up(text: str) -> bool:
    """Whether a message leans on what came before (「那…呢」, 「这台」) rather than starting something
    new."""
    return bool(_FOLLOW_UP.search(text.strip()))


# What many hospitals are called: said alone, 「人民医院」 names no hospital in particular.
_GENERIC_HOSPITAL = re.compile(
    r"(?:第[一二三四五六七八九十\d]+)?(?:人民|中医|中心|妇幼保健|儿童|市|县)?医院$"
)


def same_hospital(registered: str, said: str) -> bool:
    """Whether the caller's name for a hospital is the registered one: the same, or the same without (or with
    more of) its place prefix — as long as what they said names a particular hospital."""
    if registered == said:
        return True
    if len(_GENERIC_HOSPITAL.sub("", said)) < 2:
        return False
    return registered.endswith(said) or said.endswith(registered)


def registered_devices(
    session: Session, hospital: str, device_type_id: str, catalogue: Catalogue
) -> list[Device]:
    """The installed devices of this type at this hospital (the name as the caller said it, with or without
    its city prefix), registry order."""
    name = hospital.strip()
    if not name:
        return []
    found = []
    for device in session.execute(select(Device).order_by(Device.id)).scalars():
        if not same_hospital(device.hospital, name):
            continue
        model = catalogue.model(device.model)
        device_type = catalogue.type_named(device.device_type)
        type_id = model.type_id if model is not None else (device_type.id if device_type else None)
        if type_id == device_type_id:
            found.append(device)
    return found


def the_registered_device(
    session: Session, hospital: str | None, device_type_id: str | None, catalogue: Catalogue
) -> Device | None:
    """The one registered device a hospital and a device type point to, to offer instead of asking for a
    serial; None when there is none or several (then the serial decides)."""
    if not hospital or not device_type_id:
        return None
    devices = registered_devices(session, hospital, device_type_id, catalogue)
    return devices[0] if len(devices) == 1 else None


def positions(numbers: Sequence[str]) -> dict[str, int]:
    """1-based position of each ticket as read out, for 「第二张 SR… 是…」."""
    return {number: index for index, number in enumerate(numbers, 1)}


_YES = re.compile(r"^(?:对|是|是的|对的|对对|嗯|没错|就是|就是那台|是那台|对就是那台)")


def accepts_offer(message: Message) -> bool:
    """A yes to 「是…那台吗？」: 「对」, 「是的就是那台」 (and not 「不是」)."""
    text = message.text.strip()
    if text.startswith(("不", "没")):
        return False
    return message.intent == "affirm" or bool(_YES.match(text))


# Right after a booking, the same kind of request again is a question about it (「培训收费吗」) or the
# same booking said twice, unless the caller asks for another one (「再约一次」).
_QUESTION_WORDS = (
    "吗",
    "？",
    "?",
    "多久",
    "多长",
    "多少",
    "哪些",
    "什么",
    "怎么",
    "能不能",
    "可不可以",
    "有没有",
    "几",
)
# 「还要一次」 books again; 「还要钱吗」 asks about the booking.
_ANOTHER = (
    "另外",
    "再约",
    "再申请",
    "还要一次",
    "还要再",
    "还要约",
    "还要申请",
    "也要",
    "也约",
    "再来一次",
    "再安排",
)


# Asked the spoken way, without 吗: 「会发合格证书不」「有证书没」, 「发不发证书」「收不收钱」.
_SPOKEN_QUESTION = re.compile(r"(?:不|没|么|嘛|呢)[。！!~～\s]*$|([\u4e00-\u9fff])[不没]\1")


def asks_about_booking(text: str) -> bool:
    """「培训收费吗」「保养要多久」「会发证书不」 right after that booking: answered as a question, nothing
    booked."""
    return any(word in text for word in _QUESTION_WORDS) or bool(_SPOKEN_QUESTION.search(text.strip()))


def books_again(text: str) -> bool:
    """「另外再约一次保养」: a second booking of the same kind, not the first one said again."""
    return any(word in text for word in _ANOTHER)
