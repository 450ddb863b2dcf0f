"""The service report 《维修服务报告》 of one resolved ticket: who, which device, what was wrong and done,
when, signed.

`render_service_report_html(session, number)` gives a self-contained HTML page (styles inline, nothing
fetched), `render_service_report_pdf(session, number)` the same page printed to PDF. A ticket that is not
resolved (or closed) yet has no report: ReportError, with the sentence to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import bot.texts
from bot.clock import utc_now
from bot.db.models import Device, Ticket
from bot.policy import Distance, ServicePolicy, current_policy
from bot.replies import DISTANCE_LABELS
from bot.reports.config import ReportError
from bot.reports.metrics import fixed_by_guided_check, fixed_remotely, resolved_at
from bot.reports.pdf import html_to_pdf
from bot.reports.rendering import template_environment
from bot.reports.texts import say
from bot.tickets import KIND_LABELS, STATUS_LABELS, TicketKind, TicketStatus, find_ticket

REPORTABLE = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
# Service done on a device; a complaint or a call-back has no service report.
SERVICE_KINDS = (TicketKind.FAULT.value, TicketKind.MAINTENANCE.value, TicketKind.TRAINING.value)


@dataclass(frozen=True)
class PartLine:
    model: str
    quantity: int
    description: str | None


@dataclass(frozen=True)
class ServiceReport:
    """What the report says; times are naive UTC, shown in local time."""

    number: str
    kind: str
    hospital: str | None
    department: str | None
    contact_person: str | None
    contact_phone: str | None
    site_address: str | None
    device: str | None
    model: str | None
    brand: str | None
    serial_number: str | None
    description: str | None
    clinical_impact: str | None
    cause: str | None
    actions: str | None
    parts: list[PartLine]
    where: str
    distance: str | None
    engineer: str | None
    engineer_phone: str | None
    reported_at: datetime
    dispatched_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    remote_steps: list[dict[str, Any]]
    issued_at: datetime


def service_report(session: Session, number: str, *, now: datetime | None = None) -> ServiceReport:
    """The report's content for a resolved or closed ticket."""
    ticket = find_ticket(session, number)
    if ticket is None:
        raise ReportError(say("errors.ticket_not_found", number=number.strip()))
    if ticket.kind not in SERVICE_KINDS:
        raise ReportError(
            say("errors.not_a_service", number=ticket.number, kind=KIND_LABELS[TicketKind(ticket.kind)])
        )
    if ticket.status not in REPORTABLE:
        raise ReportError(
            say(
                "errors.not_resolved", number=ticket.number, status=STATUS_LABELS[TicketStatus(ticket.status)]
            )
        )
    device = _installed(session, ticket)
    guided = fixed_by_guided_check(ticket)
    return ServiceReport(
        number=ticket.number,
        kind=KIND_LABELS[TicketKind(ticket.kind)],
        hospital=ticket.hospital,
        department=ticket.department,
        contact_person=ticket.contact_person,
        contact_phone=ticket.contact_phone,
        site_address=ticket.site_address,
        device=ticket.device or (device.device_type if device else None),
        model=device.model if device else None,
        brand=device.brand if device else None,
        serial_number=ticket.serial_number,
        description=ticket.description,
        clinical_impact=ticket.clinical_impact,
        cause=ticket.resolution_cause,
        actions=ticket.resolution_actions or (say("words.guided_actions") if guided else None),
        parts=[PartLine(p.part_model, p.quantity, p.description) for p in ticket.parts],
        where=say("words.remote") if fixed_remotely(ticket) else say("words.on_site"),
        distance=DISTANCE_LABELS[Distance(ticket.distance)] if ticket.distance else None,
        engineer=ticket.engineer.name if ticket.engineer else None,
        engineer_phone=ticket.engineer.phone if ticket.engineer else None,
        reported_at=ticket.created_at,
        dispatched_at=ticket.dispatched_at,
        arrived_at=ticket.arrived_at,
        resolved_at=resolved_at(ticket),
        remote_steps=list(ticket.remote_steps or []),
        issued_at=now or utc_now(),
    )


def render_service_report_html(
    session: Session, number: str, *, policy: ServicePolicy | None = None, now: datetime | None = None
) -> str:
    policy = policy or current_policy()
    report = service_report(session, number, now=now)
    template = template_environment(policy.timezone).get_template("service_report.html")
    return template.render(
        report=report,
        hotline_name=policy.value("hotline.name"),
        hotline_phone=policy.hotline_phone,
        step_outcomes=bot.texts.labels("step_outcomes"),
    )


def render_service_report_pdf(
    session: Session, number: str, *, policy: ServicePolicy | None = None, now: datetime | None = None
) -> bytes:
    return html_to_pdf(render_service_report_html(session, number, policy=policy, now=now))


def _installed(session: Session, ticket: Ticket) -> Device | None:
    if not ticket.serial_number:
        return None
    return session.execute(
        select(Device).where(Device.serial_number == ticket.serial_number.upper())
    ).scalar_one_or_none()
