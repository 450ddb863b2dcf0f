from pathlib import Path

import pytest
import yaml

from bot.config import settings
from bot.nlu.terms import CATALOGUE_FILE, CatalogueEntry, CatalogueError, load_terms, model_spellings


def write_catalogue(kb_dir: Path, device_types: list[dict]) -> Path:
    (kb_dir / CATALOGUE_FILE).write_text(
        yaml.safe_dump({"device_types": device_types}, allow_unicode=True), encoding="utf-8"
    )
    return kb_dir


def test_every_term_of_the_shipped_catalogue_is_loaded() -> None:
    document = yaml.safe_load((settings().kb_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    catalogue = load_terms(settings().kb_dir)

    for device_type in document["device_types"]:
        name = device_type["name"]
        assert catalogue[name] == CatalogueEntry(name, "type")
        for alias in device_type["aliases"]:
            assert catalogue[alias] == CatalogueEntry(name, "alias")
        for model in device_type["models"]:
            assert catalogue[model["model"]] == CatalogueEntry(model["model"], "model")
            assert catalogue[model["brand"]] == CatalogueEntry(model["brand"], "brand")


@pytest.mark.parametrize(
    ("term", "entry"),
    [
        ("全自动生化分析仪", CatalogueEntry("全自动生化分析仪", "type")),
        ("生化仪", CatalogueEntry("全自动生化分析仪", "alias")),
        ("原吸", CatalogueEntry("原子吸收光谱仪", "alias")),
        ("AAS", CatalogueEntry("原子吸收光谱仪", "alias")),
        ("KR-i300", CatalogueEntry("KR-i300", "model")),
        ("康瑞", CatalogueEntry("康瑞", "brand")),
    ],
)
def test_a_term_stands_for_its_device(term: str, entry: CatalogueEntry) -> None:
    assert load_terms(settings().kb_dir)[term] == entry


@pytest.mark.parametrize(
    ("code", "spellings"),
    [
        ("KR-2000", {"KR-2000", "KR2000", "KR 2000"}),
        ("KR-i300", {"KR-i300", "KRi300", "KR i300"}),
        ("UA900", {"UA900"}),
    ],
)
def test_model_spellings(code: str, spellings: set[str]) -> None:
    assert model_spellings(code) == spellings


def test_a_brand_making_several_models_is_one_term(tmp_path: Path) -> None:
    write_catalogue(
        tmp_path,
        [
            {"id": "a", "name": "甲仪", "aliases": [], "models": [{"model": "A-1", "brand": "康瑞"}]},
            {"id": "b", "name": "乙仪", "aliases": [], "models": [{"model": "B-1", "brand": "康瑞"}]},
        ],
    )

    assert load_terms(tmp_path)["康瑞"] == CatalogueEntry("康瑞", "brand")


@pytest.mark.parametrize(
    "device_types",
    [
        # one alias for two device types
        [{"id": "a", "name": "甲仪", "aliases": ["仪器"]}, {"id": "b", "name": "乙仪", "aliases": ["仪器"]}],
        # two models that are the same word once case and hyphen are ignored
        [
            {
                "id": "a",
                "name": "甲仪",
                "models": [{"model": "KR-2000", "brand": "康瑞"}, {"model": "kr2000", "brand": "康瑞"}],
            }
        ],
        # a brand that is also an alias
        [{"id": "a", "name": "甲仪", "aliases": ["康瑞"], "models": [{"model": "A-1", "brand": "康瑞"}]}],
    ],
)
def test_terms_that_would_match_alike_but_mean_different_things_are_refused(
    tmp_path: Path, device_types: list[dict]
) -> None:
    write_catalogue(tmp_path, device_types)

    with pytest.raises(CatalogueError, match="clashes with"):
        load_terms(tmp_path)


@pytest.mark.parametrize("content", ["device_types: [{id: x, aliases: [生化仪]}]", "[1, 2", "just text"])
def test_a_malformed_catalogue_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / CATALOGUE_FILE).write_text(content, encoding="utf-8")

    with pytest.raises(CatalogueError, match=CATALOGUE_FILE):
        load_terms(tmp_path)


def test_a_missing_catalogue_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=CATALOGUE_FILE):
        load_terms(tmp_path)
