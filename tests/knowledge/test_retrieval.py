"""Scoring details of bot.knowledge.retrieval.Index, on a tiny index; and the inverted index against the
scoring formulas computed entry by entry, on the real knowledge base."""

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.config import settings
from bot.knowledge import KnowledgeBase
from bot.knowledge.retrieval import Index, ScoringSettings, Variant
from bot.knowledge.text import TextAnalyser
from bot.policy import current_policy

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


def test_an_entry_whose_variants_are_apart_scores_as_one() -> None:
    # A duplicate id in two FAQ files splits an entry's variants; `kb check` reports it, retrieval still
    # works.
    apart = Index(
        variants=[VARIANTS[0], VARIANTS[2], VARIANTS[1], VARIANTS[3]],
        answers={"cuvette": "用清洗液清洗。", "lamp": "约2000小时更换。"},
        analyser=TextAnalyser(synonyms={}, stopwords=["怎么", "的", "要"]),
        settings=ScoringSettings(sub_word_weight=0.5),
        entry_devices={},
        device_terms={},
    )
    for question in ("反应杯脏了", "灯泡坏了", "杯子要怎么洗"):
        assert apart.entry_scores(question) == pytest.approx(index(0.5).entry_scores(question))
    assert apart.entry_scores("反应杯脏了", held_out=2) == pytest.approx(
        index(0.5).entry_scores("反应杯脏了", held_out=1)
    )


# --- the inverted index against the formulas computed entry by entry, on the real knowledge base


def reference_scorer(
    variants: list[Variant],
    answers: dict[str, str],
    analyser: TextAnalyser,
    settings: ScoringSettings,
    entry_devices: dict[str, frozenset[str]],
    device_terms: dict[str, str],
) -> Callable[[str], dict[str, float]]:
    """bot.knowledge.retrieval's module docstring, scored for every entry in turn (what Index did before it
    was inverted): question → the entries scoring above 0, highest first."""
    variant_terms = [Counter(analyser.terms(v.text)) for v in variants]
    bags: dict[str, Counter[str]] = {}
    for variant, terms in zip(variants, variant_terms, strict=True):
        bags.setdefault(variant.entry_id, Counter()).update(terms)
    weighted = {entry_id: {t: float(tf) for t, tf in bag.items()} for entry_id, bag in bags.items()}
    for entry_id, bag in weighted.items():
        for term, tf in Counter(analyser.terms(answers.get(entry_id, ""))).items():
            bag[term] = bag.get(term, 0.0) + settings.answer_weight * tf
    # Per entry, how often each Chinese character occurs inside its words of two or more characters.
    inner = {
        entry_id: Counter(
            {
                char: sum(tf * term.count(char) for term, tf in bag.items() if len(term) > 1)
                for char in {c for term in bag if len(term) > 1 for c in term if not c.isascii()}
            }
        )
        for entry_id, bag in weighted.items()
    }
    n = len(weighted)
    lengths = {entry_id: sum(bag.values()) for entry_id, bag in weighted.items()}
    average = sum(lengths.values()) / n
    df = Counter(term for bag in weighted.values() for term in bag)
    if settings.sub_word_weight:
        df.update(char for entry_id, bag in weighted.items() for char in set(inner[entry_id]) - set(bag))
    grams = [Counter(analyser.ngrams(list(terms.elements()))) for terms in variant_terms]
    gram_df = Counter(gram for counts in grams for gram in counts)

    def gram_vector(counts: Counter[str]) -> dict[str, float]:
        idf = {g: math.log((len(variants) + 1) / (gram_df.get(g, 0) + 1)) + 1 for g in counts}
        weights = {g: (1 + math.log(tf)) * idf[g] for g, tf in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    variant_vectors = [gram_vector(counts) for counts in grams]
    k1, b, w = settings.k1, settings.b, settings.bm25_weight

    def scores(question: str) -> dict[str, float]:
        terms = analyser.terms(question)
        if not terms:
            return {}
        query = set(terms)
        idf = {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in query}
        bound = (k1 + 1) * sum(idf.values())
        question_vector = gram_vector(Counter(analyser.ngrams(terms)))
        fuzzy: dict[str, float] = {}
        for variant, vector in zip(variants, variant_vectors, strict=True):
            cosine = sum(weight * vector.get(gram, 0.0) for gram, weight in question_vector.items())
            fuzzy[variant.entry_id] = max(cosine, fuzzy.get(variant.entry_id, 0.0))
        named = {device_terms[t] for t in query if t in device_terms}
        result = {}
        for entry_id, bag in weighted.items():
            bm25 = 0.0
            for term in query:
                tf = bag.get(term, 0.0)
                if len(term) == 1:
                    tf += settings.sub_word_weight * inner[entry_id][term]
                if tf > 0:
                    bm25 += idf[term] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[entry_id] / average))
            score = min(1.0, w * bm25 / bound + (1 - w) * fuzzy[entry_id])
            if named and entry_devices.get(entry_id) and not named & entry_devices[entry_id]:
                score *= settings.device_mismatch
            if score > 0:
                result[entry_id] = score
        return dict(sorted(result.items(), key=lambda item: item[1], reverse=True))

    return scores


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    return KnowledgeBase(settings().kb_dir, current_policy())


def held_out_texts() -> list[str]:
    texts = []
    for path in sorted(Path(__file__).parent.glob("heldout_questions*.yml")):
        texts += [str(item["text"]) for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    return texts


def test_the_inverted_index_ranks_the_real_kb_as_the_formulas_do(real_kb: KnowledgeBase) -> None:
    entries = real_kb.entries
    content = real_kb._content  # the analyser and settings the knowledge base built
    inputs = {
        "variants": [Variant(entry.id, text) for entry in entries for text in entry.variants],
        "answers": {entry.id: entry.answer for entry in entries},
        "analyser": content.analyser,
        "settings": content.settings.scoring,
        "entry_devices": {entry.id: frozenset(entry.device_types) for entry in entries},
        "device_terms": dict(content.index._device_terms),
    }
    # Every tenth FAQ text (they score near 1 for their own entry) and every held-out question (the hard
    # cases).
    questions = [v.text for v in inputs["variants"][::10]] + held_out_texts()
    reference = reference_scorer(**inputs)  # type: ignore[arg-type]
    for question in questions:
        expected = reference(question)
        got = content.index.entry_scores(question)
        assert got.keys() == expected.keys(), question
        for entry_id, score in expected.items():
            assert got[entry_id] == pytest.approx(score, abs=1e-9), (question, entry_id)
        # The order is the same wherever two scores are not a tie up to float rounding.
        ranked = list(got)
        for earlier, later in zip(ranked, ranked[1:], strict=False):
            assert expected[earlier] >= expected[later] - 1e-9, (question, earlier, later)
        assert list(content.index.entry_scores(question, limit=3)) == ranked[:3]
