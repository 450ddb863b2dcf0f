"""Requests that are not a new intake, run as the action server runs them: follow-ups on a look-up, a caller's
change to their ticket, an overdue promise, a call-back window, a person asked for without leaving a
number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.conversation import ActionAcknowledge
from actions.knowledge import ActionAnswerQuestion
from actions.lookup import ActionAskSerialNumber, ActionCheckTicket, ActionCheckWarranty, offer_again
from actions.requests import ActionFollowUp
from actions.service import (
    ActionRateService,
    ActionStartServiceRequest,
    ActionSubmitServiceRequest,
    ValidateContactForm,
)
from actions.ticket_changes import ActionChangeTicket
from bot.clock import utc_now
from bot.db import session_scope
from bot.db.models import OutboxMessage, Ticket
from bot.ops import lifecycle
from bot.policy import current_policy
from tests.factories import make_complaint, make_ticket
from tests.support import (
    VERIFIED_SMS,
    contact_of_every_hospital,
    engineer_id,
    make_tracker,
    slot_values,
    submit_fault,
    texts,
)

pytestmark = pytest.mark.anyio

ZHOU = "13800000101"  # the demo team's Zhengzhou engineer


async def test_a_serial_after_a_warranty_look_up_is_looked_up_too(database, dispatcher, domain) -> None:
    contact_of_every_hospital(database)  # the installed base is told to the hospital's verified contacts
    lookup = {"kind": "warranty", "numbers": [], "serials": ["GF23070519"]}
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker("那KR23060142呢", "inform", slots={"last_lookup": lookup}, **VERIFIED_SMS),
        domain,
    )
    assert "KR23060142" in texts(dispatcher) and "保修" in texts(dispatcher)
    assert slot_values(events)["last_lookup"]["serials"] == ["GF23070519", "KR23060142"]


async def test_details_with_nothing_before_are_asked_about(database, dispatcher, domain) -> None:
    await ActionFollowUp().run(dispatcher, make_tracker("KR23060142", "inform"), domain)
    assert dispatcher.messages[0]["response"] == "utter_clarify_inform"


async def test_who_the_caller_is_said_before_what_for_is_kept(database, dispatcher, domain) -> None:
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker("喂 通辽市科尔沁仁心医院 生化室 我叫包金花 电话13904758812", "inform"),
        domain,
    )
    assert dispatcher.messages[0]["response"] == "utter_clarify_inform"
    assert {
        k: v for k, v in slot_values(events).items() if k in ("hospital", "department", "contact_person")
    } == {"hospital": "通辽市科尔沁仁心医院", "department": "生化室", "contact_person": "包金花"}
    assert slot_values(events)["contact_phone"] == "13904758812"


async def test_the_second_ticket_of_a_look_up(database, dispatcher, domain) -> None:
    first, second = make_ticket(database, "a").number, make_ticket(database, "b").number
    contact_of_every_hospital(database)
    lookup = {"kind": "tickets", "numbers": [first, second], "serials": []}
    tracker = make_tracker("第二个是哪台设备", "check_ticket", slots={"last_lookup": lookup}, **VERIFIED_SMS)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    assert second in texts(dispatcher) and first not in texts(dispatcher) and "设备" in texts(dispatcher)
    dispatcher.messages.clear()
    tracker = make_tracker("第三个呢", "check_ticket", slots={"last_lookup": lookup}, **VERIFIED_SMS)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    assert "没有第3张" in texts(dispatcher)


@pytest.mark.parametrize("joined", ["和", "还有", " 以及 ", "、"])
async def test_two_tickets_named_at_once_are_both_answered(database, dispatcher, domain, joined) -> None:
    first, second = make_ticket(database, "a").number, make_ticket(database, "b").number
    contact_of_every_hospital(database)
    said = f"帮我看下{first}{joined}{second}两张单子进度"
    events = await ActionCheckTicket().run(
        dispatcher, make_tracker(said, "check_ticket", **VERIFIED_SMS), domain
    )
    assert first in texts(dispatcher) and second in texts(dispatcher)
    assert slot_values(events)["last_lookup"]["numbers"] == [first, second]


async def test_of_two_tickets_named_an_unknown_one_is_said_so(database, dispatcher, domain) -> None:
    known = make_ticket(database, "a").number
    contact_of_every_hospital(database)
    said = f"{known} 跟 SR209901010001 都查一下"
    await ActionCheckTicket().run(dispatcher, make_tracker(said, "check_ticket", **VERIFIED_SMS), domain)
    assert known in texts(dispatcher) and "没有查到工单 SR209901010001" in texts(dispatcher)


async def test_a_follow_up_without_a_number_is_about_the_ticket_just_looked_up(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain, sender="someone")
    contact_of_every_hospital(database)
    lookup = {"kind": "tickets", "numbers": [number], "serials": []}
    tracker = make_tracker("工程师什么时候到", "check_ticket", slots={"last_lookup": lookup}, **VERIFIED_SMS)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    assert number in texts(dispatcher) and "没有查到" not in texts(dispatcher)


async def test_who_comes_to_a_ticket_just_looked_up_is_said_from_the_ticket(
    team: Engine, dispatcher, domain
) -> None:
    number = make_ticket(team, received_at=utc_now()).number
    contact_of_every_hospital(team)
    lookup = {"kind": "tickets", "numbers": [number], "serials": []}
    # Not assigned yet: what happens next and by when, no choices.
    tracker = make_tracker(
        "师傅的手机号码给我一个", "nlu_fallback", slots={"last_lookup": lookup}, **VERIFIED_SMS
    )
    await ActionFollowUp().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    assert number in said and "还在等待分派" in said and "短信" in said and "到现场" in said
    assert not dispatcher.messages[-1].get("buttons")
    # Assigned with a time: the engineer's name, phone and that time.
    with session_scope(team) as session:
        eta = utc_now() + timedelta(hours=2)
        lifecycle.assign(session, number, engineer_id(team, ZHOU), actor="cli", eta=eta, at=utc_now())
    dispatcher.messages.clear()
    tracker = make_tracker("派的是哪位师傅", "check_ticket", slots={"last_lookup": lookup}, **VERIFIED_SMS)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    assert ZHOU in said and "预计" in said and "等待分派" not in said
    # The status itself names who has the ticket now.
    dispatcher.messages.clear()
    tracker = make_tracker(f"{number} 到哪一步了", "check_ticket", **VERIFIED_SMS)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    assert ZHOU in texts(dispatcher)
    # Asked as a wish for a person: still who comes, no hand-off.
    dispatcher.messages.clear()
    tracker = make_tracker(
        "能让工程师直接给我打个电话吗", "request_human", slots={"last_lookup": lookup}, **VERIFIED_SMS
    )
    events = await ActionStartServiceRequest().run(dispatcher, tracker, domain)
    assert ZHOU in texts(dispatcher) and "400-800-6626" not in texts(dispatcher)
    assert slot_values(events)["request_kind"] is None  # no call-back is started


async def test_when_a_complaint_just_made_is_answered_comes_from_the_policy(
    database, dispatcher, domain
) -> None:
    number = make_complaint(database, hospital="郑州市嘉禾医院", description="报价太高，明细也不给").number
    contact_of_every_hospital(database)
    made = {"kind": "complaint", "number": number}
    tracker = make_tracker("这事几天能给个回复", "ask_question", slots={"last_request": made}, **VERIFIED_SMS)
    await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    hours = current_policy().value("deadlines.complaint_contact_hours")
    days = current_policy().value("deadlines.complaint_answer_working_days")
    assert number in said and f"{hours}小时内" in said and f"{days}个工作日内" in said
    # Read as a second complaint, it is still the question about the first.
    dispatcher.messages.clear()
    tracker = make_tracker("投诉几天能有结果", "complaint", slots={"last_request": made}, **VERIFIED_SMS)
    events = await ActionStartServiceRequest().run(dispatcher, tracker, domain)
    assert number in texts(dispatcher) and slot_values(events)["request_kind"] is None
    # A question of its own after the complaint is the knowledge base's.
    dispatcher.messages.clear()
    tracker = make_tracker("保修期多久", "ask_question", slots={"last_request": made}, **VERIFIED_SMS)
    await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert number not in texts(dispatcher)


async def test_an_overdue_ticket_is_apologised_for_and_escalated(team: Engine, dispatcher, domain) -> None:
    number = make_ticket(team, received_at=utc_now() - timedelta(hours=3)).number
    contact_of_every_hospital(team)
    await ActionCheckTicket().run(
        dispatcher, make_tracker(f"{number} 怎么还没人联系我", "check_ticket", **VERIFIED_SMS), domain
    )
    said = texts(dispatcher)
    assert "抱歉" in said and "超时" in said and "升级" in said
    assert "我们会在" not in said  # the past time is not promised again
    with session_scope(team) as session:
        assert session.execute(select(OutboxMessage).where(OutboxMessage.text.contains(number))).first()


async def test_the_ticket_just_registered_is_cancelled_and_tier_2_told(
    team: Engine, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    slots = {"last_ticket_number": number}
    await ActionChangeTicket().run(
        dispatcher, make_tracker("刚才的单子撤了吧 不用来人了", "cancel", slots=slots), domain
    )
    assert number in texts(dispatcher) and "已撤销" in texts(dispatcher)
    with session_scope(team) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.status == "cancelled"
        assert session.execute(select(OutboxMessage).where(OutboxMessage.text.contains("撤"))).first()


async def test_an_addition_is_noted_on_the_ticket(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    slots = {"last_ticket_number": number}
    await ActionFollowUp().run(dispatcher, make_tracker("补充一下 从东门进", "inform", slots=slots), domain)
    assert "已补充到工单" in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.status == "new" and any("东门" in (e.note or "") for e in ticket.events)


async def test_nobody_cancels_or_annotates_another_callers_ticket_by_its_number(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    dispatcher.messages.clear()
    for said, intent in (
        (f"{number} 撤销吧 不用来了", "cancel"),
        (f"补充一下 {number} 已经修好了", "inform"),
    ):
        await ActionChangeTicket().run(
            dispatcher, make_tracker(said, intent, sender_id="web:stranger"), domain
        )
    # The same words as for a number that does not exist (bot/identity.py).
    assert texts(dispatcher).count("没有找到工单") == 2 and "已撤销" not in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.status == "new" and not any("修好了" in (e.note or "") for e in ticket.events)


async def test_a_cancel_with_no_ticket_known_asks_which(database, dispatcher, domain) -> None:
    await ActionChangeTicket().run(dispatcher, make_tracker("我要取消工单", "cancel"), domain)
    assert "哪张工单" in texts(dispatcher)


async def test_a_call_back_keeps_its_window_and_extension(database, dispatcher, domain) -> None:
    asked = "下午三点以后让工程师给我回个电话"
    start = await ActionStartServiceRequest().run(dispatcher, make_tracker(asked, "request_callback"), domain)
    slots = slot_values(start)
    validated = ValidateContactForm().validate_contact_phone(
        "0379-64881234", dispatcher, make_tracker("0379-64881234 转 8021", "inform"), domain
    )
    assert validated == {"contact_phone": "0379-64881234 转8021"}
    slots.update(validated)
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker("0379-64881234 转 8021", "inform", slots=slots), domain
    )
    said = texts(dispatcher)
    assert "下午三点以后" in said and "8021" in said and "分钟内" not in said
    number = slot_values(events)["last_ticket_number"]
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert (
            ticket.response_due is not None
            and ticket.response_due > ticket.created_at + timedelta(minutes=30)
            or (
                ticket.response_due
                == ticket.created_at + timedelta(minutes=30)  # asked after three: from now on
            )
        )


async def test_a_person_asked_for_gets_the_hotline_at_once(database, dispatcher, domain) -> None:
    await ActionStartServiceRequest().run(dispatcher, make_tracker("我要跟真人说话", "request_human"), domain)
    assert "400-800-6626" in texts(dispatcher)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("不想留电话", "deny"), ("热线多少 我自己打", "request_human"), ("人工电话到底多少", "request_human")],
)
async def test_a_caller_who_will_not_leave_a_number_is_not_asked_again(
    database, dispatcher, domain, text: str, intent: str
) -> None:
    tracker = make_tracker(
        text,
        intent,
        slots={"request_kind": "callback", "intake_id": "x", "requested_slot": "contact_phone"},
        active_loop="contact_form",
    )
    events = await ValidateContactForm().run(dispatcher, tracker, domain)
    assert "400-800-6626" in texts(dispatcher)
    assert slot_values(events)["requested_slot"] is None and slot_values(events)["request_kind"] is None


async def test_a_call_back_phone_gives_up_after_two_bad_answers_as_the_serial_does(
    database, dispatcher, domain
) -> None:
    slots: dict[str, object] = {
        "request_kind": "callback",
        "intake_id": "x",
        "requested_slot": "contact_phone",
    }
    for answer in ("138123", "座机 0371 6550"):
        tracker = make_tracker(answer, "inform", slots=slots, active_loop="contact_form")
        slots.update(ValidateContactForm().validate_contact_phone(answer, dispatcher, tracker, domain))
    first, second = (m["text"] for m in dispatcher.messages)
    assert "不像有效的电话号码" in first  # asked again once
    assert "400-800-6626" in second and "不像有效" not in second  # then the hotline, not the question again
    assert slots["contact_phone"] is None and slots["request_kind"] is None  # nothing kept, nothing to submit
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker("", "inform", slots=slots), domain
    )
    assert events == []
    with session_scope(database) as session:
        assert session.execute(select(Ticket)).first() is None


@pytest.mark.parametrize(
    ("requested", "text", "taken"),
    [
        ("hospital", "不清楚", {}),  # no hospital: asked again, never put on the ticket
        (
            "hospital",
            "我们是郑州市第三人民医院检验科的",
            {"hospital": "郑州市第三人民医院", "department": "检验科"},  # the department said with it, kept
        ),
        ("contact_person", "我下午有空", {}),
        ("contact_person", "路明", {"contact_person": "路明"}),  # a surname that is also a place word
        (
            "contact_person",
            "张建国 13912345678",
            {"contact_person": "张建国", "contact_phone": "13912345678"},
        ),
    ],
)
async def test_the_contact_form_reads_a_reply_as_the_fault_form_does(
    dispatcher, domain, requested: str, text: str, taken: dict[str, str]
) -> None:
    tracker = make_tracker(
        text,
        "inform",
        slots={"request_kind": "maintenance", "intake_id": "x", "requested_slot": requested},
        active_loop="contact_form",
    )
    events = await ValidateContactForm().get_extraction_events(dispatcher, tracker, domain)
    assert slot_values(events) == taken


async def test_a_booking_said_whole_keeps_every_detail(database, dispatcher, domain) -> None:
    said = (
        "舟山市定海区海山医院检验科 预约一次血球仪HX-H30的半年保养 序列号HX23110428 下个月中旬 "
        "联系人俞海燕 电话13967201577 地址舟山市定海区人民路12号"
    )
    events = await ActionStartServiceRequest().run(
        dispatcher, make_tracker(said, "request_maintenance"), domain
    )
    assert {
        "hospital": "舟山市定海区海山医院",
        "department": "检验科",
        "contact_person": "俞海燕",
        "contact_phone": "13967201577",
        "serial_number": "HX23110428",
        "site_address": "舟山市定海区人民路12号",
    }.items() <= slot_values(events).items()


async def test_a_bookings_serial_and_address_said_with_its_contact_are_kept(dispatcher, domain) -> None:
    said = (
        "邯郸市丛台惠仁医院检验科 联系人霍亚楠 电话15800058392 血球仪HX-H30旁边那台的序列号MS26090178 "
        "地址邯郸市丛台区中华北大街210号"
    )
    slots = {"request_kind": "training", "intake_id": "x", "requested_slot": "hospital"}
    slots["device"] = "化学发光免疫分析仪 MS-600"  # the device the training is for, said with the request
    tracker = make_tracker(said, "inform", slots=slots, active_loop="contact_form")
    events = await ValidateContactForm().run(dispatcher, tracker, domain)
    kept = slot_values(events)
    assert kept["serial_number"] == "MS26090178" and kept["site_address"] == "邯郸市丛台区中华北大街210号"
    assert "device" not in kept  # what the form does not ask for fills an empty slot only
    assert kept["requested_slot"] is None


async def test_a_question_after_a_booking_books_nothing(database, dispatcher, domain) -> None:
    booked = {"kind": "training", "number": "SR202612060028"}
    events = await ActionStartServiceRequest().run(
        dispatcher,
        make_tracker("新来的人后续培训也免费吗？", "request_training", slots={"last_request": booked}),
        domain,
    )
    assert {"request_kind": None, "intake_id": None}.items() <= slot_values(events).items()
    assert "培训申请已登记" not in texts(dispatcher)
    dispatcher.messages.clear()
    await ActionStartServiceRequest().run(
        dispatcher,
        make_tracker("就是培训那个 帮我约一下", "request_training", slots={"last_request": booked}),
        domain,
    )
    assert "SR202612060028" in texts(dispatcher) and "不会重复" in texts(dispatcher)


async def test_a_question_about_a_booking_with_no_answer_goes_on_that_booking(
    database, dispatcher, domain
) -> None:
    slots = {"request_kind": "training", "intake_id": "booking-1", "request_text": "想约个尿机的操作培训"}
    slots |= {"hospital": "荆门市东宝区象山医院", "contact_person": "易晓婷", "contact_phone": "15997241360"}
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker("对", "affirm", slots=slots), domain
    )
    booked = slot_values(events)["last_request"]
    dispatcher.messages.clear()
    question = "培训完了会发合格证书不"
    events = await ActionStartServiceRequest().run(
        dispatcher, make_tracker(question, "request_training", slots={"last_request": booked}), domain
    )
    # Nothing booked twice; the caller hears the question is on the booking, and whoever confirms sees it.
    assert slot_values(events)["request_kind"] is None
    assert question in texts(dispatcher) and booked["number"] in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert any(question in (event.note or "") for event in ticket.events)


async def test_a_complaint_is_apologised_for_first_and_keeps_the_ticket_it_names(
    database, dispatcher, domain
) -> None:
    text = "SR202612060019 到现在没人来，我要投诉！"
    events = await ActionStartServiceRequest().run(dispatcher, make_tracker(text, "complaint"), domain)
    assert "抱歉" in texts(dispatcher) and "SR202612060019" in texts(dispatcher)
    assert slot_values(events)["request_text"] == text


async def test_the_one_registered_device_is_offered_instead_of_the_nameplate(
    database, dispatcher, domain
) -> None:
    slots = {"hospital": "栾川县人民医院", "device": "原子吸收光谱仪", "fault_description": "点不着火"}
    asked = make_tracker("栾川县人民医院的原子吸收", "report_fault", slots=slots)
    # An unverified caller is not offered the registry's device (its department, model and serial): the
    # plain question (bot/identity.py).
    events = await ActionAskSerialNumber().run(dispatcher, asked, domain)
    assert dispatcher.messages[0]["response"] == "utter_ask_fault_form_serial_number" and events == []
    dispatcher.messages.clear()
    contact_of_every_hospital(database)
    asked = make_tracker("栾川县人民医院的原子吸收", "report_fault", slots=slots, **VERIFIED_SMS)
    events = await ActionAskSerialNumber().run(dispatcher, asked, domain)
    assert "GF23070519" in texts(dispatcher) and slot_values(events) == {"offered_serial": "GF23070519"}
    dispatcher.messages.clear()
    # Offered once: after a 「不是」 the question is the plain one.
    slots["offered_serial"] = "GF23070519"
    await ActionAskSerialNumber().run(
        dispatcher, make_tracker("不是", "deny", slots=slots, **VERIFIED_SMS), domain
    )
    assert dispatcher.messages[0]["response"] == "utter_ask_fault_form_serial_number"
    dispatcher.messages.clear()
    two = {"hospital": "郑州市嘉禾医院", "device": "生化分析仪", "fault_description": "温度报警"}
    await ActionAskSerialNumber().run(
        dispatcher, make_tracker("嘉禾医院的生化仪", "report_fault", slots=two, **VERIFIED_SMS), domain
    )
    assert dispatcher.messages[0]["response"] == "utter_ask_fault_form_serial_number"  # two of them: ask


async def test_a_serial_not_found_hears_the_offered_device_again_then_may_leave_it_empty(
    database, dispatcher, domain
) -> None:
    contact_of_every_hospital(database)
    slots = {
        "hospital": "新乡市仁济医院",
        "device": "生化分析机",
        "offered_serial": "HX22090815",
        "requested_slot": "serial_number",
    }
    lost = make_tracker("铭牌早没了 看不到", "inform", slots=slots, **VERIFIED_SMS)
    events = offer_again(dispatcher, lost)
    assert events is not None and "HX22090815" in texts(dispatcher) and "HX-680" in texts(dispatcher)
    slots |= slot_values(events)
    dispatcher.messages.clear()
    # The device said again; the serial question is not asked a second time in the same turn.
    asked = await ActionAskSerialNumber().run(dispatcher, make_tracker("", "inform", slots=slots), domain)
    assert dispatcher.messages == [] and slot_values(asked) == {"intake_paused": False}
    slots["intake_paused"] = False
    assert offer_again(dispatcher, make_tracker("还是找不到", "inform", slots=slots, **VERIFIED_SMS)) is None
    events = await ActionAcknowledge().run(
        dispatcher, make_tracker("不是这台", "deny", slots=slots, active_loop="fault_form"), domain
    )
    assert "序列号先空着" in texts(dispatcher) and slot_values(events)["serial_number"] == "未提供"


async def test_a_second_caller_on_a_device_with_an_open_ticket_is_noted_on_it(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    text = "我是同事任杰 13598203347 KR23060142这台还是报温度 报修"
    await ActionFollowUp().run(dispatcher, make_tracker(text, "inform", sender_id="colleague"), domain)
    # An unverified colleague is told there is an open ticket, not its number (bot/identity.py).
    assert number not in texts(dispatcher) and "已有处理中的工单" in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        notes = [e.note for e in ticket.events if e.note and "再次报修" in e.note]
    assert len(notes) == 1 and "13598203347" in notes[0] and "还是报温度" in notes[0]


async def test_a_registered_serial_in_a_booking_fills_who_and_where(database, dispatcher, domain) -> None:
    asked = "GF23070519 这台想约下周三上午做保养"
    unverified = await ActionStartServiceRequest().run(
        dispatcher, make_tracker(asked, "request_maintenance"), domain
    )
    # Only a verified contact of the device's hospital hears where a serial is installed (bot/identity.py).
    assert "栾川" not in texts(dispatcher) and "hospital" not in slot_values(unverified)
    dispatcher.messages.clear()
    contact_of_every_hospital(database)
    events = await ActionStartServiceRequest().run(
        dispatcher, make_tracker(asked, "request_maintenance", **VERIFIED_SMS), domain
    )
    assert "栾川县人民医院" in texts(dispatcher)
    assert (
        slot_values(events)["hospital"] == "栾川县人民医院" and slot_values(events)["department"] == "检验科"
    )
    # Where the engineer goes for it comes from the registry too, never asked.
    assert slot_values(events)["site_address"] == "洛阳市栾川县城关镇健康路3号"


async def test_a_booking_right_after_a_warranty_look_up_is_for_that_device(
    database, dispatcher, domain
) -> None:
    contact_of_every_hospital(database)
    lookup = {"kind": "warranty", "numbers": [], "serials": ["MS25080632", "GF23070519"]}
    tracker = make_tracker(
        "保修还没到期，趁着先约个保养吧", "request_maintenance", slots={"last_lookup": lookup}, **VERIFIED_SMS
    )
    events = await ActionStartServiceRequest().run(dispatcher, tracker, domain)
    assert "GF23070519" in texts(dispatcher)  # the device spoken of last
    assert slot_values(events)["serial_number"] == "GF23070519"
    assert slot_values(events)["hospital"] == "栾川县人民医院"


async def test_a_wish_to_rate_without_a_ticket_asks_which(database, dispatcher, domain) -> None:
    await ActionRateService().run(
        dispatcher, make_tracker("我想给上回的维修服务打个分", "rate_service"), domain
    )
    assert "工单号" in texts(dispatcher)


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        (
            "毕节市七星关医院重症监护室 座机0857-8236514转306 找严丽",
            {"hospital": "毕节市七星关医院", "contact_person": "严丽", "contact_phone": "0857-8236514 转306"},
        ),
        (
            "江门市蓬江区五邑仁心医院急诊化验室 谭伟明 手机13680427519",
            {
                "hospital": "江门市蓬江区五邑仁心医院",
                "contact_person": "谭伟明",
                "contact_phone": "13680427519",
            },
        ),
    ],
)
async def test_who_and_where_said_with_a_call_backs_number_are_kept(
    database, dispatcher, domain, said: str, kept: dict[str, str]
) -> None:
    # The whole form step as the action server runs it: a call-back asks only for the number, and keeps
    # the rest said with it.
    slots = {"request_kind": "callback", "intake_id": "x", "requested_slot": "contact_phone"}
    tracker = make_tracker(said, "inform", slots=slots, active_loop="contact_form")
    events = await ValidateContactForm().run(dispatcher, tracker, domain)
    assert kept.items() <= slot_values(events).items()
    assert slot_values(events)["requested_slot"] is None  # nothing more to ask


async def test_a_hospital_said_with_the_call_back_request_is_not_asked_again(
    database, dispatcher, domain
) -> None:
    asked = "我是台州市椒江区海门医院输血科的 下午三点以后回个电话 问问血型卡怎么保存"
    events = await ActionStartServiceRequest().run(
        dispatcher, make_tracker(asked, "request_callback"), domain
    )
    slots = slot_values(events)
    assert slots["hospital"] == "台州市椒江区海门医院"
    tracker = make_tracker(
        "13758621940",
        "inform",
        slots={**slots, "requested_slot": "contact_phone"},
        active_loop="contact_form",
    )
    events = await ValidateContactForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["contact_phone"] == "13758621940"
    submitted = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker("13758621940", "inform", slots={**slots, **slot_values(events)}), domain
    )
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert (ticket.kind, ticket.hospital) == ("callback", "台州市椒江区海门医院")
    assert slot_values(submitted)["last_request"]["kind"] == "callback"


def _after(action: str) -> list[dict[str, object]]:
    """The events of a conversation whose bot last ran `action` before the caller's message."""
    return [{"event": "action", "name": action}, {"event": "action", "name": "action_listen"}]


async def _call_back(dispatcher, domain, asked: str, phone_message: str) -> tuple[str, dict[str, object]]:
    """A call-back asked for with `asked`, its number given in `phone_message` (the form step as the action
    server runs it), submitted: its number and the slots after it."""
    start = await ActionStartServiceRequest().run(dispatcher, make_tracker(asked, "request_callback"), domain)
    slots = {**slot_values(start), "requested_slot": "contact_phone"}
    form = await ValidateContactForm().run(
        dispatcher, make_tracker(phone_message, "inform", slots=slots, active_loop="contact_form"), domain
    )
    slots.update(slot_values(form))
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker(phone_message, "inform", slots=slots), domain
    )
    slots.update(slot_values(events))
    return str(slots["last_ticket_number"]), slots


async def test_a_window_said_with_the_number_schedules_the_call_back(database, dispatcher, domain) -> None:
    number, slots = await _call_back(
        dispatcher,
        domain,
        "麻烦让懂尿机的工程师回个电话 问问质控的事",
        "后天上午九点到十一点之间打 其余时间我在门诊 手机一三九 零五七一 四八二六",
    )
    said = texts(dispatcher)
    assert "九点到十一点" in said and "分钟内" not in said
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.contact_phone == "13905714826" and "九点到十一点" in (ticket.description or "")
        assert ticket.response_due is not None and ticket.response_due >= ticket.created_at + timedelta(
            days=1
        )


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("嗯 就是晚上七点以后 我叫贺兰芳", "nlu_fallback"),
        ("对对 七点以后打就行 联系人贺兰芳", "request_callback"),
    ],
)
async def test_words_right_after_a_call_back_go_on_it(
    database, dispatcher, domain, said: str, intent: str
) -> None:
    number, slots = await _call_back(
        dispatcher, domain, "晚上七点以后让工程师给我回电话", "0871-65123987 转 216"
    )
    dispatcher.messages.clear()
    tracker = make_tracker(said, intent, slots=slots, events=_after("action_submit_service_request"))
    if intent == "request_callback":
        await ActionStartServiceRequest().run(dispatcher, tracker, domain)
    else:
        await ActionFollowUp().run(dispatcher, tracker, domain)
    reply = texts(dispatcher)
    assert "七点以后" in reply and "贺兰芳" in reply and number in reply
    assert "分钟内" not in reply and "您是想" not in reply and "已经登记过了" not in reply
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.contact_person == "贺兰芳" and ticket.contact_phone == "0871-65123987 转216"


async def test_a_yes_right_after_a_call_back_hears_its_window_again(database, dispatcher, domain) -> None:
    number, slots = await _call_back(dispatcher, domain, "下午三点到五点之间给我回个电话", "13688241057")
    dispatcher.messages.clear()
    tracker = make_tracker(
        "是的 就这个点", "affirm", slots=slots, events=_after("action_submit_service_request")
    )
    await ActionAcknowledge().run(dispatcher, tracker, domain)
    assert "三点到五点" in texts(dispatcher) and "已经登记过了" not in texts(dispatcher)


async def test_a_new_time_right_after_a_call_back_moves_it(database, dispatcher, domain) -> None:
    number, slots = await _call_back(dispatcher, domain, "下午三点以后回个电话", "13688241057")
    dispatcher.messages.clear()
    tracker = make_tracker(
        "算了 改到明天上午吧", "nlu_fallback", slots=slots, events=_after("action_submit_service_request")
    )
    await ActionFollowUp().run(dispatcher, tracker, domain)
    assert "明天上午" in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert any("明天上午" in (e.note or "") for e in ticket.events)
        assert ticket.response_due is not None and ticket.response_due > ticket.created_at + timedelta(
            hours=3
        )


async def test_an_unclear_message_that_continues_nothing_gets_the_choices(
    database, dispatcher, domain
) -> None:
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker("那个东西怎么弄来着", "nlu_fallback", events=_after("action_check_ticket")),
        domain,
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "action_two_stage_fallback"}]


async def test_a_further_line_right_after_an_addition_goes_on_the_same_ticket(
    team: Engine, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    added = await ActionChangeTicket().run(
        dispatcher, make_tracker(f"{number} 补充一下 报警代码是E-031", "inform"), domain
    )
    slots = slot_values(added)
    assert slots["changed_ticket"] == number
    dispatcher.messages.clear()
    further = "另外 来之前先联系设备科 幺三八 零八七一 五五二六 找卢建平"
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker(further, "nlu_fallback", slots=slots, events=_after("action_check_ticket")),
        domain,
    )
    assert "已补充到工单" in texts(dispatcher) and "13808715526" in texts(dispatcher)
    assert slot_values(events)["changed_ticket"] == number
    with session_scope(team) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert any("卢建平" in (e.note or "") and "13808715526" in (e.note or "") for e in ticket.events)
        assert session.execute(select(OutboxMessage).where(OutboxMessage.text.contains("来之前"))).first()


async def test_thanks_right_after_an_addition_add_nothing(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    slots = {"changed_ticket": number}
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker("好的 辛苦了", "nlu_fallback", slots=slots, events=_after("action_change_ticket")),
        domain,
    )
    assert "已补充" not in texts(dispatcher) and events and events[0]["event"] == "followup"


@pytest.mark.parametrize(
    ("said", "intent", "label"),
    [
        ("我们生化室想约一次KR-2000的季度维护", "request_maintenance", "保养预约"),
        ("科里新来了几个进修的 想请工程师来讲讲尿机怎么用", "request_training", "培训申请"),
    ],
)
async def test_the_first_reply_of_a_booking_names_it(
    database, dispatcher, domain, said: str, intent: str, label: str
) -> None:
    await ActionStartServiceRequest().run(dispatcher, make_tracker(said, intent), domain)
    assert label in texts(dispatcher)


async def test_when_a_training_suits_is_kept_with_it(database, dispatcher, domain) -> None:
    slots = {
        "request_kind": "training",
        "intake_id": "x",
        "requested_slot": "hospital",
        "request_text": "想约个培训",
    }
    said = "宜昌市西陵区峡江医院检验科 联系人朱丽 电话13972011846 下周四周五下午都行 大约十来个人"
    events = await ValidateContactForm().run(
        dispatcher, make_tracker(said, "inform", slots=slots, active_loop="contact_form"), domain
    )
    assert slot_values(events)["request_text"] == "想约个培训；下周四周五下午都行"


async def test_the_same_time_said_again_is_no_new_time(database, dispatcher, domain) -> None:
    number, slots = await _call_back(dispatcher, domain, "明天下午四点以后给我回电话", "13688241057")
    dispatcher.messages.clear()
    tracker = make_tracker(
        "是的 明天四点以后 联系人叫阿依古丽",
        "nlu_fallback",
        slots=slots,
        events=_after("action_submit_service_request"),
    )
    await ActionFollowUp().run(dispatcher, tracker, domain)
    assert "阿依古丽" in texts(dispatcher) and "改成" not in texts(dispatcher)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert not any("回电时间" in (e.note or "") for e in ticket.events)


async def test_details_and_a_yes_right_after_a_booking_go_on_it_and_book_nothing_twice(
    database, dispatcher, domain
) -> None:
    slots = {
        "request_kind": "maintenance",
        "intake_id": "booking-2",
        "request_text": "想约个血凝仪保养 周五下午都行",
    }
    slots |= {"hospital": "孝感市云梦县楚王医院", "contact_person": "祁红梅", "contact_phone": "13972680415"}
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker("13972680415", "inform", slots=slots), domain
    )
    booked = slot_values(events)["last_request"]
    just_booked = [{"event": "action", "name": "action_submit_service_request"}]
    dispatcher.messages.clear()
    await ActionFollowUp().run(
        dispatcher,
        make_tracker(
            "地址是云梦县城关镇梦泽大道12号 在住院楼二楼",
            "inform",
            slots={"last_request": booked},
            events=just_booked,
        ),
        domain,
    )
    assert booked["number"] in texts(dispatcher) and "梦泽大道12号" in texts(dispatcher)
    dispatcher.messages.clear()
    after_follow_up = [{"event": "action", "name": "action_follow_up"}]
    await ActionAcknowledge().run(
        dispatcher,
        make_tracker("嗯 那就这么定了", "affirm", slots={"last_request": booked}, events=after_follow_up),
        domain,
    )
    said = texts(dispatcher)
    assert booked["number"] in said and "周五下午" in said and "不会重复" in said
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket)).scalar_one()  # one booking, never two
        assert "梦泽大道12号" in (ticket.site_address or "")


async def _request_made(dispatcher, domain, kind: str, words: str, phone: str) -> dict[str, object]:
    """A request of `kind` asked for in `words` by a caller at `phone`, submitted: its last_request slot."""
    slots = {"request_kind": kind, "intake_id": f"{kind}-{words}", "request_text": words}
    slots |= {"hospital": "咸宁市温泉医院", "contact_person": "晏春燕", "contact_phone": phone}
    events = await ActionSubmitServiceRequest().run(
        dispatcher, make_tracker(phone, "inform", slots=slots), domain
    )
    dispatcher.messages.clear()
    return dict(slot_values(events)["last_request"])


@pytest.mark.parametrize("yes", ["没其他的了 那就这么约吧", "行 按这个来 辛苦了"])
async def test_a_yes_with_a_goodbye_right_after_a_booking_hears_it_again(
    database, dispatcher, domain, yes: str
) -> None:
    booked = await _request_made(
        dispatcher, domain, "training", "想给新来的两个技师约个发光仪的操作培训 下礼拜三下午", "15971520386"
    )
    just_booked = [{"event": "action", "name": "action_submit_service_request"}]
    await ActionAcknowledge().run(
        dispatcher, make_tracker(yes, "affirm", slots={"last_request": booked}, events=just_booked), domain
    )
    said = texts(dispatcher)
    assert booked["number"] in said and "下礼拜三下午" in said and "不会重复" in said
    with session_scope(database) as session:
        assert len(session.execute(select(Ticket)).scalars().all()) == 1  # booked once


async def test_a_yes_to_the_booking_after_a_question_about_it_hears_it_again(
    database, dispatcher, domain
) -> None:
    booked = await _request_made(
        dispatcher, domain, "maintenance", "想约个尿机保养 下周二上午", "13607193052"
    )
    answered = {"last_request": booked, "faq_question_id": 1}
    await ActionAcknowledge().run(
        dispatcher,
        make_tracker("好 那就这么约吧", "affirm", slots=answered, events=_after("action_answer_question")),
        domain,
    )
    assert booked["number"] in texts(dispatcher) and "下周二上午" in texts(dispatcher)
    dispatcher.messages.clear()
    await ActionAcknowledge().run(
        dispatcher,
        make_tracker("对", "affirm", slots=answered, events=_after("action_answer_question")),
        domain,
    )
    assert booked["number"] not in texts(dispatcher)  # a yes to 「这个回答有帮助吗」, the answer's feedback


async def test_a_complaint_urged_right_after_it_was_made_hears_its_promise_again(
    database, dispatcher, domain
) -> None:
    made = await _request_made(
        dispatcher, domain, "complaint", "投诉 工程师来了没带配件就走了", "18955731604"
    )
    await ActionStartServiceRequest().run(
        dispatcher,
        make_tracker(
            "行吧 你们尽快给我们一个交代",
            "complaint",
            slots={"last_request": made},
            events=_after("utter_goodbye"),
        ),
        domain,
    )
    said = texts(dispatcher)
    assert made["number"] in said and "不会重复" in said and "主管" in said and "工作日" in said


async def test_the_number_asked_right_after_a_ticket_is_that_tickets(database, dispatcher, domain) -> None:
    earlier = make_ticket(database, "earlier", sender_id="another-conversation").number  # the same phone's
    number = await submit_fault(dispatcher, domain)
    tracker = make_tracker(
        "好了吧 工单号给我一下",
        "check_ticket",
        slots={"last_ticket_number": number, "contact_phone": "13912345678"},
        events=_after("action_submit_ticket"),
    )
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    assert number in said and earlier not in said  # not the caller's other tickets


async def test_a_yes_long_after_a_booking_is_only_acknowledged(database, dispatcher, domain) -> None:
    booked = {"kind": "training", "number": "SR202612060028"}
    looked_up = [{"event": "action", "name": "action_check_ticket"}]
    await ActionAcknowledge().run(
        dispatcher, make_tracker("对", "affirm", slots={"last_request": booked}, events=looked_up), domain
    )
    assert "SR202612060028" not in texts(dispatcher)


async def test_urging_the_ticket_just_registered_is_recorded_and_tier_2_told(
    team: Engine, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    dispatcher.messages.clear()
    tracker = make_tracker("麻烦给催一催 样本都堆着", "check_ticket", slots={"last_ticket_number": number})
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    assert number in texts(dispatcher) and "催办" in texts(dispatcher)
    with session_scope(team) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert any("样本都堆着" in (e.note or "") for e in ticket.events)
        assert session.execute(select(OutboxMessage).where(OutboxMessage.text.contains("催办"))).first()


async def test_urging_past_the_promised_time_apologises_and_never_promises_it_again(
    team: Engine, dispatcher, domain
) -> None:
    number = make_ticket(team, received_at=utc_now() - timedelta(hours=3)).number
    contact_of_every_hospital(team)
    lookup = {"kind": "tickets", "numbers": [number]}
    tracker = make_tracker(
        "能不能快点 等一上午了", "check_ticket", slots={"last_lookup": lookup}, **VERIFIED_SMS
    )
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    assert "催办" in said and "超时" in said and "升级" in said and "我们会在" not in said


async def test_a_question_right_after_a_warranty_look_up_is_about_that_device(
    database, dispatcher, domain
) -> None:
    contact_of_every_hospital(database)
    tracker = make_tracker("AA21110387 还保修吗", "check_warranty", **VERIFIED_SMS)
    events = await ActionCheckWarranty().run(dispatcher, tracker, domain)
    assert "已过保" in texts(dispatcher)  # said plainly, besides the date
    dispatcher.messages.clear()
    await ActionCheckWarranty().run(
        dispatcher, make_tracker("GF23070519 保到哪天", "check_warranty", **VERIFIED_SMS), domain
    )
    assert "含延保" in texts(dispatcher)  # its warranty runs past the policy's free years
    dispatcher.messages.clear()
    lookup = slot_values(events)["last_lookup"]
    tracker = make_tracker("上门要收费吗", "ask_question", slots={"last_lookup": lookup}, **VERIFIED_SMS)
    await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert "AA21110387" in texts(dispatcher) and "上门费" in texts(dispatcher)


async def test_the_warranty_right_after_a_ticket_look_up_is_of_its_device(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain, sender="someone")  # the registry's KR23060142
    contact_of_every_hospital(database)
    dispatcher.messages.clear()
    lookup = {"kind": "tickets", "numbers": [number], "serials": []}
    tracker = make_tracker(
        "那这台机器还在保不", "check_warranty", slots={"last_lookup": lookup}, **VERIFIED_SMS
    )
    events = await ActionCheckWarranty().run(dispatcher, tracker, domain)
    assert "KR23060142" in texts(dispatcher) and "保修" in texts(dispatcher)
    assert not [event for event in events if event.get("event") == "followup"]  # no serial asked
