"""Who answers a caller who asks for a person (bot/ops/after_hours.py duty_desk_for)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.ops.after_hours import VOICE_CHANNEL, duty_desk_for
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from bot.tickets import TicketKind

OFFICE_HOURS = datetime(2026, 11, 20, 6, 30)  # Friday 14:30 in Zhengzhou
NIGHT = datetime(2026, 11, 20, 13, 0)  # Friday 21:00


def desk(
    kind=TicketKind.CALLBACK, intent="request_human", channel=VOICE_CHANNEL, at=OFFICE_HOURS, policy=None
):
    policy = policy or current_policy()
    return duty_desk_for(kind, intent, channel, at, policy=policy, calendar=current_calendar())


def test_a_phone_caller_asking_for_a_person_in_office_hours_is_put_through() -> None:
    assert desk() == current_policy().duty_desk_phone


@pytest.mark.parametrize(
    "changes",
    [
        {"at": NIGHT},
        {"channel": "rest"},
        {"intent": "request_callback"},
        {"kind": TicketKind.COMPLAINT},
    ],
    ids=["after-hours", "not-on-the-phone", "asked-for-a-call-back", "a-complaint"],
)
def test_otherwise_the_caller_is_called_back(changes: dict) -> None:
    assert desk(**changes) is None


def test_a_contract_without_a_duty_desk_always_calls_back() -> None:
    raw = {key: value for key, value in current_policy().raw.items() if key != "duty_desk"}
    assert desk(policy=replace(current_policy(), raw=raw)) is None
