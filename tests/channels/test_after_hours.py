"""Office hours and after hours (kb/calendar.yml): the duty desk on the phone, the on-call engineer at
night."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.intake import ActionSubmitTicket
from actions.service import ActionSubmitServiceRequest
from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.guard import held_for_duty_desk
from bot.identity import identity_secret, issue_web_session
from bot.policy import current_policy
from tests.channels.platform_fakes import FakeBot, eventually, serve
from tests.channels.twilio_voice_requests import (
    CALLER,
    PUBLIC_URL,
    WEBHOOK,
    make_channel,
    spoken,
    step,
    twiml,
    without_step,
)
from tests.factories import FILLED, limiter, rest_channel, saved_tickets
from tests.support import make_tracker, slot_values

# Friday 20 November 2026 in Zhengzhou (UTC+8), a working day; the office is open 08:30-17:30.
OFFICE_HOURS = datetime(2026, 11, 20, 6, 30)  # 14:30 local
NIGHT = datetime(2026, 11, 20, 13, 0)  # 21:00 local
DUTY_DESK = current_policy().value("duty_desk.phone")
NIGHT_ENGINEER_ZHENGZHOU = (
    "+8613800000102"  # kb/demo/staff.yml: 郑州's primary on workday nights, as the outbox sends
)


def said(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> list[str]:
    """What the caller reads or hears: texts, and domain responses filled as Rasa fills them."""
    lines = []
    for message in dispatcher.messages:
        if message.get("response"):
            values = {k: v for k, v in message.items() if k not in ("response", "text")}
            lines.append(domain["responses"][message["response"]][0]["text"].format(**values))
        elif message.get("text"):
            lines.append(message["text"])
    return lines


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr("actions.service.utc_now", lambda: moment)


def outbox(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(m.recipient, m.text) for m in session.execute(select(OutboxMessage)).scalars()]


# --- the duty desk, on the phone, in office hours
# ------------------------------------------------------------

CALLBACK_SLOTS = {"request_kind": "callback", "intake_id": "req-1", "contact_phone": "13912345678"}


@pytest.mark.anyio
async def test_a_caller_asking_for_a_person_in_office_hours_is_put_through_to_the_duty_desk(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at(monkeypatch, OFFICE_HOURS)
    tracker = make_tracker("转人工", "request_human", slots=CALLBACK_SLOTS, channel="twilio_voice")
    events = await ActionSubmitServiceRequest().run(dispatcher, tracker, domain)
    assert said(dispatcher, domain) == ["好的，正在为您转接值班人员，请稍候。"]
    assert dispatcher.messages[-1]["custom"] == {"dial": DUTY_DESK}
    assert saved_tickets(database) == []  # a person answers now; a call-back only if nobody does
    assert slot_values(events) == {"request_kind": None, "request_text": None, "intake_id": None}


@pytest.mark.parametrize(
    ("moment", "intent", "channel"),
    [
        (NIGHT, "request_human", "twilio_voice"),
        # WeChat, SMS and the web chat wait for a person in office hours instead
        # (tests/handoff/test_actions.py).
        (OFFICE_HOURS, "request_human", "rest"),
        (OFFICE_HOURS, "request_callback", "twilio_voice"),
    ],
    ids=["after-hours", "plain-rest", "asked-to-be-called-back-later"],
)
@pytest.mark.anyio
async def test_otherwise_the_request_for_a_person_is_a_call_back_ticket(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    moment: datetime,
    intent: str,
    channel: str,
) -> None:
    at(monkeypatch, moment)
    tracker = make_tracker("找个人", intent, slots=CALLBACK_SLOTS, channel=channel)
    await ActionSubmitServiceRequest().run(dispatcher, tracker, domain)
    assert not any(message.get("custom") for message in dispatcher.messages)
    [ticket] = saved_tickets(database)
    assert ticket.kind == "callback" and ticket.number in "".join(said(dispatcher, domain))


@pytest.mark.anyio
async def test_the_phone_dials_the_desk_and_nothing_more_when_the_desk_answers() -> None:
    bot = FakeBot(replies=[{"text": "好的，正在为您转接值班人员，请稍候。"}, {"custom": {"dial": DUTY_DESK}}])
    async with serve(make_channel(), bot) as client:
        await step(client)  # the greeting's menu: 0 is 人工服务
        transfer = twiml(await step(client, Digits="0"))
        after = twiml(await step(client, query="dialed=1", DialCallStatus="completed", DialCallDuration="95"))
    [dial] = transfer.iter("Dial")
    assert (dial.text, without_step(dial.get("action") or "")) == (
        DUTY_DESK,
        f"{PUBLIC_URL}{WEBHOOK}?dialed=1",
    )
    assert [child.tag for child in after] == ["Hangup"]
    assert bot.texts == ["/request_human"]  # no call-back asked for


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
@pytest.mark.anyio
async def test_when_nobody_answers_at_the_desk_the_caller_is_promised_a_call_back_and_the_bot_registers_it(
    status: str,
) -> None:
    bot = FakeBot(replies=[{"text": "好的，正在为您转接值班人员，请稍候。"}, {"custom": {"dial": DUTY_DESK}}])
    async with serve(make_channel(), bot) as client:
        await step(client)
        await step(client, Digits="0")
        bot.replies = [{"text": "已为您转人工。"}]
        after = twiml(await step(client, query="dialed=1", DialCallStatus=status))
        await eventually(lambda: len(bot.received) == 2)
    assert [child.tag for child in after] == ["Say", "Hangup"]
    assert "回电" in spoken(after)[0] and "无法接听" in spoken(after)[0]
    callback = bot.received[1]
    assert callback.text == "/request_callback" and callback.metadata is not None
    assert (callback.metadata["phone"], callback.metadata["reason"]) == (CALLER, "duty_desk_unanswered")


# --- an urgent fault after hours
# -----------------------------------------------------------------------------


async def register_fault(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    moment: datetime,
    **changes: Any,
) -> tuple[str, list[str]]:
    """The caller confirms the read-back at `moment`: the ticket's number, and what the bot then says."""
    monkeypatch.setattr("actions.intake.utc_now", lambda: moment)
    tracker = make_tracker("对", "affirm", slots={**FILLED, **changes})
    events = await ActionSubmitTicket().run(dispatcher, tracker, domain)
    told = said(dispatcher, domain)
    dispatcher.messages.clear()
    return str(slot_values(events)["last_ticket_number"]), told


@pytest.mark.anyio
async def test_an_urgent_fault_at_night_pages_the_on_call_engineer_and_tells_the_caller_when_he_calls(
    team: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    number, told = await register_fault(dispatcher, domain, monkeypatch, NIGHT)
    [ticket] = saved_tickets(team)
    assert ticket.urgent  # 「急诊样本在等」
    [confirmation] = told
    assert number in confirmation
    promise = "30分钟内（11月20日 21:30前）"
    assert "非工作时间" in confirmation and promise in confirmation and "13912345678" in confirmation
    assert "1小时内" not in confirmation  # the call-back is the one first-contact promise, not a second one
    [(phone, page)] = outbox(team)
    assert phone == NIGHT_ENGINEER_ZHENGZHOU and number in page
    # Confirmed again (a retried turn): the same ticket and promise, no second page.
    again, [confirmation_again] = await register_fault(
        dispatcher, domain, monkeypatch, NIGHT.replace(minute=5)
    )
    assert again == number and promise in confirmation_again and len(outbox(team)) == 1


@pytest.mark.parametrize(
    ("moment", "changes"),
    [(OFFICE_HOURS, {}), (NIGHT, {"clinical_impact": "不影响使用", "fault_description": "屏幕偶尔闪一下"})],
    ids=["office-hours", "not-urgent"],
)
@pytest.mark.anyio
async def test_no_page_in_office_hours_or_for_a_fault_that_can_wait(
    team: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    moment: datetime,
    changes: dict[str, str],
) -> None:
    number, told = await register_fault(dispatcher, domain, monkeypatch, moment, **changes)
    assert len(told) == 1 and number in told[0] and outbox(team) == []


@pytest.mark.anyio
async def test_with_nobody_on_call_the_caller_is_told_so_not_promised_a_call(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number, [confirmation, told] = await register_fault(dispatcher, domain, monkeypatch, NIGHT)
    assert number in confirmation
    assert "没能联系上" in told and current_policy().hotline_phone in told and "分钟内" not in told
    assert outbox(database) == []


# --- an unverified caller's page, where kb/policy.yml asks for a confirmation first (bot/guard.py)
# ------------------------------------------------------------


def confirmation(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    identity = current_policy().raw["caller_identity"]
    monkeypatch.setitem(identity, "unverified_page_confirmation", how)


@pytest.mark.anyio
async def test_with_sms_code_confirmation_the_page_waits_for_the_code_from_the_contact_mobile(
    team: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmation(monkeypatch, "sms_code")
    session = issue_web_session(identity_secret())
    monkeypatch.setattr("actions.intake.utc_now", lambda: NIGHT)
    tracker = make_tracker("对", "affirm", slots=FILLED, sender_id=session.sender_id)
    await ActionSubmitTicket().run(dispatcher, tracker, domain)
    told = said(dispatcher, domain)
    [ticket] = saved_tickets(team)
    assert {"page_held", "page_awaits_code", "caller_unverified"} <= set(ticket.flags)
    # No page yet: the code went to the contact mobile the caller gave, and they are told where.
    [(phone, sms)] = outbox(team)
    assert phone == "+8613912345678" and "紧急报修验证码" in sms
    assert "139****5678" in told[-1] and "回复验证码" in told[-1] and "30分钟内" not in " ".join(told)
    code = re.search(r"\d{6}", sms)
    assert code
    monkeypatch.setattr("bot.channels.verification.utc_now", lambda: NIGHT.replace(minute=3))
    bot = FakeBot()
    async with serve(rest_channel(limiter()), bot) as client:
        answer = await client.post(
            "/webhooks/rest/webhook",
            json.dumps({"sender": session.token, "message": code.group(0)}).encode(),
            headers={"Content-Type": "application/json"},
        )
    reply = "".join(message["text"] for message in json.loads(answer.body))
    assert "已通知值班工程师" in reply and bot.received == []
    pages = [(to, text) for to, text in outbox(team) if ticket.number in text]
    assert [to for to, _ in pages] == [NIGHT_ENGINEER_ZHENGZHOU]
    [released] = saved_tickets(team)
    assert "page_held" not in released.flags and "page_confirmed" in released.flags


HELD = {"sms-code-but-no-mobile": ("sms_code", "0371-65432109"), "duty-desk": ("duty_desk", "13912345678")}


@pytest.mark.parametrize("case", HELD)
@pytest.mark.anyio
async def test_otherwise_the_page_is_held_for_the_duty_desk(
    team: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    how, phone = HELD[case]
    confirmation(monkeypatch, how)
    number, told = await register_fault(dispatcher, domain, monkeypatch, NIGHT, contact_phone=phone)
    assert outbox(team) == []  # neither a page nor a code
    assert "值班人员正在核实" in told[-1]
    [ticket] = saved_tickets(team)
    assert ticket.number == number and held_for_duty_desk(ticket)


@pytest.mark.anyio
async def test_a_verified_caller_is_paged_at_once_whatever_the_confirmation(
    team: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmation(monkeypatch, "sms_code")
    monkeypatch.setattr("actions.intake.utc_now", lambda: NIGHT)
    sms = {"channel": "twilio_sms", "sender_id": "+8613912345678", "metadata": {"phone": "+8613912345678"}}
    await ActionSubmitTicket().run(dispatcher, make_tracker("对", "affirm", slots=FILLED, **sms), domain)
    assert [to for to, _ in outbox(team)] == [NIGHT_ENGINEER_ZHENGZHOU]
