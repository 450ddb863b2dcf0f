"""Tier-2 fixtures: the business calendar, a fake SMS sender and the pager that uses it."""

from __future__ import annotations

import pytest

from bot.catalogue import current_catalogue
from bot.ops.calendar import BusinessCalendar, current_calendar
from bot.ops.paging import Pager
from bot.policy import current_policy
from tests.factories import FakeSms


@pytest.fixture
def calendar() -> BusinessCalendar:
    return current_calendar()


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def pager(calendar: BusinessCalendar, sms: FakeSms) -> Pager:
    return Pager(current_policy(), calendar, current_catalogue(), sms)
