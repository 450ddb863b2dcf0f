"""Hostile input, generated: the REST channel and the intake actions never fail with a 500 or a stack trace,
and what is stored is exactly what the caller gave (minus control characters, which no channel lets
through)."""

from __future__ import annotations

import asyncio
import json
import unicodedata
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from actions.intake import ActionSubmitTicket, ValidateFaultForm
from bot.channels.limits import Bucket, HotlineRestInput, Limiter, Limits, MemoryBuckets, clean_text
from bot.channels.store import MemoryStore
from bot.channels.user_text import caller_text
from bot.channels.verification import about_verification
from bot.db import session_scope
from bot.db.models import Ticket
from bot.identity import identity_secret, issue_web_session
from tests.channels.platform_fakes import FakeBot, serve
from tests.support import make_tracker

HOSTILE = [
    "/request_human",
    ' //affirm{"contact_phone": "+88216000000"}',
    "/",
    "123456",
    "验证 +88216000000",
    "'; DROP TABLE tickets; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM devices;--",
    "%s%s%s%n",
    "{hotline.phone}{0}{}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202egnp.exe",
    "🚑🩺💉 急诊",
    "ＫＲ２３０６０１４２",
    "生化仪 KR-2000 Ошибка E03 エラー",
    "\U0001f468\u200d\u2695\ufe0f 医生",
    "  ",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=0, max_size=60),
    st.text(
        alphabet=st.characters(whitelist_categories=("Lo", "So", "Nd", "Po", "Zs", "Cc", "Mn")), max_size=200
    ),
    st.text(max_size=30).map(lambda s: s * 80),  # very long
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=20)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
# A session the server issued, and senders it did not: chosen ids, an openid, a CallSid, a forged signature.
SESSION = issue_web_session(identity_secret()).token
senders = st.one_of(
    st.text(max_size=70),
    st.sampled_from(
        [
            "fuzz-1",
            "oVICTIMxxxxxxxxxxxxxxxxxxxxxxx",
            "CA" + "0" * 32,
            "web:0123",
            SESSION[:-1] + "0",
            SESSION[:24],
        ]
    ),
)
request_bodies = st.one_of(
    st.builds(lambda s, m: json.dumps({"sender": s, "message": m}).encode(), senders, hostile_text),
    st.builds(lambda m: json.dumps({"sender": SESSION, "message": m}).encode(), hostile_text),
    st.builds(lambda v: json.dumps(v).encode(), json_values),
    st.binary(max_size=300),
)


def generous_limiter() -> Limiter:
    many = Bucket(burst=100_000, per_minute=100_000)
    limits = Limits.load()
    limits = Limits(many, many, limits.max_message_chars, limits.max_request_bytes, limits.max_sender_chars)
    return Limiter(limits, MemoryBuckets(), MemoryStore())


async def post_all(bodies: list[bytes]) -> tuple[list[tuple[int, str]], FakeBot]:
    channel = HotlineRestInput()
    channel.limiter = generous_limiter()
    bot = FakeBot()
    async with serve(channel, bot) as client:
        answers = [
            await client.post("/webhooks/rest/webhook", body, headers={"Content-Type": "application/json"})
            for body in bodies
        ]
    return [(a.status, a.body) for a in answers], bot


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.data_too_large])
@given(st.lists(request_bodies, min_size=1, max_size=5))
def test_rest_never_fails_and_hands_the_bot_only_clean_text(bodies: list[bytes]) -> None:
    answers, bot = asyncio.run(post_all(bodies))
    for status, body in answers:
        assert status in (200, 400, 401, 413)
        assert "Traceback" not in body and "Error" not in body
        replies = json.loads(body)
        assert isinstance(replies, list) and all(isinstance(reply.get("text"), str) for reply in replies)
    accepted = [json.loads(body) for body, (status, _) in zip(bodies, answers, strict=True) if status == 200]
    # Every accepted message reaches the bot as clean text, except a request for (or an answer with) a
    # one-time code, which the channel answers itself (bot/channels/verification.py).
    expected = [caller_text(clean_text(body["message"]).strip()) for body in accepted]
    delivered = iter(bot.texts)
    pending = next(delivered, None)
    for said in expected:
        if said == pending:
            pending = next(delivered, None)
        else:
            assert about_verification(said), said
    assert pending is None
    assert all(message.sender_id.startswith("web:") for message in bot.received)
    assert not any(said.lstrip().startswith("/") for said in bot.texts)  # never read as a Rasa intent
    for said in bot.texts:
        assert said and not any(unicodedata.category(c) in ("Cc", "Cs") for c in said if c not in "\n\t")


def _no_control(text: str) -> str:
    # What the channels let through (bot/channels/limits.py): no control characters.
    return clean_text(text)


slot_text = hostile_text.map(_no_control).filter(lambda s: s.strip() != "")


# data_too_large: five fields of up to 2,400 characters each overrun hypothesis's buffer now and then; the
# overrun examples are dropped, the others still run.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(hospital=slot_text, person=slot_text, description=slot_text, address=slot_text, serial=slot_text)
def test_submit_stores_hostile_registration_exactly_once_and_verbatim(
    database: Engine, hospital: str, person: str, description: str, address: str, serial: str
) -> None:
    intake_id = uuid.uuid4().hex
    slots = {
        "intake_id": intake_id,
        "registration_confirmed": True,
        "hospital": hospital,
        "department": "检验科",
        "contact_person": person,
        "contact_phone": "13912345678",
        "device": "全自动生化分析仪",
        "serial_number": serial,
        "fault_description": description,
        "site_address": address,
        "clinical_impact": "not_affected",
    }
    tracker = make_tracker("对", "affirm", slots=slots, sender_id=f"fuzz-{intake_id[:8]}")
    said: list[str] = []
    for _ in range(2):  # a retried confirmation
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionSubmitTicket().run(dispatcher, tracker, {}))
        said += [m.get("text") or "" for m in dispatcher.messages]
    assert said and not any("Traceback" in s for s in said)
    with session_scope(database) as session:
        tickets = (
            session.execute(select(Ticket).where(Ticket.idempotency_key == f"intake:{intake_id}"))
            .scalars()
            .all()
        )
        if tickets:  # else: the serial already had an open ticket, and the report became a note on it
            [ticket] = tickets
            assert (ticket.hospital, ticket.contact_person, ticket.description, ticket.site_address) == (
                hospital,
                person,
                description,
                address,
            )
            assert ticket.number in said[0]
    assert {"tickets", "devices"} <= set(inspect(database).get_table_names())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    message=slot_text,
    requested=st.sampled_from(
        [
            "serial_number",
            "contact_phone",
            "contact_person",
            "hospital",
            "site_address",
            "registration_confirmed",
        ]
    ),
)
def test_form_validation_answers_any_message_without_failing(
    database: Engine, message: str, requested: str
) -> None:
    slots: dict[str, Any] = {
        "intake_id": uuid.uuid4().hex,
        "requested_slot": requested,
        "failed_attempts": {},
    }
    tracker = make_tracker(message, "inform", slots=slots, active_loop="fault_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateFaultForm().run(
            dispatcher,
            tracker,
            {
                "forms": {
                    "fault_form": {
                        "required_slots": [
                            "device",
                            "serial_number",
                            "hospital",
                            "department",
                            "contact_person",
                            "contact_phone",
                            "site_address",
                            "fault_description",
                            "clinical_impact",
                            "registration_confirmed",
                        ]
                    }
                },
                "slots": {},
            },
        )
    )
    assert isinstance(events, list)
    assert not any("Traceback" in (m.get("text") or "") for m in dispatcher.messages)
