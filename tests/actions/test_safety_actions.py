"""Safety first in the actions: every form leaves a hazard to the safety rules, the instruction is said first,
the incident is registered at any hour with the on-call engineer and the manager paged (outbox, fixed
clocks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.conversation import ActionAcknowledge
from actions.intake import ValidateFaultForm
from actions.lookup import ValidateWarrantyForm
from actions.requests import ActionFollowUp
from actions.safety import ActionRepeatSafety, ActionSafetyFirst, ActionSubmitSafetyTicket, ValidateSafetyForm
from actions.service import ValidateContactForm
from bot.db import session_scope
from bot.db.models import AdverseEvent, OutboxMessage, Ticket
from bot.replies import NOT_GIVEN
from bot.safety import ADVERSE_EVENT, CLINICAL_RISK, HAZARD_INTENT, SAFETY_INCIDENT, current_safety_rules
from tests.factories import FILLED, make_ticket, utc
from tests.support import (
    VERIFIED_PHONE,
    VERIFIED_SMS,
    contact_of_every_hospital,
    make_tracker,
    slot_values,
    texts,
)

pytestmark = pytest.mark.anyio
RULES = current_safety_rules()
SMOKE = "血球仪后面冒烟了，有焦糊味！"
MANAGER = "+8613800000999"
ON_CALL = {"03:00": "+8613800000102", "10:00": "+8613800000101"}  # kb/demo/staff.yml, 郑州, Friday


def rejected(events: list[dict[str, Any]]) -> bool:
    """No slot but requested_slot set: Rasa rejects the form's turn, so a rule takes the message."""
    return not [e for e in events if e.get("event") == "slot" and e.get("name") != "requested_slot"]


@pytest.mark.parametrize(
    ("requested", "slots"),
    [
        ("serial_number", {"fault_description": "样本针撞针了"}),  # mid-form
        ("guide_step_answer", {"guide_id": "any.printer", "guide_accepted": True}),  # during a guided check
        ("registration_confirmed", FILLED),  # at the read-back
    ],
    ids=["mid-form", "guided-check", "read-back"],
)
async def test_the_fault_form_leaves_a_hazard_to_the_safety_rules(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    requested: str,
    slots: dict[str, Any],
) -> None:
    tracker = make_tracker(
        "序列号KR23060142 机器冒烟了",
        HAZARD_INTENT,
        active_loop="fault_form",
        slots={**slots, "requested_slot": requested},
    )
    events = await ValidateFaultForm().run(dispatcher, tracker, domain)
    assert rejected(events) and dispatcher.messages == []


@pytest.mark.parametrize(
    ("validator", "form", "requested"),
    [
        (ValidateContactForm, "contact_form", "hospital"),
        (ValidateWarrantyForm, "warranty_form", "serial_number"),
    ],
)
async def test_the_other_forms_leave_a_hazard_to_the_safety_rules(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    validator: Any,
    form: str,
    requested: str,
) -> None:
    tracker = make_tracker(
        "郑州市嘉禾医院 KR23060142 那台在冒烟",
        HAZARD_INTENT,
        active_loop=form,
        slots={"requested_slot": requested},
    )
    assert rejected(await validator().run(dispatcher, tracker, domain))


async def test_the_first_reply_is_the_instruction_and_what_the_message_says_is_kept(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    contact_of_every_hospital(database)
    voice = {"channel": "twilio_voice", "metadata": {"phone": f"+86{VERIFIED_PHONE}"}}
    tracker = make_tracker(f"{SMOKE} 序列号BC25010266", HAZARD_INTENT, **voice)
    slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    assert dispatcher.messages[0]["text"] == RULES.hazard("smoke_fire").instruction
    assert slots["safety_hazards"][0] == "smoke_fire" and slots["safety_flags"] == [SAFETY_INCIDENT]
    # A contact of the device's hospital: the serial found the device and its site, so safety_form will only
    # ask whether people are safe and a phone.
    assert (slots["serial_number"], slots["hospital"]) == ("BC25010266", "商丘市博爱医院")
    assert "safety_people_safe" not in slots


@pytest.mark.parametrize("serial", ["HX25070311", NOT_GIVEN], ids=["given", "not-found"])
async def test_a_serial_the_registration_under_way_has_is_not_asked_again(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], serial: str
) -> None:
    tracker = make_tracker(SMOKE, HAZARD_INTENT, slots={"serial_number": serial})
    slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    assert slots["safety_serial"] == serial


@pytest.mark.parametrize("answer", ["序列号BC25010266", "BC25010266"], ids=["in-the-message", "asked"])
async def test_an_unverified_caller_is_asked_where_and_told_nothing_from_the_registry(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], answer: str
) -> None:
    """The incident is registered and paged all the same (tests below); the serial links it to the device."""
    if answer.startswith("序列号"):
        tracker = make_tracker(f"{SMOKE} {answer}", HAZARD_INTENT)
        slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    else:
        asked = make_tracker(
            answer,
            "inform",
            active_loop="safety_form",
            slots={
                "requested_slot": "safety_serial",
                "safety_hazards": ["smoke_fire"],
                "device": "血细胞分析仪",
            },
        )
        slots = slot_values(await ValidateSafetyForm().run(dispatcher, asked, domain))
    assert slots["serial_number"] == "BC25010266" and slots.get("safety_serial", "BC25010266") == "BC25010266"
    assert not {"hospital", "department", "site_address"} & set(slots) and "BC-5390" not in str(slots)
    assert "博爱" not in " ".join(m.get("text") or "" for m in dispatcher.messages)


async def test_someone_hurt_gets_first_aid_and_an_adverse_event_flag(
    team: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("机壳漏电 技师被电了一下 手还麻", HAZARD_INTENT)
    slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    assert [m["text"] for m in dispatcher.messages] == [
        RULES.hazard("electric").instruction,
        RULES.say("someone_hurt"),
        RULES.say("paged_at_once"),
    ]
    assert (
        ADVERSE_EVENT in slots["safety_flags"]
        and slots["safety_people_safe"] == "机壳漏电 技师被电了一下 手还麻"
    )


async def test_clinical_risk_advises_stopping_results_and_asks_nothing_about_people(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("结果不对，已经发了报告", HAZARD_INTENT)
    slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    assert (
        "停止这台仪器发报告" in dispatcher.messages[0]["text"]
        and "检验科主任" in dispatcher.messages[0]["text"]
    )
    assert slots["safety_flags"] == [CLINICAL_RISK] and slots["safety_people_safe"] == NOT_GIVEN


async def test_an_answer_that_someone_is_hurt_flags_an_adverse_event(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "有个同事手划伤了",
        "inform",
        active_loop="safety_form",
        slots={
            "requested_slot": "safety_people_safe",
            "safety_hazards": ["broken_glass"],
            "safety_flags": [SAFETY_INCIDENT],
        },
    )
    slots = slot_values(await ValidateSafetyForm().run(dispatcher, tracker, domain))
    assert slots["safety_people_safe"] == "有个同事手划伤了" and ADVERSE_EVENT in slots["safety_flags"]
    assert RULES.say("someone_hurt") in texts(dispatcher)


async def test_again_please_repeats_the_instruction_in_the_form_and_after_it(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    gas = RULES.hazard("gas").instruction
    in_form = make_tracker(
        "没听清 再说一遍",
        "ask_repeat",
        active_loop="safety_form",
        slots={"requested_slot": "device", "safety_hazards": ["gas"]},
    )
    events = await ValidateSafetyForm().run(dispatcher, in_form, domain)
    assert not rejected(events) and dispatcher.messages[0]["text"] == gas
    assert slot_values(events) == {"device": None}  # 「再说一遍」 is no device: asked again
    later = CollectingDispatcher()
    await ActionRepeatSafety().run(
        later, make_tracker("再说一遍", "ask_repeat", slots={"safety_hazards": ["gas"]}), domain
    )
    assert later.messages[0]["text"] == gas


async def test_a_caller_who_hangs_up_after_the_instruction_leaves_an_incident_paged_at_once(
    team: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actions.safety.utc_now", lambda: utc("2026-11-20 03:00"))
    voice = {"channel": "twilio_voice", "metadata": {"phone": "+8613912345678"}}
    tracker = make_tracker(SMOKE, HAZARD_INTENT, **voice)
    slots = slot_values(await ActionSafetyFirst().run(dispatcher, tracker, domain))
    assert texts(dispatcher).startswith(RULES.hazard("smoke_fire").instruction)
    assert RULES.say("paged_at_once") in texts(dispatcher)
    with session_scope(team) as session:
        [ticket] = session.execute(select(Ticket)).scalars()
        assert (ticket.number, ticket.severity, ticket.contact_phone) == (
            slots["safety_ticket"],
            "safety",
            "13912345678",
        )
        assert SMOKE in ticket.description
    pages = [r for r, text in outbox(team) if "【安全事件】" in text and "13912345678" in text]
    assert pages == [ON_CALL["03:00"], MANAGER]


async def test_the_details_taken_after_the_page_complete_that_incident_and_reach_whoever_was_paged(
    team: Engine, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actions.safety.utc_now", lambda: utc("2026-11-20 03:00"))
    first = make_tracker(SMOKE, HAZARD_INTENT, sender_id="web:night")
    said = slot_values(await ActionSafetyFirst().run(CollectingDispatcher(), first, domain))
    # The form's answers: the hospital, its place and a phone, and that a colleague got hurt after all.
    details = {
        **said,
        "hospital": "郑州市嘉禾医院",
        "department": "检验科",
        "site_address": "郑州市嘉禾医院门诊楼三楼检验科",
        "site_city": "郑州",
        "contact_phone": "13912345678",
        "safety_people_safe": "有个同事手烫了一下",
        "safety_flags": [SAFETY_INCIDENT, ADVERSE_EVENT],
    }
    dispatcher = CollectingDispatcher()
    done = make_tracker("13912345678", "inform", sender_id="web:night", slots=details)
    slots = slot_values(await ActionSubmitSafetyTicket().run(dispatcher, done, domain))
    assert slots["safety_ticket"] == said["safety_ticket"] and said["safety_ticket"] in texts(dispatcher)
    assert "13912345678" in texts(dispatcher)
    with session_scope(team) as session:
        [ticket] = session.execute(select(Ticket)).scalars()
        assert (ticket.hospital, ticket.site_address, ticket.contact_phone) == (
            "郑州市嘉禾医院",
            "郑州市嘉禾医院门诊楼三楼检验科",
            "13912345678",
        )
        assert session.scalars(select(AdverseEvent).where(AdverseEvent.ticket_id == ticket.id)).one()
    sent = outbox(team)
    assert len([r for r, text in sent if text.startswith("【安全事件】")]) == 2
    detail_pages = [r for r, text in sent if "【安全事件补充】" in text and "门诊楼三楼" in text]
    assert detail_pages == [ON_CALL["03:00"], MANAGER]


async def test_a_serial_said_after_the_page_makes_the_devices_open_ticket_the_incident(
    team: Engine, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clog = make_ticket(team, "clog", serial_number="BC25010266", description="堵孔").number
    monkeypatch.setattr("actions.safety.utc_now", lambda: utc("2026-11-20 03:00"))
    contact_of_every_hospital(team)
    said = slot_values(
        await ActionSafetyFirst().run(
            CollectingDispatcher(), make_tracker(SMOKE, HAZARD_INTENT, **VERIFIED_SMS), domain
        )
    )
    dispatcher = CollectingDispatcher()
    done = make_tracker("BC25010266", "inform", slots={**said, "serial_number": "BC25010266"}, **VERIFIED_SMS)
    slots = slot_values(await ActionSubmitSafetyTicket().run(dispatcher, done, domain))
    assert slots["safety_ticket"] == clog and f"已有工单 {clog}" in texts(dispatcher)
    with session_scope(team) as session:
        tickets = {t.number: t for t in session.execute(select(Ticket)).scalars()}
        first = tickets[said["safety_ticket"]]
        assert first.status == "cancelled" and first.serial_number is None
        assert any(clog in (e.note or "") for e in first.events)
        assert tickets[clog].severity == "safety" and SAFETY_INCIDENT in tickets[clog].flags
    assert len([r for r, text in outbox(team) if clog in text and "【安全事件】" in text]) == 2


def outbox(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(m.recipient, m.text) for m in session.execute(select(OutboxMessage)).scalars()]


def incident_slots(**more: Any) -> dict[str, Any]:
    return {
        "safety_hazards": ["smoke_fire"],
        "safety_flags": [SAFETY_INCIDENT],
        "safety_description": SMOKE,
        "safety_people_safe": "都没事",
        "device": "全自动血细胞分析仪",
        "hospital": "郑州市嘉禾医院检验科",
        "site_city": "郑州",
        "contact_phone": "13912345678",
        "intake_id": "incident-1",
        **more,
    }


@pytest.mark.parametrize("local", ["03:00", "10:00"])
async def test_the_incident_pages_the_on_call_engineer_and_the_manager_at_once(
    team: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    local: str,
) -> None:
    moment: datetime = utc(f"2026-11-20 {local}")
    monkeypatch.setattr("actions.safety.utc_now", lambda: moment)
    tracker = make_tracker("13912345678", "inform", slots=incident_slots())
    slots = slot_values(await ActionSubmitSafetyTicket().run(dispatcher, tracker, domain))
    number = slots["safety_ticket"]
    assert (
        number in texts(dispatcher)
        and "10分钟内" in texts(dispatcher)
        and "已同时收到通知" in texts(dispatcher)
    )
    pages = [recipient for recipient, text in outbox(team) if "【安全事件】" in text and number in text]
    assert pages == [ON_CALL[local], MANAGER]
    with session_scope(team) as session:
        [ticket] = session.execute(select(Ticket)).scalars()
        assert (ticket.severity, ticket.urgent, ticket.flags) == ("safety", True, [SAFETY_INCIDENT])
        assert (
            ticket.description.startswith("【安全事件：冒烟、起火或焦糊味】") and SMOKE in ticket.description
        )


@pytest.mark.parametrize("verified", [True, False], ids=["contact-of-the-hospital", "unverified"])
async def test_an_open_ticket_on_the_device_is_escalated_and_the_caller_told(
    team: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    verified: bool,
) -> None:
    clog = make_ticket(team, "clog", serial_number="BC25010266", description="堵孔").number
    monkeypatch.setattr("actions.safety.utc_now", lambda: utc("2026-11-20 03:00"))
    contact_of_every_hospital(team)
    caller = VERIFIED_SMS if verified else {}
    tracker = make_tracker("BC25010266", "inform", slots=incident_slots(serial_number="BC25010266"), **caller)
    slots = slot_values(await ActionSubmitSafetyTicket().run(dispatcher, tracker, domain))
    if verified:
        assert f"已有工单 {clog}" in texts(dispatcher) and "升级为安全事件" in texts(dispatcher)
    else:
        # Someone else's ticket: escalated and paged all the same, its number and existence not told.
        assert clog not in texts(dispatcher) and "已有工单" not in texts(dispatcher)
        assert "最高级别" in texts(dispatcher) and "last_ticket_number" not in slots
    with session_scope(team) as session:
        [ticket] = session.execute(select(Ticket)).scalars()
        assert ticket.number == clog and ticket.severity == "safety" and SAFETY_INCIDENT in ticket.flags
        assert not [e for e in ticket.events if e.kind == "note"]
    assert len([r for r, text in outbox(team) if clog in text and "【安全事件】" in text]) == 2


async def test_a_second_hazard_adds_to_the_incident_under_way_and_starts_a_new_one_after_its_ticket(
    database: Engine, domain: dict[str, Any]
) -> None:
    earlier = {
        "safety_hazards": ["overheating"],
        "safety_description": "电源线烫手",
        "safety_flags": [SAFETY_INCIDENT],
    }
    during = make_tracker(
        "现在插头冒烟了", HAZARD_INTENT, active_loop="safety_form", slots={**earlier, "intake_id": "i1"}
    )
    slots = slot_values(await ActionSafetyFirst().run(CollectingDispatcher(), during, domain))
    assert slots["safety_hazards"] == ["smoke_fire", "overheating"] and "intake_id" not in slots
    assert slots["safety_description"] == "电源线烫手；现在插头冒烟了"
    after = make_tracker(
        "现在插头冒烟了", HAZARD_INTENT, slots={**earlier, "safety_ticket": "SR202611200001"}
    )
    slots = slot_values(await ActionSafetyFirst().run(CollectingDispatcher(), after, domain))
    assert slots["safety_hazards"] == ["smoke_fire"] and slots["safety_description"] == "现在插头冒烟了"
    assert slots["intake_id"]  # a new incident, a new ticket (or the device's open one, escalated)


async def test_the_place_is_kept_as_said(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "郑州市嘉禾医院检验科二楼东头那间",
        "inform",
        active_loop="safety_form",
        slots={"requested_slot": "hospital", "safety_hazards": ["gas"], "device": "原子吸收光谱仪"},
    )
    slots = slot_values(await ValidateSafetyForm().run(dispatcher, tracker, domain))
    assert slots["hospital"].startswith("郑州市嘉禾医院")
    assert slots["site_address"] == "郑州市嘉禾医院检验科二楼东头那间" and slots["site_city"] == "郑州"


async def test_a_hazard_is_never_the_place(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """The form's first validation reads the hazard's message with the hospital the fault form had: the
    message is no address."""
    tracker = make_tracker(
        "哎哟 仪器底下往外冒烟 一股塑料烧焦的味道",
        HAZARD_INTENT,
        active_loop="safety_form",
        slots={
            "requested_slot": "site_address",
            "safety_hazards": ["smoke_fire"],
            "hospital": "驻马店市中心医院",
        },
    )
    slots = ValidateSafetyForm().validate_hospital("驻马店市中心医院", dispatcher, tracker, domain)
    assert slots["hospital"] == "驻马店市中心医院" and not slots["site_address"]


@pytest.mark.parametrize(
    ("requested", "said", "kept", "absent"),
    [
        (
            "contact_phone",
            "联系人 孟春燕 电话 13838271605",
            {"contact_person": "孟春燕", "contact_phone": "13838271605"},
            (),
        ),
        (
            "hospital",
            "联系人是孟春燕 手机13838271605",
            {"contact_person": "孟春燕", "contact_phone": "13838271605"},
            ("hospital", "site_address"),
        ),
        (
            "hospital",
            "病房的急查都压着呢",
            {"clinical_impact": "病房的急查都压着"},
            ("hospital", "site_address"),
        ),
        (
            "safety_people_safe",
            "电源拔掉了 大家都出去了 序列号UA22050836 地址渭南市临渭区东风大街27号 门诊尿检全停了",
            {
                "safety_people_safe": "电源拔掉了 大家都出去了",
                "serial_number": "UA22050836",
                "safety_serial": "UA22050836",
                "site_address": "渭南市临渭区东风大街27号",
                "clinical_impact": "门诊尿检全停了",
            },
            (),
        ),
        # A room answers where: the hospital is left to tier 2, never asked in a loop.
        (
            "hospital",
            "检验科二楼最里面那间",
            {"hospital": NOT_GIVEN, "site_address": "检验科二楼最里面那间"},
            (),
        ),
    ],
    ids=[
        "name-and-phone-to-the-phone",
        "name-and-phone-to-where",
        "impact-to-where",
        "all-to-people-safe",
        "a-room-to-where",
    ],
)
async def test_details_said_to_a_safety_question_are_kept(
    database: Engine,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    requested: str,
    said: str,
    kept: dict[str, str],
    absent: tuple[str, ...],
) -> None:
    tracker = make_tracker(
        said,
        "inform",
        active_loop="safety_form",
        slots={"requested_slot": requested, "safety_hazards": ["electric"], "device": "尿液分析仪 UA-900"},
    )
    slots = slot_values(await ValidateSafetyForm().run(dispatcher, tracker, domain))
    assert {field: slots.get(field) for field in kept} == kept
    assert not [field for field in absent if slots.get(field)]


async def test_details_right_after_the_safety_ticket_go_on_it_and_a_yes_hears_its_number(
    team: Engine, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actions.safety.utc_now", lambda: utc("2026-11-20 03:00"))
    registered = CollectingDispatcher()
    tracker = make_tracker("13912345678", "inform", slots=incident_slots(hospital="洛阳市明德医院"))
    slots = slot_values(await ActionSubmitSafetyTicket().run(registered, tracker, domain))
    number = slots["safety_ticket"]
    after: dict[str, Any] = {**slots, "hospital": None}
    submitted = [{"event": "action", "name": "action_submit_safety_ticket"}]
    dispatcher = CollectingDispatcher()
    address = make_tracker("地址是洛阳市涧西区明德路16号", "inform", slots=after, events=submitted)
    added = slot_values(await ActionFollowUp().run(dispatcher, address, domain))
    assert added["changed_ticket"] == number and number in texts(dispatcher)
    with session_scope(team) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.site_address == "洛阳市涧西区明德路16号"
        assert any("明德路16号" in (event.note or "") for event in ticket.events)
    # Then the impact, then 「对 提交」: the same ticket, never the menu for a new request.
    followed = [*submitted, {"event": "user", "text": "…"}, {"event": "action", "name": "action_follow_up"}]
    impact = make_tracker("门诊的生化全压着呢", "inform", slots={**after, **added}, events=followed)
    dispatcher = CollectingDispatcher()
    await ActionFollowUp().run(dispatcher, impact, domain)
    assert number in texts(dispatcher) and "报修设备、查询工单" not in texts(dispatcher)
    yes = make_tracker("对 提交", "affirm", slots={**after, **added}, events=followed)
    dispatcher = CollectingDispatcher()
    await ActionAcknowledge().run(dispatcher, yes, domain)
    assert number in texts(dispatcher)
    with session_scope(team) as session:
        [ticket] = session.execute(select(Ticket)).scalars()
        assert any("门诊的生化全压着呢" in (event.note or "") for event in ticket.events)


async def test_a_serial_said_to_which_device_answers_it(
    database: Engine, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    asked = make_tracker(
        "序列号ZS26009911",
        "inform",
        active_loop="safety_form",
        slots={"requested_slot": "device", "safety_hazards": ["smoke"]},
    )
    slots = slot_values(await ValidateSafetyForm().run(dispatcher, asked, domain))
    assert slots["safety_serial"] == "ZS26009911" and slots["device"] is not None  # not asked again
    assert not any("已记下" in (m.get("text") or "") for m in dispatcher.messages)
