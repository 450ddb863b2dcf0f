"""The business calendar: public holidays, make-up working days, office hours, working-day arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.ops.calendar import BusinessCalendar, add_working_days, is_business_hours, load_calendar
from tests.factories import utc

ZONE = "Asia/Shanghai"


def test_official_2026_holidays_and_make_up_days(calendar: BusinessCalendar) -> None:
    assert calendar.holiday_name(date(2026, 10, 5)) == "国庆节"
    assert (
        calendar.holiday_name(date(2026, 2, 15)) == "春节"
        and calendar.holiday_name(date(2026, 2, 23)) == "春节"
    )
    assert not calendar.is_working_day(date(2026, 10, 1))  # Thursday, a holiday
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, a make-up working day
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday, a make-up working day
    assert not calendar.is_working_day(date(2026, 11, 21))  # an ordinary Saturday
    assert calendar.is_working_day(date(2026, 11, 20))  # an ordinary Friday
    assert calendar.covers(date(2027, 3, 1)) and not calendar.covers(date(2028, 3, 1))


def test_friday_plus_three_working_days_is_wednesday_same_time(calendar: BusinessCalendar) -> None:
    assert add_working_days(utc("2026-11-20 10:00"), 3, calendar) == utc("2026-11-25 10:00")


def test_working_days_skip_national_day_and_count_the_make_up_saturday(calendar: BusinessCalendar) -> None:
    # Wednesday 30 September + 3: 1-7 October are off, Thursday 8 and Friday 9 count, Saturday 10 is worked.
    assert add_working_days(utc("2026-09-30 16:00"), 3, calendar) == utc("2026-10-10 16:00")
    # The complaint's 3 working days from the eve of the holiday, an evening in UTC terms the day before
    # locally.
    assert add_working_days(utc("2026-09-30 23:30"), 1, calendar) == utc("2026-10-08 23:30")


def test_a_report_on_a_holiday_counts_from_the_next_working_day(calendar: BusinessCalendar) -> None:
    assert add_working_days(utc("2026-10-03 09:00"), 1, calendar) == utc("2026-10-08 09:00")
    assert add_working_days(utc("2026-10-03 09:00"), 0, calendar) == utc("2026-10-03 09:00")


def test_aware_times_stay_in_their_zone(calendar: BusinessCalendar) -> None:
    start = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # Friday 10:00 local
    assert add_working_days(start, 1, calendar) == datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2026-11-20 08:29", False),
        ("2026-11-20 08:30", True),
        ("2026-11-20 17:29", True),
        ("2026-11-20 17:30", False),
        ("2026-11-21 10:00", False),  # Saturday
        ("2026-10-02 10:00", False),  # National Day, a Friday
        ("2026-10-10 10:00", True),  # make-up Saturday
    ],
)
def test_business_hours(calendar: BusinessCalendar, local: str, open_: bool) -> None:
    assert is_business_hours(utc(local), calendar) is open_


def test_calendar_file_errors_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text(
        "business_hours: {opens: '09:00', closes: '17:00'}\n"
        "years:\n  2026:\n    holidays:\n      - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n"
        "    makeup_workdays: [2026-10-03]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="both a holiday and a make-up working day"):
        load_calendar(path, ZONE)


def test_a_year_without_holidays_counts_weekends_only(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yml"
    path.write_text("business_hours: {opens: '09:00', closes: '17:00'}\n", encoding="utf-8")
    bare = load_calendar(path, ZONE)
    assert bare.is_working_day(date(2026, 10, 1)) and not bare.is_working_day(date(2026, 10, 3))
