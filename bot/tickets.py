"""Tickets: create exactly once, number them SR+date+sequence, look them up, note on them.

A ticket is any service record the hotline promises to act on: a fault repair, a complaint, a call-back by a
person, a maintenance or a training request. Every record gets an SR number the caller can quote later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import to_local, utc_iso
from bot.db.models import Ticket, TicketEvent, TicketSequence
from bot.policy import ServicePolicy
from bot.texts import labels
from bot.triage import TriageRules, assess, deadlines_for


class TicketKind(str, Enum):
    FAULT = "fault"
    COMPLAINT = "complaint"
    CALLBACK = "callback"
    MAINTENANCE = "maintenance"
    TRAINING = "training"


KIND_LABELS = {TicketKind(kind): label for kind, label in labels("kind_labels").items()}


class TicketStatus(str, Enum):
    NEW = "new"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


STATUS_LABELS = {TicketStatus(status): label for status, label in labels("status_labels").items()}

OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.DISPATCHED,
    TicketStatus.ACCEPTED,
    TicketStatus.EN_ROUTE,
    TicketStatus.ON_SITE,
    TicketStatus.REOPENED,
)


@dataclass
class Registration:
    """The registration form (售后服务需求登记表) as the caller gave it."""

    hospital: str | None = None
    department: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    device: str | None = None
    serial_number: str | None = None
    description: str | None = None
    site_address: str | None = None
    site_city: str | None = None
    clinical_impact: str | None = None
    flags: list[str] = field(default_factory=list)
    remote_steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Origin:
    """Where a ticket came from: the channel, the conversation, and what was said in it."""

    channel: str
    sender_id: str
    transcript: list[dict[str, Any]]


# Sequence numbers 9000-9999 of a day belong to tickets taken while the database was down (bot/journal.py).
LAST_DAILY_SEQUENCE = 8999


class TicketNumbersExhausted(Exception):
    """A day's ticket numbers are all used."""


class OpenTicketExists(Exception):
    """The device already has an open fault ticket; a second report becomes a note on it instead."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(f"serial {ticket.serial_number} already has open ticket {ticket.number}")
        self.ticket = ticket


def _lock_numbering(session: Session, received_at: datetime, policy: ServicePolicy) -> str:
    """Take the write lock of the day's numbering row until commit (a row lock on PostgreSQL, the database's
    write lock on SQLite): ticket creation is serialised from here on, and later reads see committed
    tickets."""
    day = to_local(received_at, policy.timezone).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(TicketSequence).values(day=day, last=0).on_conflict_do_nothing())
    session.execute(update(TicketSequence).where(TicketSequence.day == day).values(last=TicketSequence.last))
    return day


def next_ticket_number(session: Session, received_at: datetime, policy: ServicePolicy) -> str:
    """SR + local date + 4-digit sequence of that day.

    Concurrent callers are serialised by the numbering row's lock until commit; a rolled-back ticket leaves a
    gap, which is allowed.
    """
    day = _lock_numbering(session, received_at, policy)
    session.execute(
        update(TicketSequence).where(TicketSequence.day == day).values(last=TicketSequence.last + 1)
    )
    last = session.execute(select(TicketSequence.last).where(TicketSequence.day == day)).scalar_one()
    if last > LAST_DAILY_SEQUENCE:
        raise TicketNumbersExhausted(f"all {LAST_DAILY_SEQUENCE} ticket numbers of {day} are used")
    return f"SR{day}{last:04d}"


def ticket_by_key(session: Session, idempotency_key: str) -> Ticket | None:
    return session.execute(
        select(Ticket).where(Ticket.idempotency_key == idempotency_key)
    ).scalar_one_or_none()


def find_ticket(session: Session, number: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.number == number.strip().upper())).scalar_one_or_none()


def open_ticket_for_serial(session: Session, serial_number: str, besides: str | None = None) -> Ticket | None:
    """The device's newest open fault ticket (other than `besides`, a ticket's number)."""
    return (
        session.execute(
            select(Ticket)
            .where(Ticket.kind == TicketKind.FAULT.value)
            .where(Ticket.serial_number == serial_number.upper())
            .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
            .where(Ticket.number != (besides or ""))
            .order_by(Ticket.id.desc())
        )
        .scalars()
        .first()
    )


def tickets_for_caller(
    session: Session,
    *,
    sender_id: str | None = None,
    phone: str | None = None,
    serial: str | None = None,
    limit: int = 5,
) -> list[Ticket]:
    """The caller's tickets, newest first: those from this conversation, with this contact phone or for this
    device's serial."""
    conditions = []
    if sender_id:
        conditions.append(Ticket.sender_id == sender_id)
    if phone:
        conditions.append(Ticket.contact_phone == phone)
    if serial:
        conditions.append(Ticket.serial_number == serial.upper())
    if not conditions:
        return []
    query = select(Ticket).where(or_(*conditions)).order_by(Ticket.id.desc()).limit(limit)
    return list(session.execute(query).scalars())


def open_tickets_of_hospitals(session: Session, hospitals: frozenset[str], limit: int = 5) -> list[Ticket]:
    """The open tickets of these hospitals, newest first."""
    if not hospitals:
        return []
    query = (
        select(Ticket)
        .where(Ticket.hospital.in_(sorted(hospitals)))
        .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def list_tickets(session: Session, *, status: str | None = None, phone: str | None = None) -> list[Ticket]:
    query = select(Ticket).order_by(Ticket.id)
    if status:
        query = query.where(Ticket.status == status)
    if phone:
        query = query.where(Ticket.contact_phone == phone)
    return list(session.execute(query).scalars())


def _create_once(
    session: Session, idempotency_key: str, actor: str, build: Callable[[], Ticket]
) -> tuple[Ticket, bool]:
    """The ticket stored under this key, building and inserting it only if there is none yet.

    A concurrent request with the same key may win the race between the look-up and the insert: its
    unique-key violation rolls back only our savepoint, and the winner's ticket is returned.
    """
    existing = ticket_by_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    ticket = build()
    try:
        with session.begin_nested():
            session.add(ticket)
            session.add(
                TicketEvent(
                    ticket=ticket, at=ticket.created_at, actor=actor, kind="created", to_status=ticket.status
                )
            )
            session.flush()
    except IntegrityError:
        existing = ticket_by_key(session, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def create_fault_ticket(
    session: Session,
    registration: Registration,
    *,
    idempotency_key: str,
    origin: Origin,
    policy: ServicePolicy,
    rules: TriageRules,
    received_at: datetime,
    resolved_remotely: bool = False,
    promised_number: str | None = None,
) -> tuple[Ticket, bool]:
    """Create the fault ticket of one intake, exactly once; returns (ticket, created now).

    A fault the caller fixed with remote guidance is recorded as resolved, with its steps, for the metrics.
    Raises OpenTicketExists when the serial already has an open fault ticket — unless promised_number is
    given: a ticket the caller was already told about (taken while the database was down) is created with that
    number.
    """

    refuses_duplicates = (
        bool(registration.serial_number) and not resolved_remotely and promised_number is None
    )
    if refuses_duplicates:
        # Two callers reporting the same device at the same moment: the second waits here for the first to
        # commit, then finds its ticket (or, for a retry of the same intake, the ticket of that intake).
        _lock_numbering(session, received_at, policy)

    def build() -> Ticket:
        if refuses_duplicates:
            assert registration.serial_number is not None
            open_ticket = open_ticket_for_serial(session, registration.serial_number)
            if open_ticket is not None:
                raise OpenTicketExists(open_ticket)
        triage = assess(rules, registration.description, registration.clinical_impact)
        distance = policy.distance_for(registration.site_city)
        deadlines = deadlines_for(policy, triage, distance, received_at)
        ticket = _new_ticket(
            session,
            TicketKind.FAULT,
            registration,
            idempotency_key,
            origin,
            policy,
            received_at,
            promised_number,
        )
        ticket.urgent = triage.urgent
        ticket.severity = triage.severity.value
        ticket.distance = distance.value
        ticket.response_due = deadlines.response_due
        ticket.onsite_due = deadlines.onsite_due
        ticket.plan_due = deadlines.plan_due
        ticket.repair_due = deadlines.repair_due
        if resolved_remotely:
            ticket.status = TicketStatus.RESOLVED.value
            ticket.flags = sorted({*ticket.flags, "remote_resolved"})
        return ticket

    return _create_once(session, idempotency_key, origin.sender_id, build)


def create_service_request(
    session: Session,
    kind: TicketKind,
    registration: Registration,
    *,
    idempotency_key: str,
    origin: Origin,
    policy: ServicePolicy,
    received_at: datetime,
    promised_number: str | None = None,
) -> tuple[Ticket, bool]:
    """A complaint, call-back, maintenance or training request; its response clock comes from the policy.

    promised_number: the number the caller was given while the database was down, instead of a new one.
    """

    def build() -> Ticket:
        respond_within = {
            TicketKind.COMPLAINT: policy.hours("deadlines.complaint_contact_hours"),
            TicketKind.CALLBACK: policy.minutes("deadlines.callback_minutes"),
        }.get(kind, policy.hours("deadlines.first_response_hours"))
        ticket = _new_ticket(
            session, kind, registration, idempotency_key, origin, policy, received_at, promised_number
        )
        ticket.response_due = received_at + respond_within
        return ticket

    return _create_once(session, idempotency_key, origin.sender_id, build)


def _new_ticket(
    session: Session,
    kind: TicketKind,
    registration: Registration,
    idempotency_key: str,
    origin: Origin,
    policy: ServicePolicy,
    received_at: datetime,
    number: str | None = None,
) -> Ticket:
    fields = asdict(registration)
    if fields["serial_number"]:
        fields["serial_number"] = fields["serial_number"].upper()
    return Ticket(
        number=number or next_ticket_number(session, received_at, policy),
        kind=kind.value,
        status=TicketStatus.NEW.value,
        idempotency_key=idempotency_key,
        channel=origin.channel,
        sender_id=origin.sender_id,
        transcript=origin.transcript,
        created_at=received_at,
        updated_at=received_at,
        urgent=False,
        **fields,
    )


def record_note(session: Session, ticket: Ticket, note: str, *, actor: str, at: datetime) -> None:
    """Store a note the system writes itself, as given (a person's note goes through
    bot.ops.lifecycle.add_note, which checks it and stops the response clock)."""
    session.add(TicketEvent(ticket_id=ticket.id, at=at, actor=actor, kind="note", note=note))
    ticket.updated_at = at


def ticket_as_dict(ticket: Ticket) -> dict[str, Any]:
    """Everything about a ticket, JSON-ready (times in ISO 8601 UTC)."""

    return {
        "number": ticket.number,
        "kind": ticket.kind,
        "status": ticket.status,
        "hospital": ticket.hospital,
        "department": ticket.department,
        "contact_person": ticket.contact_person,
        "contact_phone": ticket.contact_phone,
        "device": ticket.device,
        "serial_number": ticket.serial_number,
        "description": ticket.description,
        "site_address": ticket.site_address,
        "site_city": ticket.site_city,
        "clinical_impact": ticket.clinical_impact,
        "flags": list(ticket.flags or []),
        "remote_steps": list(ticket.remote_steps or []),
        "severity": ticket.severity,
        "urgent": ticket.urgent,
        "distance": ticket.distance,
        "deadlines": {
            "response_due": utc_iso(ticket.response_due),
            "onsite_due": utc_iso(ticket.onsite_due),
            "plan_due": utc_iso(ticket.plan_due),
            "repair_due": utc_iso(ticket.repair_due),
        },
        "channel": ticket.channel,
        "sender_id": ticket.sender_id,
        "created_at": utc_iso(ticket.created_at),
        "updated_at": utc_iso(ticket.updated_at),
        "transcript": list(ticket.transcript or []),
        "events": [
            {
                "at": utc_iso(e.at),
                "actor": e.actor,
                "kind": e.kind,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
            }
            for e in ticket.events
        ],
        # Tier 2 (bot/ops/lifecycle.py): who has it, when each step happened, how it was resolved.
        "engineer": {"id": ticket.engineer.id, "name": ticket.engineer.name, "phone": ticket.engineer.phone}
        if ticket.engineer
        else None,
        "eta": utc_iso(ticket.eta),
        "dispatched_at": utc_iso(ticket.dispatched_at),
        "accepted_at": utc_iso(ticket.accepted_at),
        "arrived_at": utc_iso(ticket.arrived_at),
        "resolution": {
            "resolved_at": utc_iso(ticket.resolved_at),
            "cause": ticket.resolution_cause,
            "actions": ticket.resolution_actions,
            "remote": ticket.resolved_remotely,
            "parts": [
                {"model": p.part_model, "quantity": p.quantity, "description": p.description}
                for p in ticket.parts
            ],
        }
        if ticket.resolved_at
        else None,
        "closed_at": utc_iso(ticket.closed_at),
    }
