"""Reading registration fields out of what callers type."""

from __future__ import annotations

import pytest

from bot.catalogue import current_catalogue
from bot.intake import (
    Message,
    catalogue_device,
    city_of,
    extract_fields,
    find_ticket_number,
    find_ticket_numbers,
    normalise_phone,
    normalise_serial,
    only_agrees,
    phone_said_in_words,
    symptom_text,
)
from bot.triage import current_rules


def extract(text: str, intent: str = "inform", requested: str | None = None, entities=None) -> dict:
    return extract_fields(
        Message(text, intent, entities or []), requested, current_catalogue(), current_rules()
    )


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13912345678", "13912345678"),
        ("手机139 1234 5678", "13912345678"),
        ("电话是139-1234-5678", "13912345678"),
        ("幺三九一二三四五六七八", "13912345678"),
        ("座机0371-65432109", "0371-65432109"),
        ("037165432109", "0371-65432109"),
        ("+8613912345678", "13912345678"),
        ("12345", None),
        ("1391234567", None),
        ("不方便留", None),
    ],
)
def test_phone_numbers_are_normalised_or_refused(text: str, phone: str | None) -> None:
    assert normalise_phone(text) == phone


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        ("KR23060142", "KR23060142"),
        ("序列号是 kr23060142", "KR23060142"),
        ("SN20240518A", "SN20240518A"),
        ("SR202611210007", None),  # a ticket number is not a serial
        ("KR-2000", None),  # a model code is not a serial
        ("不知道", None),
    ],
)
def test_serials_are_normalised_and_not_confused_with_tickets_or_models(
    text: str, serial: str | None
) -> None:
    assert normalise_serial(text) == serial


def test_ticket_numbers_are_found_in_any_case() -> None:
    assert find_ticket_number("sr202611210007 到哪一步了") == "SR202611210007"
    assert find_ticket_number("我上午报的修呢") is None


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("工单 SR 二零二六 一二零六 零零一九 到哪了", "SR202612060019"),
        ("单号是二零二六一二零六零零一九", "SR202612060019"),
        ("编号 2026-1206-0019 的那个", "SR202612060019"),
        ("电话 幺三九一二三四五六七八", None),
        ("序列号 202612060019", None),
        ("设备编号 202612060019", None),
    ],
)
def test_ticket_numbers_read_out_on_the_phone(said: str, number: str | None) -> None:
    assert find_ticket_number(said) == number


@pytest.mark.parametrize(
    ("said", "numbers"),
    [
        ("SR202612060019和SR202612060020都到哪了", ["SR202612060019", "SR202612060020"]),
        ("sr202612060020 还有 SR202612060019 呢", ["SR202612060020", "SR202612060019"]),
        ("SR 二零二六一二零六零零一九 及 SR 二零二六一二零六零零二一", ["SR202612060019", "SR202612060021"]),
        ("SR202612060019 就是SR202612060019那张", ["SR202612060019"]),
        ("SR202612060019跟SR202612060022两张单", ["SR202612060019", "SR202612060022"]),
        ("我上午报的修呢", []),
    ],
)
def test_every_ticket_number_of_a_message_in_order(said: str, numbers: list[str]) -> None:
    assert find_ticket_numbers(said) == numbers


def test_first_report_keeps_device_description_and_urgency() -> None:
    found = extract(
        "你好，检验科的生化分析仪开机一直报温度异常，急诊样本在等",
        intent="report_fault",
        entities=[{"entity": "department", "value": "检验科"}],
    )
    assert found["device"] == "全自动生化分析仪"
    assert found["department"] == "检验科"
    assert found["fault_description"].startswith("检验科的生化分析仪开机一直报温度异常")
    assert "急诊" in found["clinical_impact"]


def test_model_code_in_any_spelling_names_the_device() -> None:
    assert extract("我们的kr2000加样针堵了", intent="report_fault")["device"] == "全自动生化分析仪 KR-2000"


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("我们那台生化仪啊 KR-1500 搅拌杆不转了", "全自动生化分析仪 KR-1500"),
        ("发光仪KR-i500做着做着就报抓杯失败", "化学发光免疫分析仪 KR-i500"),
        ("生化仪报温度异常，在门诊楼B-201室", "全自动生化分析仪"),  # a room, not a model
        # no type named: the series of a model the catalogue knows gives it
        ("尿沉渣UA-720 镜检图像全是模糊的", "尿液分析仪 UA-720"),
    ],
)
def test_a_model_the_catalogue_does_not_know_is_kept_with_the_device_type(text: str, device: str) -> None:
    assert extract(text, intent="report_fault")["device"] == device


@pytest.mark.parametrize(
    ("mentions", "device"),
    [
        (["生化仪", "KR-2000"], "全自动生化分析仪 KR-2000"),  # the model, wherever it was said
        (["康瑞", "生化仪"], "全自动生化分析仪"),  # a brand names no device
        (["那台机器"], None),
    ],
)
def test_a_catalogue_model_beats_a_device_type(mentions: list[str], device: str | None) -> None:
    assert catalogue_device(mentions, current_catalogue()) == device


def test_several_fields_in_one_message() -> None:
    found = extract(
        "我是王敏，电话13812345678，序列号KR23060142",
        entities=[{"entity": "person", "value": "王敏"}, {"entity": "phone", "value": "13812345678"}],
        requested="hospital",
    )
    assert found == {"contact_person": "王敏", "contact_phone": "13812345678", "serial_number": "KR23060142"}


def test_correction_at_the_confirmation_step() -> None:
    assert extract("电话写错了，是139 1234 5678", requested="registration_confirmed") == {
        "contact_phone": "13912345678"
    }
    assert extract("地址改成洛阳市涧西区长春路18号", requested="registration_confirmed") == {
        "site_address": "洛阳市涧西区长春路18号"
    }
    assert extract("科室是输血科", requested="registration_confirmed") == {"department": "输血科"}


def test_free_text_answers_only_the_requested_field() -> None:
    assert extract("郑州市嘉禾医院", requested="hospital") == {"hospital": "郑州市嘉禾医院"}
    assert extract("我姓张", requested="contact_person") == {"contact_person": "张"}
    assert extract("不影响，有备用机", intent="deny", requested="clinical_impact") == {
        "clinical_impact": "不影响，有备用机"
    }


def test_a_question_mid_form_fills_nothing() -> None:
    assert extract("保修期多久？", intent="ask_question", requested="clinical_impact") == {}
    assert extract("算了不报了", intent="cancel", requested="contact_phone") == {}


def test_city_from_address_or_hospital() -> None:
    assert city_of("洛阳市涧西区长春路18号", ["郑州", "洛阳"]) == "洛阳"
    assert city_of("开封市鼓楼区安和巷21号", ["郑州"]) == "开封"
    assert city_of("栾川县人民医院", ["栾川"]) == "栾川"
    assert city_of(None, ["郑州"]) is None


def test_cannot_find_the_serial_answers_the_serial_question_whatever_the_intent() -> None:
    assert extract("找不到", intent="request_human", requested="serial_number") == {"serial_number": "找不到"}
    assert extract("找不到", intent="cancel", requested="serial_number") == {}


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("我们检验科生化仪的打印机打不出来了", "打印机打不出来了"),
        ("你好，急诊化验室的KR-2000加样针堵了", "加样针堵了"),
        ("原子吸收点不着火", "点不着火"),
    ],
)
def test_symptom_text_leaves_out_caller_and_device(text: str, symptom: str) -> None:
    assert symptom_text(text, current_catalogue()) == symptom


def test_a_spaced_serial_is_not_read_as_a_phone_or_a_hospital() -> None:
    # What the statistical extractor made of 「序列号是 KI 2405 0311」: a hospital and a phone.
    guesses = [
        {"entity": "hospital", "value": "KI 2405", "extractor": "CRFEntityExtractor"},
        {"entity": "phone", "value": "0311", "extractor": "CRFEntityExtractor"},
    ]
    assert extract("序列号是 KI 2405 0311", requested="serial_number", entities=guesses) == {
        "serial_number": "KI24050311"
    }


def test_a_phone_found_by_the_regexes_is_still_taken() -> None:
    regex = [{"entity": "phone", "value": "13912345678", "extractor": "RegexEntityExtractor"}]
    assert extract("电话13912345678", entities=regex)["contact_phone"] == "13912345678"


@pytest.mark.parametrize(
    ("text", "person", "name"),
    [("我姓李，李红梅", "姓李", "李红梅"), ("我姓李", "姓李", "李"), ("王敏", "王敏", "王敏")],
)
def test_the_contact_is_the_full_name_when_the_caller_gives_one(text: str, person: str, name: str) -> None:
    entities = [{"entity": "person", "value": person, "extractor": "CRFEntityExtractor"}]
    assert extract(text, requested="contact_person", entities=entities)["contact_person"] == name


@pytest.mark.parametrize("text", ["开机就报错 温度报警 病人等着出报告呢", "不用试了直接派人"])
def test_chinese_without_a_code_is_no_answer_to_the_serial_question(text: str) -> None:
    assert "serial_number" not in extract(text, requested="serial_number")


def test_a_hospital_the_tagger_cut_short_keeps_its_city() -> None:
    entities = [{"entity": "hospital", "value": "第三人民医院", "extractor": "CRFEntityExtractor"}]
    found = extract("漯河市第三人民医院 检验科 报名培训", entities=entities)
    assert found["hospital"] == "漯河市第三人民医院"


def test_a_serial_right_after_a_phone_is_read_as_the_serial() -> None:
    assert normalise_serial("我是她同事任杰 13598200000 BC71009999这台还是堵孔") == "BC71009999"


@pytest.mark.parametrize(
    ("text", "agrees"),
    [
        ("系 冇错 提交", True),
        ("係 冇錯", True),
        ("对头 交上去嘛", True),
        ("对头 就是这样 提交嘛", True),
        ("嗯 就是这些 提交吧", True),
        ("中 没毛病", True),
        ("嗯呐 妥了", True),
        ("好 可以 提交了", True),
        ("系统报错", False),
        ("对 不过电话改一下", False),
    ],
)
def test_a_yes_is_read_in_the_callers_dialect(text: str, agrees: bool) -> None:
    assert only_agrees(text) is agrees


@pytest.mark.parametrize(
    ("said", "phone", "in_words"),
    [
        ("电话 幺三六 二五八八 零九一四", "13625880914", True),
        ("一三六二五八八零九一四", "13625880914", True),
        ("13625880914", "13625880914", False),
        ("手机136-2588-0914", "13625880914", False),
    ],
)
def test_a_phone_told_in_words_is_read_back(said: str, phone: str, in_words: bool) -> None:
    assert phone_said_in_words(said, phone) is in_words
