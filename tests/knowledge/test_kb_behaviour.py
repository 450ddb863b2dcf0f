"""KnowledgeBase on a small FAQ in a temporary folder: reload, policy numbers, lint."""

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase, KnowledgeBaseError, Verdict
from bot.policy import ServicePolicy, load_policy

REAL_KB = PROJECT_ROOT / "kb"


def entry(entry_id: str, question: str, answer: str, paraphrases: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "question": question,
        "paraphrases": paraphrases,
        "answer": answer,
        "tags": ["test"],
        "device_types": [],
        "source": "test",
        **extra,
    }


WARRANTY = entry(
    "warranty.length",
    "设备的免费保修期是多长时间？",
    "免费保修{warranty.free_years}年。",
    ["保修几年啊", "质保期多长", "你们这个机器保几年", "免费保修有多久"],
)
ONSITE = entry(
    "deadlines.onsite",
    "工程师多久能到现场？",
    "同城{deadlines.onsite_hours.same_city}小时内到场。",
    ["师傅大概什么时候能到", "需要上门的话多长时间能到", "派人过来要等多久", "同城的话几个小时能到"],
)


def write_faq(kb_dir: Path, name: str, entries: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    (kb_dir / "faq" / name).write_text(text, encoding="utf-8")


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    """A KB folder with the real retriever settings and device catalogue and a two-entry FAQ."""
    (tmp_path / "faq").mkdir()
    for name in ("retrieval.yml", "devices.yml"):
        shutil.copy(REAL_KB / name, tmp_path / name)
    write_faq(tmp_path, "service.yml", [WARRANTY, ONSITE])
    return tmp_path


@pytest.fixture(scope="module")
def policy() -> ServicePolicy:
    return load_policy(REAL_KB / "policy.yml")


def test_answers_from_a_small_kb(kb_dir: Path, policy: ServicePolicy) -> None:
    kb = KnowledgeBase(kb_dir, policy)
    result = kb.ask("保修几年")
    assert result.verdict is Verdict.ANSWER
    assert result.hits[0].id == "warranty.length"
    assert result.hits[0].answer == f"免费保修{policy.value('warranty.free_years')}年。"
    assert 0 < result.hits[0].score <= 1
    assert kb.check() == []


def test_an_edited_added_or_removed_file_is_picked_up_without_a_restart(
    kb_dir: Path, policy: ServicePolicy
) -> None:
    kb = KnowledgeBase(kb_dir, policy)
    assert kb.ask("保修几年").hits[0].answer.startswith("免费保修")

    changed = {**WARRANTY, "answer": "本合同的免费保修期为{warranty.free_years}年，自验收合格之日起算。"}
    write_faq(kb_dir, "service.yml", [changed, ONSITE])
    assert kb.ask("保修几年").hits[0].answer.startswith("本合同的免费保修期")

    training = entry(
        "training.basic",
        "装机后有操作培训吗？",
        "有，不少于{training.basic_class_hours}课时。",
        ["新机器装好了教不教怎么用", "安装完有人来培训吗", "装机培训要钱吗", "谁来教我们用新设备"],
    )
    write_faq(kb_dir, "training.yml", [training])
    assert kb.ask("装机以后有没有培训").hits[0].id == "training.basic"

    (kb_dir / "faq" / "training.yml").unlink()
    assert [e.id for e in kb.entries] == ["warranty.length", "deadlines.onsite"]


def test_a_broken_edit_keeps_the_previous_content_in_service(kb_dir: Path, policy: ServicePolicy) -> None:
    kb = KnowledgeBase(kb_dir, policy)
    (kb_dir / "faq" / "service.yml").write_text("- id: [unclosed\n", encoding="utf-8")
    assert kb.ask("保修几年").hits[0].id == "warranty.length"

    assert [e.id for e in kb.entries] == ["warranty.length", "deadlines.onsite"]

    write_faq(kb_dir, "service.yml", [ONSITE])
    assert [e.id for e in kb.entries] == ["deadlines.onsite"]


def test_a_broken_kb_does_not_start(kb_dir: Path, policy: ServicePolicy) -> None:
    (kb_dir / "retrieval.yml").write_text("answer_threshold: [", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="retrieval.yml"):
        KnowledgeBase(kb_dir, policy)


def test_the_policy_decides_the_numbers(kb_dir: Path, policy: ServicePolicy) -> None:
    raw = copy.deepcopy(policy.raw)
    raw["deadlines"]["onsite_hours"]["same_city"] = 5
    raw["warranty"]["free_years"] = 3
    kb = KnowledgeBase(kb_dir, ServicePolicy(raw))
    assert kb.ask("工程师多久能到现场").hits[0].answer == "同城5小时内到场。"
    assert kb.ask("保修几年").hits[0].answer == "免费保修3年。"


def test_an_entry_whose_policy_condition_is_false_is_left_out(kb_dir: Path, policy: ServicePolicy) -> None:
    extended = entry(
        "warranty.extended",
        "保修期满后可以买延保吗？",
        "可以买延保。",
        ["有没有延保服务", "能不能延长保修", "质保到期了还能续保吗", "延保怎么收费"],
        requires="warranty.after_warranty.extended_warranty",
    )
    write_faq(kb_dir, "extended.yml", [extended])
    assert "warranty.extended" in [e.id for e in KnowledgeBase(kb_dir, policy).entries]

    raw = copy.deepcopy(policy.raw)
    raw["warranty"]["after_warranty"]["extended_warranty"] = False
    assert "warranty.extended" not in [e.id for e in KnowledgeBase(kb_dir, ServicePolicy(raw)).entries]


def test_check_reports_each_kind_of_problem(kb_dir: Path, policy: ServicePolicy) -> None:
    write_faq(
        kb_dir,
        "broken.yml",
        [
            {**ONSITE, "question": "到现场要多久？"},  # duplicate id
            entry("x.placeholder", "问题一？", "{deadlines.no_such_value}小时。", ["甲", "乙", "丙", "丁"]),
            entry("x.few", "问题二？", "答案。", ["甲一", "乙一", "丙一"]),
            entry("x.device", "问题三？", "答案。", ["甲二", "乙二", "丙二", "丁二"], device_types=["x_ray"]),
            {"id": "x.missing", "question": "问题四？"},
            entry("x.brace", "问题五？", "答案 {不是占位符}。", ["甲三", "乙三", "丙三", "丁三"]),
            # The same as warranty.length's 「质保期多长」 once normalised; broken.yml is read first.
            entry("x.same", "保修期多长？", "答案。", ["甲四", "乙四", "丙四", "丁四"]),
            entry(
                "x.stray",
                "热线电话是多少？",
                "答案。",
                ["电话多少", "热线号码", "客服电话", "保修几年呀"],  # the last one belongs to warranty.length
            ),
        ],
    )
    problems = "\n".join(KnowledgeBase(kb_dir, policy).check())
    assert "duplicate id deadlines.onsite" in problems
    assert "x.placeholder: service policy has no value 'deadlines.no_such_value'" in problems
    assert "x.few has 3 paraphrases, needs 4" in problems
    assert "x.device names unknown device types ['x_ray']" in problems
    assert "x.missing lacks paraphrases, answer, tags, device_types, source" in problems
    assert "x.brace: answer has a brace that is not a policy placeholder" in problems
    assert "warranty.length: 「质保期多长」 duplicates a question of x.same" in problems
    assert "x.stray: 「保修几年呀」 without itself finds warranty.length" in problems
