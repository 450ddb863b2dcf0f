"""The SLA clock: every open ticket's deadlines, a warning before each (once), a breach after (once),
escalation.

`sweep(session, now, policy, calendar, send_sms)` is a pure function of the database and `now`: run twice at
the same moment, the second run finds every warning, breach and page already recorded (sla_alerts and pages
have unique keys) and does nothing. The worker (`hotline worker`) runs it every few seconds with the real
clock.

The clocks, and what stops each:

    response          ticket.response_due            a person acts on the ticket (first_response_at)
    dispatch          report + deadlines.handoff_minutes                   an engineer is assigned
                      (faults; safety.handoff_minutes for a safety incident)
    engineer_confirm  dispatch + deadlines.engineer_confirm_minutes        the engineer accepts
    onsite            ticket.onsite_due (faults)     the engineer is on site, or it is resolved
    plan              ticket.plan_due                a repair plan is recorded, or it is resolved
    repair            ticket.repair_due              resolved
    complaint_answer  report + deadlines.complaint_answer_working_days (complaints)    resolved
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.clock import local_text
from bot.db.models import Engineer, SlaAlert, Ticket, TicketEvent
from bot.guard import held_for_duty_desk
from bot.ops.calendar import BusinessCalendar, add_working_days
from bot.ops.dispatch import region_for
from bot.ops.lifecycle import REPORT_SENT
from bot.ops.paging import Pager, SendSms, advance, escalate
from bot.ops.staff import on_call
from bot.ops.texts import say
from bot.policy import PolicyError, ServicePolicy
from bot.safety import SAFETY_SEVERITY
from bot.tickets import OPEN_STATUSES, TicketKind


@dataclass(frozen=True)
class Clock:
    name: str
    due_at: datetime
    met: bool


@dataclass
class SweepReport:
    """What one sweep did: (ticket number, clock) pairs warned and breached, and pages sent."""

    warnings: list[tuple[str, str]] = field(default_factory=list)
    breaches: list[tuple[str, str]] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.warnings or self.breaches or self.pages)


def deadline_after(
    start: datetime, dotted: str, policy: ServicePolicy, calendar: BusinessCalendar
) -> datetime:
    """`start` plus a policy duration: *_minutes and *_hours in calendar time, *_working_days on the
    calendar."""
    if dotted.endswith("_working_days"):
        return add_working_days(start, int(policy.value(dotted)), calendar)
    if dotted.endswith("_minutes"):
        return start + policy.minutes(dotted)
    if dotted.endswith("_hours"):
        return start + policy.hours(dotted)
    raise PolicyError(f"{dotted}: a duration must end in _minutes, _hours or _working_days")


def _clock_key(ticket: Ticket, name: str) -> str:
    """A safety incident runs on the policy's shortest clocks (kb/policy.yml safety:), the rest on
    deadlines:."""
    return f"safety.{name}" if ticket.severity == SAFETY_SEVERITY else f"deadlines.{name}"


def clocks_for(ticket: Ticket, policy: ServicePolicy, calendar: BusinessCalendar) -> list[Clock]:
    """The ticket's running deadlines, each with whether it is already met."""
    resolved = ticket.resolved_at is not None
    fault = ticket.kind == TicketKind.FAULT.value
    clocks = []
    if ticket.response_due:
        clocks.append(Clock("response", ticket.response_due, ticket.first_response_at is not None))
    if fault:
        dispatch_due = deadline_after(
            ticket.created_at, _clock_key(ticket, "handoff_minutes"), policy, calendar
        )
        clocks.append(Clock("dispatch", dispatch_due, ticket.dispatched_at is not None or resolved))
    if ticket.dispatched_at is not None:
        confirm_due = deadline_after(
            ticket.dispatched_at, _clock_key(ticket, "engineer_confirm_minutes"), policy, calendar
        )
        clocks.append(Clock("engineer_confirm", confirm_due, ticket.accepted_at is not None or resolved))
    if fault and ticket.onsite_due:
        clocks.append(Clock("onsite", ticket.onsite_due, ticket.arrived_at is not None or resolved))
    if ticket.plan_due:
        planned = any(event.kind == "plan" for event in ticket.events)
        clocks.append(Clock("plan", ticket.plan_due, planned or resolved))
    if ticket.repair_due:
        clocks.append(Clock("repair", ticket.repair_due, resolved))
    on_site_repair = not ticket.resolved_remotely and "remote_resolved" not in (ticket.flags or [])
    if fault and ticket.resolved_at is not None and on_site_repair:
        # A visit owes the hospital its signed service report; a fix over the phone (the bot's or an
        # engineer's) has none to sign.
        report_due = deadline_after(
            ticket.resolved_at, "deadlines.service_report_working_days", policy, calendar
        )
        clocks.append(
            Clock("service_report", report_due, any(event.kind == REPORT_SENT for event in ticket.events))
        )
    if ticket.kind == TicketKind.COMPLAINT.value:
        answer_due = deadline_after(
            ticket.created_at, "deadlines.complaint_answer_working_days", policy, calendar
        )
        clocks.append(Clock("complaint_answer", answer_due, resolved))
    return clocks


def sweep(
    session: Session,
    now: datetime,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
    send_sms: SendSms,
    *,
    catalogue: Catalogue,
) -> SweepReport:
    """Warn, record breaches, escalate, and move every paging ladder on, as of `now` (naive UTC)."""
    pager = Pager(policy, calendar, catalogue, send_sms)
    warn_before = {
        name: timedelta(minutes=float(m)) for name, m in policy.value("sla.warn_before_minutes").items()
    }
    escalating = set(policy.value("sla.escalate_on_breach"))
    report = SweepReport()
    open_statuses = [s.value for s in OPEN_STATUSES]
    recently_resolved = now - timedelta(days=float(policy.value("sla.report_watch_days")))
    tickets = session.execute(
        select(Ticket)
        .where(or_(Ticket.status.in_(open_statuses), Ticket.resolved_at >= recently_resolved))
        .order_by(Ticket.id)
    ).scalars()
    for ticket in tickets:
        for clock in clocks_for(ticket, policy, calendar):
            if clock.met:
                continue
            if now >= clock.due_at:
                if _record(session, ticket, clock, "breach", now, policy.timezone):
                    report.breaches.append((ticket.number, clock.name))
                    # An unverified caller's ticket held past the page cap waits for the duty desk to assign
                    # it.
                    if clock.name in escalating and not held_for_duty_desk(ticket):
                        page = escalate(session, ticket, at=now, pager=pager, reason=f"breach:{clock.name}")
                        if page is not None:
                            report.pages.append((ticket.number, page.engineer.name))
            elif (
                clock.name in warn_before
                and now >= clock.due_at - warn_before[clock.name]
                and _record(session, ticket, clock, "warning", now, policy.timezone)
            ):
                report.warnings.append((ticket.number, clock.name))
                _warn(session, ticket, clock, now, pager)
        if ticket.status not in open_statuses:
            continue
        page = advance(session, ticket, at=now, pager=pager)
        if page is not None:
            report.pages.append((ticket.number, page.engineer.name))
    return report


def _record(session: Session, ticket: Ticket, clock: Clock, kind: str, now: datetime, zone: str) -> bool:
    """Store a warning or breach of this deadline once; False when it was already recorded."""
    exists = session.execute(
        select(SlaAlert.id).where(
            SlaAlert.ticket_id == ticket.id,
            SlaAlert.clock == clock.name,
            SlaAlert.kind == kind,
            SlaAlert.due_at == clock.due_at,
        )
    ).first()
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(
                SlaAlert(ticket_id=ticket.id, clock=clock.name, kind=kind, due_at=clock.due_at, at=now)
            )
            session.flush()
    except IntegrityError:
        return False  # another worker recorded it at the same moment
    label = say(f"clocks.{clock.name}")
    due = local_text(clock.due_at, zone)
    note = f"「{label}」时限{'已过' if kind == 'breach' else '将到'}（{due}）"
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor="sla",
            kind="breach" if kind == "breach" else "sla_warning",
            note=note,
        )
    )
    return True


def _warn(session: Session, ticket: Ticket, clock: Clock, now: datetime, pager: Pager) -> None:
    """The SMS before a deadline: to the ticket's engineer, or to whoever is on call for its region."""
    engineer: Engineer | None = ticket.engineer
    if engineer is None or not engineer.active:
        duty = on_call(session, region_for(ticket.site_city, pager.policy), now, pager.calendar)
        engineer = duty[0].engineer if duty else None
    if engineer is None:
        return
    text = say(
        "sms.sla_warning",
        number=ticket.number,
        hospital=ticket.hospital or "",
        clock=say(f"clocks.{clock.name}"),
        due=local_text(clock.due_at, pager.policy.timezone),
    )
    pager.send_sms(
        engineer.phone, text, f"sla:{ticket.number}:{clock.name}:warning:{clock.due_at.isoformat()}"
    )
