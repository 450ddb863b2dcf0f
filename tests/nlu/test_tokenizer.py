from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import settings
from bot.nlu.terms import CATALOGUE_FILE, load_terms
from bot.nlu.tokenizer import HotlineTokenizer

CATALOGUE_TERMS = sorted(load_terms(settings().kb_dir))
SENTENCES = ["我们的{}加样针堵了", "{}开不了机", "请问{}怎么校准？", "科室那台{}报警了，能派人来吗"]


def make_tokenizer(model_storage: ModelStorage, **config: object) -> HotlineTokenizer:
    return HotlineTokenizer.create(
        {**HotlineTokenizer.get_default_config(), **config},
        model_storage,
        Resource("tokenizer"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def tokenize(tokenizer: HotlineTokenizer, text: str) -> list[Token]:
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def words(tokenizer: HotlineTokenizer, text: str) -> list[str]:
    return [token.text for token in tokenize(tokenizer, text)]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> HotlineTokenizer:
    return make_tokenizer(LocalModelStorage.create(tmp_path_factory.mktemp("models")))


def add_device_type(kb_dir: Path, device_type: dict) -> None:
    path = kb_dir / CATALOGUE_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["device_types"].append(device_type)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("term", CATALOGUE_TERMS)
def test_a_catalogue_term_alone_is_one_token(tokenizer: HotlineTokenizer, term: str) -> None:
    assert words(tokenizer, term) == [term]


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("term", CATALOGUE_TERMS)
def test_a_catalogue_term_in_a_sentence_is_one_token(
    tokenizer: HotlineTokenizer, term: str, sentence: str
) -> None:
    text = sentence.format(term)

    assert Token(term, text.index(term)) in tokenize(tokenizer, text)


def test_the_example_from_the_hotline(tokenizer: HotlineTokenizer) -> None:
    assert words(tokenizer, "我们的KR-2000加样针堵了") == ["我们", "的", "KR-2000", "加样", "针", "堵", "了"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("型号是kr-2000", "kr-2000"),
        ("AA7000没信号", "AA7000"),
        ("序列号SN20240518A", "SN20240518A"),
        ("机身号KR23060142，装机两年", "KR23060142"),
        ("工单SR202611210007进度怎么样", "SR202611210007"),
        ("手机13912345678", "13912345678"),
        ("座机0371-65432109转8", "0371-65432109"),
        ("软件版本V2.1.3", "V2.1.3"),
    ],
)
def test_latin_and_digit_codes_stay_whole(tokenizer: HotlineTokenizer, text: str, code: str) -> None:
    assert Token(code, text.index(code)) in tokenize(tokenizer, text)


def test_codes_are_not_joined_across_a_slash(tokenizer: HotlineTokenizer) -> None:
    assert words(tokenizer, "KR-2000/AA-7000") == ["KR-2000", "/", "AA-7000"]


def test_whitespace_is_not_a_token(tokenizer: HotlineTokenizer) -> None:
    text = "免疫仪  KR-i300\n坏了\u3000\t请回电 13912345678 "

    assert words(tokenizer, text) == ["免疫仪", "KR-i300", "坏", "了", "请", "回电", "13912345678"]


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*CATALOGUE_TERMS, "的", "坏了", " ", "\n", "-", "0371-65432109", "SN2024", "a", "7", "。"]
        ),
        max_size=12,
    ).map("".join)
)
def test_offsets_slice_the_original_text(tokenizer: HotlineTokenizer, text: str) -> None:
    tokens = tokenize(tokenizer, text)

    assert all(text[token.start : token.end] == token.text for token in tokens)
    assert all(left.end <= right.start for left, right in pairwise(tokens))
    assert "".join(token.text for token in tokens) == "".join(text.split())


def test_a_term_added_to_the_catalogue_is_one_token_at_the_next_start(kb_dir: Path, tmp_path: Path) -> None:
    add_device_type(
        kb_dir, {"id": "ultrasound", "name": "彩色多普勒超声诊断仪", "aliases": ["B超", "彩超机"]}
    )

    tokenizer = make_tokenizer(LocalModelStorage.create(tmp_path))

    assert words(tokenizer, "我们的B超开不了机")[:3] == ["我们", "的", "B超"]
    assert "彩超机" in words(tokenizer, "那台彩超机报错")


def test_the_catalogue_is_part_of_the_training_fingerprint(kb_dir: Path) -> None:
    before = HotlineTokenizer.fingerprint_addon({})

    add_device_type(kb_dir, {"id": "ultrasound", "name": "彩色多普勒超声诊断仪", "aliases": ["B超"]})

    assert HotlineTokenizer.fingerprint_addon({}) != before


def test_a_dictionary_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="kb/devices.yml"):
        make_tokenizer(LocalModelStorage.create(tmp_path), dictionary_path=str(tmp_path))
