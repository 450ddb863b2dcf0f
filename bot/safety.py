"""Safety first: recognise a hazard, clinical risk or harm to a person in what the caller says.

Plain domain code driven by kb/safety/: one file per hazard (its patterns, typo and speech-recognition
variants, flags and the reviewed instruction said verbatim) and kb/safety/_safety.yml (negation, mention and
present cues, the texts around the instruction). A message is normalised (lower case, no spaces or
punctuation, variants replaced), then each hazard's patterns are tried; a match preceded by a negation
(「没有冒烟」) does not count, and a message that only mentions a hazard (a manual, a past ticket, storage,
「…的话」) is no alarm unless it also says something is happening now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import settings
from bot.policy import fill

SAFETY_DIR = "safety"
COMMON_FILE = "_safety.yml"
# The intent bot/nlu/safety_intent.py gives every message in which these rules find a hazard.
HAZARD_INTENT = "report_hazard"
# Ticket flags a safety path sets (Ticket.flags).
SAFETY_INCIDENT = "safety_incident"
CLINICAL_RISK = "clinical_risk"
ADVERSE_EVENT = "adverse_event"
# The severity of a safety ticket (Ticket.severity), above major: its deadlines are kb/policy.yml `safety:`.
SAFETY_SEVERITY = "safety"
# The hazard whose patterns say a person is hurt: wherever they match, an adverse event is recorded.
PERSON_HURT = "person_hurt"

_DROPPED = re.compile(r"[\s，,。.！!？?；;：:、~…\-—\"'“”‘’（）()【】\[\]]+")


class SafetyKbError(ValueError):
    """A kb/safety file is malformed; the message says which and why."""


@dataclass(frozen=True)
class Pattern:
    """Matches when each of its regular expressions finds something not negated."""

    parts: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Hazard:
    id: str
    label: str
    priority: int
    flags: tuple[str, ...]
    adverse_event: bool
    ask_people_safe: bool
    variants: dict[str, str]
    patterns: tuple[Pattern, ...]
    instruction: str

    @property
    def clinical(self) -> bool:
        return CLINICAL_RISK in self.flags


@dataclass(frozen=True)
class Finding:
    """What a message reports: the hazards, most pressing first, and whether someone is (or may be) hurt."""

    hazards: tuple[Hazard, ...]
    harmed: bool

    @property
    def hazard(self) -> Hazard:
        return self.hazards[0]

    @property
    def flags(self) -> list[str]:
        flags = {flag for hazard in self.hazards for flag in hazard.flags}
        if self.harmed:
            flags.add(ADVERSE_EVENT)
        return sorted(flags)


@dataclass(frozen=True)
class SafetyRules:
    hazards: tuple[Hazard, ...]
    negation: re.Pattern[str]
    mention_cues: tuple[str, ...]
    present_cues: tuple[str, ...]
    repeat_cues: tuple[str, ...]
    texts: dict[str, str]
    # Adverse-event category (death, group_event) → words that name it; anything else is (possible) injury.
    adverse_event_cues: dict[str, tuple[str, ...]]
    adverse_event_labels: dict[str, str]
    # A regular expression whose group is a lot number the caller read out.
    lot_number: str

    def hazard(self, hazard_id: str) -> Hazard:
        for hazard in self.hazards:
            if hazard.id == hazard_id:
                return hazard
        raise KeyError(hazard_id)

    def normalise(self, text: str) -> str:
        plain = _DROPPED.sub("", text.lower())
        for hazard in self.hazards:
            for wrong, right in hazard.variants.items():
                plain = plain.replace(wrong, right)
        return plain

    def recognise(self, text: str) -> Finding | None:
        """The hazards the caller reports in this message, or None (no hazard, or only a mention of one)."""
        plain = self.normalise(text)
        found = [hazard for hazard in self.hazards if self._matches(hazard, plain)]
        if not found or self._only_mentions(plain):
            return None
        return Finding(
            hazards=tuple(found),
            harmed=any(hazard.adverse_event for hazard in found),
        )

    def harmed(self, text: str) -> bool:
        """Whether the words say someone is hurt (an answer to 「现场人员都安全吗？」 included)."""
        plain = self.normalise(text)
        return any(hazard.adverse_event and self._matches(hazard, plain) for hazard in self.hazards)

    def asks_repeat(self, text: str) -> bool:
        plain = self.normalise(text)
        return any(cue in plain for cue in self.repeat_cues)

    def say(self, key: str, **values: Any) -> str:
        """A text of kb/safety/_safety.yml, filled by the one rule (bot.policy.fill)."""
        return fill(self.texts[key], values)

    def _matches(self, hazard: Hazard, plain: str) -> bool:
        return any(self._unnegated(pattern, plain) for pattern in hazard.patterns)

    def _unnegated(self, pattern: Pattern, plain: str) -> bool:
        for part in pattern.parts:
            if not any(
                not self._negated(plain, match.start()) for match in part.finditer(plain) if match.group()
            ):
                return False
        return True

    def _negated(self, plain: str, start: int) -> bool:
        return bool(self.negation.search(plain[:start]))

    def _only_mentions(self, plain: str) -> bool:
        mentioned = any(cue.lower() in plain for cue in self.mention_cues)
        return mentioned and not any(cue in plain for cue in self.present_cues)


def _compile(raw: Any, where: str) -> Pattern:
    expressions = raw["all"] if isinstance(raw, dict) else [raw]
    try:
        return Pattern(tuple(re.compile(str(expression)) for expression in expressions))
    except (re.error, KeyError, TypeError) as error:
        raise SafetyKbError(f"{where}: pattern {raw!r}: {error}") from error


def _hazard(path: Path) -> Hazard:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return Hazard(
            id=str(raw["id"]),
            label=str(raw["label"]),
            priority=int(raw["priority"]),
            flags=tuple(raw.get("flags") or ()),
            adverse_event=bool(raw.get("adverse_event", False)),
            ask_people_safe=bool(raw.get("ask_people_safe", False)),
            variants={str(k).lower(): str(v) for k, v in (raw.get("variants") or {}).items()},
            patterns=tuple(_compile(item, path.name) for item in raw["patterns"]),
            instruction=str(raw["instruction"]).strip(),
        )
    except (KeyError, TypeError) as error:
        raise SafetyKbError(f"{path.name}: missing or malformed {error}") from error


def load_rules(kb_dir: Path) -> SafetyRules:
    folder = kb_dir / SAFETY_DIR
    common = yaml.safe_load((folder / COMMON_FILE).read_text(encoding="utf-8"))
    hazards = sorted(
        (_hazard(path) for path in folder.glob("*.yml") if not path.name.startswith("_")),
        key=lambda hazard: hazard.priority,
    )
    return SafetyRules(
        hazards=tuple(hazards),
        negation=re.compile(str(common["negation"])),
        mention_cues=tuple(str(cue) for cue in common["mention_cues"]),
        present_cues=tuple(common["present_cues"]),
        repeat_cues=tuple(common["repeat_cues"]),
        texts={str(k): str(v) for k, v in common["texts"].items()},
        adverse_event_cues={str(k): tuple(v) for k, v in common["adverse_event_cues"].items()},
        adverse_event_labels={str(k): str(v) for k, v in common["adverse_event_labels"].items()},
        lot_number=str(common["lot_number"]),
    )


@lru_cache(maxsize=1)
def current_safety_rules() -> SafetyRules:
    return load_rules(settings().kb_dir)
