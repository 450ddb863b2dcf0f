"""Normalisation and tokenisation (bot.knowledge.text), on a small synonym table."""

import jieba
import pytest

from bot.knowledge.text import TextAnalyser, clean


@pytest.fixture(scope="module")
def analyser() -> TextAnalyser:
    return TextAnalyser(
        synonyms={
            "保修": ["质保", "保固", "保休"],
            "工程师": ["师傅", "维修员"],
            "生化仪": ["生化分析仪", "生化机", "全自动生化分析仪"],
            "延保": ["延长质保"],
        },
        words=["比色杯"],
        stopwords=["的", "吗", "啊"],
    )


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("ＫＲ－２０００", "kr 2000"),  # full-width letters, digits and dash
        ("保修几年？！", "保修几年"),  # full-width punctuation dropped
        ("AAS  的灯", "aas 的灯"),  # Latin lower-cased, spaces collapsed
        ("保修幾年，機器壞了", "保修几年 机器坏了"),  # traditional → simplified
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("质保期多长", "保修期多长"),
        ("保固几年", "保修几年"),
        ("保休几年", "保修几年"),
        ("師傅什麼時候到", "工程师什么时候到"),
        ("维修员什么时候到", "工程师什么时候到"),
        ("全自动生化分析仪怎么保养", "生化仪怎么保养"),  # the longest variant wins over 「生化分析仪」
        ("生化机怎么保养", "生化仪怎么保养"),
        ("延长质保多少钱", "延保多少钱"),  # not 「延长保修」
    ],
)
def test_synonyms_map_to_one_word(analyser: TextAnalyser, variant: str, canonical: str) -> None:
    assert analyser.normalise(variant) == analyser.normalise(canonical)


def test_terms_keep_domain_words_and_drop_stopwords(analyser: TextAnalyser) -> None:
    assert analyser.terms("生化机的比色杯脏了啊") == ["生化仪", "比色杯", "脏", "了"]


def test_domain_words_stay_in_their_own_tokenizer(analyser: TextAnalyser) -> None:
    assert analyser.terms("比色杯") == ["比色杯"]
    assert TextAnalyser(synonyms={}).terms("比色杯") != ["比色杯"]  # not shared with another analyser
    assert "比色杯" not in jieba.dt.FREQ  # nor with Rasa's global jieba tokenizer


def test_ngrams_of_one_to_three_characters(analyser: TextAnalyser) -> None:
    assert analyser.ngrams(["保修", "几年"]) == [
        *"保修几年",
        "保修", "修几", "几年",
        "保修几", "修几年",
    ]  # fmt: skip


def test_a_word_in_two_synonym_groups_is_a_problem() -> None:
    analyser = TextAnalyser(synonyms={"保修": ["质保"], "保养": ["质保"]})
    assert analyser.problems == ["synonym 「质保」 is in the groups of 保修 and 保养"]


def test_rewrites_chain_until_nothing_changes() -> None:
    analyser = TextAnalyser(synonyms={"厂家": ["厂里", "工厂"], "返厂": ["寄回厂家"]})
    assert analyser.normalise("要寄回厂里修吗") == "要返厂修吗"  # 厂里 → 厂家, then 寄回厂家 → 返厂
    assert analyser.normalise("寄回工厂") == analyser.normalise("寄回厂家") == "返厂"


def test_a_code_variant_matches_only_a_whole_code() -> None:
    analyser = TextAnalyser(synonyms={"生化仪": ["kr800", "kr 800"]})
    assert analyser.normalise("KR800的灯") == analyser.normalise("KR-800的灯") == "生化仪的灯"
    assert analyser.normalise("kr8000的灯") == "kr8000的灯"  # another code
    assert analyser.normalise("akr800") == "akr800"


def test_a_word_put_in_by_a_rewrite_stays_whole() -> None:
    analyser = TextAnalyser(synonyms={"过保": ["保修期外"], "保修": ["质保"]})
    assert analyser.normalise("保修期外修") == "过保修"
    assert analyser.terms("保修期外修") == ["过保", "修"]  # the tokenizer alone would read 过 + 保修
    assert analyser.terms("质保多久") == analyser.terms("保修多久")
