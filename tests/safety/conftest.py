"""Fixtures of the safety tests."""

import pytest

from bot.ops.calendar import BusinessCalendar, current_calendar


@pytest.fixture
def calendar() -> BusinessCalendar:
    return current_calendar()
