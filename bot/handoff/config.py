"""The hand-off's configuration (kb/policy.yml `handoff:`); its texts are bot/handoff/texts.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.policy import ServicePolicy


@dataclass(frozen=True)
class HandoffConfig:
    channels: tuple[str, ...]
    wait_limit: timedelta
    idle: timedelta
    recent: int
    default_estimate_minutes: int
    angry_complaint: bool
    safety_incident: bool
    angry_words: tuple[str, ...]
    safety_words: tuple[str, ...]

    @classmethod
    def of(cls, policy: ServicePolicy) -> HandoffConfig:
        raw = policy.raw.get("handoff") or {}
        triggers = raw.get("triggers") or {}
        return cls(
            channels=tuple(raw.get("channels") or ()),
            wait_limit=timedelta(minutes=float(raw.get("wait_limit_minutes", 10))),
            idle=timedelta(minutes=float(raw.get("idle_minutes", 15))),
            recent=int((raw.get("estimate") or {}).get("recent", 20)),
            default_estimate_minutes=int((raw.get("estimate") or {}).get("default_minutes", 3)),
            angry_complaint=bool(triggers.get("angry_complaint", False)),
            safety_incident=bool(triggers.get("safety_incident", False)),
            angry_words=tuple(raw.get("angry_words") or ()),
            safety_words=tuple(raw.get("safety_words") or ()),
        )

    @property
    def wait_limit_minutes(self) -> int:
        return round(self.wait_limit.total_seconds() / 60)

    def complaint_reason(self, said: str) -> str | None:
        """Why a complaint should also get a person now: it tells of harm, or it is angry; None otherwise."""
        if self.safety_incident and any(word in said for word in self.safety_words):
            return "safety_incident"
        if self.angry_complaint and any(word in said for word in self.angry_words):
            return "angry_complaint"
        return None
