"""Engineers and the on-call rota: adding and listing people, seeding the demo team, and who is on call when.

A rota shift (OnCallShift) covers one station region as primary or backup on some days between two local
times. `days` is "daily", "workdays", "offdays" (weekends and public holidays, from the business calendar) or
a weekday ("mon".."sun"); a shift whose end is not after its start runs into the next morning, equal times
make 24 hours. Where a dated shift (valid_from/valid_to) covers a moment, it replaces the open-ended shifts of
that role: that is how a holiday roster is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.console.auth import disable_logins_of_inactive_engineers
from bot.db.models import Engineer, OnCallShift
from bot.ops.calendar import BusinessCalendar
from bot.ops.lifecycle import OpsError
from bot.ops.texts import say
from bot.policy import ServicePolicy

ROLES = ("primary", "backup")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS = ("daily", "workdays", "offdays", *WEEKDAYS)
TIERS = (2, 3)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class OnCall:
    engineer: Engineer
    role: str
    shift: OnCallShift


def normalise_phone(text: str) -> str:
    """A mainland mobile number as 11 digits: 138-0000-0101, +86 138 0000 0101 → 13800000101."""
    digits = re.sub(r"[\s\-()]", "", str(text))
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not re.fullmatch(r"1\d{10}", digits):
        raise OpsError(say("errors.bad_engineer_field", problem=say("field_problems.bad_phone", text=text)))
    return digits


def add_engineer(
    session: Session,
    *,
    name: str,
    phone: str,
    tier: int,
    regions: Iterable[str],
    skills: Iterable[str],
    policy: ServicePolicy,
    catalogue: Catalogue,
    is_manager: bool = False,
    active: bool = True,
) -> Engineer:
    """A new engineer, checked against the policy's station cities and the device catalogue's types."""
    engineer = Engineer(phone=normalise_phone(phone))
    existing = find_engineer(session, engineer.phone)
    if existing is not None:
        raise OpsError(say("errors.duplicate_phone", phone=engineer.phone, name=existing.name))
    _fill(
        engineer,
        name=name,
        tier=tier,
        regions=regions,
        skills=skills,
        policy=policy,
        catalogue=catalogue,
        is_manager=is_manager,
        active=active,
    )
    session.add(engineer)
    session.flush()
    return engineer


def _fill(
    engineer: Engineer,
    *,
    name: str,
    tier: int,
    regions: Iterable[str],
    skills: Iterable[str],
    policy: ServicePolicy,
    catalogue: Catalogue,
    is_manager: bool,
    active: bool,
) -> None:
    stations = list(policy.value("service_area.station_cities"))
    type_ids = [t.id for t in catalogue.types]
    regions, skills = list(regions), list(skills)
    problems = []
    if not name.strip():
        problems.append(say("field_problems.name_empty"))
    if tier not in TIERS:
        problems.append(say("field_problems.bad_tier", tier=tier))
    problems += [
        say("field_problems.bad_region", region=r, stations="、".join(stations))
        for r in regions
        if r not in stations
    ]
    problems += [
        say("field_problems.bad_skill", skill=s, types="、".join(type_ids))
        for s in skills
        if s not in type_ids
    ]
    if not regions:
        problems.append(say("field_problems.no_region"))
    if problems:
        raise OpsError(say("errors.bad_engineer_field", problem="；".join(problems)))
    engineer.name = name.strip()
    engineer.tier = tier
    engineer.regions = regions
    engineer.skills = skills
    engineer.is_manager = is_manager
    engineer.active = active


def find_engineer(session: Session, ref: str | int) -> Engineer | None:
    """An engineer by id or by phone number (in any usual spelling)."""
    text = str(ref).strip()
    if text.isdigit() and len(text) < 11:
        return session.get(Engineer, int(text))
    try:
        phone = normalise_phone(text)
    except OpsError:
        return None
    return session.execute(select(Engineer).where(Engineer.phone == phone)).scalar_one_or_none()


def list_engineers(session: Session, *, active_only: bool = False) -> list[Engineer]:
    query = select(Engineer).order_by(Engineer.id)
    if active_only:
        query = query.where(Engineer.active.is_(True))
    return list(session.execute(query).scalars())


def add_shift(
    session: Session,
    *,
    engineer: Engineer,
    region: str,
    role: str,
    days: str,
    starts: str,
    ends: str,
    policy: ServicePolicy,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> OnCallShift:
    """One rota line, checked: a station region, a known role and day set, HH:MM times, a period in order."""
    stations = list(policy.value("service_area.station_cities"))
    problems = []
    if region not in stations:
        problems.append(say("field_problems.bad_shift_region", region=region, stations="、".join(stations)))
    if role not in ROLES:
        problems.append(say("field_problems.bad_role", roles="/".join(ROLES)))
    if days not in DAYS:
        problems.append(say("field_problems.bad_days", days="/".join(DAYS)))
    problems += [say("field_problems.bad_time", time=t) for t in (starts, ends) if not _CLOCK.match(str(t))]
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(say("field_problems.period_reversed"))
    if problems:
        raise OpsError(say("errors.bad_engineer_field", problem="；".join(problems)))
    shift = OnCallShift(
        engineer_id=engineer.id,
        region=region,
        role=role,
        days=days,
        starts=str(starts),
        ends=str(ends),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(shift)
    session.flush()
    return shift


def rota(session: Session, region: str | None = None) -> list[OnCallShift]:
    query = select(OnCallShift).order_by(OnCallShift.region, OnCallShift.id)
    if region:
        query = query.where(OnCallShift.region == region)
    return list(session.execute(query).scalars())


def on_call(session: Session, region: str, at: datetime, calendar: BusinessCalendar) -> list[OnCall]:
    """Who is on call for a region at a moment (naive UTC): primaries first, then backups; inactive people
    left out."""
    local = calendar.local(at).replace(tzinfo=None)
    covering = [s for s in rota(session, region) if s.engineer.active and _covers(s, local, calendar)]
    found: list[OnCall] = []
    for role in ROLES:
        shifts = [s for s in covering if s.role == role]
        dated = [s for s in shifts if s.valid_from or s.valid_to]
        found += [OnCall(s.engineer, role, s) for s in (dated or shifts)]
    return found


def _covers(shift: OnCallShift, local: datetime, calendar: BusinessCalendar) -> bool:
    """Whether a shift covers a local wall-clock moment; a night shift is looked up from the day it
    started."""
    starts, ends = _parse_clock(shift.starts), _parse_clock(shift.ends)
    for day in (local.date(), local.date() - timedelta(days=1)):
        if not _runs_on(shift, day, calendar):
            continue
        begin = datetime.combine(day, starts)
        end = datetime.combine(day if ends > starts else day + timedelta(days=1), ends)
        if begin <= local < end:
            return True
    return False


def _runs_on(shift: OnCallShift, day: date, calendar: BusinessCalendar) -> bool:
    if shift.valid_from and day < shift.valid_from or shift.valid_to and day > shift.valid_to:
        return False
    if shift.days == "daily":
        return True
    if shift.days == "workdays":
        return calendar.is_working_day(day)
    if shift.days == "offdays":
        return not calendar.is_working_day(day)
    return WEEKDAYS[day.weekday()] == shift.days


def _parse_clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def seed_staff(session: Session, path: Path, policy: ServicePolicy, catalogue: Catalogue) -> tuple[int, int]:
    """Insert or update the engineers of a staff file (by phone) and replace their rota; returns (people,
    shifts)."""
    with path.open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    people: dict[str, Engineer] = {}
    for row in raw.get("engineers") or []:
        phone = normalise_phone(row["phone"])
        engineer = find_engineer(session, phone) or Engineer(phone=phone)
        _fill(
            engineer,
            name=row["name"],
            tier=int(row["tier"]),
            regions=row.get("regions") or [],
            skills=row.get("skills") or [],
            policy=policy,
            catalogue=catalogue,
            is_manager=bool(row.get("manager", False)),
            active=bool(row.get("active", True)),
        )
        session.add(engineer)
        people[phone] = engineer
    session.flush()
    # Someone taken off the team (active: false) must not keep reading tickets in the console.
    disable_logins_of_inactive_engineers(session)
    ids = [e.id for e in people.values()]
    session.execute(delete(OnCallShift).where(OnCallShift.engineer_id.in_(ids)))
    shifts = raw.get("rota") or []
    for row in shifts:
        phone = normalise_phone(row["engineer"])
        if phone not in people:
            raise ValueError(f"{path}: rota names {row['engineer']}, who is not in the engineers list")
        add_shift(
            session,
            engineer=people[phone],
            region=row["region"],
            role=row["role"],
            days=row["days"],
            starts=row["starts"],
            ends=row["ends"],
            policy=policy,
            valid_from=row.get("valid_from"),
            valid_to=row.get("valid_to"),
        )
    return len(people), len(shifts)
