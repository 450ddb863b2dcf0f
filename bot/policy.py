"""The service policy (kb/policy.yml): deadlines, warranty terms and every number the bot states.

Answers and bot texts never hard-code a number: they are templates such as
"同城{deadlines.onsite_hours.same_city}小时内到场", filled by `ServicePolicy.render`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import settings

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


class PolicyError(ValueError):
    """The policy file is missing a value, or a template names a value the policy does not have."""


class Distance(str, Enum):
    """How far the site is from the nearest engineer station; decides the on-site deadline."""

    SAME_CITY = "same_city"
    OTHER_CITY = "other_city"
    REMOTE = "remote"


def lookup(tree: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted key of nested mappings (deadlines.onsite_hours.remote); KeyError if none."""
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


@dataclass(frozen=True)
class ServicePolicy:
    raw: dict[str, Any]

    def value(self, dotted: str) -> Any:
        try:
            return lookup(self.raw, dotted)
        except KeyError:
            raise PolicyError(f"service policy has no value '{dotted}'") from None

    def render(self, template: str) -> str:
        """Fill every {dotted.name} in a text from the policy; lists are joined with 「、」."""
        return fill(template, {}, self)

    def hours(self, dotted: str) -> timedelta:
        return timedelta(hours=float(self.value(dotted)))

    def minutes(self, dotted: str) -> timedelta:
        return timedelta(minutes=float(self.value(dotted)))

    @property
    def timezone(self) -> str:
        return str(self.raw.get("timezone", "Asia/Shanghai"))

    @property
    def hotline_phone(self) -> str:
        return str(self.value("hotline.phone"))

    @property
    def duty_desk_phone(self) -> str | None:
        """Where a phone caller asking for a person is put through in office hours; None when the contract has
        no duty desk (every request for a person is then a call-back)."""
        return str((self.raw.get("duty_desk") or {}).get("phone") or "") or None

    def distance_for(self, city: str | None) -> Distance:
        """Same city when the site is in a station city, remote when in a listed remote area, else other
        city."""
        if not city:
            return Distance.OTHER_CITY
        if any(area in city for area in self.value("service_area.remote_areas")):
            return Distance.REMOTE
        if any(station in city for station in self.value("service_area.station_cities")):
            return Distance.SAME_CITY
        return Distance.OTHER_CITY

    def onsite_within(self, distance: Distance) -> timedelta:
        return self.hours(f"deadlines.onsite_hours.{distance.value}")


def fill(template: str, values: Mapping[str, Any], policy: ServicePolicy | None = None) -> str:
    """The one placeholder rule of every text the hotline says: {name} is filled from `values` first, else
    from the service policy's dotted value (e.g. {hotline.phone}; a list is joined with 「、」)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        value = (policy or current_policy()).value(name)
        return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)

    return _PLACEHOLDER.sub(one, template)


def load_policy(path: Path) -> ServicePolicy:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise PolicyError(f"{path} is not a YAML mapping")
    return ServicePolicy(raw)


@lru_cache(maxsize=1)
def current_policy() -> ServicePolicy:
    """The policy in the configured knowledge-base folder, read once per process."""
    return load_policy(settings().kb_dir / "policy.yml")
