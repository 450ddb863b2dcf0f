"""Look-ups, service requests, ratings and the stray-yes guard, run as the action server runs them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.conversation import ActionAcknowledge, ActionDefaultAskAffirmation
from actions.intake import ActionSubmitTicket
from actions.lookup import ActionCheckTicket, ActionCheckWarranty, ValidateWarrantyForm
from actions.requests import ActionFollowUp
from actions.service import ActionRateService, ActionStartServiceRequest, ActionSubmitServiceRequest
from bot.db import session_scope
from bot.db.models import Rating, Ticket
from bot.ops import lifecycle
from tests.factories import FILLED
from tests.support import add_contact, make_tracker, slot_values, submit_fault, texts

pytestmark = pytest.mark.anyio


# An SMS caller whose number the directory holds for 郑州市嘉禾医院 (FILLED's hospital): verified for it.
CONTACT = {"channel": "twilio_sms", "sender_id": "+8613900000001", "metadata": {"phone": "+8613900000001"}}


async def test_status_by_ticket_number(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    await ActionCheckTicket().run(
        dispatcher, make_tracker(f"{number.lower()} 到哪一步了", "check_ticket"), domain
    )
    assert number in texts(dispatcher) and "等待分派工程师" in texts(dispatcher)  # their own ticket
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    dispatcher.messages.clear()
    await ActionCheckTicket().run(
        dispatcher, make_tracker(f"{number.lower()} 到哪一步了", "check_ticket", **CONTACT), domain
    )
    assert number in texts(dispatcher) and "等待分派工程师" in texts(dispatcher)  # a contact of that hospital


@pytest.mark.parametrize(
    "caller",
    [
        {"sender_id": "someone-else"},
        {"channel": "wechat", "sender_id": "oSTRANGER"},
        {"channel": "twilio_sms", "sender_id": "+8613700000009", "metadata": {"phone": "+8613700000009"}},
    ],
    ids=["web", "wechat", "sms-other-hospital"],
)
async def test_anyone_else_learns_nothing_from_a_ticket_number_and_failures_are_limited(
    database, dispatcher, domain, caller
) -> None:
    number = await submit_fault(dispatcher, domain)
    add_contact(database, "13700000009", "洛阳市明德医院")
    answers, failures = [], {}
    for asked in (number, "SR209901010001"):
        dispatcher.messages.clear()
        events = await ActionCheckTicket().run(
            dispatcher,
            make_tracker(f"{asked}到哪一步了", "check_ticket", slots={"failed_attempts": failures}, **caller),
            domain,
        )
        failures = slot_values(events)["failed_attempts"]
        answers.append(texts(dispatcher).replace(asked, "<number>"))
    assert answers[0] == answers[1]  # an existing number and a made-up one: the same answer
    assert "等待分派" not in answers[0] and "嘉禾" not in answers[0]
    dispatcher.messages.clear()
    await ActionCheckTicket().run(
        dispatcher,
        make_tracker(f"{number}呢", "check_ticket", slots={"failed_attempts": {"lookup": 3}}, **caller),
        domain,
    )
    assert "暂停查询" in texts(dispatcher) and number not in texts(dispatcher)


async def test_status_without_a_number_finds_the_callers_tickets(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    await ActionCheckTicket().run(dispatcher, make_tracker("我上午报的修呢", "check_ticket"), domain)
    assert number in texts(dispatcher)
    dispatcher.messages.clear()
    await ActionCheckTicket().run(
        dispatcher, make_tracker("我上午报的修呢", "check_ticket", sender_id="new"), domain
    )
    assert number not in texts(dispatcher) and "验证" in texts(dispatcher)
    dispatcher.messages.clear()
    # A phone typed into the message is not proof: 13912345678 is FILLED's contact phone.
    await ActionCheckTicket().run(
        dispatcher, make_tracker("查一下13912345678的工单", "check_ticket", sender_id="new"), domain
    )
    assert number not in texts(dispatcher)


async def test_a_contact_who_lost_the_number_finds_the_ticket_by_serial_or_hospital(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)  # FILLED: 郑州市嘉禾医院, another conversation and phone
    ask = "单号忘了，昨天下午报的修，现在到哪一步了"
    await ActionCheckTicket().run(
        dispatcher, make_tracker(ask, "check_ticket", sender_id="colleague"), domain
    )
    assert number not in texts(dispatcher) and "验证" in texts(dispatcher)  # unverified: how to see them
    dispatcher.messages.clear()
    await ActionCheckTicket().run(dispatcher, make_tracker(ask, "check_ticket", **CONTACT), domain)
    assert number not in texts(dispatcher) and "序列号" in texts(
        dispatcher
    )  # verified, not for this hospital
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    for message in (ask, f"序列号{FILLED['serial_number']}那台修得怎么样了"):
        dispatcher.messages.clear()
        await ActionCheckTicket().run(dispatcher, make_tracker(message, "check_ticket", **CONTACT), domain)
        assert number in texts(dispatcher) and "等待分派工程师" in texts(dispatcher)


async def test_unknown_ticket_number(database, dispatcher, domain) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    await ActionCheckTicket().run(
        dispatcher, make_tracker("SR209901010001呢", "check_ticket", **CONTACT), domain
    )
    assert "没有查到工单 SR209901010001" in texts(dispatcher)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("KR23060142", "在免费保修期内"),
        ("ZZ00000001", "没有查到"),
    ],
)
async def test_warranty_from_the_installed_base(database, dispatcher, domain, serial, expected) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    events = await ActionCheckWarranty().run(
        dispatcher, make_tracker(f"{serial}还在保修吗", "check_warranty", **CONTACT), domain
    )
    assert expected in texts(dispatcher)
    # The serial looked up is what a follow-up such as 「那KR22110037呢」 is compared with.
    assert slot_values(events)["serial_number"] is None
    assert slot_values(events)["last_lookup"] == {"kind": "warranty", "numbers": [], "serials": [serial]}


@pytest.mark.parametrize(
    ("caller", "registry_says"),
    [
        (CONTACT, "在设备档案里没有查到"),
        ({}, "的设备档案要验证身份后才能查"),
    ],  # unverified: nothing of the registry
)
async def test_a_warranty_question_in_the_middle_of_a_report_keeps_the_serial_and_goes_by_the_age_told(
    database, dispatcher, domain, caller, registry_says
) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    tracker = make_tracker(
        "我们这台买了四年了还保修吗",
        "check_warranty",
        active_loop="fault_form",
        slots={"requested_slot": "department", "serial_number": "UA99990502", "hospital": "淮阳区人民医院"},
        **caller,
    )
    events = await ActionCheckWarranty().run(dispatcher, tracker, domain)
    said = texts(dispatcher)
    assert said.startswith(f"序列号 UA99990502 {registry_says}") and "已经过了免费保修期" in said
    # The report's serial stays, and the form goes on: no warranty form asking for a serial again.
    assert "serial_number" not in slot_values(events)
    assert not [event for event in events if event.get("event") == "followup"]


async def test_warranty_of_another_hospitals_device_is_not_told(database, dispatcher, domain) -> None:
    add_contact(database, "13900000001", "郑州市嘉禾医院")
    said = []
    for serial, caller in (("AA21110387", CONTACT), ("KR23060142", {}), ("ZZ00000001", {})):
        dispatcher.messages.clear()
        await ActionCheckWarranty().run(
            dispatcher, make_tracker(f"{serial}还在保修吗", "check_warranty", **caller), domain
        )
        said.append(texts(dispatcher).replace(serial, "<serial>"))
    assert "明德" not in said[0] and "2023年11月19日" not in said[0] and "没有查到" in said[0]
    assert said[1] == said[2] and "嘉禾" not in said[1] and "保修到" not in said[1]  # unverified: nothing


async def test_warranty_without_a_serial_asks_for_it(database, dispatcher, domain) -> None:
    events = await ActionCheckWarranty().run(
        dispatcher, make_tracker("我们这台过保了没", "check_warranty"), domain
    )
    assert events == [{"event": "followup", "name": "warranty_form", "timestamp": None}]
    tracker = make_tracker(
        "KR 2306 0142", "inform", active_loop="warranty_form", slots={"requested_slot": "serial_number"}
    )
    assert (
        slot_values(await ValidateWarrantyForm().run(dispatcher, tracker, domain))["serial_number"]
        == "KR23060142"
    )


@pytest.mark.parametrize(
    ("intent", "text", "kind", "promise"),
    [
        ("complaint", "工程师说好三点到，现在还没来", "complaint", "12小时内"),
        ("request_human", "转人工", "callback", "30分钟内"),
        ("request_maintenance", "该做半年保养了", "maintenance", "免费保养"),
        ("request_training", "新同事不会操作，能来培训吗", "training", "免费高级培训"),
    ],
)
async def test_service_request_is_recorded_with_its_promise(
    database, dispatcher, domain, intent, text, kind, promise
) -> None:
    start = await ActionStartServiceRequest().run(dispatcher, make_tracker(text, intent), domain)
    slots = {
        **slot_values(start),
        "hospital": "郑州市嘉禾医院",
        "contact_person": "王敏",
        "contact_phone": "13912345678",
    }
    for _ in range(2):  # submitted twice (a retry): one record
        events = await ActionSubmitServiceRequest().run(
            dispatcher, make_tracker("13912345678", "inform", slots=slots), domain
        )
    said = texts(dispatcher)
    assert slot_values(events)["last_ticket_number"] in said and promise in said
    with session_scope(database) as session:
        tickets = session.execute(select(Ticket)).scalars().all()
        assert [(t.kind, t.description) for t in tickets] == [(kind, text)]
        assert tickets[0].transcript[-1]["text"] == "13912345678"


@pytest.mark.parametrize("intent", ["request_human", "request_callback"])
async def test_phone_channel_caller_is_not_asked_for_a_phone(database, dispatcher, domain, intent) -> None:
    tracker = make_tracker("转人工", intent, sender_id="CA0123", channel="twilio_voice")
    tracker.latest_message["metadata"] = {"phone": "+8613912345678"}
    assert (
        slot_values(await ActionStartServiceRequest().run(dispatcher, tracker, domain))["contact_phone"]
        == "13912345678"
    )


def resolve_remotely(database, number: str) -> None:
    with session_scope(database) as session:
        lifecycle.resolve(
            session, number, actor="cli", cause="设置", actions="远程指导", parts=[], remote=True
        )


async def test_low_score_is_stored_and_opens_a_review(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    resolve_remotely(database, number)
    await ActionRateService().run(dispatcher, make_tracker("打2分", "rate_service"), domain)
    # The ticket has the contact's phone: the reviewer calls it.
    assert (
        "复核" in texts(dispatcher)
        and number in texts(dispatcher)
        and FILLED["contact_phone"] in texts(dispatcher)
    )
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 2 and rating.ticket_id is not None


async def test_a_ticket_still_being_handled_is_not_rated(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    events = await ActionRateService().run(dispatcher, make_tracker("给5分", "rate_service"), domain)
    assert (
        number in texts(dispatcher)
        and "处理完" in texts(dispatcher)
        and slot_values(events) == {"pending_rating": None}
    )
    with session_scope(database) as session:
        assert session.execute(select(Rating)).first() is None


async def test_a_rating_without_a_known_ticket_waits_for_its_number(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain, sender="first-caller")
    resolve_remotely(database, number)
    events = await ActionRateService().run(
        dispatcher, make_tracker("评价：1分，工程师迟到两小时", "rate_service", sender_id="other"), domain
    )
    assert "工单号" in texts(dispatcher) and "复核" not in texts(dispatcher)
    pending = slot_values(events)["pending_rating"]
    dispatcher.messages.clear()
    tracker = make_tracker(
        f"是{number}", "check_ticket", slots={"pending_rating": pending}, sender_id="other"
    )
    events = await ActionCheckTicket().run(dispatcher, tracker, domain)
    # The ticket named now gets the waiting score and its reason, once.
    assert number in texts(dispatcher) and "13912345678" in texts(dispatcher)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 1 and "迟到两小时" in (rating.comment or "")


async def test_a_second_message_changes_the_one_rating(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    resolve_remotely(database, number)
    for text in ("三分吧 说话太快了", "三分吧 说话太快了", "改成4分"):
        await ActionRateService().run(dispatcher, make_tracker(text, "rate_service"), domain)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 4 and rating.comment == "三分吧 说话太快了\n改成4分"


async def test_a_low_score_without_a_phone_asks_once_and_keeps_the_answer(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain)
    resolve_remotely(database, number)
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        ticket.contact_phone = None  # as a remote fix by the bot has none
    events = await ActionRateService().run(
        dispatcher, make_tracker("1分 指导的人听不清", "rate_service"), domain
    )
    assert "电话" in texts(dispatcher) and number in texts(dispatcher)
    asked = slot_values(events)["rating_contact_for"]
    dispatcher.messages.clear()
    events = await ActionFollowUp().run(
        dispatcher, make_tracker("13526690418", "inform", slots={"rating_contact_for": asked}), domain
    )
    assert "13526690418" in texts(dispatcher) and slot_values(events)["rating_contact_for"] is None
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.contact_phone == "13526690418"
    dispatcher.messages.clear()
    events = await ActionAcknowledge().run(
        dispatcher, make_tracker("不用了不留", "deny", slots={"rating_contact_for": asked}), domain
    )
    assert "不留也没关系" in texts(dispatcher)


async def test_a_repeated_yes_after_the_ticket_does_not_make_another(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    history = [
        {"event": "action", "name": "action_submit_ticket"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("确认", "affirm", slots={"last_ticket_number": number}, events=history)
    await ActionAcknowledge().run(dispatcher, tracker, domain)
    assert f"已经登记过了，工单号 {number}" in texts(dispatcher)


async def test_low_confidence_offers_the_likeliest_meanings(dispatcher, domain) -> None:
    tracker = make_tracker("那个机器的事", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "report_fault", "confidence": 0.4},
        {"name": "check_ticket", "confidence": 0.3},
        {"name": "inform", "confidence": 0.2},
    ]
    await ActionDefaultAskAffirmation().run(dispatcher, tracker, domain)
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/report_fault", "/check_ticket", "/deny"]
    assert dispatcher.messages[0]["text"].startswith("您是想")


async def test_the_state_of_a_repair_reported_before_is_a_look_up_not_the_choices(dispatcher, domain) -> None:
    tracker = make_tracker(
        "平顶山市济民医院中心实验室的 MS25080632 前两天报过修 现在怎么样了", "nlu_fallback"
    )
    events = await ActionDefaultAskAffirmation().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[-1]["parse_data"]["intent"]["name"] == "check_ticket"


async def test_several_finished_tickets_ask_which_and_the_answer_names_one(
    database, dispatcher, domain
) -> None:
    first = await submit_fault(dispatcher, domain)
    second_events = await ActionSubmitTicket().run(
        dispatcher,
        make_tracker(
            "对", "affirm", slots={**FILLED, "serial_number": "AA21110387", "intake_id": "intake-2"}
        ),
        domain,
    )
    second = slot_values(second_events)["last_ticket_number"]
    resolve_remotely(database, first)
    resolve_remotely(database, second)
    dispatcher.messages.clear()
    events = await ActionRateService().run(dispatcher, make_tracker("给4分", "rate_service"), domain)
    assert first in texts(dispatcher) and second in texts(dispatcher)
    slots = slot_values(events)
    dispatcher.messages.clear()
    tracker = make_tracker("第二张", "check_ticket", slots=slots)
    await ActionCheckTicket().run(dispatcher, tracker, domain)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        ticket = session.execute(select(Ticket).where(Ticket.id == rating.ticket_id)).scalar_one()
    # 「第二张」 is the second ticket as they were read out to the caller.
    assert rating.score == 4 and ticket.number == slots["last_lookup"]["numbers"][1]


async def test_a_caller_who_cannot_name_the_ticket_before_the_score_has_it_kept(
    database, dispatcher, domain
) -> None:
    events = await ActionRateService().run(
        dispatcher, make_tracker("上礼拜你们工程师来修过 我想给那次服务打个分", "rate_service"), domain
    )
    assert "工单号" in texts(dispatcher)
    dispatcher.messages.clear()
    said = "宝鸡市渭滨仁德医院 免疫室 电话13900083527 单号记不得了"
    tracker = make_tracker(said, "inform", slots=slot_values(events))
    events = await ActionFollowUp().run(dispatcher, tracker, domain)
    assert "打个分" in texts(dispatcher) and "工单号" not in texts(dispatcher)
    dispatcher.messages.clear()
    tracker = make_tracker("4分吧 人挺好修得也快 就是配件等了五天", "rate_service", slots=slot_values(events))
    await ActionRateService().run(dispatcher, tracker, domain)
    assert "工单号" not in texts(dispatcher)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 4 and rating.ticket_id is None and "配件" in (rating.comment or "")


async def _score_waiting_for_its_ticket(dispatcher, domain, text: str) -> dict:
    """A rating from a caller of whom nothing is known: the score waits for its ticket."""
    events = await ActionRateService().run(
        dispatcher, make_tracker(text, "rate_service", sender_id="rater"), domain
    )
    assert "工单号" in texts(dispatcher)
    dispatcher.messages.clear()
    return slot_values(events)


@pytest.mark.parametrize(
    "said",
    [
        "单号冇记 郑州市嘉禾医院检验科 王敏 13912345678",  # their phone is on the ticket
        "单号在群里我翻了半天没翻到 郑州市嘉禾医院检验科 电话13655550123",  # their hospital's recent one
    ],
)
async def test_a_caller_who_cannot_give_the_number_has_the_score_put_on_their_ticket(
    database, dispatcher, domain, said: str
) -> None:
    number = await submit_fault(dispatcher, domain, sender="first-caller")
    resolve_remotely(database, number)
    slots = await _score_waiting_for_its_ticket(dispatcher, domain, "上个月那次维修打个五分 工程师很细心")
    tracker = make_tracker(said, "inform", slots=slots, sender_id="rater")
    await ActionFollowUp().run(dispatcher, tracker, domain)
    assert "5分" in texts(dispatcher) and "报修" not in texts(dispatcher)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        ticket = session.execute(select(Ticket).where(Ticket.id == rating.ticket_id)).scalar_one()
        assert (ticket.number, rating.score) == (number, 5)
        assert rating.comment == "上个月那次维修打个五分 工程师很细心"  # its reasons, once


async def test_a_rating_that_names_the_callers_hospital_goes_on_its_recent_ticket(
    database, dispatcher, domain
) -> None:
    number = await submit_fault(dispatcher, domain, sender="first-caller")
    resolve_remotely(database, number)
    said = "我是郑州市嘉禾医院检验科的 上次修生化仪那个工程师 给个五星好评"
    await ActionRateService().run(dispatcher, make_tracker(said, "rate_service", sender_id="rater"), domain)
    assert "工单号" not in texts(dispatcher) and "5分" in texts(dispatcher)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        ticket = session.execute(select(Ticket).where(Ticket.id == rating.ticket_id)).scalar_one()
        assert (ticket.number, rating.score) == (number, 5)


async def test_a_score_whose_ticket_is_not_found_is_kept_with_who_gave_it(
    database, dispatcher, domain
) -> None:
    reasons = "给上礼拜那次维修打个分 两分 修一半说缺配件就走了"
    slots = await _score_waiting_for_its_ticket(dispatcher, domain, reasons)
    said = "单号在群里 我翻了半天没翻到 淮南市田家庵区舜耕医院检验科 电话13956084271"
    events = await ActionFollowUp().run(
        dispatcher, make_tracker(said, "inform", slots=slots, sender_id="rater"), domain
    )
    # Sorry, kept, and the manager will call the number just given; no menu, no hospital asked.
    assert (
        "抱歉" in texts(dispatcher) and "13956084271" in texts(dispatcher) and "医院" not in texts(dispatcher)
    )
    assert slot_values(events)["pending_rating"] is None
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 2 and rating.ticket_id is None
        assert rating.comment is not None and rating.comment.count("缺配件") == 1
        assert "淮南市田家庵区舜耕医院" in rating.comment and "13956084271" in rating.comment


async def test_a_yes_while_the_serial_is_asked_says_what_is_missing(dispatcher, domain) -> None:
    tracker = make_tracker(
        "对的", "affirm", slots={"requested_slot": "serial_number"}, active_loop="fault_form"
    )
    await ActionAcknowledge().run(dispatcher, tracker, domain)
    assert "还差序列号没有登记" in texts(dispatcher) and "还有什么可以帮您" not in texts(dispatcher)


async def test_a_warranty_question_after_the_age_was_told_is_answered_without_a_serial(
    database, dispatcher, domain
) -> None:
    tracker = make_tracker(
        "那现在还在保修期吗", "check_warranty", slots={"faq_last_question": "我们是去年八月装的发光仪"}
    )
    events = await ActionCheckWarranty().run(dispatcher, tracker, domain)
    assert "免费保修期内" in texts(dispatcher)
    assert not [event for event in events if event.get("event") == "followup"]  # no serial asked


async def test_words_rating_a_ticket_still_being_handled_are_kept_on_it(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain)
    said = f"{number} 这次来的工程师很专业 给四星"
    events = await ActionRateService().run(dispatcher, make_tracker(said, "rate_service"), domain)
    reply = texts(dispatcher)
    assert "还没处理完" in reply and "记在" in reply and slot_values(events) == {"pending_rating": None}
    with session_scope(database) as session:
        assert session.execute(select(Rating)).first() is None  # no score before the service is over
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert any("很专业" in (e.note or "") for e in ticket.events)


async def test_a_score_said_to_the_question_which_service_is_kept_until_it_is_known(
    database, dispatcher, domain
) -> None:
    await ActionRateService().run(
        dispatcher, make_tracker("想评价一下你们上次来修尿机的服务", "rate_service"), domain
    )
    asked = [{"event": "action", "name": "action_rate_service"}, {"event": "action", "name": "action_listen"}]
    pending = {"score": None}
    dispatcher.messages.clear()
    said = "三分吧 人挺客气 就是配件没带齐又跑了一趟"
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker(said, "nlu_fallback", slots={"pending_rating": pending}, events=asked),
        domain,
    )
    pending = slot_values(events)["pending_rating"]
    assert pending["score"] == 3 and "您是想" not in texts(dispatcher) and "哪一次" in texts(dispatcher)
    dispatcher.messages.clear()
    who = "单子找不到了 我们是荆州市沙市区江汉医院检验科 电话13872106634 姓满"
    await ActionFollowUp().run(
        dispatcher, make_tracker(who, "inform", slots={"pending_rating": pending}), domain
    )
    assert "记" in texts(dispatcher)
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 3 and rating.comment is not None
        assert rating.comment.count("跑了一趟") == 1 and "13872106634" in rating.comment


async def test_the_ticket_named_before_the_score_is_the_one_rated(database, dispatcher, domain) -> None:
    number = await submit_fault(dispatcher, domain, sender="who-reported")
    resolve_remotely(database, number)
    dispatcher.messages.clear()
    events = await ActionRateService().run(
        dispatcher, make_tracker(f"想给{number}这单评价一下", "rate_service", sender_id="colleague"), domain
    )
    assert "打个分" in texts(dispatcher)
    pending = slot_values(events)["pending_rating"]
    dispatcher.messages.clear()
    await ActionRateService().run(
        dispatcher,
        make_tracker(
            "五星吧 上门挺快", "rate_service", slots={"pending_rating": pending}, sender_id="colleague"
        ),
        domain,
    )
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert rating.score == 5 and rating.ticket_id == ticket.id and "上门挺快" in (rating.comment or "")


async def test_reasons_and_a_phone_after_a_low_score_go_on_that_rating(database, dispatcher, domain) -> None:
    events = await ActionFollowUp().run(
        dispatcher,
        make_tracker("工单号弄丢了 一分", "inform", slots={"pending_rating": {"score": None}}),
        domain,
    )
    rated = slot_values(events)["last_rating"]
    earlier = [{"event": "user", "text": "工单号弄丢了 一分"}]
    for text, intent in (("来了两次都没修好 配件也没带", "complaint"), ("我姓芦 电话13645170392", "inform")):
        dispatcher.messages.clear()
        tracker = make_tracker(text, intent, slots={"last_rating": rated}, events=earlier)
        action = ActionStartServiceRequest() if intent == "complaint" else ActionFollowUp()
        events = await action.run(dispatcher, tracker, domain)
        assert (
            "投诉" not in texts(dispatcher)
            and "评价" in texts(dispatcher)
            or "13645170392" in texts(dispatcher)
        )
        assert slot_values(events).get("request_kind") is None
        rated = slot_values(events)["last_rating"]
        earlier = [*earlier, {"event": "user", "text": text}]
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert (
            rating.score == 1
            and "配件也没带" in (rating.comment or "")
            and "13645170392" in (rating.comment or "")
        )
        assert session.execute(select(Ticket)).first() is None  # no complaint ticket


async def test_a_complaint_long_after_a_rating_is_a_complaint(database, dispatcher, domain) -> None:
    rated = {"id": 1, "number": None, "ask_phone": False, "turn": 1}
    earlier = [{"event": "user", "text": "一"}, {"event": "user", "text": "二"}]
    tracker = make_tracker(
        "我要投诉 工程师态度太差", "complaint", slots={"last_rating": rated}, events=earlier
    )
    events = await ActionStartServiceRequest().run(dispatcher, tracker, domain)
    assert slot_values(events)["request_kind"] == "complaint"


async def test_a_score_said_with_no_number_to_give_is_kept_without_asking(
    database, dispatcher, domain
) -> None:
    events = await ActionRateService().run(
        dispatcher,
        make_tracker("单子找不着了 打两分 等得太久", "rate_service", sender_id="nobody-known"),
        domain,
    )
    assert "工单号" not in texts(dispatcher) and "2分" in texts(dispatcher)
    assert slot_values(events)["last_rating"]["ask_phone"] is True
    with session_scope(database) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert rating.score == 2 and rating.ticket_id is None
