"""NgramIntentClassifier: trained on a tiny set, saved, loaded, asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import NgramIntentClassifier, NgramIntentModel, normalise
from bot.nlu.tokenizer import HotlineTokenizer

EXAMPLES = {
    "report_fault": [
        "生化仪开机报错",
        "机器坏了开不了机",
        "血球仪报警了",
        "仪器死机了",
        "加样针堵了",
        "打印机不出纸",
    ],
    "check_ticket": [
        "我的工单到哪一步了",
        "查一下工单进度",
        "报修单处理了吗",
        "工程师什么时候到",
        "查工单",
        "工单状态",
    ],
    "thank": ["谢谢", "太感谢了", "多谢你", "辛苦了谢谢", "感谢帮忙", "谢谢你们"],
}


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


@pytest.fixture
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def tokenizer(kb_dir: Path, storage: LocalModelStorage) -> HotlineTokenizer:
    return HotlineTokenizer(HotlineTokenizer.get_default_config(), storage, Resource("tokenizer"))


def messages(tokenizer: HotlineTokenizer, texts: list[str]) -> list[Message]:
    batch = [Message(data={"text": text}) for text in texts]
    tokenizer.process(batch)
    return batch


@pytest.fixture
def trained(tokenizer: HotlineTokenizer, storage: LocalModelStorage, context: ExecutionContext) -> Resource:
    examples = [
        Message(data={"text": t, "intent": intent}) for intent, texts in EXAMPLES.items() for t in texts
    ]
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    resource = Resource("intents")
    classifier = NgramIntentClassifier.create({}, storage, resource, context)
    classifier.train(data)
    return resource


def test_a_loaded_classifier_names_the_intent_with_a_sorted_ranking(
    trained: Resource, tokenizer: HotlineTokenizer, storage: LocalModelStorage, context: ExecutionContext
) -> None:
    classifier = NgramIntentClassifier.load({}, storage, trained, context)
    [fault, ticket, thanks] = classifier.process(
        messages(tokenizer, ["尿机开机报错了", "帮我查查工单进度", "谢谢啦"])
    )
    assert [m.get("intent")["name"] for m in (fault, ticket, thanks)] == [
        "report_fault",
        "check_ticket",
        "thank",
    ]
    ranking = fault.get("intent_ranking")
    confidences = [r["confidence"] for r in ranking]
    assert [r["name"] for r in ranking][0] == "report_fault"
    assert {r["name"] for r in ranking} == set(EXAMPLES)
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert sum(confidences) == pytest.approx(1.0)
    assert fault.get("intent") == ranking[0]


def test_ranking_length_limits_the_ranking(
    trained: Resource, tokenizer: HotlineTokenizer, storage: LocalModelStorage, context: ExecutionContext
) -> None:
    classifier = NgramIntentClassifier.load({"ranking_length": 2}, storage, trained, context)
    [message] = classifier.process(messages(tokenizer, ["查工单"]))
    assert len(message.get("intent_ranking")) == 2


def test_full_width_and_traditional_input_is_understood_as_plain(
    trained: Resource, tokenizer: HotlineTokenizer, storage: LocalModelStorage, context: ExecutionContext
) -> None:
    classifier = NgramIntentClassifier.load({}, storage, trained, context)
    [plain, variant] = classifier.process(messages(tokenizer, ["查工单进度", "查工單進度"]))
    assert variant.get("intent") == plain.get("intent")
    assert normalise("ＫＲ－２０００報錯") == "kr-2000报错"


def test_a_classifier_trained_on_nothing_leaves_messages_alone(
    storage: LocalModelStorage, context: ExecutionContext, tokenizer: HotlineTokenizer
) -> None:
    resource = Resource("untrained")
    NgramIntentClassifier.create({}, storage, resource, context).train(TrainingData([]))
    classifier = NgramIntentClassifier.load({}, storage, resource, context)
    [message] = classifier.process(messages(tokenizer, ["你好"]))
    assert message.get("intent") is None


def test_an_intent_with_one_example_is_refused() -> None:
    model = NgramIntentModel((1, 2), (1, 2), 0.7, 3.0, 5, 42)
    with pytest.raises(ValueError, match="'thank' has 1 example"):
        model.fit([("谢谢", ["谢谢"]), ("你好", ["你好"]), ("您好", ["您好"])], ["thank", "greet", "greet"])


def test_a_bad_ngram_range_is_a_config_error(storage: LocalModelStorage, context: ExecutionContext) -> None:
    with pytest.raises(InvalidConfigException, match="char_ngrams"):
        NgramIntentClassifier.create({"char_ngrams": [3, 1]}, storage, Resource("bad"), context)
