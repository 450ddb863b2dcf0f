"""What the bot says about registrations, tickets and warranties, composed from bot/texts.yml and the
policy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.callbacks import CallBackAmended, CallbackWindow, requested_times, wanted_day
from bot.clock import local_text
from bot.db.models import Device, Ticket
from bot.installed_base import WarrantyStatus, extended
from bot.ops.after_hours import AfterHoursCall
from bot.ops.calendar import BusinessCalendar
from bot.ops.sla import deadline_after
from bot.policy import Distance, ServicePolicy
from bot.texts import labels, say
from bot.tickets import KIND_LABELS, STATUS_LABELS, TicketKind, TicketStatus
from bot.triage import SEVERITY_LABELS, Severity

FIELD_LABELS = labels("field_labels")
DISTANCE_LABELS = {Distance(distance): label for distance, label in labels("distance_labels").items()}
NOT_GIVEN = "未提供"


def registration_summary(fields: Mapping[str, Any], urgent: bool, remote_steps_tried: int = 0) -> str:
    """The registration read back, with how it will be handled, so that a caller can put either right."""
    lines = [say("summary_intro")]
    for field, label in FIELD_LABELS.items():
        lines.append(f"{label}：{fields.get(field) or NOT_GIVEN}")
    lines.append(say("summary_urgent" if urgent else "summary_routine"))
    if remote_steps_tried:
        lines.append(say("summary_remote_steps", count=remote_steps_tried))
    lines.append(say("summary_question"))
    return "\n".join(lines)


def ticket_confirmation(
    ticket: Ticket, policy: ServicePolicy, call_back: AfterHoursCall | None = None
) -> str:
    """The ticket number, the deadlines that apply and what happens next.

    After hours, when the on-call engineer was paged, the first contact is that engineer's call-back: it
    replaces the general first-response promise, so the reply carries one promise, not two.
    """
    zone = policy.timezone
    # Every fault ticket is created with both deadlines (bot.tickets.create_fault_ticket).
    assert ticket.response_due is not None and ticket.onsite_due is not None
    severity = Severity(ticket.severity)
    distance = Distance(ticket.distance)
    parts = [say("ticket_created", number=ticket.number)]
    if ticket.urgent:
        parts.append(say("ticket_urgent", severity=SEVERITY_LABELS[severity]))
    else:
        parts.append(say("ticket_severity", severity=SEVERITY_LABELS[severity]))
    onsite = {
        "distance": DISTANCE_LABELS[distance],
        "onsite_hours": policy.value(f"deadlines.onsite_hours.{distance.value}"),
        "onsite_due": local_text(ticket.onsite_due, zone),
    }
    if call_back is not None and call_back.callback_due is not None:
        parts.append(
            say(
                "ticket_next_steps_call_back",
                minutes=int(call_back.callback_within.total_seconds() // 60),
                due=local_text(call_back.callback_due, zone),
                phone=call_back.phone,
                **onsite,
            )
        )
    else:
        parts.append(
            say(
                "ticket_next_steps",
                response_due=local_text(ticket.response_due, zone),
                response_hours=policy.value("deadlines.first_response_hours"),
                **onsite,
            )
        )
    if severity is Severity.COMPLEX:
        parts.append(say("ticket_plan", plan_hours=policy.value("deadlines.complex_plan_hours")))
    if severity is Severity.MAJOR:
        parts.append(say("ticket_repair", repair_hours=policy.value("deadlines.major_repair_hours")))
    parts.append(say("ticket_keep_number", number=ticket.number))
    return "".join(parts)


# While an engineer has the ticket, the status names them (the customer's SMS has named them already).
_WITH_ENGINEER = (
    TicketStatus.DISPATCHED,
    TicketStatus.ACCEPTED,
    TicketStatus.EN_ROUTE,
    TicketStatus.ON_SITE,
    TicketStatus.REOPENED,
)


def ticket_status(ticket: Ticket, policy: ServicePolicy, now: datetime | None = None) -> str:
    """Where a ticket stands and the next promise; a promise whose time is past (`now`, naive UTC) is not made
    again (bot.ticket_changes says what happens instead)."""
    zone = policy.timezone
    status = TicketStatus(ticket.status)
    text = say(
        "ticket_status",
        number=ticket.number,
        kind=KIND_LABELS[TicketKind(ticket.kind)],
        created=local_text(ticket.created_at, zone),
        status=STATUS_LABELS[status],
    )
    if ticket.device:
        text += say("ticket_status_device", device=ticket.device)
    if ticket.engineer is not None and status in _WITH_ENGINEER:
        text += say("ticket_status_engineer", engineer=ticket.engineer.name, phone=ticket.engineer.phone)
    if status is TicketStatus.NEW and ticket.response_due and not _past(ticket.response_due, now):
        text += say("ticket_status_response", response_due=local_text(ticket.response_due, zone))
    elif (
        status in (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.EN_ROUTE)
        and ticket.onsite_due
        and not _past(ticket.onsite_due, now)
    ):
        text += say("ticket_status_deadline", onsite_due=local_text(ticket.onsite_due, zone))
    return text


def engineer_answer(ticket: Ticket, policy: ServicePolicy, now: datetime) -> str:
    """「工程师几点到」「工程师叫什么」「工程师的电话给我一个」 of a ticket: who has it and their phone, when
    they come (the time they gave, else the latest the policy allows); before anyone is assigned, what happens
    next and by when. A promise whose time is past is not made again (`now`, naive UTC)."""
    zone = policy.timezone
    status = TicketStatus(ticket.status)
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED):
        return say("ticket_engineer_done", number=ticket.number, status=STATUS_LABELS[status])
    engineer = ticket.engineer
    if engineer is None:
        text = say("ticket_engineer_none", number=ticket.number)
        if ticket.response_due and not _past(ticket.response_due, now):
            text += say("ticket_status_response", response_due=local_text(ticket.response_due, zone))
        text += say(
            "ticket_engineer_next", confirm_minutes=policy.value("deadlines.engineer_confirm_minutes")
        )
    else:
        text = say("ticket_engineer", number=ticket.number, engineer=engineer.name, phone=engineer.phone)
        if ticket.arrived_at is not None:
            return text + say("ticket_engineer_arrived")
        if ticket.eta and not _past(ticket.eta, now):
            return text + say("ticket_engineer_eta", eta=local_text(ticket.eta, zone))
    if ticket.onsite_due and not _past(ticket.onsite_due, now):
        text += say("ticket_engineer_onsite_due", onsite_due=local_text(ticket.onsite_due, zone))
    return text


def _past(moment: datetime, now: datetime | None) -> bool:
    return now is not None and moment <= now


def warranty_answer(device: Device, status: WarrantyStatus, policy: ServicePolicy) -> str:
    values = {
        "serial": device.serial_number,
        "hospital": device.hospital,
        "device": f"{device.device_type} {device.model}",
        "end": _date_text(status.warranty_end),
    }
    if status.in_warranty:
        extension = say("warranty_extended") if extended(device, policy) else ""
        return say("warranty_in", days=status.days_left, extension=extension, **values)
    return say(
        "warranty_out",
        fees="、".join(policy.value("warranty.after_warranty.fees")),
        parts_price=policy.value("warranty.after_warranty.parts_price"),
        **values,
    )


def request_created(ticket: Ticket, policy: ServicePolicy) -> str:
    assert (
        ticket.response_due is not None
    )  # every service request has one (bot.tickets.create_service_request)
    due = local_text(ticket.response_due, policy.timezone)
    return say(
        f"request_created.{ticket.kind}",
        number=ticket.number,
        due=due,
        hours=policy.value("deadlines.complaint_contact_hours"),
        answer_days=policy.value("deadlines.complaint_answer_working_days"),
        minutes=policy.value("deadlines.callback_minutes"),
        phone=ticket.contact_phone or NOT_GIVEN,
        hotline=policy.hotline_phone,
        interval=policy.value("maintenance.preventive_interval_months"),
        advanced=policy.value("training.advanced_per_year"),
        wanted=_wanted_time(ticket.description or ""),
    )


def _wanted_time(description: str) -> str:
    """「您希望的时间（下周二上午）已记在单上，」 when the booking's words name a day; else nothing."""
    day = wanted_day(description)
    return say("wanted_time", words=day) if day else ""


def request_made_already(ticket: Ticket, policy: ServicePolicy) -> str:
    """A request said again right after it was made (「好 你们赶紧给个说法」): made once, and when the caller
    hears from us said again."""
    assert ticket.response_due is not None  # every service request has one
    return say(
        f"request_already_booked.{ticket.kind}",
        number=ticket.number,
        due=local_text(ticket.response_due, policy.timezone),
        answer_days=policy.value("deadlines.complaint_answer_working_days"),
    )


def complaint_deadlines(ticket: Ticket, policy: ServicePolicy, calendar: BusinessCalendar) -> str:
    """「你们多久能给我个说法」 of a complaint: when the supervisor calls (unless they have), and by when the
    written answer comes, on the same clock as the SLA worker's (bot.ops.sla)."""
    assert ticket.response_due is not None  # every service request has one
    zone = policy.timezone
    answer_due = deadline_after(
        ticket.created_at, "deadlines.complaint_answer_working_days", policy, calendar
    )
    values = {
        "number": ticket.number,
        "answer_days": policy.value("deadlines.complaint_answer_working_days"),
        "answer_due": local_text(answer_due, zone),
        "result_days": policy.value("deadlines.complaint_result_working_days"),
    }
    if ticket.first_response_at is not None:
        return say("complaint_contacted", **values)
    return say(
        "complaint_deadlines",
        contact_due=local_text(ticket.response_due, zone),
        hours=policy.value("deadlines.complaint_contact_hours"),
        **values,
    )


def booking_confirmed(ticket: Ticket, policy: ServicePolicy) -> str:
    """A booking said again as it stands (its number, the time asked for, where and whom to call), for a
    caller who confirms it or adds to it right after it was made."""
    assert ticket.response_due is not None  # every service request has one
    when = requested_times(ticket.description or "")
    details = say("booking_time", when=when) if when else ""
    for name in ("site_address", "contact_person", "contact_phone"):
        value = getattr(ticket, name)
        if value:
            details += say("booking_detail", label=FIELD_LABELS[name], value=value)
    return say(
        "booking_confirmed",
        kind=KIND_LABELS[TicketKind(ticket.kind)],
        number=ticket.number,
        details=details,
        due=local_text(ticket.response_due, policy.timezone),
    )


def callback_scheduled(ticket: Ticket, window: CallbackWindow, policy: ServicePolicy) -> str:
    """A call-back registered for the time the caller named (bot.callbacks.schedule_window moved its due)."""
    assert ticket.response_due is not None  # schedule_call_back has set it
    return say(
        "callback_window",
        number=ticket.number,
        words=window.words,
        earliest=local_text(window.earliest, policy.timezone),
        due=local_text(ticket.response_due or window.earliest, policy.timezone),
        phone=ticket.contact_phone,
        hotline=policy.hotline_phone,
    )


def call_back_confirmed(amended: CallBackAmended, policy: ServicePolicy) -> str:
    """A registered call-back said again after the caller's next words: the name they gave, and the time it
    is for (a new one when they named it), never earlier than they asked."""
    ticket, window = amended.ticket, amended.window
    person = say("callback_person", person=ticket.contact_person) if amended.person_added else ""
    due = local_text(ticket.response_due, policy.timezone) if ticket.response_due else ""
    phone = ticket.contact_phone or NOT_GIVEN
    if window is None:
        return say("callback_confirmed", number=ticket.number, person=person, due=due, phone=phone)
    return say(
        "callback_window_confirmed" if not amended.rescheduled else "callback_window_moved",
        number=ticket.number,
        person=person,
        words=window.words,
        earliest=local_text(window.earliest, policy.timezone),
        due=due,
        phone=phone,
    )


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
