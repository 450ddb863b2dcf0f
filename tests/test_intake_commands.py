"""The intake's command reader: one message and the dialogue state in, the commands for the form out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.catalogue import Catalogue, load_catalogue
from bot.config import settings
from bot.intake import Message
from bot.intake_commands import (
    READBACK,
    Do,
    IntakeState,
    declines_checks,
    interpret,
    names_a_faulty_device,
    question_on_leaving,
    read_fields,
    values_of,
)
from bot.triage import TriageRules, load_rules

FULL = {
    "fault_description": "样本针撞针了",
    "device": "全自动生化分析仪 KR-800",
    "serial_number": "KR99990002",
    "hospital": "许昌市中心医院",
    "department": "急诊检验室",
    "site_address": "许昌市魏都区健康路1号",
    "contact_person": "冯涛",
    "contact_phone": "13939012345",
    "clinical_impact": "急诊样本在等",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(settings().kb_dir / "devices.yml")


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return load_rules(settings().kb_dir / "triage.yml")


def commands(
    text: str, requested: str | None, catalogue, rules, **state: Any
) -> list[tuple[str, str | None, Any]]:
    message = Message(text, state.pop("intent", None), state.pop("entities", []))
    found = interpret(message, IntakeState(requested, state.pop("values", {}), **state), catalogue, rules)
    return [(c.do.value, c.field, c.value) for c in found]


@pytest.mark.parametrize(
    ("text", "requested", "wanted"),
    [
        # A value that fits another field goes there; the asked field is asked again.
        (
            "张建国 13703791234",
            "contact_person",
            {"contact_person": "张建国", "contact_phone": "13703791234"},
        ),
        ("周敏，15937912345", "contact_person", {"contact_person": "周敏", "contact_phone": "15937912345"}),
        ("赵红梅 18837056789", "hospital", {"contact_person": "赵红梅", "contact_phone": "18837056789"}),
        ("18837056789", "clinical_impact", {"contact_phone": "18837056789"}),
        ("许昌市魏都区健康路1号", "contact_person", {"site_address": "许昌市魏都区健康路1号"}),
        ("检验科", "site_address", {"department": "检验科"}),
        # Answers to the question asked, cleaned.
        ("漯河市第二人民医院", "hospital", {"hospital": "漯河市第二人民医院"}),
        ("路明", "contact_person", {"contact_person": "路明"}),
        ("跟刚才一样，许昌市魏都区健康路1号", "site_address", {"site_address": "许昌市魏都区健康路1号"}),
        ("0370 - 322 6789", "contact_phone", {"contact_phone": "0370-3226789"}),
        ("幺三八 七六五四 三二一零", "contact_phone", {"contact_phone": "13876543210"}),
        ("有十几个儿童样本在等", "clinical_impact", {"clinical_impact": "有十几个儿童样本在等"}),
        # What fits no field is not stored.
        ("不用试了", "contact_person", {}),
        ("就在医院里啊，你们以前来过", "site_address", {}),
        ("/report_fault", "fault_description", {}),
        ("/inform", "hospital", {}),
    ],
)
def test_answers_go_to_the_field_they_fit(text, requested, wanted, catalogue, rules) -> None:
    found = interpret(Message(text, None, []), IntakeState(requested, {}), catalogue, rules)
    assert values_of(found) == wanted


@pytest.mark.parametrize(
    ("text", "requested", "wanted"),
    [
        (
            "大同市云冈医院体检中心，地址大同市平城区云冈路31号",
            "hospital",
            {
                "hospital": "大同市云冈医院",
                "department": "体检中心",
                "site_address": "大同市平城区云冈路31号",
            },
        ),
        (
            "我是衢州市柯城医院检验科主任邵志刚，电话13900351386",
            "hospital",
            {
                "hospital": "衢州市柯城医院",
                "department": "检验科",
                "contact_person": "邵志刚",
                "contact_phone": "13900351386",
            },
        ),
    ],
)
def test_the_parts_of_a_reply_each_fill_their_field(text, requested, wanted, catalogue, rules) -> None:
    # A part that opens with a field's name (「，地址…」), a name after the caller's title (「主任邵志刚」).
    tagged = [{"entity": "hospital", "value": wanted["hospital"]}]  # as NLU tags it
    message = Message(text, "inform", tagged)
    found = values_of(read_fields(message, IntakeState(requested, {}), catalogue, rules))
    assert {f: v for f, v in found.items() if f in wanted} == wanted


def test_the_word_address_inside_a_sentence_names_no_address(catalogue, rules) -> None:
    found = values_of(
        read_fields(
            Message("你们知道我们医院的地址吧", None, []), IntakeState("hospital", {}), catalogue, rules
        )
    )
    assert "site_address" not in found


def test_a_contact_reply_read_as_another_intent_still_gives_the_name(catalogue, rules) -> None:
    # NLU tags the hospital and department but reads 「投诉」-like words into it: no free answer is taken.
    entities = [
        {"entity": "hospital", "value": "三门峡市第二人民医院"},
        {"entity": "department", "value": "检验科"},
    ]
    message = Message("三门峡市第二人民医院 检验科 宫伟 13938127706", "complaint", entities)
    found = values_of(read_fields(message, IntakeState("hospital", {}), catalogue, rules))
    assert found["contact_person"] == "宫伟" and found["contact_phone"] == "13938127706"


@pytest.mark.parametrize(
    "text",
    [
        "我是生化室上大夜的 宁秋菊 手机13607715284",  # who they are, the name, the phone with its label
        "宁秋菊 联系电话13607715284",
        "值班的是我 宁秋菊 电话是一三六 零七七一 五二八四",
    ],
)
def test_a_name_beside_a_labelled_phone_answers_the_name_question(text, catalogue, rules) -> None:
    # The labelled phone must not keep the name beside it from being the answer: it is never asked again.
    known = {k: v for k, v in FULL.items() if k not in ("contact_person", "contact_phone")}
    message = Message(text, "inform", [{"entity": "department", "value": "生化室"}])
    found = values_of(read_fields(message, IntakeState("contact_person", known), catalogue, rules))
    assert found == {"contact_person": "宁秋菊", "contact_phone": "13607715284"}


@pytest.mark.parametrize(
    ("text", "impact"),
    [
        ("血气分析仪开不了机 儿科病房好多小朋友等着查血", "儿科病房好多小朋友等着查血"),
        ("尿液分析仪报E-12 患儿的尿常规都没出", "患儿的尿常规都没出"),
    ],
)
def test_children_waiting_are_the_impact_in_the_callers_words(text, impact, catalogue, rules) -> None:
    # Not the label of what the fault implies (「设备停机…」), and not left in the fault.
    message = Message(text, "report_fault", [])
    found = values_of(read_fields(message, IntakeState(None, {}), catalogue, rules))
    assert found["clinical_impact"] == impact and impact not in found["fault_description"]
    assert rules.impact_of(found["clinical_impact"]).urgent


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("遵义市湘江医院检验科 血凝仪一直报光路自检失败 做不了", "光路自检失败"),
        ("铜仁市锦江医院检验科 发光仪KR-i300 开机就报光路本底过高 测不了", "光路本底过高"),
    ],
)
def test_a_fault_said_without_a_cue_is_no_street_address(text, fault, catalogue, rules) -> None:
    # 「光路」 has a 路 in it, but a part that tells of a fault (「…失败」「…过高」) is the fault.
    message = Message(text, "report_fault", [])
    found = values_of(read_fields(message, IntakeState(None, {}), catalogue, rules))
    assert "site_address" not in found and fault in found["fault_description"]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("地址改一下，是洛阳市涧西区中州西路210号", "site_address", "洛阳市涧西区中州西路210号"),
        ("地址不对 周口市川汇区人民路26号", "site_address", "周口市川汇区人民路26号"),
        ("地址改成许昌市魏都区健康路1号", "site_address", "许昌市魏都区健康路1号"),
        ("临床影响是血常规做不了，急诊在等", "clinical_impact", "血常规做不了，急诊在等"),
        ("临床影响改成：血常规做不了，急诊在等", "clinical_impact", "血常规做不了，急诊在等"),
        ("影响是急诊血常规做不了", "clinical_impact", "急诊血常规做不了"),
        ("电话是 0370 - 322 6789", "contact_phone", "0370-3226789"),
        ("电话是0370 3226789", "contact_phone", "0370-3226789"),
        ("电话不对，应该是13798765432", "contact_phone", "13798765432"),
        ("故障不对，是点火点不着，火焰一下就灭", "fault_description", "点火点不着，火焰一下就灭"),
        ("医院改成漯河市第二人民医院", "hospital", "漯河市第二人民医院"),
        ("医院是漯河市第二人民医院，前面要加漯河市", "hospital", "漯河市第二人民医院"),
        ("联系人改成林护士", "contact_person", "林护士"),
        ("科室写错了，是输血科", "department", "输血科"),
        ("序列号写错了，是BC25010266", "serial_number", "BC25010266"),
    ],
)
def test_corrections_in_natural_phrasings_change_that_field_only(
    text, field, value, catalogue, rules
) -> None:
    found = commands(text, "registration_confirmed", catalogue, rules, values=FULL)
    assert found == [("correct", field, value)]


@pytest.mark.parametrize("text", ["电话写错了", "地址不对", "联系人写错了"])
def test_a_correction_without_a_value_asks_that_field_again(text, catalogue, rules) -> None:
    found = commands(text, "registration_confirmed", catalogue, rules, values=FULL)
    assert [(do, field) for do, field, _ in found] == [("ask_again", found[0][1])]
    assert found[0][1] in ("contact_phone", "site_address", "contact_person")


def test_a_second_phone_is_added_not_replacing_the_first(catalogue, rules) -> None:
    found = commands("再留一个备用电话 0371-65432109", "clinical_impact", catalogue, rules, values=FULL)
    assert ("correct", "contact_phone", "13939012345、0371-65432109") in found


def test_a_device_mentioned_in_passing_does_not_overwrite_the_form(catalogue, rules) -> None:
    text = "其实没那么急，急诊的样本先拿到检验科那台KR-2000上做了"
    entities = [{"entity": "device", "value": "KR-2000"}, {"entity": "department", "value": "检验科"}]
    found = commands(text, "registration_confirmed", catalogue, rules, values=FULL, entities=entities)
    values = values_of([_command(c) for c in found])
    assert "device" not in values and "department" not in values
    assert rules.impact_of(values["clinical_impact"]).urgent is False


def _command(row):
    from bot.intake_commands import Command

    return Command(Do(row[0]), row[1], row[2])


@pytest.mark.parametrize(
    ("text", "requested", "do"),
    [
        ("算了，对", "registration_confirmed", "cancel_or_submit"),
        ("算了算了，就这样提交吧", "registration_confirmed", "cancel_or_submit"),
        # never-mind said with a yes in other words: asked, never cancelled
        ("算了算了 就这么着吧 没毛病", "registration_confirmed", "cancel_or_submit"),
        ("算了 是的是的", "registration_confirmed", "cancel_or_submit"),
        ("算了 对的吧 没什么要改的", "registration_confirmed", "cancel_or_submit"),
        ("就这么办吧", "registration_confirmed", "confirm"),
        ("对", "registration_confirmed", "confirm"),
        ("嗯呐", "registration_confirmed", "confirm"),
        ("木有问题 提交", "registration_confirmed", "confirm"),
        ("没错，提交", "registration_confirmed", "confirm"),
        ("不对", "registration_confirmed", "reject"),
        ("取消", "registration_confirmed", "cancel"),
        ("等一下，我去看一下铭牌", "serial_number", "wait"),
        ("稍等，我问问同事", "contact_phone", "wait"),
        ("不用 直接派人", "serial_number", "skip"),
        ("没空找", "serial_number", "skip"),
        ("找不到铭牌", "serial_number", "skip"),
        ("不用，我不报修，我就问问试剂开瓶以后能放多久", "guide_accepted", "leave"),
        ("不报修，就问一下保修多久", "hospital", "leave"),
        ("暂时不报修 也不要登记 我只是想问问电极多久换一次", "guide_accepted", "leave"),
        ("zhuanrengong", "contact_phone", "hand_off"),
        ("我要跟真人说话", "hospital", "hand_off"),
        ("算了不报了", "hospital", "cancel"),
        ("算了，对", "contact_person", "cancel_or_submit"),
        ("继续", "contact_phone", "resume"),
    ],
)
def test_flow_commands(text, requested, do, catalogue, rules) -> None:
    assert [c[0] for c in commands(text, requested, catalogue, rules, values=FULL)] == [do]


@pytest.mark.parametrize("text", ["没空找 直接派人", "找不到，派工程师来吧", "不用找了，直接派人"])
def test_sending_an_engineer_is_no_hand_off_to_an_operator(text, catalogue, rules) -> None:
    found = commands(text, "serial_number", catalogue, rules, values=FULL, intent="request_human")
    assert [c[0] for c in found] == ["skip"]


@pytest.mark.parametrize("text", ["我没让你取消", "怎么就取消了", "不是要取消，地址我再想想"])
def test_a_cancelled_registration_can_be_restored(text, catalogue, rules) -> None:
    assert commands(text, None, catalogue, rules, cancelled=True) == [("restore", None, None)]


@pytest.mark.parametrize(
    "text",
    [
        "啊？我没说取消啊，我说对，提交",
        "别取消，提交",
        "我没让你取消啊 信息是对的 提交",
        "没说取消 都对",
        "领导说还是得报 刚才那张直接提交就行",
        "提交吧 我意思是信息没问题",
    ],
)
def test_a_registration_restored_and_confirmed_in_one_breath(text, catalogue, rules) -> None:
    assert commands(text, None, catalogue, rules, cancelled=True) == [
        ("restore", None, None),
        ("confirm", None, None),
    ]


def test_nothing_to_restore_without_a_cancelled_registration(catalogue, rules) -> None:
    assert ("restore", None, None) not in commands("我没说取消", None, catalogue, rules)


def test_the_words_that_restored_a_registration_change_none_of_it(catalogue, rules) -> None:
    # read again by the form once the registration is back: its fault is not replaced by them
    said = "等等 科长说机器还是报错 还是得报 其他照旧 你继续弄"
    assert commands(said, READBACK, catalogue, rules, values=FULL) == []


def test_a_labelled_report_is_taken_in_one_pass(catalogue, rules) -> None:
    text = (
        "报修：医院 新乡市仁济医院，科室 生化室，联系人 孙志强，电话 13782512345，设备 HX-680 生化分析仪，"
        "序列号 HX22090815，故障 反应杯清洗站漏水，台面上都是水，临床影响 上午的门诊生化全部停了，"
        "地址 新乡市红旗区仁济街9号"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values == {
        "hospital": "新乡市仁济医院",
        "department": "生化室",
        "contact_person": "孙志强",
        "contact_phone": "13782512345",
        "device": "全自动生化分析仪 HX-680",
        "serial_number": "HX22090815",
        "fault_description": "反应杯清洗站漏水，台面上都是水",
        "clinical_impact": "上午的门诊生化全部停了",
        "site_address": "新乡市红旗区仁济街9号",
    }


def test_a_free_text_report_fills_what_it_names(catalogue, rules) -> None:
    text = "你好我是驻马店市中心医院检验科的韩冬梅电话13611112222我们的血球仪一直报堵孔急诊样本在等"
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["contact_phone"] == "13611112222"
    assert values["device"] == "全自动血细胞分析仪"
    assert "堵孔" in values["fault_description"]
    assert rules.impact_of(values["clinical_impact"]).urgent


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "你好我是鹤壁市第七人民医院检验科的刘燕，我们那台血球仪吸样针好像堵了，我电话15037260000",
            {"hospital": "鹤壁市第七人民医院", "department": "检验科", "contact_person": "刘燕"},
        ),
        (
            "南阳市第九人民医院病理科 打印机连不上 要报修",
            {"department": "病理科", "fault_description": "打印机连不上"},
        ),
        (
            "紧急报修 许昌市第八人民医院急诊化验室生化仪完全死机 不用排查",
            {
                "hospital": "许昌市第八人民医院",
                "department": "急诊化验室",
                "fault_description": "生化仪完全死机",
            },
        ),
        ("我们急诊化验室的血气分析仪开不了机", {"department": "急诊化验室"}),
        # the name stuck to the department, the phone after it
        (
            "开封市祥符区第二医院生化室贾小燕 手机13603785521 生化仪比色杯清洗站漏水",
            {"department": "生化室", "contact_person": "贾小燕", "contact_phone": "13603785521"},
        ),
        ("信阳市 光华医院 检验科 血球仪不开机", {"hospital": "信阳市光华医院", "department": "检验科"}),
    ],
)
def test_a_free_text_report_names_department_and_caller_in_passing(catalogue, rules, text, wanted) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert {field: values.get(field) for field in wanted} == wanted


@pytest.mark.parametrize(
    "text",
    [
        "我们这台生化仪开机后显示室温过高",  # 「室」 of 室温 is no department
        "我是来报修的，生化仪报警了",
    ],
)
def test_words_that_only_look_like_a_department_or_a_name_are_not_taken(catalogue, rules, text) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert "department" not in values and "contact_person" not in values


def test_a_report_typed_with_each_label_stuck_to_its_value(catalogue, rules) -> None:
    text = (
        "报修 医院信阳市光明医院 科室检验科 联系人马晓东 电话13598760000 设备 生化分析仪 序列号KR24119999 "
        "故障 比色杯清洗后一直有残留水 开机后 设备报警 影响 今晚急诊生化出不了报告 地址信阳市浉河区光明路12号"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["department"] == "检验科"
    assert values["contact_person"] == "马晓东"
    # 「设备报警」 names no device: it stays part of the fault
    # (spaces typed between the words of a long message are pauses: bot/intake_commands.py `_punctuated`)
    assert values["fault_description"] == "比色杯清洗后一直有残留水，开机后 设备报警"
    assert values["clinical_impact"] == "今晚急诊生化出不了报告"
    assert values["site_address"] == "信阳市浉河区光明路12号"


def test_a_report_with_space_separated_labels(catalogue, rules) -> None:
    text = "联系人 彭涛 电话 15603711234 医院 郑州市第九人民医院 设备 化学发光仪 故障 试剂针撞针"
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["contact_person"] == "彭涛"
    assert values["hospital"] == "郑州市第九人民医院"
    assert values["fault_description"] == "试剂针撞针"


@pytest.mark.parametrize(
    ("text", "hospital", "fault"),
    [
        (
            "你好我是驻马店市中心医院检验科的韩冬梅电话13611112222我们的尿液分析仪传送带卡住了样本都排着",
            "驻马店市中心医院",
            "尿液分析仪传送带卡住了样本都排着",
        ),
        (
            "喂你好我是叶县人民医院检验科的我们那个尿液分析仪今天早上开机以后一直报传送带故障",
            "叶县人民医院",
            "尿液分析仪今天早上开机以后一直报传送带故障",
        ),
    ],
)
def test_a_report_in_one_breath_keeps_the_hospital_out_of_the_fault(
    text, hospital, fault, catalogue, rules
) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert (values["hospital"], values["fault_description"]) == (hospital, fault)


def test_news_that_changes_the_urgency_corrects_the_impact_at_any_step(catalogue, rules) -> None:
    text = "其实不急，急诊的样本转到别的机器上做了"
    found = values_of(
        interpret(Message(text, None, []), IntakeState("guide_accepted", FULL), catalogue, rules)
    )
    assert rules.impact_of(found["clinical_impact"]).urgent is False


@pytest.mark.parametrize(
    "text", ["报修", "我要报修", "/report_fault", "baoxiu", "血球仪坏了", "我们的生化仪出问题了"]
)
def test_report_alone_gives_no_fault_so_the_fault_is_asked(text, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert "fault_description" not in values


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("血铅样本都测不了，有十几个儿童样本在等", True),
        ("急诊检验室的KR-800生化仪样本针撞针了，要报修", None),
        ("急诊科的电解质仪钾电极偏高，不急，明天来也行", False),
        ("生化仪死机了，急诊病人在等结果", True),
    ],
)
def test_urgency_from_the_words_never_from_a_department_name(text, urgent, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    impact = rules.impact_of(values.get("clinical_impact"))
    assert (impact.urgent if impact else None) is urgent


def test_a_bare_number_at_the_read_back_replaces_the_prefilled_phone(catalogue, rules) -> None:
    # An SMS caller's own number is prefilled; the number they then type is the one to call.
    state = IntakeState("registration_confirmed", {"contact_phone": "13800000001"})
    found = values_of(interpret(Message("13912345672", "inform", []), state, catalogue, rules))
    assert found["contact_phone"] == "13912345672"


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("生花仪坏啦 开不了机", "全自动生化分析仪"),  # 生花 for 生化: same sound
        ("学球仪一直堵孔", "全自动血细胞分析仪"),
        ("尿液分吸仪的试纸条卡了", "尿液分析仪"),
    ],
)
def test_a_device_typed_with_a_homophone_is_recognised(text, device, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["device"] == device


def test_a_two_character_sound_alike_names_no_device(catalogue) -> None:
    assert catalogue.device_in_text("我们的尿剂用完了") is None  # 尿剂 sounds like 尿机 (two characters)


@pytest.mark.parametrize(
    "text", ["不用排查", "不用试了", "别让我试了", "远程就不搞了", "排查也不用了", "远程就算了", "莫得远程哈"]
)
def test_checks_declined_to_a_question_of_the_form_are_noted(text, catalogue, rules) -> None:
    assert commands(text, "site_address", catalogue, rules, values=FULL) == [("no_checks", None, None)]


@pytest.mark.parametrize(
    ("text", "requested", "field", "value"),
    [
        (
            "地址那里不对哈 应该是许昌市魏都区健康路11号 其他都对",
            READBACK,
            "site_address",
            "许昌市魏都区健康路11号",
        ),
        ("哦对了前面科室说错了 不是急诊检验室 是免疫室", "contact_phone", "department", "免疫室"),
        ("科室不是急诊检验室，是输血科", READBACK, "department", "输血科"),
        ("哦不对影响应该是体检的样本全卡着", READBACK, "clinical_impact", "体检的样本全卡着"),
        ("影响不大", "clinical_impact", "clinical_impact", "影响不大"),
    ],
)
def test_corrections_in_everyday_words_change_that_field_only(
    catalogue, rules, text, requested, field, value
):
    found = commands(text, requested, catalogue, rules, values=FULL)
    assert [(f, v) for _, f, v in found] == [(field, value)]


@pytest.mark.parametrize("text", ["没找着序列号", "铭牌看不清", "没看见", "找不着"])
def test_a_serial_the_caller_cannot_find_is_skipped(catalogue, rules, text) -> None:
    assert commands(text, "serial_number", catalogue, rules) == [("skip", "serial_number", None)]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("鹤壁市济仁医院", "hospital"),
        ("鹤壁市山城区红旗街14号", "site_address"),
        ("闫春花", "contact_person"),
    ],
)
def test_another_field_said_to_the_serial_question_is_taken(catalogue, rules, text, field) -> None:
    assert [(f, v) for _, f, v in commands(text, "serial_number", catalogue, rules)] == [(field, text)]


def test_the_impact_said_ahead_of_its_question_is_taken(catalogue, rules) -> None:
    found = commands(
        "重金属检测暂停了", "contact_person", catalogue, rules, values={"fault_description": "灯不亮"}
    )
    assert found == [("set", "clinical_impact", "重金属检测暂停了")]


def test_a_correction_said_to_another_question_fills_only_the_field_it_names(catalogue, rules) -> None:
    text = "不对 地址那里不对哈 应该是许昌市魏都区健康路11号 其他都对"
    found = commands(text, "clinical_impact", catalogue, rules, values={**FULL, "clinical_impact": None})
    assert [(f, v) for _, f, v in found] == [("site_address", "许昌市魏都区健康路11号")]


@pytest.mark.parametrize(
    ("text", "requested"),
    [
        ("你们以前来过的 跟上次一样", "site_address"),
        ("还是老地方", "site_address"),
        ("跟上回登记的一样", "department"),
        ("号码没变", "contact_phone"),
    ],
)
def test_a_value_of_an_earlier_call_is_asked_again_not_guessed(catalogue, rules, text, requested) -> None:
    # This call cannot see what an earlier one registered: asked again with why, nothing stored.
    found = commands(
        text, requested, catalogue, rules, intent="complaint", values={"fault_description": "报错"}
    )
    assert found == [("as_before", requested, None)]


def test_details_said_to_the_offer_of_a_check_are_kept(catalogue, rules) -> None:
    found = commands(
        "郑州市金水医院 检验科 王丽 13900011111", "guide_accepted", catalogue, rules, intent="inform"
    )
    assert {f: v for _, f, v in found} == {
        "hospital": "郑州市金水医院",
        "department": "检验科",
        "contact_person": "王丽",
        "contact_phone": "13900011111",
    }
    address = commands("郑州市金水区经三路5号", "guide_accepted", catalogue, rules, intent="inform")
    assert address == [("set", "site_address", "郑州市金水区经三路5号")]


@pytest.mark.parametrize("text", ["已经压了二十多个了", "还有三十几个标本没做", "攒了一大堆样本"])
def test_piling_samples_said_to_the_offer_of_a_check_is_the_impact(catalogue, rules, text) -> None:
    found = commands(text, "guide_accepted", catalogue, rules, values={"fault_description": "加样针报错"})
    assert found == [("set", "clinical_impact", text)]
    assert rules.impact_of(text).urgent


def test_a_hospital_name_is_no_address(catalogue, rules) -> None:
    found = commands("郑州市金水医院 检验科 王丽 13900011111", "serial_number", catalogue, rules)
    assert "site_address" not in {f for _, f, _ in found}


@pytest.mark.parametrize(("text", "requested"), [("找不到序列号", "device"), ("铭牌看不清了", "hospital")])
def test_a_missing_serial_said_to_another_question_is_skipped(catalogue, rules, text, requested) -> None:
    assert commands(text, requested, catalogue, rules, values={"fault_description": "报错"}) == [
        ("skip", "serial_number", None)
    ]


@pytest.mark.parametrize("text", ["不用了", "没有"])
def test_a_bare_no_to_the_serial_question_skips_it(catalogue, rules, text) -> None:
    assert commands(text, "serial_number", catalogue, rules, intent="deny") == [
        ("skip", "serial_number", None)
    ]


def test_another_hospital_said_on_its_own_corrects_the_hospital(catalogue, rules) -> None:
    # The form was filled from the serial's registry entry; the caller says where they are.
    found = commands("南阳市第一人民医院", "contact_person", catalogue, rules, values=FULL)
    assert found == [("correct", "hospital", "南阳市第一人民医院")]
    assert commands("许昌市中心医院", "contact_person", catalogue, rules, values=FULL) != [
        ("correct", "hospital", "许昌市中心医院")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "没事了 我同事说已经好了",
        "现在能用了 不用来了",
        "已经恢复正常了",
        "按你说的重启了一下 现在能正常进样了",  # told after a guided check that did not end solved
        "冲了一遍管路 这下可以出结果了",
    ],
)
def test_a_fault_gone_while_it_is_registered_ends_the_registration(catalogue, rules, text) -> None:
    assert commands(text, "serial_number", catalogue, rules) == [("resolved", None, None)]


@pytest.mark.parametrize(
    "text", ["还是没好", "不好了 又坏了", "好了没有啊", "只能等工程师了", "还是不能正常进样"]
)
def test_still_broken_is_no_resolution(catalogue, rules, text) -> None:
    assert ("resolved", None, None) not in commands(text, "serial_number", catalogue, rules)


def test_details_said_to_the_device_question_are_kept_never_taken_for_a_device(catalogue, rules) -> None:
    found = commands("商丘市睢阳区南京路66号", "device", catalogue, rules, intent="inform")
    assert found == [("set", "site_address", "商丘市睢阳区南京路66号")]
    assert commands("等下 我问下同事序列号", "device", catalogue, rules, intent="wait") == [
        ("wait", None, None)
    ]


def test_another_address_said_on_its_own_corrects_the_address(catalogue, rules) -> None:
    found = commands("许昌市魏都区健康路11号", "serial_number", catalogue, rules, values=FULL)
    assert found == [("correct", "site_address", "许昌市魏都区健康路11号")]


def test_a_serial_read_out_in_chinese_digits_is_a_serial(catalogue, rules) -> None:
    found = commands("序列号在背面我看一下 是BC二四零九零零一二", "serial_number", catalogue, rules)
    assert found == [("set", "serial_number", "BC24090012")]


@pytest.mark.parametrize(
    ("text", "requested", "field", "value"),
    [
        # part of the address corrected: the rest of it is kept
        (
            "对了地址刚才说反了，是健康路10号，不是1号",
            "clinical_impact",
            "site_address",
            "许昌市魏都区健康路10号",
        ),
        ("地址门牌错了 应该是11号", READBACK, "site_address", "许昌市魏都区健康路11号"),
        ("科室那块记得不对，是输血科", READBACK, "department", "输血科"),
        ("故障那里说得不准，不是撞针，是加样针弯了", READBACK, "fault_description", "加样针弯了"),
        # another alarm told in words is added to the fault, to any question
        (
            "哦对了 刚才屏幕上还弹了一条提示 写着清洗液不足 你一块记上",
            READBACK,
            "fault_description",
            "样本针撞针了；又报清洗液不足",
        ),
        ("它又报了个堵孔", "contact_person", "fault_description", "样本针撞针了；又报堵孔"),
        # a correction after an interjection of two characters
        ("哎哟科室搞错了 是输血科", READBACK, "department", "输血科"),
        ("科室写错了 是病理科 另外我下午不在", READBACK, "department", "病理科"),
    ],
)
def test_corrections_in_the_callers_words_change_only_that_field(
    catalogue, rules, text, requested, field, value
) -> None:
    found = commands(text, requested, catalogue, rules, values=FULL)
    assert [(f, v) for _, f, v in found] == [(field, value)]


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "喂你好我这里是宜昌市夷陵区人民医院检验科我是向春燕电话是幺三九零零零七一二三四我们那台血球仪一直报堵孔"
            "序列号是BC25120345地址是宜昌市夷陵区东湖大道12号不用排查了",
            {
                "hospital": "宜昌市夷陵区人民医院",
                "department": "检验科",
                "contact_person": "向春燕",
                "contact_phone": "13900071234",
                "serial_number": "BC25120345",
                "site_address": "宜昌市夷陵区东湖大道12号",
                "fault_description": "血球仪一直报堵孔",
            },
        ),
        (
            "报修：荆州市沙市区第三医院，急诊检验科，联系人 桂海燕，电话 13900015566，序列号KR25060012，"
            "反应盘不转，地址 荆州市沙市区北京路20号，影响挺大，急诊生化停了",
            {
                "department": "急诊检验科",
                "site_address": "荆州市沙市区北京路20号",
                "clinical_impact": "影响挺大，急诊生化停了",
                "fault_description": "反应盘不转",
            },
        ),
        # a call transcribed without punctuation: letters spelt, digits the radio way (洞 拐 勾), the surname
        # before the name, the phone and serial without 是, a type said apart from a model the catalogue does
        # not know, who is waiting said with a fault word, and a refused check after the street
        (
            "喂是售后吗我这边是邢台市桥东区清风医院化验室的姓桑桑玉洁我们那个血球仪型号是G Q三洞洞"
            "序列号G Q两四勾拐洞幺三六开机就报负压异常急诊血常规都出不来了"
            "我电话幺五拐洞三幺九勾八二洞地址桥东区新华路十八号"
            "甭远程了快来人",
            {
                "hospital": "邢台市桥东区清风医院",
                "department": "化验室",
                "contact_person": "桑玉洁",
                "contact_phone": "15703199820",
                "serial_number": "GQ24970136",
                "device": "全自动血细胞分析仪 GQ-300",
                "site_address": "桥东区新华路十八号",
                "clinical_impact": "急诊血常规都出不来了",
            },
        ),
        # an impact whose 「不是…」 says how urgent it is keeps it
        (
            "医院：鹰潭市月湖区信江医院，故障：血沉仪读数不准，影响：今天的血沉做不了，标本能放到明天，不是很急",
            {"clinical_impact": "今天的血沉做不了，标本能放到明天，不是很急"},
        ),
        # parts apart by slashes, a date's slashes kept
        (
            "大同市平城区云冈医院/生化室/序列号KR99990744/2026/12/06起一直报反应盘温度低/房秀兰 13999064125"
            "/大同市平城区魏都大道88号",
            {
                "hospital": "大同市平城区云冈医院",
                "department": "生化室",
                "contact_person": "房秀兰",
                "contact_phone": "13999064125",
                "site_address": "大同市平城区魏都大道88号",
                "fault_description": "2026/12/06起一直报反应盘温度低",
            },
        ),
        # an English label for the contact with a landline after a slash; a name before a phone read out
        (
            "Hospital: 漳州市芗城区丹霞医院\nContact: 庄雅琴 / 0596-2130857\nProblem: 尿机试纸条卡住",
            {"contact_person": "庄雅琴", "contact_phone": "0596-2130857"},
        ),
        (
            "(1)北海市海城区银滩医院 (2)检验科 (3)尿机卡纸 (4)韦丽春 幺三九九九洞拐幺五二八",
            {"contact_person": "韦丽春", "contact_phone": "13999071528"},
        ),
    ],
)
def test_a_whole_report_spoken_or_labelled_fills_each_field_with_its_own_words(
    catalogue, rules, text, wanted
) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert {field: values.get(field) for field in wanted} == wanted


def test_a_whole_report_answering_the_fault_question_is_read_as_the_opening(catalogue, rules) -> None:
    text = (
        "十堰市张湾区人民医院急诊化验室的电解质分析仪，钠电极漂，我是急诊化验室的祝红，13900012345，"
        "地址十堰市张湾区车城路3号"
    )
    values = values_of(
        interpret(Message(text, "inform", []), IntakeState("fault_description"), catalogue, rules)
    )
    assert (values["hospital"], values["department"], values["contact_person"], values["site_address"]) == (
        "十堰市张湾区人民医院",
        "急诊化验室",
        "祝红",
        "十堰市张湾区车城路3号",
    )


def test_an_overstated_impact_taken_back_at_the_read_back_is_no_longer_urgent(catalogue, rules) -> None:
    text = "影响说严重了，标本可以先送楼上那台上做，不算急"
    found = commands(text, READBACK, catalogue, rules, values=FULL)
    assert found == [("correct", "clinical_impact", "标本可以先送楼上那台上做，不算急")]
    assert not rules.impact_of(found[0][2]).urgent


def test_a_report_opening_with_its_department_names_it(catalogue, rules) -> None:
    found = commands("输血科的血型分析仪离心机不转了 报修", None, catalogue, rules, intent="report_fault")
    assert ("set", "department", "输血科") in found


def test_a_street_said_after_only_the_floor_completes_the_address(catalogue, rules) -> None:
    found = commands(
        "许昌市魏都区健康路1号",
        "contact_person",
        catalogue,
        rules,
        values={**FULL, "site_address": "门诊楼二楼"},
    )
    assert found == [("correct", "site_address", "许昌市魏都区健康路1号门诊楼二楼")]


def test_parts_of_a_labelled_report_are_never_an_address_by_a_stray_place_word(catalogue, rules) -> None:
    text = "医院：安阳市第五人民医院；科室：检验科；联系人：鲁红；电话：13939681234；故障：开机自检报液路错误"
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert "site_address" not in values


def test_a_field_left_open_may_still_be_given(catalogue, rules) -> None:
    found = commands(
        "开封市禹王台区五一路1号",
        "contact_person",
        catalogue,
        rules,
        values={**FULL, "site_address": "未提供"},
    )
    assert found == [("set", "site_address", "开封市禹王台区五一路1号")]


def test_a_labelled_name_followed_by_its_phone_is_both(catalogue, rules) -> None:
    text = "单位: 潍坊市人民医院\n科室: 检验科\n报修人: 郎玉洁 13900053947\n问题: 流动池进气泡"
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert (values["contact_person"], values["contact_phone"]) == ("郎玉洁", "13900053947")


@pytest.mark.parametrize(
    "text",
    [
        # a labelled form with other names of its rows, and other separators than a colon
        "医院全称=鹤岗市向阳区北山康宁医院\n科室名称 | 生化室\n联系人姓名——庞秀云\n联系人电话：13945071186\n"
        "仪器型号: KR-800\nSN号:KR24050377\n报修原因:反应杯清洗后残留水滴，吸光度报警\n"
        "上门地址:鹤岗市向阳区红军路88号门诊楼三楼\n对科室的影响:门诊生化做不了，病人在等\n是否远程排查：否，直接上门",
        # the same rows in brackets, on one line
        "【医院】鹤岗市向阳区北山康宁医院 【科室】生化室 【联系人】庞秀云 【电话】13945071186 "
        "【型号】KR-800 【SN】KR24050377 【问题描述】反应杯清洗后残留水滴，吸光度报警 "
        "【地址】鹤岗市向阳区红军路88号门诊楼三楼 【对临床影响】门诊生化做不了，病人在等 【远程】不用",
    ],
)
def test_every_name_of_a_row_is_read_whatever_separates_it_from_its_value(text, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values == {
        "hospital": "鹤岗市向阳区北山康宁医院",
        "department": "生化室",
        "contact_person": "庞秀云",
        "contact_phone": "13945071186",
        "device": "全自动生化分析仪 KR-800",
        "serial_number": "KR24050377",
        "fault_description": "反应杯清洗后残留水滴，吸光度报警",
        "site_address": "鹤岗市向阳区红军路88号门诊楼三楼",
        "clinical_impact": "门诊生化做不了，病人在等",
    }


def test_a_report_listed_with_chinese_ordinals_in_one_line_is_read_part_by_part(catalogue, rules) -> None:
    text = (
        "报修 一、淮南市田家庵区舜耕医院 二、免疫室 三、发光仪MS-600 序列号MS23110452 "
        "四、试剂针撞针 复位后还报 五、淮南市田家庵区洞山中路12号检验楼二楼 六、迪丽娜尔·吐尔逊 13855406217 "
        "七、不用远程"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert {f: values.get(f) for f in ("hospital", "department", "site_address", "contact_person")} == {
        "hospital": "淮南市田家庵区舜耕医院",
        "department": "免疫室",
        "site_address": "淮南市田家庵区洞山中路12号检验楼二楼",
        "contact_person": "迪丽娜尔·吐尔逊",
    }
    assert "撞针" in values["fault_description"] and "迪丽娜尔" not in values["fault_description"]


def test_whose_hospital_it_is_stays_out_of_the_hospital_of_a_report(catalogue, rules) -> None:
    text = "咱们这边开封市祥符区汴康医院化验室 生化仪KR-800 样本针堵了 报吸样失败"
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["hospital"] == "开封市祥符区汴康医院"


@pytest.mark.parametrize("text", ["诶 等我问一下", "唉 不是二楼", "嘿 我看看"])
def test_an_interjection_to_the_name_question_names_nobody(text, catalogue, rules) -> None:
    found = commands(text, "contact_person", catalogue, rules, values={"fault_description": "报错"})
    assert all(field != "contact_person" for _, field, _ in found)


@pytest.mark.parametrize(
    "text", ["係 冇錯 交咗佢", "对头 交上去嘛", "中 没毛病", "是嘞 没得问题", "好 可以 提交了"]
)
@pytest.mark.parametrize(
    "requested",
    ["hospital", "department", "site_address", "contact_person", "clinical_impact", "fault_description"],
)
def test_a_yes_said_while_a_field_is_missing_fills_no_field(text, requested, catalogue, rules) -> None:
    values = {f: v for f, v in FULL.items() if f != requested}
    assert (
        values_of(interpret(Message(text, None, []), IntakeState(requested, values), catalogue, rules)) == {}
    )


def test_a_yes_to_the_read_back_said_to_the_impact_question_is_no_impact(catalogue, rules) -> None:
    assert (
        commands("没错 提交吧", "clinical_impact", catalogue, rules, values={"fault_description": "报错"})
        == []
    )


def test_a_report_opening_with_the_word_device_names_no_device_but_keeps_its_impact(catalogue, rules) -> None:
    values = values_of(
        interpret(
            Message("设备坏了开不了机，急诊样本在等，快派工程师来", "report_fault", []),
            IntakeState(),
            catalogue,
            rules,
        )
    )
    assert "device" not in values and rules.impact_of(values["clinical_impact"]).urgent


@pytest.mark.parametrize(
    ("text", "requested", "field", "value"),
    [
        # a word said wrong, its field not named: the one field that holds it
        (
            "不好意思刚才说错了，不是样本针，是试剂针撞了",
            "contact_person",
            "fault_description",
            "试剂针撞针了",
        ),
        ("不是检验室，是免疫室", "contact_phone", "department", "急诊免疫室"),
        ("不是1号 是7号", READBACK, "site_address", "许昌市魏都区健康路7号"),
    ],
)
def test_not_this_but_that_corrects_the_field_holding_it(
    text, requested, field, value, catalogue, rules
) -> None:
    found = values_of(interpret(Message(text, None, []), IntakeState(requested, FULL), catalogue, rules))
    assert found == {field: value}


def test_not_this_but_that_changes_nothing_when_no_field_holds_it(catalogue, rules) -> None:
    found = interpret(
        Message("不是很急，是有点慢", None, []), IntakeState("contact_person", FULL), catalogue, rules
    )
    assert "fault_description" not in values_of(found)


def test_a_report_said_again_later_adds_its_symptom_to_a_vague_fault(catalogue, rules) -> None:
    values = {"fault_description": "急诊的电解质仪用不了了，抢救室好几个病人等着结果呢"}
    text = "是EL-300，序列号EL25080613，曲靖市麒麟医院急诊科的，钠钾都报电极漂移，联系人施晓梅 13900149036"
    message = Message(text, "report_fault", [{"entity": "hospital", "value": "曲靖市麒麟医院"}])
    found = values_of(interpret(message, IntakeState("serial_number", values), catalogue, rules))
    assert found["fault_description"] == f"{values['fault_description']}；钠钾都报电极漂移"
    assert found["serial_number"] == "EL25080613" and found["contact_phone"] == "13900149036"


def test_details_said_later_add_nothing_to_the_fault(catalogue, rules) -> None:
    values = {"fault_description": "样本针撞针了"}
    text = "许昌市中心医院检验科，KR-800生化仪序列号KR99990002，地址许昌市魏都区健康路1号"
    message = Message(text, "report_fault", [{"entity": "hospital", "value": "许昌市中心医院"}])
    found = values_of(interpret(message, IntakeState("serial_number", values), catalogue, rules))
    assert "fault_description" not in found and found["serial_number"] == "KR99990002"


@pytest.mark.parametrize(
    ("text", "requested", "field", "impact"),
    [
        ("急诊科，病人都在等着呢", "department", "department", "病人都在等着"),
        ("儿科门诊，小孩的血常规都排着队", "department", "department", "小孩的血常规都排着队"),
        ("王芳 13900112233 急诊在等", "contact_person", "contact_phone", "急诊在等"),
    ],
)
def test_an_impact_said_with_an_answer_is_kept_too(text, requested, field, impact, catalogue, rules) -> None:
    found = values_of(interpret(Message(text, "inform", []), IntakeState(requested, {}), catalogue, rules))
    assert field in found and found["clinical_impact"] == impact


def test_an_answer_alone_holds_no_impact(catalogue, rules) -> None:
    found = values_of(
        interpret(Message("急诊检验科", "inform", []), IntakeState("department", {}), catalogue, rules)
    )
    assert found == {"department": "急诊检验科"}


def test_a_department_the_tagger_cut_short_is_kept_whole(catalogue, rules) -> None:
    message = Message("急诊检验科", "inform", [{"entity": "department", "value": "检验科"}])
    assert values_of(interpret(message, IntakeState("department", {}), catalogue, rules)) == {
        "department": "急诊检验科"
    }


@pytest.mark.parametrize(
    ("text", "requested", "wanted"),
    [
        # homophone typos of the registration's words (bot/nlu/colloquial.yml `typos`)
        (
            "我是钦州市滨海医院检验课的莫春梅，点话13700874025，我们的血秋仪序列好BC25071206吸样针老是吸不上样",
            None,
            {"department": "检验科", "contact_phone": "13700874025", "serial_number": "BC25071206"},
        ),
        # a landline with its extension (as bot/callbacks.py writes it), the hospital while none is registered
        (
            "毕节市七星关医院重症监护室 座机0857-8236514转306 找严丽",
            "contact_phone",
            {"hospital": "毕节市七星关医院", "contact_phone": "0857-8236514 转306", "contact_person": "严丽"},
        ),
        # who is calling, said to the fault question, is no fault
        (
            "我是输血科的邓晓琳 电话13900097518",
            "fault_description",
            {"department": "输血科", "contact_person": "邓晓琳", "contact_phone": "13900097518"},
        ),
        # a name said on its own before the phone in a report typed with spaces
        (
            "黑河市爱辉医院检验科 葛玉梅 13700915273 钠电极斜率低报警 急诊电解质现在测不了",
            None,
            {"contact_person": "葛玉梅"},
        ),
        (
            "俺们这是齐齐哈尔市建华医院检验科 俺叫于洪亮 电话13900094283 生化仪试剂盘不转了",
            None,
            {"contact_person": "于洪亮", "hospital": "齐齐哈尔市建华医院"},
        ),
        (
            "鄂尔多斯市东胜医院检验科报修。我叫乌云其其格，电话13700981634。发光仪报反应杯供给异常",
            None,
            {"contact_person": "乌云其其格"},
        ),
        # the address first, with words about saying it, the hospital after it; a serial read out in groups
        (
            "地址先跟你说 徐州市云龙区和平路166号 徐州市云龙仁爱医院 急诊化验室 血气分析仪BG-800"
            " 编号 bg 2503 1729 进样以后钠电极一直漂 联系人 蔡文杰 手机 188-5206-3147",
            None,
            {
                "site_address": "徐州市云龙区和平路166号",
                "hospital": "徐州市云龙仁爱医院",
                "serial_number": "BG25031729",
                "contact_phone": "18852063147",
            },
        ),
        # other names of the fields, and 吴语's 阿拉 (we) before the hospital
        (
            "院名：宜昌市三峡仁和医院 科别：检验科 机身编号：KR24030918 故障：反应盘不转",
            None,
            {"hospital": "宜昌市三峡仁和医院", "department": "检验科", "serial_number": "KR24030918"},
        ),
        (
            "侬好 阿拉是上海市嘉定区安亭仁爱医院检验科 血球仪报废液桶满",
            None,
            {"hospital": "上海市嘉定区安亭仁爱医院"},
        ),
        # an impact said with other details to another question, whole
        (
            "好嘛 我叫段丽华 电话15887204963 地址大理市下关镇洱河南路58号 门诊的血常规发不出去 病人在等",
            "site_address",
            {"clinical_impact": "门诊的血常规发不出去，病人在等"},
        ),
        # a serial given with 「直接派人」 to the serial question is no skip; 不急 stays with the impact
        (
            "晓得了 序列号GF23110582 石墨炉升温到一半就报温度传感器异常 血铅做不成 不急 这周来就行 直接派人",
            "serial_number",
            {"serial_number": "GF23110582", "clinical_impact": "血铅做不成，不急"},
        ),
        # a report written as a numbered list, a landline with its extension, the model before the name
        (
            "您好，报修一台血凝仪，情况如下：1、蚌埠市淮上医院输血科；2、CA-560全自动血凝分析仪，序列号CA25011468；"
            "3、测PT的时候一直报“光强不足”；5、地址蚌埠市淮上区淮河大道88号，综合楼二楼；6、联系人纪红梅，"
            "请打科室座机0552-3167485转2306。",
            None,
            {
                "department": "输血科",
                "device": "全自动血凝分析仪 CA-560",
                "site_address": "蚌埠市淮上区淮河大道88号，综合楼二楼",
                "contact_phone": "0552-3167485 转2306",
            },
        ),
        # other names of the fields, a model the catalogue does not know after the label
        (
            "申报人：谭晓兰\n联系手机：18607320415\n机型：BC-6800血液分析仪\n症状：开机后一直报鞘流压力异常"
            "\n装机位置：湘潭市雨湖区韶山西路57号 医技楼三楼",
            None,
            {
                "contact_person": "谭晓兰",
                "contact_phone": "18607320415",
                "device": "全自动血细胞分析仪 BC-6800",
                "site_address": "湘潭市雨湖区韶山西路57号 医技楼三楼",
            },
        ),
        # an instrument outside the catalogue, named with its model
        ("血凝仪CA-560报修 序列号CA24100617 一直报试剂位温度高", None, {"device": "血凝仪 CA-560"}),
        # a model with one digit
        ("特定蛋白仪PA-9报修 序列号PA24100618 一直报光源弱", None, {"device": "特定蛋白仪 PA-9"}),
        # a name with letters in it, a workstation, the model after 「型号是」
        (
            "报修，实时荧光PCR仪 RT-48，序列号RT24100619，扩增到一半报热盖超温",
            None,
            {"device": "实时荧光PCR仪 RT-48"},
        ),
        ("报修 全自动酶免工作站 EM-300 洗板头一直滴液", None, {"device": "全自动酶免工作站 EM-300"}),
        ("那台干化学仪型号是DC-90 一直报载片卡住", None, {"device": "干化学仪 DC-90"}),
        # the department said with the hospital to another question
        (
            "南通市崇川区濠河医院检验科 联系人 於晓红 手机15189237046 地址南通市崇川区濠西路25号",
            "device",
            {
                "hospital": "南通市崇川区濠河医院",
                "department": "检验科",
                "site_address": "南通市崇川区濠西路25号",
            },
        ),
        # the address, and a phone corrected in the same breath
        (
            "地址是娄底市娄星区长青中街41号 哦对了刚才电话讲错哒 后面两位是零一 159 7382 6401",
            "site_address",
            {"site_address": "娄底市娄星区长青中街41号", "contact_phone": "15973826401"},
        ),
        (
            "十堰市张湾区车城医院捡验科报休 电化18672049315 生话仪序列浩HX24071538 早上开机就报真空泵故障",
            None,
            {"department": "检验科", "serial_number": "HX24071538"},
        ),
    ],
)
def test_what_callers_type_in_a_hurry_fills_the_fields_meant(
    text, requested, wanted, catalogue, rules
) -> None:
    found = values_of(interpret(Message(text, "inform", []), IntakeState(requested, {}), catalogue, rules))
    assert {f: v for f, v in found.items() if f in wanted} == wanted
    assert "fault_description" not in found or not any(
        v in found["fault_description"] for v in wanted.values()
    )


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("地址改一下 张掖市甘州区南环路156号 我们搬新院区了", "site_address", "张掖市甘州区南环路156号"),
        ("名字不对 是耳东陈的陈 陈静 不是工程的程", "contact_person", "陈静"),
        ("名字唔啱 是黄 草头黄 不是三横一竖那个王 黄秀清", "contact_person", "黄秀清"),
    ],
)
def test_corrections_with_a_remark_or_a_spelling_keep_only_the_value(
    text, field, value, catalogue, rules
) -> None:
    found = values_of(interpret(Message(text, None, []), IntakeState(READBACK, FULL), catalogue, rules))
    assert found == {field: value}


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("地址搞错哒 不是迎丰中路 是迎丰东路 112号冇错", "site_address", "怀化市鹤城区迎丰东路112号"),
        ("医院名字少了个字 不是瓯江医院 是瓯江口医院 门口的口", "hospital", "温州市鹿城区瓯江口医院"),
    ],
)
def test_not_this_but_that_after_a_fields_name_changes_only_those_words(
    text, field, value, catalogue, rules
) -> None:
    state = IntakeState(
        READBACK, {**FULL, "site_address": "怀化市鹤城区迎丰中路112号", "hospital": "温州市鹿城区瓯江医院"}
    )
    assert values_of(interpret(Message(text, None, []), state, catalogue, rules)) == {field: value}


def test_a_symptom_said_later_replaces_a_fault_that_named_only_the_device(catalogue, rules) -> None:
    state = IntakeState(
        "serial_number", {"fault_description": "原子吸收GF-990", "device": "原子吸收光谱仪 GF-990"}
    )
    said = "晓得了 序列号GF23110582 石墨炉升温到一半就报温度传感器异常 这周来就行"
    found = values_of(interpret(Message(said, None, []), state, catalogue, rules))
    assert found["fault_description"] == "石墨炉升温到一半就报温度传感器异常"
    asked = Message("先问下 我们这台已经过保了 你们来修是咋个收费嘞 上门费要好多", "check_warranty", [])
    assert "fault_description" not in values_of(interpret(asked, state, catalogue, rules))


def test_still_wanting_it_reported_restores_a_cancelled_registration(catalogue, rules) -> None:
    state = IntakeState(None, {}, cancelled=True)
    found = interpret(
        Message("等等 我说错了 还是要报的 刚才那些都不变 提交吧", None, []), state, catalogue, rules
    )
    assert [c.do for c in found] == [Do.RESTORE, Do.CONFIRM]


@pytest.mark.parametrize(
    ("text", "requested", "wanted"),
    [
        # field names stuck to their values after commas or spaces, each read
        (
            "我叫尹芳 电话15800094516 地址德州市德城区东风中路52号",
            "contact_person",
            {
                "contact_person": "尹芳",
                "contact_phone": "15800094516",
                "site_address": "德州市德城区东风中路52号",
            },
        ),
        # a surname, then the whole name; 他叫 for the contact named
        ("我姓郝 郝建波 电话是13700062958", "contact_person", {"contact_person": "郝建波"}),
        ("联系人写我们科主任吧 他叫罗布 电话还是打我这个号", READBACK, {"contact_person": "罗布"}),
        # a labelled contact with the answer to the address question beside it, unlabelled
        (
            "联系人倪晓燕，13999062217，锦州市古塔区中央大街120号，下午人都在",
            "site_address",
            {"contact_person": "倪晓燕", "site_address": "锦州市古塔区中央大街120号"},
        ),
        # who the contact is not, then who it is, with a title before the name and a pronoun before the phone
        (
            "我是轮转的 联系人不要写我 写我们科护士长柏雪莹，她手机13800072691",
            "contact_person",
            {"contact_person": "柏雪莹", "contact_phone": "13800072691"},
        ),
        # the caller as the contact, by name, with a phone read out after it (spoken digits or a label)
        (
            "联系人就是我 宓秀云 电话一八六 二二零七 四四一九",
            "site_address",
            {"contact_person": "宓秀云", "contact_phone": "18622074419"},
        ),
        (
            "报修人是我本人，仉永强，手机15900073182",
            READBACK,
            {"contact_person": "仉永强", "contact_phone": "15900073182"},
        ),
        # a landline typed with spaces around its dash is one number
        (
            "电话别留手机了 手机老没信号 留科室座机吧 0416 - 318 7620",
            "contact_person",
            {"contact_phone": "0416-3187620"},
        ),
    ],
)
def test_fields_said_in_passing_in_callers_own_ways(text, requested, wanted, catalogue, rules) -> None:
    found = values_of(interpret(Message(text, "inform", []), IntakeState(requested, FULL), catalogue, rules))
    assert {f: v for f, v in found.items() if f in wanted} == wanted


def test_not_this_but_that_prefers_the_field_holding_it_as_its_value(catalogue, rules) -> None:
    values = {
        **FULL,
        "site_address": "泉州市丰泽区刺桐路301号，门诊楼三楼",
        "fault_description": "三楼的尿机坏了",
    }
    found = values_of(
        interpret(
            Message("啊歹势 不是三楼是四楼啦", None, []), IntakeState(READBACK, values), catalogue, rules
        )
    )
    assert found == {"site_address": "泉州市丰泽区刺桐路301号，门诊楼四楼"}


def test_a_fault_told_again_after_said_wrong_replaces_it(catalogue, rules) -> None:
    text = "哦不好意思刚才说的不对 打印机没事 是做完的结果传不到LIS上 医生那边看不到报告 得手工抄"
    found = values_of(interpret(Message(text, None, []), IntakeState(READBACK, FULL), catalogue, rules))
    assert found == {"fault_description": "做完的结果传不到LIS上，医生那边看不到报告，得手工抄"}


def test_said_wrong_with_another_field_named_corrects_that_field(catalogue, rules) -> None:
    text = "刚才说错了 地址是许昌市魏都区健康路3号"
    found = values_of(interpret(Message(text, None, []), IntakeState(READBACK, FULL), catalogue, rules))
    assert found == {"site_address": "许昌市魏都区健康路3号"}


def test_a_report_said_in_passing_keeps_its_department_and_a_fault_without_fillers(catalogue, rules) -> None:
    text = "好 那顺便报个修 发光仪MS-600 加样针老是报液面探测失败 免疫科 我叫覃卫国 电话0771-5523186 转 802"
    found = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert found["department"] == "免疫科" and found["contact_person"] == "覃卫国"
    # the device said on its own before the symptom is the device's, not part of the fault
    assert "MS-600" in found["device"] and found["fault_description"] == "加样针老是报液面探测失败"


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("电话后四位是2354 我刚才说颠倒了", "13939012354"),
        ("手机最后两位应该是54", "13939012354"),
        ("号码后四位 二三五四", "13939012354"),
        ("电话最后一位是8", "13939012348"),
    ],
)
def test_the_end_of_a_phone_said_again_replaces_only_those_digits(text, phone, catalogue, rules) -> None:
    assert commands(text, READBACK, catalogue, rules, values=FULL) == [("correct", "contact_phone", phone)]


def test_a_street_said_whole_in_place_of_another_keeps_the_building(catalogue, rules) -> None:
    values = {**FULL, "site_address": "魏都区健康路1号门诊楼三楼"}
    found = commands("不是健康路 是许昌市魏都区文峰路27号", READBACK, catalogue, rules, values=values)
    assert found == [("correct", "site_address", "许昌市魏都区文峰路27号门诊楼三楼")]


def test_a_fault_said_wrong_takes_all_that_is_told_after_the_right_word(catalogue, rules) -> None:
    found = commands(
        "不是样本针 是试剂针撞了 一直报Z轴报警 复位不了", READBACK, catalogue, rules, values=FULL
    )
    assert found[0][:2] == ("correct", "fault_description")
    assert "试剂针" in found[0][2] and "复位不了" in found[0][2] and "不是" not in found[0][2]


def test_two_fields_corrected_in_one_breath(catalogue, rules) -> None:
    found = commands(
        "哦 科室说错了 我们是生化室 不是急诊检验室 另外名字是冯韬 三点水的那个韬",
        READBACK,
        catalogue,
        rules,
        values=FULL,
    )
    assert ("correct", "department", "生化室") in found
    assert ("correct", "contact_person", "冯韬") in found


def test_a_phone_read_out_in_groups_of_chinese_digits(catalogue, rules) -> None:
    text = (
        "喂 我是许昌市中心医院检验科的 我姓阎 阎立新 电话幺五八 三七六二 零九四一 "
        "我们那台生化仪样本针撞了 直接派人"
    )
    assert (
        values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))[
            "contact_phone"
        ]
        == "15837620941"
    )


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("铭牌没去看 你们直接派人吧 住院部的血常规全停了", {"clinical_impact": "住院部的血常规全停了"}),
        (
            "找不着 直接派人 联系人乌兰 13947650011",
            {"contact_person": "乌兰", "contact_phone": "13947650011"},
        ),
    ],
)
def test_what_is_said_with_a_skipped_serial_is_kept(text, kept, catalogue, rules) -> None:
    values = {
        k: v for k, v in FULL.items() if k not in ("serial_number", "clinical_impact", "contact_person")
    }
    found = commands(text, "serial_number", catalogue, rules, values={**values, "contact_phone": None})
    assert found[0] == ("skip", "serial_number", None)
    assert {field: value for _, field, value in found[1:]} == kept


def test_a_homophone_in_the_hospital_said_with_its_name_is_no_contact(catalogue, rules) -> None:
    values = {**FULL, "hospital": "许昌市康华医院"}
    found = commands("名字不对 不是康华 是康和 和平的和", READBACK, catalogue, rules, values=values)
    assert found == [("correct", "hospital", "许昌市康和医院")]


def test_a_model_of_the_type_given_names_the_device_better(catalogue, rules) -> None:
    values = {"device": "尿液分析仪", "contact_person": "冯涛"}
    refined = commands("机器是UA-900 尿沉渣一直报气泡", "fault_description", catalogue, rules, values=values)
    assert ("set", "device", "尿液分析仪 UA-900") in refined
    other = commands("生化仪KR-800也有点问题", "fault_description", catalogue, rules, values=values)
    assert not [c for c in other if c[1] == "device"]


@pytest.mark.parametrize(
    "text",
    [
        "俺是临沂市沂河康复医院化验室的 尿机不吸样了 地方是临沂市兰山区沂河路128号 门诊楼三楼 直接派人",
        "我们是太原市晋阳湖医院免疫室的，发光仪撞针了。医院地址太原市晋源区晋阳湖路17号，直接派工程师。",
    ],
)
def test_an_address_said_with_the_words_for_a_place(text, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["site_address"].endswith("号") or "号，" in values["site_address"]
    assert "地方" not in values["fault_description"] and "地址" not in values["fault_description"]


def test_a_name_said_with_its_cue_to_another_question_is_taken(catalogue, rules) -> None:
    values = {k: v for k, v in FULL.items() if k not in ("contact_person", "site_address")}
    found = commands(
        "行 我叫郗文涛 地址许昌市魏都区健康路1号", "site_address", catalogue, rules, values=values
    )
    assert ("set", "contact_person", "郗文涛") in found


def test_where_the_device_is_said_wrong_corrects_the_department(catalogue, rules) -> None:
    found = commands(
        "哎我搞错了 机器不在急诊检验室 在住院部的生化室", READBACK, catalogue, rules, values=FULL
    )
    assert found == [("correct", "department", "住院部生化室")]


def test_a_serial_in_a_question_about_another_device_leaves_the_report_alone(catalogue, rules) -> None:
    found = commands(
        "对了顺便问下 我们科那台发光仪MS25080632还在保修期吗",
        "site_address",
        catalogue,
        rules,
        values=FULL,
        intent="check_warranty",
    )
    assert not [c for c in found if c[1] in ("serial_number", "device")]


def test_a_whole_registration_said_to_the_device_question_gives_the_name_before_the_phone(
    catalogue, rules
) -> None:
    text = "定西市安定医院检验科 滕秀兰 13700916485 型号CA-560 序列号CA25040196 地址定西市安定区永定路52号"
    values = values_of(interpret(Message(text, None, []), IntakeState("device", {}), catalogue, rules))
    assert values["contact_person"] == "滕秀兰" and values["hospital"] == "定西市安定医院"


def test_the_rest_of_a_registration_said_leaving_a_walk_is_read_as_a_report(catalogue, rules) -> None:
    text = "那就派人吧 包头市青山医院生化室 朝鲁 13900098527 序列号KR24070658 地址包头市青山区幸福路8号"
    values = values_of(read_fields(Message(text, None, []), IntakeState(None, {}), catalogue, rules))
    assert values["site_address"] == "包头市青山区幸福路8号" and values["contact_person"] == "朝鲁"


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("我们检验科那个糖化仪坏了 开机以后压力一直上不去", "糖化仪"),
        ("科里的酶标仪读数跳得厉害", "酶标仪"),
        ("我们的仪器坏了 开不了机", None),
        # with its model: a name with Latin letters, a workstation
        ("我们科实时荧光PCR仪 QF-48 跑到一半报热盖故障", "实时荧光PCR仪 QF-48"),
        ("那台酶免工作站 MW-300 洗板针堵了", "酶免工作站 MW-300"),
        ("细菌鉴定系统 BD-120 开机自检不过", "细菌鉴定系统 BD-120"),
    ],
)
def test_an_instrument_outside_the_catalogue_is_kept_as_named(text, device, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values.get("device") == device


def test_the_floor_said_wrong_changes_only_the_floor(catalogue, rules) -> None:
    values = {**FULL, "site_address": "许昌市魏都区健康路1号门诊楼五楼"}
    found = commands("楼层说错了 是六楼", READBACK, catalogue, rules, values=values)
    assert found == [("correct", "site_address", "许昌市魏都区健康路1号门诊楼六楼")]


def test_a_numbered_hospital_called_by_its_short_name(catalogue, rules) -> None:
    values = {**FULL, "hospital": "许昌市第二人民医院"}
    found = commands("医院说错了 不是二院 是三院", READBACK, catalogue, rules, values=values)
    assert found == [("correct", "hospital", "许昌市第三人民医院")]


def test_a_form_one_field_a_line_with_its_header_and_remarks(catalogue, rules) -> None:
    # half-width colons, a field's name alone on its line, a value running on to the next line
    text = (
        "【设备报修】\n所在医院: 绵阳市涪城区安和医院\n报修科室: 输血科\n联系人: 司马文静\n"
        "联系电话: 0816-2345678\n仪器名称: 血型分析仪\n故障说明:\n离心机转不起来，一开就报E-07\n"
        "所在地址:\n绵阳市涪城区临园路东段66号\n住院楼三楼\n影响范围: 配血做不了，手术病人在等\n"
        "其他: 能不能今天下午来"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values == {
        "hospital": "绵阳市涪城区安和医院",
        "department": "输血科",
        "contact_person": "司马文静",
        "contact_phone": "0816-2345678",
        "device": "血型分析仪",
        "fault_description": "离心机转不起来，一开就报E-07",
        "site_address": "绵阳市涪城区临园路东段66号，住院楼三楼",
        "clinical_impact": "配血做不了，手术病人在等",
    }
    assert rules.impact_of(values["clinical_impact"]).urgent


def test_a_form_on_one_line_leaves_its_header_and_remark_out_of_every_field(catalogue, rules) -> None:
    text = (
        "故障申报表 医院名称：吉安市青原区河东医院 科室：检验科 报修人：钟小英 电话：13907961234 "
        "故障现象：血球仪开机自检不过 报液路异常 所在地址：吉安市青原区河东大道8号 影响程度：不急，有备用机 "
        "备注：明天上午来就行"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["fault_description"] == "血球仪开机自检不过 报液路异常"
    assert values["site_address"] == "吉安市青原区河东大道8号"
    assert values["clinical_impact"] == "不急，有备用机"


def test_asides_of_a_free_text_report_stay_out_of_the_fault(catalogue, rules) -> None:
    text = (
        "凌晨一点多了 还有人接电话吗 运城市盐湖区河东医院急诊检验科 血气分析仪BG-800 一进样就报错E-12 "
        "能不能先远程教我弄一下 十几个新生儿的血样在等 联系人郭春燕 电话13835901234 "
        "地址运城市盐湖区解放路12号"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert "报错E-12" in values["fault_description"]
    assert not any(word in values["fault_description"] for word in ("凌晨", "有人", "远程", "郭春燕"))
    assert rules.impact_of(values["clinical_impact"]).urgent
    assert values["site_address"] == "运城市盐湖区解放路12号"


def test_not_urgent_said_later_beats_the_impact_read_from_the_report(catalogue, rules) -> None:
    # 「设备停机，临床工作中断」 was read from 「…做不了」; the caller's 「不着急」 comes with other details
    text = "联系人邵丽 电话13700001234 地址丽水市莲都区大众街5号 样本先冻着 不着急 下礼拜也行"
    inferred = {**FULL, "clinical_impact": "设备停机，临床工作中断"}
    found = values_of(
        interpret(Message(text, None, []), IntakeState("contact_person", inferred), catalogue, rules)
    )
    assert rules.impact_of(found["clinical_impact"]).urgent is False
    assert found["site_address"] == "丽水市莲都区大众街5号"
    # the caller's own words give way too when the urgency changes (「用不了」, then 「先手工做 不急」) …
    own = {**FULL, "clinical_impact": "门诊生化全停了"}
    found = values_of(
        interpret(Message(text, None, []), IntakeState("contact_person", own), catalogue, rules)
    )
    assert rules.impact_of(found["clinical_impact"]).urgent is False
    # … and are not replaced in passing by words of the same urgency
    same = "联系人邵丽 电话13700001234 病人都在等"
    found = values_of(
        interpret(Message(same, None, []), IntakeState("contact_person", own), catalogue, rules)
    )
    assert "clinical_impact" not in found


def test_a_department_the_tagger_cut_short_keeps_its_room(catalogue, rules) -> None:
    text = "营口市站前区渤海医院新生儿科检验室 血气分析仪一进样就报E-12"
    entities = [{"entity": "department", "value": "新生儿科"}]
    values = values_of(interpret(Message(text, "report_fault", entities), IntakeState(), catalogue, rules))
    assert values["department"] == "新生儿科检验室"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        # the field named, then 「也说错了」/「也不对」 and a dialect's 说错 (咧, 啦, 喽)
        ("科室也写错啦 是病理科", "department", "病理科"),
        ("电话也不对 13612345678", "contact_phone", "13612345678"),
        ("毛病说错咧 开机以后一直报E-07", "fault_description", "开机以后一直报E-07"),
        ("毛病讲错了 屏幕是亮的 就是按键没反应", "fault_description", "屏幕是亮的 就是按键没反应"),
    ],
)
def test_a_field_said_wrong_in_everyday_and_dialect_words_is_corrected(
    text, field, value, catalogue, rules
) -> None:
    found = commands(text, "registration_confirmed", catalogue, rules, values=FULL)
    assert found == [("correct", field, value)]


@pytest.mark.parametrize(
    ("name", "text", "wanted"),
    [
        ("上官婉清", "名字最后一个字写错了 是晴天的晴", "上官婉晴"),
        ("冯涛", "第二个字不对 应该是波涛的涛", None),  # already right: nothing to change
        ("冯涛", "联系人第二个字写错了，是海洋的洋", "冯洋"),
        ("欧阳明远", "第一个字写错了 是区域的区", "区阳明远"),
        ("李晓东", "中间那个字说错咧 是春晓的晓", None),
        ("李小东", "中间那个字说错了 是春晓的晓", "李晓东"),
        ("李小东", "中间的字是拂晓的晓", "李晓东"),
    ],
)
def test_one_character_of_the_name_put_right(name, text, wanted, catalogue, rules) -> None:
    found = commands(
        text, "registration_confirmed", catalogue, rules, values={**FULL, "contact_person": name}
    )
    people = [value for do, field, value in found if field == "contact_person"]
    assert people == ([wanted] if wanted else [])


def test_a_character_told_by_a_word_that_does_not_hold_it_changes_nothing(catalogue, rules) -> None:
    found = commands("最后一个字是晴天的亮", "registration_confirmed", catalogue, rules, values=FULL)
    assert [f for _, f, _ in found if f == "contact_person"] == []


@pytest.mark.parametrize(
    ("text", "do"),
    [
        # a question after the wait word is asked now; a wait is a wait
        ("等一下 先问一句 过了保修期以后上门费怎么算", []),
        ("稍等 请问你们周末有工程师吗", []),
        ("等会儿 我去问问科长这台机子的序列号", ["wait"]),
        ("等下 我去机器后面看看序列号是多少", ["wait"]),
    ],
)
def test_a_question_after_a_wait_word_is_no_wait(text, do, catalogue, rules) -> None:
    found = commands(text, "site_address", catalogue, rules, values={**FULL, "site_address": None})
    assert [c[0] for c in found if c[0] == "wait"] == do


@pytest.mark.parametrize(
    "text", ["算了先不登记了 我得问问科长再说", "先不报了吧 回头再说", "不报了不报了 我请示一下领导"]
)
def test_a_registration_put_off_is_cancelled_not_a_question(text, catalogue, rules) -> None:
    assert [c[0] for c in commands(text, "contact_phone", catalogue, rules, values=FULL)] == ["cancel"]


@pytest.mark.parametrize(
    "text",
    [
        "护士长说还是得报 你那边刚才说的还记着吧",
        "主任同意了 刚才登记的信息还在吧 继续登记",
        "那还是登记吧 接着来",
    ],
)
def test_a_put_off_registration_comes_back_in_other_words(text, catalogue, rules) -> None:
    assert commands(text, None, catalogue, rules, cancelled=True)[:1] == [("restore", None, None)]


@pytest.mark.parametrize(
    ("text", "fault", "impact"),
    [
        # the impact said inside a one-message report goes to the impact, in the caller's words
        (
            "南阳市卧龙区宛城医院检验科 生化仪KR-800 比色杯报温度异常 病房十几个病人等着出结果 远程不用了",
            "比色杯报温度异常",
            "病房十几个病人等着出结果",
        ),
        (
            "商丘市睢阳区归德医院急诊科 电解质仪EL-300 钠电极漂移报警 不过不急 我们还有一台备用机在用",
            "钠电极漂移报警",
            "不过不急，我们还有一台备用机在用",
        ),
    ],
)
def test_the_impact_in_a_one_message_report_is_kept_out_of_the_fault(
    text, fault, impact, catalogue, rules
) -> None:
    found = dict((f, v) for _, f, v in commands(text, None, catalogue, rules, intent="report_fault"))
    assert found["fault_description"].endswith(fault)
    assert found["clinical_impact"] == impact


def test_an_alarm_code_after_an_alarm_word_is_no_model(catalogue, rules) -> None:
    found = dict((f, v) for _, f, v in commands("尿机开机就报E-12 做不了", None, catalogue, rules))
    assert "E-12" not in found["device"] and "E-12" in found["fault_description"]


@pytest.mark.parametrize(
    ("text", "requested"),
    [
        ("在弄了 弄到第二步又报了个E-415 缓冲液不足", "serial_number"),
        ("刚又跳出来一个Err-22", "site_address"),
    ],
)
def test_a_new_alarm_to_any_question_goes_on_the_fault(text, requested, catalogue, rules) -> None:
    values = {**FULL, requested: None}
    found = commands(text, requested, catalogue, rules, values=values)
    faults = [v for do, f, v in found if f == "fault_description"]
    assert (
        faults and faults[0].startswith(FULL["fault_description"]) and re.search(r"E(?:rr)?-\d+", faults[0])
    )
    assert not [f for _, f, _ in found if f in ("serial_number", "contact_person")]


def test_a_colleague_named_at_the_read_back_replaces_the_contact(catalogue, rules) -> None:
    found = commands(
        "可以 只是联系人换成我们科的同事欧丽萍 手机15937720418", READBACK, catalogue, rules, values=FULL
    )
    assert ("correct", "contact_person", "欧丽萍") in found and (
        "correct",
        "contact_phone",
        "15937720418",
    ) in found


def test_a_question_after_a_wait_word_at_the_read_back_is_no_wait(catalogue, rules) -> None:
    found = commands("稍等 想问一下 过保以后换配件贵不贵", READBACK, catalogue, rules, values=FULL)
    assert "wait" not in [c[0] for c in found]


def test_a_character_of_the_name_said_wrong_leaves_the_fault_alone(catalogue, rules) -> None:
    found = commands(
        "名字第二个字写错了 是波涛的涛", READBACK, catalogue, rules, values={**FULL, "contact_person": "冯滔"}
    )
    assert found == [("correct", "contact_person", "冯涛")]


@pytest.mark.parametrize(
    "text",
    [
        "地址许昌市魏都区健康路1号 联系人孙丽 13812345678 另外血球仪也坏了 一直报堵孔",
        "孙丽 电话13812345678 还有隔壁那台尿机UA-900试纸条走不动了",
    ],
)
def test_another_devices_fault_said_with_the_details_is_its_own_not_this_ones(text, catalogue, rules) -> None:
    values = {
        f: v for f, v in FULL.items() if f in ("fault_description", "device", "serial_number", "hospital")
    }
    found = interpret(Message(text, None, []), IntakeState("site_address", values), catalogue, rules)
    assert values_of(found)["contact_phone"] == "13812345678"
    assert "fault_description" not in values_of(found) and "device" not in values_of(found)
    (other,) = [c.value for c in found if c.do is Do.ANOTHER_DEVICE]
    assert other.device != FULL["device"] and re.search("堵孔|试纸条", other.fault)


def test_a_question_about_another_device_registers_no_device(catalogue, rules) -> None:
    values = {"fault_description": "样本针撞针了", "device": FULL["device"]}
    found = commands("顺便问下 血球仪还在保修期吗", "site_address", catalogue, rules, values=values)
    assert all(do != "another_device" for do, _, _ in found)


@pytest.mark.parametrize(
    ("text", "field", "wanted"),
    [
        ("行 不过联系人改成同事鲍志强", "contact_person", "鲍志强"),
        ("没问题 但是电话换成13566120473", "contact_phone", "13566120473"),
    ],
)
def test_a_field_named_after_but_at_the_read_back_is_corrected(text, field, wanted, catalogue, rules) -> None:
    found = commands(text, READBACK, catalogue, rules, values=FULL)
    assert ("correct", field, wanted) in found and all(do != "confirm" for do, _, _ in found)


@pytest.mark.parametrize(
    ("text", "field", "current", "wanted"),
    [
        # the right word first: 「是X 不是Y」
        ("电话中间那几位我说反了 是2609 不是2690", "contact_phone", "13826904411", "13826094411"),
        # one character of the serial by its place, from the end or the start
        ("序列号倒数第三位应该是5 不是2", "serial_number", "BC24120218", "BC24120518"),
        ("哎呀 编号我抄错了 第四位是3", "serial_number", "UA21060177", "UA23060177"),
        ("机身上的序列号我又看了一遍 最后一位是9不是0", "serial_number", "KI25030410", "KI25030419"),
    ],
)
def test_a_part_of_a_code_put_right_changes_that_code_only(
    text, field, current, wanted, catalogue, rules
) -> None:
    found = commands(text, READBACK, catalogue, rules, values={**FULL, field: current})
    assert found == [("correct", field, wanted)]


def test_the_serials_last_digit_is_never_the_phones(catalogue, rules) -> None:
    found = commands(
        "序列号最后一位是2", READBACK, catalogue, rules, values={**FULL, "serial_number": "BC99990011"}
    )
    assert [f for _, f, _ in found] == ["serial_number"]


@pytest.mark.parametrize(
    "text",
    [
        "问清楚了 洛阳市西工区中州中路300号 在住院部三楼 病房的血常规都停了",
        "地址找到了，洛阳市西工区中州中路300号",
    ],
)
def test_an_address_left_open_is_taken_when_said_later(text, catalogue, rules) -> None:
    found = commands(text, READBACK, catalogue, rules, values={**FULL, "site_address": "未提供"})
    values = values_of([_command(c) for c in found])
    assert values["site_address"].startswith("洛阳市西工区中州中路300号")
    assert "中州中路" not in str(values.get("clinical_impact") or "")


@pytest.mark.parametrize(
    ("text", "added"),
    [
        ("故障再补充一句 今天又出了个E-09 你帮我记上", "今天又出了个E-09"),
        ("故障那儿加一条：打印机也不出纸了", "打印机也不出纸了"),
    ],
)
def test_more_of_the_fault_said_after_its_name_is_added_not_replacing(text, added, catalogue, rules) -> None:
    found = commands(text, READBACK, catalogue, rules, values=FULL)
    assert found == [("correct", "fault_description", f"{FULL['fault_description']}；{added}")]


def test_a_fault_said_anew_that_starts_with_a_word_like_adding_replaces_it(catalogue, rules) -> None:
    assert commands("故障改成加样针撞针", READBACK, catalogue, rules, values=FULL) == [
        ("correct", "fault_description", "加样针撞针")
    ]


def test_a_form_with_english_labels_is_read_row_by_row(catalogue, rules) -> None:
    text = (
        "Hospital：南京市鼓楼区金陵康复医院\nDept：检验科生化组\nContact：沈丽华\nPhone：13851726604\n"
        "Device：生化仪\nSerial：KR99990861\nIssue：比色杯温度上不去\nLocation：南京市鼓楼区中山北路321号三楼\n"
        "Remote：不需要"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["hospital"] == "南京市鼓楼区金陵康复医院" and values["department"] == "检验科生化组"
    assert values["contact_person"] == "沈丽华" and values["contact_phone"] == "13851726604"
    assert values["serial_number"] == "KR99990861" and values["site_address"].startswith(
        "南京市鼓楼区中山北路321号"
    )
    assert values["fault_description"] == "比色杯温度上不去"


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("不报修了 只是想问问 质控偏高一般怎么处理", "质控偏高一般怎么处理"),
        ("算了不修了 就问一下 开瓶的试剂能放几天", "开瓶的试剂能放几天"),
        ("试剂换批号要定标吗", "试剂换批号要定标吗"),  # no report left: the question as said
        ("先不报了 我问问主任再说", "先不报了 我问问主任再说"),  # someone else is asked, no question here
    ],
)
def test_the_question_asked_instead_of_a_report_is_read_alone(text: str, question: str) -> None:
    assert question_on_leaving(text) == question


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # numbers in brackets; labels made of a field's word with another before or after it
        (
            "⑴客户名称：开封市龙亭区汴京康乐医院\n⑵申报科室：输血科\n⑶现场负责人：杜秋菊\n"
            "⑷负责人手机：139 3781 5520\n⑸设备名称：血型分析仪\n⑹产品编号：KR99990517\n"
            "⑺问题表现：离心后卡在读板位 一直报读板超时\n⑻存放位置：开封市龙亭区中山路北段88号医技楼二楼\n"
            "⑼对业务影响：配血全靠手工 手术在等血",
            {
                "hospital": "开封市龙亭区汴京康乐医院",
                "department": "输血科",
                "contact_person": "杜秋菊",
                "contact_phone": "13937815520",
                "serial_number": "KR99990517",
                "fault_description": "离心后卡在读板位 一直报读板超时",
                "site_address": "开封市龙亭区中山路北段88号医技楼二楼",
                "clinical_impact": "配血全靠手工 手术在等血",
            },
        ),
        # a row naming two fields over one value gives each its part
        (
            "单位/科室：周口市川汇区沙颍康宁医院急诊化验室\n报修人、电话：骆春燕 15903948826\n"
            "仪器：电解质分析仪EL-300\n故障现象：钾电极一直漂 定标不过",
            {
                "hospital": "周口市川汇区沙颍康宁医院",
                "department": "急诊化验室",
                "contact_person": "骆春燕",
                "contact_phone": "15903948826",
                "fault_description": "钾电极一直漂 定标不过",
            },
        ),
        # the parts apart by slashes (not the slash of S/N), the check declined left out of the fault
        (
            "急修/商丘市睢阳区归德仁和医院/生化室/生化仪KR-800/S/N KR99990733/反应盘转不动 报电机超时"
            "/商丘市睢阳区神火大道17号二楼/联系人 宋晓梅/13837045561/不做排查",
            {
                "hospital": "商丘市睢阳区归德仁和医院",
                "department": "生化室",
                "serial_number": "KR99990733",
                "contact_person": "宋晓梅",
                "contact_phone": "13837045561",
                "site_address": "商丘市睢阳区神火大道17号二楼",
                "fault_description": "反应盘转不动 报电机超时",
            },
        ),
        # written as sentences: the serial in brackets after the device, a full stop after the address
        (
            "九江市浔阳区庐山康和医院输血科报修：血型分析仪（序列号KR99990642）离心机转速上不去，报离心超时。"
            "联系人：甘丽萍，电话：138-7921-5530。地址：九江市浔阳区浔阳东路66号住院楼二楼。不用远程，请派人。",
            {
                "serial_number": "KR99990642",
                "fault_description": "离心机转速上不去，报离心超时",
                "site_address": "九江市浔阳区浔阳东路66号住院楼二楼",
            },
        ),
        # rows apart by bars, numbered in Roman numerals or in brackets
        (
            "单位：宁德市蕉城区闽东仁和医院 | 部门：检验科 | 报修人：缪春兰 | 手机：13859372241 "
            "| 故障：尿机报取条失败",
            {"department": "检验科", "contact_person": "缪春兰", "fault_description": "尿机报取条失败"},
        ),
        (
            "Ⅰ.医院：宁德市蕉城区闽东仁和医院\nⅡ.科室：生化室\n[3]联系人：缪春兰\n[4]电话：13859372241",
            {"department": "生化室", "contact_person": "缪春兰", "contact_phone": "13859372241"},
        ),
        # rows the registration has no field for run into no other row's value; an alarm code's row is the
        # fault's
        (
            "申请日期：2026-12-07\n客户名称：衢州市柯城区烂柯康宁医院\n设备品牌：康瑞\n仪器型号：KR-800\n"
            "保修状态：过保\n报警代码：E-207 反应盘定位失败\n联系人：祝红霞\n联系电话：13905703318",
            {
                "hospital": "衢州市柯城区烂柯康宁医院",
                "fault_description": "E-207 反应盘定位失败",
                "contact_person": "祝红霞",
                "contact_phone": "13905703318",
            },
        ),
        # 【】 labels on one line; a compound surname with the phone in brackets after it
        (
            "【单位】漳州市芗城区丹霞医院 【部门】急诊生化室 【报修人】欧阳倩（电话13860512274） "
            "【机型】KR-800 生化分析仪 【故障现象】比色杯清洗后一直报水空白超限 "
            "【装机地址】漳州市芗城区胜利西路88号",
            {
                "department": "急诊生化室",
                "contact_person": "欧阳倩",
                "contact_phone": "13860512274",
                "fault_description": "比色杯清洗后一直报水空白超限",
                "site_address": "漳州市芗城区胜利西路88号",
            },
        ),
        # English labels, a mobile typed in groups, a line of its own about the remote check in no field
        (
            "Hospital: 宁波市鄞州区东湖医院\nDept: 急诊检验室\nContact: 俞静\nMobile: 158 6702 4419\n"
            "Device: 生化分析仪 KR-800\nSite: 宁波市鄞州区天童南路500号\nProblem: 反应盘转不动，报电机超时\n"
            "Impact: 急诊生化全停了\nRemote guidance not needed, send someone please.",
            {
                "contact_person": "俞静",
                "contact_phone": "15867024419",
                "clinical_impact": "急诊生化全停了",
                "site_address": "宁波市鄞州区天童南路500号",
            },
        ),
    ],
)
def test_a_whole_report_fills_each_field_its_label_or_its_part_names(text, wanted, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert {field: values.get(field) for field in wanted} == wanted


@pytest.mark.parametrize(
    ("text", "tagged", "name"),
    [
        ("报修人邝玉珍 手机15870236614", "人邝", "邝玉珍"),
        ("现场联系人欧阳明亮，座机0794-8263310", "人欧阳", "欧阳明亮"),
        ("负责人龙秋月电话18907458823", "人龙秋", "龙秋月"),
    ],
)
def test_a_name_nlu_cut_across_its_label_is_the_name_said_after_the_label(
    text, tagged, name, catalogue, rules
) -> None:
    start = text.index(tagged)
    entities = [{"entity": "person", "value": tagged, "start": start, "end": start + len(tagged)}]
    found = interpret(Message(text, "inform", entities), IntakeState("contact_person", {}), catalogue, rules)
    assert values_of(found)["contact_person"] == name


VAGUE = {
    "fault_description": "尿液分析仪坏了",
    "device": "尿液分析仪",
    "hospital": "驻马店市驿城区天中康宁医院",
}


@pytest.mark.parametrize(
    ("text", "requested", "wanted"),
    [
        # the symptom said later, with the serial skipped, replaces a fault that only named the device
        (
            "送样轨道老是卡住 报传送超时 编号没时间找 直接派人",
            "serial_number",
            {"serial_number": None, "fault_description": "送样轨道老是卡住，报传送超时"},
        ),
        (
            "干化学那边读不出来 报反射光异常",
            "department",
            {"fault_description": "干化学那边读不出来，报反射光异常"},
        ),
        ("试纸条送不进去 定标也失败", "contact_person", {"fault_description": "试纸条送不进去，定标也失败"}),
        # to the fault question: the symptom, and the serial skipped in the same breath
        (
            "试纸条吸不进去 一直报取条失败 铭牌看不清",
            "fault_description",
            {"serial_number": None, "fault_description": "试纸条吸不进去 一直报取条失败"},
        ),
        # the serial said missing to the fault question is no fault
        ("序列号找不到", "fault_description", {"serial_number": None}),
    ],
)
def test_the_symptom_said_after_a_bare_device_is_the_fault(text, requested, wanted, catalogue, rules) -> None:
    values = (
        VAGUE
        if requested != "fault_description"
        else {k: v for k, v in VAGUE.items() if k != "fault_description"}
    )
    found = interpret(Message(text, "inform", []), IntakeState(requested, values), catalogue, rules)
    assert values_of(found) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("手机老没信号 打不通的话就打检验科座机 0717-6281935", "13972015836、0717-6281935"),
        ("还有一个座机0717-6281935", "13972015836、0717-6281935"),
        ("另外一个手机 15171803322 也是我的", "13972015836、15171803322"),
        ("打科室座机也行 0717-6281935", "13972015836、0717-6281935"),
        # said to be instead of the first
        ("电话改成座机 0717-6281935 手机别打了", "0717-6281935"),
    ],
)
def test_another_phone_is_kept_beside_the_first_unless_the_first_is_said_wrong(
    text, wanted, catalogue, rules
) -> None:
    known = {**FULL, "contact_phone": "13972015836"}
    found = interpret(Message(text, "inform", []), IntakeState("clinical_impact", known), catalogue, rules)
    assert values_of(found) == {"contact_phone": wanted}


def test_a_third_phone_is_kept_with_the_first_only(catalogue, rules) -> None:
    known = {**FULL, "contact_phone": "13972015836、0717-6281935"}
    text = "再留个手机 15171803322"
    found = interpret(Message(text, "inform", []), IntakeState("site_address", known), catalogue, rules)
    assert values_of(found) == {"contact_phone": "13972015836、15171803322"}


def test_the_name_among_words_about_whom_after_the_contact_label(catalogue, rules) -> None:
    text = "联系人填我们科长吧 尤秋萍 手机13951076628 地址南通市崇川区工农路158号二楼"
    found = interpret(Message(text, "inform", []), IntakeState("site_address", {}), catalogue, rules)
    assert values_of(found)["contact_person"] == "尤秋萍"


def test_a_model_put_right_keeps_the_type_and_the_code_whole(catalogue, rules) -> None:
    values = {**FULL, "device": "酶标仪 MR-360"}
    found = commands("型号我报错了，不是360，是MR-630，别的都对", READBACK, catalogue, rules, values=values)
    assert found == [("correct", "device", "酶标仪 MR-630")]
    # the model said only in the fault: put right there, whole, and 「别的都对」 is no part of the fault
    values = {**FULL, "device": None, "fault_description": "酶标仪 MR-360，读板时报滤光片错误"}
    found = dict(
        (f, v)
        for _, f, v in commands("不是360，是MR-630，序列号没错", "device", catalogue, rules, values=values)
    )
    assert "MR-360" not in found["fault_description"] and "MR-MR" not in found["fault_description"]
    assert "序列号" not in found["fault_description"]


def test_a_fault_grown_worse_is_added_and_what_it_stops_becomes_the_impact(catalogue, rules) -> None:
    values = {**FULL, "fault_description": "吸光度偶尔跳一下", "clinical_impact": "还能用，不着急"}
    text = "稍等 刚才我们关机又开了一次，这会儿彻底不转了，住院部的生化全做不了，急死了"
    found = dict(
        (field, value) for _, field, value in commands(text, READBACK, catalogue, rules, values=values)
    )
    assert found["fault_description"] == "吸光度偶尔跳一下；这会儿彻底不转了"
    assert found["clinical_impact"] == "住院部的生化全做不了，急死了"


@pytest.mark.parametrize(
    "said", ["哎不是，刚才是跟同事说话，还是要报，刚才讲的全不变", "还是得报修，信息照原来的"]
)
def test_the_words_that_restore_a_registration_change_nothing_in_it(said, catalogue, rules) -> None:
    assert commands(said, "contact_person", catalogue, rules, values=FULL) == []


def test_a_phone_said_with_a_serial_character_put_right_is_kept(catalogue, rules) -> None:
    values = {**FULL, "serial_number": "PT24100381", "contact_phone": None}
    text = "我叫温雅琴 手机13612750934 对了序列号倒数第一位是6 不是1"
    found = dict((f, v) for _, f, v in commands(text, "contact_phone", catalogue, rules, values=values))
    assert found["contact_phone"] == "13612750934" and found["serial_number"] == "PT24100386"


def test_the_model_said_wrong_is_put_right_with_its_serial_and_the_other_device_named_stays_out(
    catalogue, rules
) -> None:
    values = {
        **FULL,
        "device": "全自动生化分析仪 KR-2000",
        "fault_description": "生化仪KR-2000，试剂针撞针",
        "serial_number": "KR23050112",
    }
    text = "弄错了 坏的不是KR-2000 是KR-800 KR-2000是楼上那台 序列号也改一下 是KR24110093"
    found = dict((f, v) for _, f, v in commands(text, READBACK, catalogue, rules, values=values))
    assert found["device"] == "全自动生化分析仪 KR-800" and found["serial_number"] == "KR24110093"
    assert found["fault_description"] == "试剂针撞针"  # the device is its own field


@pytest.mark.parametrize(
    ("text", "wanted", "urgent"),
    [
        # parts apart by slashes, the name and phone in one part, a queue counted after 排了
        (
            "许昌市魏都区颍河医院/检验科/血凝仪 CA-560/序列号CA24050912/加样臂抬不起来，报Z轴电机异常"
            "/门诊凝血排了二十多号人/白秀兰 13903746621/许昌市魏都区文峰路66号/别远程了，派个师傅",
            {
                "contact_person": "白秀兰",
                "contact_phone": "13903746621",
                "clinical_impact": "门诊凝血排了二十多号人",
            },
            True,
        ),
        # what the clinic cannot get (「…全出不来」) after 「机器停了」 is the impact too
        (
            "焦作市解放区山阳医院检验科，联系人牛建业，生化分析仪 KR-800，序列号KR99990815，"
            "今天中午开始比色杯卡住报错，机器停了，住院部的肝功五项全出不来，地址焦作市解放区民主南路20号",
            {"clinical_impact": "机器停了，住院部的肝功五项全出不来"},
            True,
        ),
        # bare lines: the patients' samples moved elsewhere and 「不耽误」 is not urgent
        (
            "赤峰市红山区昭乌达医院\n检验科\n血培养仪 XP-240\nXP24090233\n一个抽屉报温度偏低，瓶子读数不动\n"
            "病人的培养瓶先挪到另一个抽屉顶着，暂时不耽误\n其木格 15247613380\n赤峰市红山区钢铁街18号",
            {"contact_person": "其木格", "fault_description": "一个抽屉报温度偏低，瓶子读数不动"},
            False,
        ),
        # who waits named by the clinic (「输液室那边在等」 is no 急诊), and the samples kept for tomorrow
        (
            "宿迁市宿城区项王医院检验科报修，血凝仪 CA-560，序列号CA24050913，加样针一直报液面探测失败，"
            "病房那边在等，联系人邵春燕，手机15251083347，地址宿迁市宿城区幸福中路9号",
            {"clinical_impact": "病房那边在等"},
            True,
        ),
        (
            "宿迁市宿城区项王医院检验科报修，酶标仪 MB-96，序列号MB24050914，读板一半就报滤光片错误，"
            "不过标本可以放冰箱明天再测，联系人邵春燕，手机15251083347，地址宿迁市宿城区幸福中路9号",
            {"clinical_impact": "不过标本可以放冰箱明天再测"},
            False,
        ),
    ],
)
def test_a_whole_report_keeps_the_impact_the_caller_said(text, wanted, urgent, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert {field: values.get(field) for field in wanted} == wanted
    assert rules.impact_of(values["clinical_impact"]).urgent is urgent


def test_a_voice_transcript_is_read_in_one_pass(catalogue, rules) -> None:
    # no punctuation, digits read as 幺/两/洞/拐, a model's number in tens, letters spelt out, dialect fillers
    text = (
        "喂是厂家吧我是绵阳市涪城区富乐医院检验科的我姓罗罗志强我们那个血气分析仪型号是字母Q然后X然后数字八十"
        "序列号QX两四洞五洞九幺两怎么搞的今天一开机就报电极温度异常门诊的血气全部等起的"
        "我电话一八拐幺洞两三六九五四地址是涪城区临园路八十八号莫得远程哈直接派个人过来"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["contact_phone"] == "18710236954"
    assert values["serial_number"] == "QX24050912"
    assert values["device"] == "血气分析仪 QX-80"
    assert values["contact_person"] == "罗志强"
    assert values["site_address"] == "涪城区临园路八十八号"
    assert values["fault_description"].startswith("今天一开机就报电极温度异常")
    assert not re.search("厂家|怎么搞|远程|罗志强", values["fault_description"])
    assert rules.impact_of(values["clinical_impact"]).urgent


def test_a_transcript_pauses_before_the_callers_own_phone(catalogue, rules) -> None:
    # 「…都在等我的手机是…」: 我 starts the phone's part, it does not end the impact
    text = (
        "喂你好我是宜昌市西陵区夷陵医院检验科的我叫覃晓梅我们的尿液分析仪序列号UA两五洞三幺幺四七"
        "一直报试纸条卡住门诊病人都在等我的手机是一三九七二零幺六八三五地址是西陵区东湖大道九十号不用远程直接派人"
    )
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["clinical_impact"] == "门诊病人都在等"
    assert values["contact_phone"] == "13972016835"


def test_a_phone_digit_put_right_in_words_changes_the_phone_not_a_digit_of_the_address(
    catalogue, rules
) -> None:
    values = {**FULL, "contact_phone": "13971234568", "site_address": "格尔木市昆仑路二十八号门诊楼"}
    found = commands("哎 电话最后一位说错了 是九不是八", "contact_person", catalogue, rules, values=values)
    assert found == [("correct", "contact_phone", "13971234569")]


def test_a_four_character_name_after_its_surname_is_the_contact(catalogue, rules) -> None:
    values = {**FULL, "contact_person": None, "contact_phone": None, "site_address": None}
    text = "不用排查 直接派人吧 我姓扎 扎西顿珠 电话幺三九 七幺二三 四五六八"
    found = dict((f, v) for _, f, v in commands(text, "site_address", catalogue, rules, values=values))
    assert found["contact_person"] == "扎西顿珠" and found["contact_phone"] == "13971234568"


@pytest.mark.parametrize(
    ("text", "field", "wanted"),
    [
        # one digit of the phone by its place, the field named or only the phone holding the wrong digit there
        ("手机号第四位说错了 是9", "contact_phone", "13999012345"),
        ("电话号码倒数第三位我念错了 应该是7", "contact_phone", "13939012745"),
        ("倒数第二位是零不是四", "contact_phone", "13939012305"),
    ],
)
def test_one_digit_of_the_phone_put_right_by_its_place(text, field, wanted, catalogue, rules) -> None:
    assert commands(text, READBACK, catalogue, rules, values=FULL) == [("correct", field, wanted)]


def test_a_department_put_right_with_its_building_keeps_the_department(catalogue, rules) -> None:
    found = commands(
        "科室也讲错了 不是急诊检验室 仪器在门诊楼的门诊化验室", READBACK, catalogue, rules, values=FULL
    )
    assert found == [("correct", "department", "门诊化验室")]


def test_the_contact_handed_over_to_a_colleague_changes_name_and_phone(catalogue, rules) -> None:
    text = "对了 我五点就交班了 到时候让工程师找我同事胡晓东 他上夜班 电话15003716628"
    found = dict((f, v) for _, f, v in commands(text, READBACK, catalogue, rules, values=FULL))
    assert found == {"contact_person": "胡晓东", "contact_phone": "15003716628"}
    # a colleague only mentioned hands nothing over
    said = "我同事胡晓东也看过了 还是不行"
    assert "contact_person" not in dict(
        (f, v) for _, f, v in commands(said, READBACK, catalogue, rules, values=FULL)
    )


def test_an_address_put_right_after_a_story_keeps_only_the_address(catalogue, rules) -> None:
    text = "地址我讲错咯 那边是分院 设备在总院 许昌市魏都区七一路99号 综合楼五楼"
    assert commands(text, READBACK, catalogue, rules, values=FULL) == [
        ("correct", "site_address", "许昌市魏都区七一路99号，综合楼五楼")
    ]


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("型号不是800 是2000", "全自动生化分析仪 KR-2000"),  # the digits only: the series kept
        ("不是800，是KR-2000 科里新买的那台", "全自动生化分析仪 KR-2000"),
    ],
)
def test_a_model_put_right_by_its_number_keeps_the_device(text, wanted, catalogue, rules) -> None:
    assert commands(text, READBACK, catalogue, rules, values=FULL) == [("correct", "device", wanted)]


def test_a_fault_grown_worse_with_the_word_fault_in_it_is_added(catalogue, rules) -> None:
    text = "刚又看了一眼 现在干脆死机了 屏幕上一直报主板通讯故障"
    found = dict((f, v) for _, f, v in commands(text, READBACK, catalogue, rules, values=FULL))
    assert found["fault_description"] == "样本针撞针了；现在干脆死机了，屏幕上一直报主板通讯故障"


def test_an_impact_changed_at_the_readback_keeps_only_the_impact(catalogue, rules) -> None:
    values = {**FULL, "clinical_impact": "暂时影响不大"}
    text = "护士长刚过来说了 ICU两个病人的血气急查在等 这个要急"
    found = commands(text, READBACK, catalogue, rules, values=values)
    assert found == [("correct", "clinical_impact", "ICU两个病人的血气急查在等，这个要急")]
    assert rules.impact_of(found[0][2]).urgent


@pytest.mark.parametrize(
    "text", ["别介别介 科里说还是得修 就照刚才说的登记吧", "哎 那还得修 按之前讲的报上去"]
)
def test_a_cancel_taken_back_in_other_words_restores(text, catalogue, rules) -> None:
    assert commands(text, None, catalogue, rules, cancelled=True)[:1] == [("restore", None, None)]


def test_a_correction_said_to_another_question_answers_nothing(catalogue, rules) -> None:
    values = {**FULL, "clinical_impact": None}
    found = commands(
        "科室讲错了 不是急诊检验室 设备在住院楼的生化室", "clinical_impact", catalogue, rules, values=values
    )
    assert found == [("correct", "department", "生化室")]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("对 就是那台尿机 还是试纸条卡住", True),
        ("嗯 急诊那台血球仪 一直报堵孔", True),
        ("尿机是不是坏了", False),  # asks
        ("就那台生化仪", False),  # no fault
        ("好的 谢谢", False),
    ],
)
def test_a_device_and_its_fault_said_outside_a_form_is_a_report(text, fault, catalogue) -> None:
    assert names_a_faulty_device(text, catalogue) is fault


@pytest.mark.parametrize(
    "text", ["Remote guidance not needed, send someone please.", "no remote, send an engineer"]
)
def test_an_english_form_declining_the_check_declines_it(text) -> None:
    assert declines_checks(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "钦州市钦南区海湾医院/检验科/韦秀兰/138 7771 2045/血球仪 HX-H30/吸样针吸不上/急查的也在等",
            "韦秀兰",
        ),
        ("大理市洱海医院\n检验科\n杨丽华\n生化仪 KR-800 比色灯不亮\n急诊生化停了", "杨丽华"),
        ("梧州市万秀区西江医院/免疫室/莫琳/发光仪 MS-600/试剂针撞了", "莫琳"),
    ],
)
def test_a_bare_part_that_is_a_name_is_the_contact_not_the_fault(text, name, catalogue, rules) -> None:
    values = values_of(interpret(Message(text, "report_fault", []), IntakeState(), catalogue, rules))
    assert values["contact_person"] == name
    assert name not in values["fault_description"]


def test_the_callers_own_words_of_the_impact_replace_the_bots_reading(catalogue, rules) -> None:
    values = {**FULL, "clinical_impact": "设备停机，临床工作中断", "site_address": None}
    text = "地址大理市下关镇建设路9号 门诊的血常规压了二十多个"
    found = dict((f, v) for _, f, v in commands(text, "site_address", catalogue, rules, values=values))
    assert found["clinical_impact"] == "门诊的血常规压了二十多个"


def test_an_impact_changed_at_the_readback_keeps_who_waits(catalogue, rules) -> None:
    values = {**FULL, "clinical_impact": "先手工做 不急"}
    text = "刚才ICU来电话了 说两个病人等着血气结果 这下急了"
    found = commands(text, READBACK, catalogue, rules, values=values)
    assert found == [("correct", "clinical_impact", "刚才ICU来电话了，说两个病人等着血气结果，这下急了")]
