"""Follow-up calls after installation: 1, 3, 6 and 12 months after acceptance (maintenance.follow_up_months).

The list shows, per device, the latest follow-up that is due and not yet made; earlier ones never made are
shown with it as missed (one call now covers them, nobody rings the same ward twice in a row). A recorded call
(table follow_up_calls) drops the device off the list until its next milestone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import local_text
from bot.db.models import Device, FollowUpCall
from bot.policy import ServicePolicy
from bot.reports.config import ReportError
from bot.reports.texts import say


@dataclass(frozen=True)
class FollowUpDue:
    serial_number: str
    device: str
    hospital: str
    department: str
    city: str
    months: int
    due_on: date
    overdue_days: int
    missed: tuple[int, ...]


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestones(policy: ServicePolicy) -> list[int]:
    return sorted(int(m) for m in policy.value("maintenance.follow_up_months"))


def due_follow_ups(session: Session, due_by: date, policy: ServicePolicy) -> list[FollowUpDue]:
    """The follow-up calls to make by `due_by` (a local date), the longest overdue first."""
    months_list = milestones(policy)
    done: dict[int, set[int]] = {}
    for device_id, months in session.execute(select(FollowUpCall.device_id, FollowUpCall.months)):
        done.setdefault(device_id, set()).add(months)
    rows = []
    for device in session.execute(select(Device).order_by(Device.id)).scalars():
        made = done.get(device.id, set())
        latest_made = max(made, default=0)
        pending = [
            m
            for m in months_list
            if m > latest_made and m not in made and add_months(device.accepted_on, m) <= due_by
        ]
        if not pending:
            continue
        due_on = add_months(device.accepted_on, pending[-1])
        rows.append(
            FollowUpDue(
                serial_number=device.serial_number,
                device=f"{device.device_type} {device.model}",
                hospital=device.hospital,
                department=device.department,
                city=device.city,
                months=pending[-1],
                due_on=due_on,
                overdue_days=(due_by - due_on).days,
                missed=tuple(pending[:-1]),
            )
        )
    return sorted(rows, key=lambda row: (row.due_on, row.hospital, row.serial_number))


def record_follow_up(
    session: Session,
    serial_number: str,
    *,
    by: str,
    at: datetime,
    today: date,
    policy: ServicePolicy,
    months: int | None = None,
    note: str | None = None,
) -> FollowUpCall:
    """Record a call as made: the milestone given, else the one the list shows for the device today."""
    serial = serial_number.strip().upper()
    device = session.execute(select(Device).where(Device.serial_number == serial)).scalar_one_or_none()
    if device is None:
        raise ReportError(say("errors.device_not_found", serial=serial_number.strip()))
    if months is None:
        due = [row for row in due_follow_ups(session, today, policy) if row.serial_number == serial]
        if not due:
            raise ReportError(say("errors.no_follow_up_due", serial=serial))
        months = due[0].months
    elif months not in milestones(policy):
        raise ReportError(say("errors.not_a_milestone", months="、".join(str(m) for m in milestones(policy))))
    call = FollowUpCall(
        device_id=device.id,
        months=months,
        due_on=add_months(device.accepted_on, months),
        done_at=at,
        done_by=by,
        note=(note or "").strip() or None,
    )
    try:
        with session.begin_nested():
            session.add(call)
            session.flush()
    except IntegrityError:
        existing = session.execute(
            select(FollowUpCall).where(FollowUpCall.device_id == device.id, FollowUpCall.months == months)
        ).scalar_one()
        raise ReportError(
            say(
                "errors.follow_up_done",
                serial=serial,
                months=months,
                done=local_text(existing.done_at, policy.timezone),
            )
        ) from None
    return call
