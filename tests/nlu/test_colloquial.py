"""Pinyin, dialect and slang read as the standard words the intent classifier knows."""

from __future__ import annotations

import pytest

from bot.nlu.colloquial import corrected_typos, spelled_codes, standard_words


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
        ("单号系几多啊", "单号系多少啊"),  # 粤语
        ("唔使排查 点算好", "不用排查 怎么办好"),
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
    ("said", "written"),
    [
        # letters spelt one by one, digits said (洞 0, 拐 7, 幺 1, 两 2): a serial, or a short model
        ("机器号是M K 幺拐洞两 三五八勾", "机器号是MK17023589"),
        ("型号D X两百的那台", "型号DX-200的那台"),
        ("编号p w 2 3 1 2 0 5 8 6", "编号PW23120586"),
        ("就是那台GX三三洞", "就是那台GX-330"),
        # letters spelt with words between them, a model's number said in tens
        ("型号是字母M然后R然后数字八十的那台", "型号是MR-80的那台"),
        ("字母B、G，数字三百，编号B G两五幺幺洞三", "BG-300，编号BG251103"),
    ],
)
def test_codes_read_out_are_written_as_codes(said: str, written: str) -> None:
    assert spelled_codes(said) == written


@pytest.mark.parametrize(
    "text", ["ICU的血气", "B超二楼", "KR800 13912345678", "CCU三床的病人", "PT十几秒", "APTT三十秒"]
)
def test_letters_in_ordinary_speech_are_no_code(text: str) -> None:
    assert spelled_codes(text) == text


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("联西人 俞晓岚 底址 舟山市定海区昌国路19号", "联系人 俞晓岚 地址 舟山市定海区昌国路19号"),
        ("血求仪 xuliehao BC99990517", "血球仪 序列号 BC99990517"),
    ],
)
def test_a_field_name_typed_wrong_is_read_as_meant(text: str, meant: str) -> None:
    assert corrected_typos(text) == meant
