"""Safety incidents: the ticket of a hazard, clinical risk or harm, at top severity, paged at once, any hour.

`submit_incident` is the one way a safety report reaches tier 2:
- the device's open ticket, if it has one, is escalated (never just noted): severity `safety`, the incident's
  flags, the policy's `safety:` deadlines where they are shorter, an audit-log event;
- otherwise a new fault ticket is submitted (bot.submission.submit_ticket: exactly once, journaled while the
  database is down) and marked the same way;
- the ladder steps of `safety.page_at_once` (the on-call engineer and the manager) are paged together, now;
- when someone is (or may be) hurt, a 医疗器械不良事件 record is kept with the ticket, with its reporting
  deadline from `adverse_events:` in kb/policy.yml.

It is called on the hazard's first message, with what that message and the conversation give: a caller who
hangs up after the safety instruction still leaves an incident, paged. `add_incident_details` then puts what
the short safety questions bring on that ticket and sends it to whoever was paged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.db.models import AdverseEvent, Engineer, Page, Ticket, TicketEvent
from bot.journal import TicketJournal
from bot.notify.outbox import session_sms_sender
from bot.ops.calendar import current_calendar
from bot.ops.lifecycle import cancel
from bot.ops.paging import Pager, page_steps_now, round_pages
from bot.policy import Distance, ServicePolicy, current_policy
from bot.safety import ADVERSE_EVENT, SAFETY_SEVERITY, SafetyRules
from bot.submission import SubmitOutcome, Submitted, submit_ticket
from bot.tickets import Origin, Registration, TicketKind, find_ticket, open_ticket_for_serial

# Audit-log kinds (TicketEvent.kind) of a ticket registered as, or escalated to, a safety incident, and of the
# details taken after it was registered.
SAFETY_EVENT = "safety"
ESCALATED_EVENT = "safety_escalated"
DETAILS_EVENT = "safety_details"
# What the safety questions may add to an incident's ticket (bot.tickets.Registration's fields), in the order
# the details page lists them.
DETAIL_FIELDS = (
    "hospital",
    "department",
    "site_address",
    "site_city",
    "device",
    "serial_number",
    "contact_person",
    "contact_phone",
    "clinical_impact",
)
# Adverse-event categories, each with its reporting limit in kb/policy.yml adverse_events.
DEATH, SERIOUS_INJURY, GROUP_EVENT = "death", "serious_injury", "group_event"


@dataclass(frozen=True)
class IncidentReport:
    """What the caller reported: the hazards (ids, most pressing first) and flags, in their words."""

    hazard_ids: tuple[str, ...]
    flags: tuple[str, ...]
    description: str
    # The answer to 「现场人员都安全吗？」 (or what the caller said about people), if any.
    people: str | None = None


@dataclass(frozen=True)
class IncidentOutcome:
    number: str
    escalated: bool
    response_due: datetime
    paged: int
    adverse_event_due: datetime | None


@dataclass(frozen=True)
class IncidentSubmitted:
    """What became of a safety report: the incident (None when the ticket could not be stored, see
    `submitted`)."""

    incident: IncidentOutcome | None
    # submit_ticket's answer when the device had no open ticket and a new one was submitted.
    submitted: Submitted | None = None


def submit_incident(
    registration: Registration,
    report: IncidentReport,
    *,
    report_id: str,
    origin: Origin,
    received_at: datetime,
    journal: TicketJournal,
    safety_rules: SafetyRules,
    policy: ServicePolicy | None = None,
    engine: Engine | None = None,
) -> IncidentSubmitted:
    """The one way a safety report reaches tier 2: the device's open ticket is escalated; otherwise a ticket
    is submitted (bot.submission: exactly once, journaled while the database is down) and made the
    incident."""
    policy = policy or current_policy()
    number = None
    if registration.serial_number:
        with session_scope(engine) as session:
            open_ticket = open_ticket_for_serial(session, registration.serial_number)
            number = open_ticket.number if open_ticket is not None else None
    escalated, submitted = number is not None, None
    if number is None:
        submitted = submit_ticket(
            TicketKind.FAULT,
            registration,
            report_id=f"safety-{report_id}",
            origin=origin,
            received_at=received_at,
            journal=journal,
            policy=policy,
            engine=engine,
        )
        if submitted.ticket is None or submitted.number is None:
            return IncidentSubmitted(None, submitted)  # journaled or failed: the caller is told to phone
        # Opened by someone else a moment ago: submit_ticket noted the report there; it is escalated all the
        # same.
        escalated, number = submitted.outcome is SubmitOutcome.DUPLICATE_NOTED, submitted.number
    with session_scope(engine) as session:
        ticket = find_ticket(session, number)
        assert ticket is not None, number
        pager = Pager(policy, current_calendar(), current_catalogue(), session_sms_sender(session))
        incident = register_incident(
            session,
            ticket,
            registration,
            report,
            escalated=escalated,
            report_id=report_id,
            actor=origin.sender_id,
            policy=policy,
            safety_rules=safety_rules,
            received_at=received_at,
            pager=pager,
        )
    return IncidentSubmitted(incident, submitted)


def register_incident(
    session: Session,
    ticket: Ticket,
    registration: Registration,
    report: IncidentReport,
    *,
    escalated: bool,
    report_id: str,
    actor: str,
    policy: ServicePolicy,
    safety_rules: SafetyRules,
    received_at: datetime,
    pager: Pager,
) -> IncidentOutcome:
    """Make the ticket the incident (once per report): top severity, flags, the safety deadlines, an audit-log
    entry, the on-call engineer and the manager paged at once, the adverse-event record when someone is
    hurt."""
    labels = "、".join(safety_rules.hazard(hazard_id).label for hazard_id in report.hazard_ids)
    if round_pages(session, ticket) and not _registered_by(ticket, report_id):
        # The ladder starts afresh at safety severity: a new round, so its steps page again with the safety
        # text.
        ticket.dispatch_round = (ticket.dispatch_round or 0) + 1
    if escalated:
        kind = ESCALATED_EVENT
        note = safety_rules.say("escalated_event_note", hazards=labels, said=report.description)
    else:
        kind, note = SAFETY_EVENT, safety_rules.say("event_note", hazards=labels)
    _log(session, ticket, kind, f"[{report_id}] {note}", actor, received_at)
    _mark(ticket, report, policy, received_at)
    session.flush()
    pages = _page(session, ticket, labels, report, safety_rules, policy, received_at, pager)
    due = _adverse_event(session, ticket, registration, report, safety_rules, policy, received_at)
    assert ticket.response_due is not None
    return IncidentOutcome(ticket.number, escalated, ticket.response_due, len(pages), due)


def add_incident_details(
    number: str,
    registration: Registration,
    report: IncidentReport,
    *,
    report_id: str,
    actor: str,
    received_at: datetime,
    safety_rules: SafetyRules,
    policy: ServicePolicy | None = None,
    engine: Engine | None = None,
) -> IncidentOutcome | None:
    """What the safety questions brought after the incident was registered: the ticket's empty fields filled
    (never a value it had overwritten), the hazards said since, flags, the adverse-event record when someone
    turned out hurt, and the new details sent to whoever was paged for it. None if the ticket is gone."""
    policy = policy or current_policy()
    with session_scope(engine) as session:
        ticket = find_ticket(session, number)
        if ticket is None:
            return None
        registered = next(
            (
                event
                for event in ticket.events
                if event.kind in (SAFETY_EVENT, ESCALATED_EVENT)
                and (event.note or "").startswith(f"[{report_id}]")
            ),
            None,
        )
        escalated = registered is not None and registered.kind == ESCALATED_EVENT
        serial = registration.serial_number
        older = (
            open_ticket_for_serial(session, serial, besides=ticket.number)
            if serial and not ticket.serial_number and not escalated
            else None
        )
        if older is not None:
            # The device had an open ticket: that one becomes the incident, as when the serial comes first.
            return _merged_into(
                session,
                ticket,
                older,
                registration,
                report,
                report_id,
                actor,
                received_at,
                safety_rules,
                policy,
            )
        added = {
            name: value
            for name in DETAIL_FIELDS
            if (value := getattr(registration, name)) and not getattr(ticket, name)
        }
        for name, value in added.items():
            setattr(ticket, name, value)
        if not escalated and registration.description:
            ticket.description = registration.description  # the hazards said while the details were taken
        if "site_city" in added and not escalated:
            # Registered before the caller said where: the deadlines of the real distance, where shorter.
            ticket.distance = policy.distance_for(ticket.site_city).value
            _mark(ticket, report, policy, registered.at if registered else received_at)
        ticket.flags = sorted({*(ticket.flags or []), *report.flags})
        ticket.updated_at = received_at
        if added:
            _log(
                session,
                ticket,
                DETAILS_EVENT,
                f"[{report_id}] {_details(ticket, safety_rules)}",
                actor,
                received_at,
            )
            _send_details(session, ticket, report_id, safety_rules)
        session.flush()
        due = _adverse_event(session, ticket, registration, report, safety_rules, policy, received_at)
        assert ticket.response_due is not None
        return IncidentOutcome(
            ticket.number, escalated, ticket.response_due, len(round_pages(session, ticket)), due
        )


def _details(ticket: Ticket, safety_rules: SafetyRules) -> str:
    return safety_rules.say(
        "details",
        number=ticket.number,
        hospital=ticket.hospital or "",
        department=ticket.department or "",
        device=" ".join(filter(None, [ticket.device, ticket.serial_number])) or "设备",
        site=ticket.site_address or ticket.site_city or "",
        phone=ticket.contact_phone or "",
    )


def _send_details(session: Session, ticket: Ticket, report_id: str, safety_rules: SafetyRules) -> None:
    """The details to everyone this round paged for the incident: they were paged before the caller said
    where."""
    send_sms = session_sms_sender(session)
    engineers = {page.engineer_id for page in round_pages(session, ticket)}
    for engineer in session.scalars(select(Engineer).where(Engineer.id.in_(engineers))):
        send_sms(
            engineer.phone,
            _details(ticket, safety_rules),
            f"safety-details:{ticket.number}:{report_id}:{engineer.id}",
        )


def _merged_into(
    session: Session,
    ticket: Ticket,
    older: Ticket,
    registration: Registration,
    report: IncidentReport,
    report_id: str,
    actor: str,
    at: datetime,
    safety_rules: SafetyRules,
    policy: ServicePolicy,
) -> IncidentOutcome:
    """The serial said after the page names the device's open ticket: it is escalated and paged as the
    incident, and the ticket registered at the first message is cancelled into it (one ticket per device)."""
    cancel(
        session,
        ticket.number,
        actor=actor,
        reason=safety_rules.say("merged_into", number=older.number),
        at=at,
    )
    pager = Pager(policy, current_calendar(), current_catalogue(), session_sms_sender(session))
    return register_incident(
        session,
        older,
        registration,
        report,
        escalated=True,
        report_id=report_id,
        actor=actor,
        policy=policy,
        safety_rules=safety_rules,
        received_at=at,
        pager=pager,
    )


def _registered_by(ticket: Ticket, report_id: str) -> bool:
    return any((event.note or "").startswith(f"[{report_id}]") for event in ticket.events)


def _log(session: Session, ticket: Ticket, kind: str, note: str, actor: str, at: datetime) -> None:
    """One audit-log entry per intake: a retried submission finds it and adds nothing."""
    if not any(event.note == note for event in ticket.events):
        session.add(TicketEvent(ticket_id=ticket.id, at=at, actor=actor, kind=kind, note=note))


def _mark(ticket: Ticket, report: IncidentReport, policy: ServicePolicy, at: datetime) -> None:
    """Top severity and the policy's safety deadlines (never later than those the ticket already had)."""
    ticket.severity = SAFETY_SEVERITY
    ticket.urgent = True
    ticket.flags = sorted({*(ticket.flags or []), *report.flags})
    distance = Distance(ticket.distance) if ticket.distance else policy.distance_for(ticket.site_city)
    response_due = at + policy.minutes("safety.response_minutes")
    onsite_due = at + policy.hours(f"safety.onsite_hours.{distance.value}")
    ticket.response_due = min(response_due, ticket.response_due or response_due)
    ticket.onsite_due = min(onsite_due, ticket.onsite_due or onsite_due)
    ticket.updated_at = at


def _page(
    session: Session,
    ticket: Ticket,
    labels: str,
    report: IncidentReport,
    safety_rules: SafetyRules,
    policy: ServicePolicy,
    at: datetime,
    pager: Pager,
) -> list[Page]:
    text = safety_rules.say(
        "page",
        number=ticket.number,
        hospital=ticket.hospital or "",
        department=ticket.department or "",
        device=ticket.device or "设备",
        hazard=labels,
        description=_short(report.description, 40),
        phone=ticket.contact_phone or "",
    )
    steps = list(policy.value("safety.page_at_once"))
    return page_steps_now(session, ticket, steps, at=at, pager=pager, reason=SAFETY_SEVERITY, text=text)


def _adverse_event(
    session: Session,
    ticket: Ticket,
    registration: Registration,
    report: IncidentReport,
    safety_rules: SafetyRules,
    policy: ServicePolicy,
    at: datetime,
) -> datetime | None:
    """The 医疗器械不良事件 record of a ticket whose report says someone is (or may be) hurt; its report
    deadline."""
    if ADVERSE_EVENT not in report.flags:
        return None
    existing = session.execute(
        select(AdverseEvent).where(AdverseEvent.ticket_id == ticket.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing.report_due
    said = " ".join(filter(None, [report.description, report.people]))
    category = adverse_event_category(said, safety_rules)
    due = at + report_within(category, policy)
    session.add(
        AdverseEvent(
            ticket_id=ticket.id,
            what_happened=report.description,
            occurred_at=at,
            device=ticket.device,
            serial_number=ticket.serial_number,
            lot_numbers=lot_numbers(said, safety_rules) or None,
            outcome=report.people,
            reporter=" ".join(filter(None, [registration.contact_person, registration.contact_phone]))
            or None,
            category=category,
            report_due=due,
            created_at=at,
        )
    )
    return due


def adverse_event_category(text: str, safety_rules: SafetyRules) -> str:
    """Death, a group event, or else (possibly) serious injury: the category with the shortest limit that
    applies."""
    plain = safety_rules.normalise(text)
    cues = safety_rules.adverse_event_cues
    for category in (GROUP_EVENT, DEATH):
        if any(cue in plain for cue in cues[category]):
            return category
    return SERIOUS_INJURY


def report_within(category: str, policy: ServicePolicy) -> timedelta:
    if category == GROUP_EVENT:
        return policy.hours("adverse_events.group_event_hours")
    return timedelta(days=float(policy.value(f"adverse_events.{category}_days")))


def lot_numbers(text: str, safety_rules: SafetyRules) -> str:
    """Lot numbers the caller read out (「批号 A2311」), comma-separated."""
    found = re.findall(safety_rules.lot_number, text.lower())
    return "，".join(dict.fromkeys(item.upper() for item in found))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def adverse_events(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[AdverseEvent]:
    """Adverse-event records (recorded in [since, until) when given), the nearest reporting deadline first."""
    query = select(AdverseEvent).order_by(AdverseEvent.report_due, AdverseEvent.id)
    if since is not None:
        query = query.where(AdverseEvent.created_at >= since)
    if until is not None:
        query = query.where(AdverseEvent.created_at < until)
    return list(session.execute(query).scalars())
