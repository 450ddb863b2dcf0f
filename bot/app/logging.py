"""Masked logs: phone numbers, people's names and secrets never reach a log line; serial and ticket numbers
stay.

- phones: mobile (139 1234 5678, 139.1234.5678, +86…, and in Chinese numerals), landline (0371-6555 1234) and
  international numbers keep their last four digits (139****5678), enough to tell two callers apart in a log;
- names: the values of the `person` entity and the `contact_person` slot wherever they appear in a line, and
  every name after it in the process's log (a caller's name appears alone later: 「王敏」), and 「王先生 /
  李女士 / 张老师」;
- secrets: `password=`, `token=`, `secret=`, URL passwords, Authorization headers, and the values of the
  secret environment variables themselves.

Installed in both server processes (bot/app/launch.py), the worker and the console as the log record factory,
so that every record is masked when it is made, whatever handlers Rasa, Sanic and structlog add later: its
message, its string extras (Sanic's access log), with line breaks in a caller's words escaped.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from bot.config import environment
from bot.intake import SPOKEN_DIGITS

# The slot and the entity that hold a person's name (bot/domain/core.yml).
NAME_SLOTS = ("contact_person",)
NAME_ENTITIES = ("person",)
# Environment variables whose values are secrets, by name (WECHAT_APPSECRET, TWILIO_AUTH_TOKEN,
# ALIYUN_SMS_ACCESS_KEY_SECRET, ...: a new channel's secret is covered without a change here); URLs among the
# variables are secret only in their password.
SECRET_VARIABLE = re.compile(r"(SECRET|TOKEN|PASSWORD|AES_KEY)$")
URL_VARIABLES = ("HOTLINE_DATABASE_URL", "HOTLINE_TRACKER_DATABASE_URL", "HOTLINE_REDIS_URL")
# A name shorter than this is not remembered: one character would mask too much of every other line.
MIN_NAME_CHARS = 2
MIN_SECRET_CHARS = 4
MASK = "***"

_DIGIT = r"[0-9０-９]"
# Not inside a longer number; letters may touch (「tel13912345678」, JSON's 「\\uff1a13912345678」).
_EDGE_BEFORE = r"(?<![0-9０-９])"
_EDGE_AFTER = r"(?![0-9０-９])"
_ESCAPED = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
PHONE = re.compile(
    _EDGE_BEFORE
    + "(?:"
    # mobile (full-width too), in any grouping: 139-1234-5678, 139 12 34 56 78, 139.1234.5678
    + rf"(?:\+?[8８][6６][- ]?)?[1１][3-9３-９](?:[-. ]?{_DIGIT}){{9}}"
    + rf"|[0０]{_DIGIT}{{2,3}}[- ]?{_DIGIT}{{7,8}}"  # landline with area code
    + rf"|\+{_DIGIT}{{7,15}}"  # any other international number
    + ")"
    + _EDGE_AFTER
)
# A mobile said in Chinese numerals (a voice transcript: 一三九一二三四五六七八, 幺三九…).
_NUMERAL = SPOKEN_DIGITS
SPOKEN_PHONE = re.compile(
    rf"(?<![{_NUMERAL}])[一幺][三四五六七八九](?:[\s,，、]?[{_NUMERAL}]){{9}}(?![{_NUMERAL}])"
)
TITLED_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?=先生|女士|老师|小姐)")
_QUOTE = r"[\"']"
# A name before the NLU has tagged it: a whole quoted message that is a common surname and one or two
# more characters (the answer to 「怎么称呼您？」), or the same after 我是/我叫/我姓/联系人. Masking a
# few words too many is the safe side; only surname-led words, so that 「我是工单号」 cannot blank
# 「工单号」 out of every later log line.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_UNTAGGED_NAME = re.compile(
    rf"(?<={_QUOTE})([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})(?={_QUOTE})"
    rf"|(?:我是|我叫|我姓|联系人是?|联系人写)([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})"
)
_ENTITY_NAME = re.compile(
    rf"{_QUOTE}entity{_QUOTE}\s*:\s*{_QUOTE}(?:{'|'.join(NAME_ENTITIES)}){_QUOTE}[^{{}}]*?"
    rf"{_QUOTE}value{_QUOTE}\s*:\s*{_QUOTE}([^\"']+){_QUOTE}"
)
# "contact_person": "X", 'contact_person': 'X', contact_person: X (Rasa's slot listing), SlotSet(key: …,
# value: X)
_SLOT_NAME = re.compile(
    rf"(?:(?:{'|'.join(NAME_SLOTS)}){_QUOTE}?\s*[:=]\s*{_QUOTE}?([^\"'\\\n,}})]+)"
    rf"|key:\s*(?:{'|'.join(NAME_SLOTS)}),\s*value:\s*([^)\n]+)\))"
)
SECRET_FIELD = re.compile(
    r"(?i)\b(password|passwd|secret|appsecret|token|access_token|auth_token|api_key|signature|msg_signature"
    r"|aes_key|encodingaeskey)(\"?'?\s*[:=]\s*\"?'?)([^\s\"'&,;}]+)"
)
AUTHORIZATION = re.compile(r"(?i)(authorization\"?'?\s*[:=]\s*\"?'?(?:bearer |basic |token )?)([^\s\"',]+)")
URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]+:)([^\s@/]+)(@)")


def _unescape(match: re.Match[str]) -> str:
    """JSON's \\u escapes as the characters they stand for, so that a name or a phone is seen in them too."""
    try:
        return (
            match.group(0)
            .encode("ascii")
            .decode("unicode_escape")
            .encode("utf-16", "surrogatepass")
            .decode("utf-16")
        )
    except UnicodeError:
        return match.group(0)


def _keep_last_four(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [i for i, char in enumerate(text) if char.isdigit()]
    hidden = set(digits[:-4])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


def _keep_last_four_numerals(match: re.Match[str]) -> str:
    text = match.group(0)
    numerals = [i for i, char in enumerate(text) if char in _NUMERAL]
    hidden = set(numerals[:-4])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


class MaskingFilter(logging.Filter):
    """Rewrites a record's message and exception text, masked; never drops a record."""

    def __init__(self, secrets: Iterable[str] = (), remembered_names: int = 5000) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self._names: OrderedDict[str, None] = OrderedDict()
        self._remembered_names = remembered_names
        # The names by first character, longest first: one pass over a line, whatever the number of names.
        self._by_first: dict[str, list[str]] | None = None

    def _remember_names(self, text: str) -> None:
        for match in [
            *_ENTITY_NAME.finditer(text),
            *_SLOT_NAME.finditer(text),
            *_UNTAGGED_NAME.finditer(text),
        ]:
            name = next((group for group in match.groups() if group), "").strip()
            if len(name) >= MIN_NAME_CHARS and name.lower() not in ("none", "null"):
                if name not in self._names:
                    self._by_first = None
                self._names[name] = None
                self._names.move_to_end(name)
        while len(self._names) > self._remembered_names:
            self._names.popitem(last=False)
            self._by_first = None

    def _mask_names(self, text: str) -> str:
        if not self._names:
            return text
        if self._by_first is None:
            index: dict[str, list[str]] = {}
            for name in sorted(self._names, key=len, reverse=True):
                index.setdefault(name[0], []).append(name)
            self._by_first = index
        out, i = [], 0
        while i < len(text):
            found = next((n for n in self._by_first.get(text[i], ()) if text.startswith(n, i)), None)
            out.append("*" * len(found) if found else text[i])
            i += len(found) if found else 1
        return "".join(out)

    def mask(self, text: str) -> str:
        text = _ESCAPED.sub(_unescape, text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)
        text = AUTHORIZATION.sub(lambda m: m.group(1) + MASK, text)
        text = SECRET_FIELD.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
        self._remember_names(text)
        text = self._mask_names(text)
        text = TITLED_NAME.sub(lambda m: "*" * len(m.group(0)), text)
        text = SPOKEN_PHONE.sub(_keep_last_four_numerals, text)
        return PHONE.sub(_keep_last_four, text)

    def mask_extras(self, record: logging.LogRecord) -> None:
        """What handlers print besides the message (Sanic's access log: `request` with its query string)."""
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, self.mask(_one_line(value)))

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            # A caller's words arrive as arguments: a line break in them could forge a log line.
            record.args = tuple(_one_line(arg) if isinstance(arg, str) else arg for arg in record.args)
        self.mask_extras(record)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call still logs, masked, instead of printing its raw arguments
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Without exc_info no handler formats the raw exception again; exc_text is printed as it is.
            record.exc_text, record.exc_info = self.mask(record.exc_text), None
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _mask_extras_too(masking: MaskingFilter) -> None:
    """`extra=` fields are set on a record after the record factory made it: masked once they are there."""
    make_record = logging.Logger.makeRecord
    if getattr(make_record, "hotline_masked", False):
        return

    def masked_make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(self, *args, **kwargs)
        masking.mask_extras(record)
        return record

    masked_make_record.hotline_masked = True  # type: ignore[attr-defined]
    logging.Logger.makeRecord = masked_make_record  # type: ignore[method-assign]


def secrets_from_environment(environ: dict[str, str] | None = None) -> list[str]:
    environ = environment() if environ is None else dict(environ)
    found = [value for name, value in environ.items() if SECRET_VARIABLE.search(name) and value]
    for name in URL_VARIABLES:
        if environ.get(name):
            password = urlsplit(environ[name]).password
            if password:
                found.append(password)
    return found


_installed: MaskingFilter | None = None


def install_masking(masking: MaskingFilter | None = None) -> MaskingFilter:
    """Mask every log record of this process from now on; returns the filter in use. Called again without a
    filter, it keeps the one installed (every `hotline` command installs it)."""
    global _installed
    if masking is None and _installed is not None:
        return _installed
    masking = _installed = masking or MaskingFilter(secrets_from_environment())
    make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)
    _mask_extras_too(masking)
    return masking
