"""The business calendar (kb/calendar.yml): working days with China's public holidays and make-up working
days, office hours, and working-day arithmetic for the policy's *_working_days deadlines.

Times in the database are naive UTC (bot/clock.py); a naive datetime given here is read as UTC and one with a
time zone is converted. Days and office hours are local, in the policy's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.config import settings
from bot.policy import current_policy

WEEKEND = (5, 6)  # Saturday, Sunday


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    opens: time
    closes: time
    holidays: dict[date, str]
    makeup_workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() not in WEEKEND and day not in self.holidays

    def holiday_name(self, day: date) -> str | None:
        return self.holidays.get(day)

    def covers(self, day: date) -> bool:
        """Whether the holidays of this day's year are known; an uncovered year counts weekends only."""
        return day.year in self.years

    def working_days_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (day itself not counted); n = 0 gives `day`."""
        if n < 0:
            raise ValueError("n must not be negative")
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def local(self, moment: datetime) -> datetime:
        """A moment as local wall-clock time (aware)."""
        aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        return aware.astimezone(ZoneInfo(self.timezone))


def is_business_hours(moment: datetime, calendar: BusinessCalendar) -> bool:
    """Whether the office is open at this moment: a working day, between opening and closing time."""
    local = calendar.local(moment)
    return calendar.is_working_day(local.date()) and calendar.opens <= local.time() < calendar.closes


def add_working_days(start: datetime, n: int, calendar: BusinessCalendar) -> datetime:
    """The same local time of day, n working days later: a Friday 10:00 + 3 is the next Wednesday 10:00, and
    any holiday in between is skipped. Returns naive UTC for a naive start, else a time in the start's
    zone."""
    local = calendar.local(start)
    day = calendar.working_days_after(local.date(), n)
    moved = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=ZoneInfo(calendar.timezone))
    if start.tzinfo is None:
        return moved.astimezone(timezone.utc).replace(tzinfo=None)
    return moved.astimezone(start.tzinfo)


def _clock_time(text: str) -> time:
    hours, minutes = str(text).split(":")
    return time(int(hours), int(minutes))


def load_calendar(path: Path, zone: str) -> BusinessCalendar:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    holidays: dict[date, str] = {}
    makeup: set[date] = set()
    for year, spec in (raw.get("years") or {}).items():
        for holiday in spec.get("holidays") or []:
            day, last = holiday["from"], holiday["to"]
            if day.year != int(year) or last < day:
                raise ValueError(f"{path}: holiday {holiday['name']} {day}..{last} is not within {year}")
            while day <= last:
                holidays[day] = holiday["name"]
                day += timedelta(days=1)
        makeup.update(spec.get("makeup_workdays") or [])
    clash = sorted(holidays.keys() & makeup)
    if clash:
        raise ValueError(f"{path}: {clash[0]} is both a holiday and a make-up working day")
    hours = raw["business_hours"]
    return BusinessCalendar(
        timezone=zone,
        opens=_clock_time(hours["opens"]),
        closes=_clock_time(hours["closes"]),
        holidays=holidays,
        makeup_workdays=frozenset(makeup),
        years=frozenset(int(year) for year in (raw.get("years") or {})),
    )


@lru_cache(maxsize=1)
def current_calendar() -> BusinessCalendar:
    """The calendar in the configured knowledge-base folder, in the policy's time zone, read once per
    process."""
    return load_calendar(settings().kb_dir / "calendar.yml", current_policy().timezone)
