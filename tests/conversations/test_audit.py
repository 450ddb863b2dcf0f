"""The field audit run on every ticket of the conversation suite finds each class of wrong value."""

from __future__ import annotations

import pytest

from tests.conversations.script import audit

GOOD = {
    "hospital": "漯河市第二人民医院",
    "department": "检验科",
    "contact_person": "王敏",
    "contact_phone": "13912345678",
    "device": "全自动生化分析仪",
    "serial_number": "KR99990001",
    "description": "样本针撞针了",
    "site_address": "漯河市源汇区人民路12号",
    "clinical_impact": "急诊样本在等",
}


def test_a_good_ticket_passes() -> None:
    assert audit(GOOD, ["漯河市第二人民医院"]) == []


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("description", "/report_fault", []),
        ("description", "报修", []),
        ("site_address", "检验科", []),
        ("site_address", "跟刚才一样，许昌市魏都区健康路1号", []),
        ("contact_person", "不用试了", []),
        ("contact_person", "病房护士", []),
        ("contact_person", "许昌市魏都区健康路1号", []),
        ("clinical_impact", "18837056789", []),
        ("hospital", "赵红梅 18837056789", []),
        ("hospital", "第二人民医院", ["漯河市第二人民医院"]),
        ("contact_phone", "/inform", []),
    ],
)
def test_each_class_of_wrong_value_is_found(field: str, value: str, said: list[str]) -> None:
    assert audit({**GOOD, field: value}, said)
