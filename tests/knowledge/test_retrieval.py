"""Scoring details of bot.knowledge.retrieval.Index, on a tiny index."""

from bot.knowledge.retrieval import Index, ScoringSettings, Variant
from bot.knowledge.text import TextAnalyser

VARIANTS = [
    Variant("cuvette", "比色杯怎么清洗"),
    Variant("cuvette", "反应杯脏了怎么办"),
    Variant("lamp", "光源灯多久更换"),
    Variant("lamp", "灯泡坏了怎么办"),
]


def index(sub_word_weight: float) -> Index:
    return Index(
        variants=VARIANTS,
        answers={"cuvette": "用清洗液清洗。", "lamp": "约2000小时更换。"},
        analyser=TextAnalyser(synonyms={}, stopwords=["怎么", "的", "要"]),
        settings=ScoringSettings(sub_word_weight=sub_word_weight),
        entry_devices={},
        device_terms={},
    )


def test_a_one_character_word_matches_inside_a_longer_word() -> None:
    # 「洗」 is a word of its own for the tokenizer; the FAQ only has 清洗.
    with_sub_words = index(0.5).entry_scores("杯子要怎么洗")
    without = index(0.0).entry_scores("杯子要怎么洗")
    assert next(iter(with_sub_words)) == "cuvette"
    assert with_sub_words["cuvette"] > without["cuvette"]


def test_leave_one_out_reports_the_runner_up() -> None:
    results = index(0.5).held_out()
    assert [r.variant for r in results] == VARIANTS
    for result in results:
        assert result.best_score >= result.runner_up_score >= 0
        assert result.best_score >= result.own_score
