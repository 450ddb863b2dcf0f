"""Pinyin, dialect and slang read as the standard words the intent classifier knows."""

from __future__ import annotations

import pytest

from bot.nlu.colloquial import corrected_typos, standard_words


@pytest.mark.parametrize(
    ("text", "standard"),
    [
        ("zhuanrengong", "转人工"),
        ("xie xie", "谢谢"),
        ("wo yao baoxiu", "我要报修"),
        ("木有", "没有"),
        ("莫得办法", "没有办法"),
        ("生化仪咋整", "生化仪怎么办"),
        ("88", "拜拜"),
        ("中", "好的"),
        ("晓得了 等到起", "知道了 等着"),
        ("mingbai le", "明白了"),
        # a phone read out in groups, as figures; short groups of numerals are left as words
        ("打这个 幺三八 零七七六 二五一九", "打这个 138 0776 2519"),
        ("三四五 六七个人", "三四五 六七个人"),
    ],
)
def test_colloquial_words_become_standard(text: str, standard: str) -> None:
    assert standard_words(text) == standard


@pytest.mark.parametrize(
    "text",
    ["kr-800 报警", "hx22090815", "ok", "hello", "电话 13888888888", "郑州市中心医院"],
)
def test_codes_and_ordinary_text_are_left_alone(text: str) -> None:
    assert standard_words(text) == text


def test_slang_for_a_whole_message_is_not_replaced_inside_a_longer_one() -> None:
    assert standard_words("中", whole_message=False) == "中"
    assert standard_words("房间88号", whole_message=True) == "房间88号"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("联西人 俞晓岚 底址 舟山市定海区昌国路19号", "联系人 俞晓岚 地址 舟山市定海区昌国路19号"),
        ("血求仪 xuliehao BC99990517", "血球仪 序列号 BC99990517"),
    ],
)
def test_a_field_name_typed_wrong_is_read_as_meant(text: str, meant: str) -> None:
    assert corrected_typos(text) == meant
