"""Conversation scripts: a caller's messages, what the replies must and must not say, and the records
afterwards.

A script file is a YAML list of conversations:

    - name: 地址用自然说法更正            # unique in the suite; the test id
      pattern: correction                 # repair pattern or request type (the suite is organised by it)
      turns:
        - say: 急诊检验室的KR-800生化仪样本针撞针了，要报修
          expect: [序列号]                 # every string appears in the reply
          expect_any: [称呼, 联系人]        # at least one appears
          forbid: [您是想]                 # none appears
      tickets:                            # every ticket of this conversation, oldest first
        - kind: fault                     #   (omitted: not checked; [] means none may exist)
          hospital: 许昌市中心医院          # a plain value: equal
          site_address: {contains: 健康路1号, not_contains: [检验科]}
          urgent: true
          events: {contains: 撤销}          # on a list: some element's text contains it
      ratings:                            # the same, for satisfaction scores
        - {score: 2, comment: {contains: 迟到}}
      given:                              # tickets another caller made before this one writes
        - {kind: fault, serial_number: BC25010266, description: 堵孔报警, overdue_minutes: 90}
        - {kind: fault, serial_number: KR24020583, description: 撞针, status: resolved}
      xfail: the reason                   # a known gap; strict, so it fails once it passes

`{given[0]}` in a message, an expected text or an expected value is the number of the first given ticket.
A given ticket of a registered serial holds what the registry says of it unless the spec says otherwise.
`overdue_minutes` puts its response deadline that far in the past; `status` (resolved, closed …) is the state
it is in. After each conversation its own and its given tickets that are still open are cancelled, so the next
caller of the same device starts clean.

The bot runs on the real clock, so a reply that depends on office hours is matched with expect_any.
Every ticket is also put through `audit`: no field may hold what a caller never meant for it.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot.clock import utc_now
from bot.db import engine_for, session_scope
from bot.db.models import Rating, Ticket
from bot.installed_base import find_device
from bot.policy import current_policy
from bot.tickets import (
    Origin,
    Registration,
    TicketKind,
    TicketStatus,
    create_fault_ticket,
    create_service_request,
    ticket_as_dict,
)
from bot.triage import current_rules

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Turn:
    say: str
    expect: tuple[str, ...] = ()
    expect_any: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    name: str
    pattern: str
    turns: tuple[Turn, ...]
    tickets: tuple[dict[str, Any], ...] | None = None
    ratings: tuple[dict[str, Any], ...] | None = None
    given: tuple[dict[str, Any], ...] = ()
    xfail: str | None = None
    source: str = ""


@dataclass
class Outcome:
    conversation: Conversation
    replies: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return not self.failures and not self.audit


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def load(paths: Iterable[Path]) -> list[Conversation]:
    conversations = []
    for path in sorted(paths):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            turns = tuple(
                Turn(
                    say=str(t["say"]),
                    expect=_strings(t.get("expect")),
                    expect_any=_strings(t.get("expect_any")),
                    forbid=_strings(t.get("forbid")),
                )
                for t in raw["turns"]
            )
            conversations.append(
                Conversation(
                    name=str(raw["name"]),
                    pattern=str(raw.get("pattern", path.stem)),
                    turns=turns,
                    tickets=None if raw.get("tickets") is None else tuple(raw["tickets"]),
                    ratings=None if raw.get("ratings") is None else tuple(raw["ratings"]),
                    given=tuple(raw.get("given") or ()),
                    xfail=raw.get("xfail"),
                    source=path.name,
                )
            )
    names = [c.name for c in conversations]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    assert not duplicated, f"conversation names used twice: {duplicated}"
    return conversations


def records(database_url: str, sender: str) -> dict[str, list[dict[str, Any]]]:
    """The tickets and ratings a conversation left, oldest first, as `hotline tickets list --json` shows
    them."""
    with session_scope(engine_for(database_url)) as session:
        tickets = session.scalars(select(Ticket).where(Ticket.sender_id == sender).order_by(Ticket.id)).all()
        ratings = session.scalars(select(Rating).where(Rating.sender_id == sender).order_by(Rating.id)).all()
        return {
            "tickets": [ticket_as_dict(t) for t in tickets],
            "ratings": [
                {"score": r.score, "comment": r.comment, "ticket_id": r.ticket_id, "channel": r.channel}
                for r in ratings
            ],
        }


def make_given(database_url: str, given: tuple[dict[str, Any], ...]) -> list[str]:
    """Creates the tickets other callers made before the conversation; returns their numbers."""
    numbers = []
    with session_scope(engine_for(database_url)) as session:
        for spec in given:
            fields = {k: v for k, v in spec.items() if k not in ("kind", "overdue_minutes", "status")}
            device = find_device(session, fields["serial_number"]) if fields.get("serial_number") else None
            if device:  # what the intake fills in from the registry for a registered serial
                registered = {
                    "hospital": device.hospital,
                    "department": device.department,
                    "device": f"{device.device_type} {device.model}",
                    "site_address": device.address,
                    "site_city": device.city,
                }
                fields = {**registered, **fields}
            kind = TicketKind(spec.get("kind", "fault"))
            key = f"given-{uuid.uuid4().hex}"
            origin = Origin(channel="phone", sender_id=key, transcript=[])
            common = {
                "idempotency_key": key,
                "origin": origin,
                "policy": current_policy(),
                "received_at": utc_now(),
            }
            if kind is TicketKind.FAULT:
                ticket, _ = create_fault_ticket(
                    session, Registration(**fields), rules=current_rules(), **common
                )
            else:
                ticket, _ = create_service_request(session, kind, Registration(**fields), **common)
            if "status" in spec:
                ticket.status = TicketStatus(spec["status"]).value
            if "overdue_minutes" in spec:
                ticket.response_due = utc_now() - timedelta(minutes=int(spec["overdue_minutes"]))
            numbers.append(ticket.number)
    return numbers


def close_open_tickets(database_url: str, senders: list[str]) -> None:
    """Cancels what a finished conversation left open, so that the next caller of the same device starts
    clean."""
    done = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED)
    with session_scope(engine_for(database_url)) as session:
        for ticket in session.scalars(select(Ticket).where(Ticket.sender_id.in_(senders))):
            if ticket.status not in {s.value for s in done}:
                ticket.status = TicketStatus.CANCELLED.value


def _fill(value: Any, numbers: list[str]) -> Any:
    """`{given[0]}` → the first given ticket's number, in strings, lists and dicts."""
    if isinstance(value, str):
        return value.format(given=numbers) if "{given" in value else value
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, numbers) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, numbers) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(_text(v) for v in value.values())
    return "" if value is None else str(value)


def _check_value(label: str, actual: Any, wanted: Any) -> list[str]:
    if not isinstance(wanted, dict):
        return [] if actual == wanted else [f"{label} = {actual!r}, wanted {wanted!r}"]
    problems = []
    text = _text(actual)
    for needle in _strings(wanted.get("contains")):
        if needle not in text:
            problems.append(f"{label} = {actual!r} lacks {needle!r}")
    for needle in _strings(wanted.get("not_contains")):
        if needle in text:
            problems.append(f"{label} = {actual!r} holds {needle!r}")
    if "one_of" in wanted and actual not in wanted["one_of"]:
        problems.append(f"{label} = {actual!r}, wanted one of {wanted['one_of']!r}")
    return problems


def _check_records(kind: str, actual: list[dict[str, Any]], wanted: tuple[dict[str, Any], ...]) -> list[str]:
    if len(actual) != len(wanted):
        summary = [
            {k: r.get(k) for k in ("number", "kind", "description", "score", "comment") if k in r}
            for r in actual
        ]
        return [f"{len(actual)} {kind}, wanted {len(wanted)}: {summary}"]
    problems = []
    for index, (record, expected) in enumerate(zip(actual, wanted, strict=True)):
        for key, value in expected.items():
            problems += _check_value(f"{kind}[{index}].{key}", record.get(key), value)
    return problems


def run(
    conversation: Conversation,
    say: Callable[[str, str], str],
    database_url: str,
    caller: Callable[[], tuple[str, str]] | None = None,
) -> Outcome:
    """Plays the conversation as a new caller and compares replies, records and the field audit.

    `caller`: a new caller as (what `say` addresses, the conversation's sender_id in the records), made after
    the given tickets exist; by default a made-up id for both.
    """
    numbers = make_given(database_url, conversation.given)
    address = sender = f"conv-{uuid.uuid4().hex[:12]}"
    if caller is not None:
        address, sender = caller()
    if numbers:
        conversation = dataclasses.replace(
            conversation,
            turns=tuple(
                Turn(*(_fill(getattr(t, f.name), numbers) for f in dataclasses.fields(Turn)))
                for t in conversation.turns
            ),
            tickets=_fill(conversation.tickets, numbers),
            ratings=_fill(conversation.ratings, numbers),
        )
    outcome = Outcome(conversation)
    try:
        _play(conversation, lambda text, _: say(text, address), database_url, sender, outcome)
    finally:
        with session_scope(engine_for(database_url)) as session:
            given_senders = list(
                session.scalars(select(Ticket.sender_id).where(Ticket.number.in_(numbers))) if numbers else []
            )
        close_open_tickets(database_url, [sender, *given_senders])
    return outcome


def _play(
    conversation: Conversation,
    say: Callable[[str, str], str],
    database_url: str,
    sender: str,
    outcome: Outcome,
) -> None:
    for number, turn in enumerate(conversation.turns, 1):
        reply = say(turn.say, sender)
        outcome.replies.append(reply)
        where = f"turn {number} 「{turn.say}」 → 「{reply}」"
        missing = [s for s in turn.expect if s not in reply]
        if missing:
            outcome.failures.append(f"{where} lacks {missing}")
        if turn.expect_any and not any(s in reply for s in turn.expect_any):
            outcome.failures.append(f"{where} has none of {list(turn.expect_any)}")
        present = [s for s in turn.forbid if s in reply]
        if present:
            outcome.failures.append(f"{where} holds {present}")
    found = records(database_url, sender)
    if conversation.tickets is not None:
        outcome.failures += _check_records("tickets", found["tickets"], conversation.tickets)
    if conversation.ratings is not None:
        outcome.failures += _check_records("ratings", found["ratings"], conversation.ratings)
    said = [t.say for t in conversation.turns]
    for ticket in found["tickets"]:
        outcome.audit += [f"{ticket['number']}: {p}" for p in audit(ticket, said)]


MOBILE = re.compile(r"1[3-9]\d{9}")
CORRECTION_WORDS = (
    "改成",
    "改一下",
    "改为",
    "写错",
    "不对，",
    "不对,",
    "不对 ",
    "故障不对",
    "地址不对",
    "电话不对",
)
FILLER = (
    "跟刚才一样",
    "和刚才一样",
    "同上",
    "不清楚",
    "不知道",
    "未提供",
    "就在医院里",
    "你们以前来过",
    "找不到",
)
PLACE_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,6}(?:市|县|区|州|盟|旗)$")


def audit(ticket: dict[str, Any], said: list[str]) -> list[str]:
    """What no ticket field may hold, whatever the conversation: a button payload, a correction sentence,
    another field's value, filler words, or a hospital name cut off from its city or county."""
    problems = []
    text_fields = (
        "hospital",
        "department",
        "contact_person",
        "contact_phone",
        "device",
        "serial_number",
        "description",
        "site_address",
        "clinical_impact",
    )
    for name in text_fields:
        value = ticket.get(name) or ""
        if value.startswith("/"):
            problems.append(f"{name} is a button payload: {value!r}")
        if name != "description" and any(w in value for w in CORRECTION_WORDS):
            problems.append(f"{name} holds a correction sentence: {value!r}")
        if name not in ("contact_phone", "description") and MOBILE.search(value.replace(" ", "")):
            problems.append(f"{name} holds a phone number: {value!r}")
        people_and_places = (
            "hospital",
            "department",
            "contact_person",
            "site_address",
            "serial_number",
            "device",
        )
        if name in people_and_places and any(w in value for w in FILLER):
            problems.append(f"{name} holds filler words: {value!r}")
    description = ticket.get("description") or ""
    if description.startswith(("故障不对", "不对", "改成")):
        problems.append(f"description starts with a correction: {description!r}")
    address = ticket.get("site_address") or ""
    if address and re.fullmatch(r"[\u4e00-\u9fff]{1,8}(科|室|中心|病区)", address):
        problems.append(f"site_address is a department: {address!r}")
    person = ticket.get("contact_person") or ""
    # A transliterated name keeps its dot and may be long and hold any sound (「买买提江·阿不都热合曼」).
    dotted = re.fullmatch(r"[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff]{1,8}", person)
    if person and (
        re.search(r"\d", person)
        or (len(person) > 8 and not dotted)
        or re.search(r"(路|号|街|医院|科|室)$|病房|门诊|急诊", person)
        or (re.search(r"[不了吗呢吧没]", person) and not dotted)
    ):
        problems.append(f"contact_person is not a person: {person!r}")
    if re.fullmatch(
        r"(?:我要|要|想)?(?:报修|报个修|故障|坏了|设备坏了|仪器坏了)[。！!]*", description.strip()
    ):
        problems.append(f"description names no fault: {description!r}")
    impact = ticket.get("clinical_impact") or ""
    if impact and re.fullmatch(r"[\d\s\-+]+", impact):
        problems.append(f"clinical_impact is a number: {impact!r}")
    hospital = ticket.get("hospital") or ""
    if hospital:
        for message in said:
            at = message.find(hospital)
            if at > 0 and PLACE_PREFIX.search(message[:at]):
                prefix = PLACE_PREFIX.search(message[:at])
                assert prefix is not None
                if not hospital.startswith(prefix.group()):
                    problems.append(f"hospital {hospital!r} lost its place prefix {prefix.group()!r}")
                    break
    return problems
