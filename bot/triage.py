"""Triage: judge severity and urgency from the caller's words, and the deadlines the service policy sets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import settings
from bot.policy import Distance, ServicePolicy
from bot.texts import labels


class Severity(str, Enum):
    GENERAL = "general"
    COMPLEX = "complex"
    MAJOR = "major"


SEVERITY_LABELS = {Severity(severity): label for severity, label in labels("severity_labels").items()}


@dataclass(frozen=True)
class ImpactCategory:
    category: str
    label: str
    urgent: bool
    keywords: tuple[str, ...]
    # Counts and piles said in the caller's own words (「压了二十多个」), which no keyword list can hold.
    patterns: tuple[re.Pattern[str], ...] = ()

    def named_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(word.lower() in lowered for word in self.keywords) or any(
            pattern.search(text) for pattern in self.patterns
        )


@dataclass(frozen=True)
class TriageRules:
    severity_keywords: dict[Severity, tuple[str, ...]]
    impacts: tuple[ImpactCategory, ...]
    department_names: re.Pattern[str] | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TriageRules:
        return cls(
            severity_keywords={
                Severity(name): tuple(words) for name, words in raw.get("severity", {}).items()
            },
            impacts=tuple(
                ImpactCategory(
                    item["category"],
                    item["label"],
                    bool(item["urgent"]),
                    tuple(item["keywords"]),
                    tuple(re.compile(pattern) for pattern in item.get("patterns", ())),
                )
                for item in raw.get("clinical_impact", [])
            ),
            department_names=re.compile(raw["department_names"]) if raw.get("department_names") else None,
        )

    def impact_of(self, text: str | None) -> ImpactCategory | None:
        """The clinical-impact category the caller's words name, or None when they name none."""
        if not text:
            return None
        if self.department_names is not None:
            text = self.department_names.sub("", text)
        for impact in self.impacts:
            if impact.named_in(text):
                return impact
        return None

    def severity_of(self, description: str | None) -> Severity:
        text = (description or "").lower()
        for severity in (Severity.MAJOR, Severity.COMPLEX):
            if any(word.lower() in text for word in self.severity_keywords.get(severity, ())):
                return severity
        return Severity.GENERAL


@dataclass(frozen=True)
class Triage:
    severity: Severity
    urgent: bool
    impact: ImpactCategory | None


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime
    onsite_due: datetime
    plan_due: datetime | None
    repair_due: datetime | None


def assess(rules: TriageRules, description: str | None, clinical_impact: str | None) -> Triage:
    """Severity from the fault description; urgent when the device is down and patients or samples wait."""
    impact = rules.impact_of(clinical_impact) or rules.impact_of(description)
    return Triage(
        severity=rules.severity_of(" ".join(filter(None, [description, clinical_impact]))),
        urgent=bool(impact and impact.urgent),
        impact=impact,
    )


def deadlines_for(
    policy: ServicePolicy, triage: Triage, distance: Distance, received_at: datetime
) -> Deadlines:
    """The policy's clocks start when the report is received, 24 h a day, holidays included."""
    plan: timedelta | None = None
    repair: timedelta | None = None
    if triage.severity is Severity.COMPLEX:
        plan = policy.hours("deadlines.complex_plan_hours")
    if triage.severity is Severity.MAJOR:
        plan = policy.hours("deadlines.complex_plan_hours")
        repair = policy.hours("deadlines.major_repair_hours")
    return Deadlines(
        response_due=received_at + policy.hours("deadlines.first_response_hours"),
        onsite_due=received_at + policy.onsite_within(distance),
        plan_due=received_at + plan if plan else None,
        repair_due=received_at + repair if repair else None,
    )


def load_rules(path: Path) -> TriageRules:
    with path.open(encoding="utf-8") as handle:
        return TriageRules.from_dict(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def current_rules() -> TriageRules:
    return load_rules(settings().kb_dir / "triage.yml")
