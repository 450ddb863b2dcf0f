"""The FAQ entries of kb/faq/*.yml: loading, filling policy numbers into the answers, and linting.

An entry is a YAML mapping:

    - id: warranty.length                  # <topic>.<name>, unique
      question: 设备的免费保修期是多长时间？   # canonical question
      paraphrases: [保修几年啊, ...]          # at least MIN_PARAPHRASES, as callers really ask
      answer: >-                            # 1-4 sentences; policy numbers only as {dotted.names}
        设备享受{warranty.free_years}年免费保修……
      tags: [保修]
      device_types: []                      # ids from kb/devices.yml; empty means every device
      source: "policy: warranty"
      requires: warranty.after_warranty.extended_warranty   # optional: shown only while this value is true
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from bot.policy import PolicyError, ServicePolicy

MIN_PARAPHRASES = 4
_REQUIRED = ("id", "question", "paraphrases", "answer", "tags", "device_types", "source")
_LEFTOVER = re.compile(r"[{}]")
# libyaml's loader reads a large FAQ about ten times faster; PyYAML built without libyaml has only the Python
# one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    paraphrases: tuple[str, ...]
    answer: str  # with the policy's numbers filled in
    tags: tuple[str, ...]
    device_types: tuple[str, ...]
    source: str
    file: str

    @property
    def variants(self) -> tuple[str, ...]:
        """The texts the retriever indexes for this entry."""
        return (self.question, *self.paraphrases)


@dataclass(frozen=True)
class FaqLoad:
    entries: list[FaqEntry]
    problems: list[str]  # entries with a problem are left out of `entries`


def load_faq(faq_dir: Path, policy: ServicePolicy, device_ids: set[str]) -> FaqLoad:
    """Every well-formed entry of faq_dir/*.yml whose `requires` holds; a YAML syntax error raises."""
    entries: list[FaqEntry] = []
    problems: list[str] = []
    for path in sorted(faq_dir.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            raw = load_yaml(handle)
        if not isinstance(raw, list):
            problems.append(f"{path.name}: expected a list of entries")
            continue
        for position, item in enumerate(raw, start=1):
            where = f"{path.name} #{position}"
            entry, problem = _entry(item, path.name, policy, device_ids)
            if problem:
                problems.append(f"{where}: {problem}")
            elif entry is not None:
                entries.append(entry)
    return FaqLoad(entries, problems)


def load_yaml(handle: IO[str]) -> Any:
    """yaml.safe_load, with libyaml when PyYAML has it."""
    return yaml.load(handle, Loader=_YAML_LOADER)


def _entry(
    item: Any, file: str, policy: ServicePolicy, device_ids: set[str]
) -> tuple[FaqEntry | None, str | None]:
    """The entry, or None and why not; (None, None) when its `requires` is false in this policy."""
    if not isinstance(item, dict):
        return None, "not a mapping"
    missing = [key for key in _REQUIRED if item.get(key) in (None, "")]
    if missing:
        return None, f"{item.get('id', '?')} lacks {', '.join(missing)}"
    entry_id = str(item["id"])
    if not all(isinstance(item[key], list) for key in ("paraphrases", "tags", "device_types")):
        return None, f"{entry_id}: paraphrases, tags and device_types must be lists"
    paraphrases = [str(p).strip() for p in item["paraphrases"]]
    if len(paraphrases) < MIN_PARAPHRASES:
        return None, f"{entry_id} has {len(paraphrases)} paraphrases, needs {MIN_PARAPHRASES}"
    unknown = set(item["device_types"]) - device_ids
    if unknown:
        return None, f"{entry_id} names unknown device types {sorted(unknown)}"
    try:
        if "requires" in item and not policy.value(str(item["requires"])):
            return None, None
        answer = policy.render(str(item["answer"]).strip())
    except PolicyError as error:
        return None, f"{entry_id}: {error}"
    if _LEFTOVER.search(answer):
        return None, f"{entry_id}: answer has a brace that is not a policy placeholder"
    entry = FaqEntry(
        id=entry_id,
        question=str(item["question"]).strip(),
        paraphrases=tuple(paraphrases),
        answer=answer,
        tags=tuple(str(t) for t in item["tags"]),
        device_types=tuple(str(d) for d in item["device_types"]),
        source=str(item["source"]),
        file=file,
    )
    return entry, None


def duplicates(entries: list[FaqEntry], normalise: Callable[[str], str]) -> list[str]:
    """Duplicate ids, and questions or paraphrases that read the same after normalisation."""
    problems = []
    seen_ids: set[str] = set()
    seen_texts: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen_ids:
            problems.append(f"duplicate id {entry.id} ({entry.file})")
        seen_ids.add(entry.id)
        for text in entry.variants:
            key = normalise(text)
            if key in seen_texts:
                problems.append(f"{entry.id}: 「{text}」 duplicates a question of {seen_texts[key]}")
            seen_texts.setdefault(key, entry.id)
    return problems
