from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import settings
from bot.nlu.catalogue_entities import CatalogueEntityExtractor
from bot.nlu.terms import CATALOGUE_FILE, load_terms

CATALOGUE = load_terms(settings().kb_dir)


def make_extractor(model_storage: ModelStorage, constructor: str = "create") -> CatalogueEntityExtractor:
    build = getattr(CatalogueEntityExtractor, constructor)
    return build(
        CatalogueEntityExtractor.get_default_config(),
        model_storage,
        Resource("catalogue_entities"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def entities(
    extractor: CatalogueEntityExtractor, text: str, *earlier: dict[str, Any]
) -> list[dict[str, Any]]:
    message = Message(data={TEXT: text, ENTITIES: list(earlier)})
    extractor.process([message])
    return message.get(ENTITIES)


def device(text: str, surface: str, value: str) -> dict[str, Any]:
    start = text.index(surface)
    return {
        "entity": "device",
        "start": start,
        "end": start + len(surface),
        "value": value,
        "extractor": "CatalogueEntityExtractor",
    }


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> CatalogueEntityExtractor:
    return make_extractor(LocalModelStorage.create(tmp_path_factory.mktemp("models")))


@pytest.mark.parametrize("term", sorted(CATALOGUE))
def test_every_catalogue_term_is_tagged_with_its_canonical_value(
    extractor: CatalogueEntityExtractor, term: str
) -> None:
    text = f"我们的{term}开不了机"

    assert entities(extractor, text) == [device(text, term, CATALOGUE[term].canonical)]


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("生化仪报警了", "生化仪", "全自动生化分析仪"),
        ("我们的血球仪堵孔", "血球仪", "全自动血细胞分析仪"),
        ("原吸没信号", "原吸", "原子吸收光谱仪"),
        ("aas的灯不亮", "aas", "原子吸收光谱仪"),
        ("尿机报错", "尿机", "尿液分析仪"),
    ],
)
def test_an_alias_is_tagged_with_its_type_name(
    extractor: CatalogueEntityExtractor, text: str, surface: str, value: str
) -> None:
    assert entities(extractor, text) == [device(text, surface, value)]


@pytest.mark.parametrize("surface", ["KR-2000", "KR2000", "kr-2000", "kr2000", "Kr 2000"])
def test_a_model_is_tagged_in_any_case_with_or_without_its_hyphen(
    extractor: CatalogueEntityExtractor, surface: str
) -> None:
    text = f"型号是{surface}，加样针堵了"

    assert entities(extractor, text) == [device(text, surface, "KR-2000")]


@pytest.mark.parametrize("surface", ["KR-i300", "kri300", "KR-I300", "HX-H30", "hxh30"])
def test_models_with_letters_after_the_hyphen(extractor: CatalogueEntityExtractor, surface: str) -> None:
    text = f"{surface}开机自检失败"
    value = "KR-i300" if surface.lower().startswith("kr") else "HX-H30"

    assert entities(extractor, text) == [device(text, surface, value)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("全自动生化分析仪故障", "全自动生化分析仪"),
        ("自动生化分析仪故障", "自动生化分析仪"),
        ("生化分析仪故障", "生化分析仪"),
        ("原子吸收分光光度计没信号", "原子吸收分光光度计"),
        ("血气电解质分析仪校准失败", "血气电解质分析仪"),
    ],
)
def test_the_longest_match_wins(extractor: CatalogueEntityExtractor, text: str, surface: str) -> None:
    found = entities(extractor, text)

    assert [text[entity["start"] : entity["end"]] for entity in found] == [surface]


def test_two_devices_in_one_sentence(extractor: CatalogueEntityExtractor) -> None:
    text = "生化仪KR-2000和华信的HX-H30血球仪都坏了"

    assert entities(extractor, text) == [
        device(text, "生化仪", "全自动生化分析仪"),
        device(text, "KR-2000", "KR-2000"),
        device(text, "华信", "华信"),
        device(text, "HX-H30", "HX-H30"),
        device(text, "血球仪", "全自动血细胞分析仪"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "今天天气不错",
        "我想查一下工单SR202611210007的进度",
        "请回电13912345678或0371-65432109",
        "序列号SNKR2000A",  # a serial that contains a model code
        "KR-20000是什么型号",  # a model code that contains one
        "中华信息科技",  # a brand (华信) across two words
        "科室的仪器坏了",
    ],
)
def test_unrelated_text_has_no_device(extractor: CatalogueEntityExtractor, text: str) -> None:
    assert entities(extractor, text) == []


def test_offsets_are_on_the_original_text_with_whitespace(extractor: CatalogueEntityExtractor) -> None:
    text = "  我们 的\u3000生化仪\n和  kr 2000 "

    found = entities(extractor, text)

    assert [text[entity["start"] : entity["end"]] for entity in found] == ["生化仪", "kr 2000"]


def test_an_overlapping_device_from_diet_is_replaced_by_the_catalogue_one(
    extractor: CatalogueEntityExtractor,
) -> None:
    text = "我们的生化仪和XY-100都坏了"
    diet_overlapping = {
        "entity": "device",
        "start": 3,
        "end": 5,
        "value": "生化",
        "extractor": "DIETClassifier",
    }
    diet_unknown_model = {
        "entity": "device",
        "start": 7,
        "end": 13,
        "value": "XY-100",
        "extractor": "DIETClassifier",
    }
    diet_other_entity = {
        "entity": "department",
        "start": 3,
        "end": 6,
        "value": "生化",
        "extractor": "DIETClassifier",
    }

    found = entities(extractor, text, diet_overlapping, diet_unknown_model, diet_other_entity)

    assert found == [diet_unknown_model, diet_other_entity, device(text, "生化仪", "全自动生化分析仪")]


def test_a_message_without_text_is_left_alone(extractor: CatalogueEntityExtractor) -> None:
    message = Message(data={"intent": {"name": "greet"}})

    extractor.process([message])

    assert message.get(ENTITIES) is None


def test_a_model_added_to_the_catalogue_is_tagged_after_a_restart_without_retraining(
    kb_dir: Path, tmp_path: Path
) -> None:
    model_storage = LocalModelStorage.create(tmp_path / "model")
    text = "新装的KR-3000报错了"
    before = make_extractor(model_storage, "load")
    assert entities(before, text) == []

    path = kb_dir / CATALOGUE_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["device_types"][0]["models"].append({"model": "KR-3000", "brand": "康瑞"})
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    # Inference builds the component with `load`, on the same (untouched) model storage.
    after = make_extractor(model_storage, "load")

    assert entities(after, text) == [device(text, "KR-3000", "KR-3000")]
    assert not (tmp_path / "model").exists()  # nothing was ever persisted
