"""The hotline's tables: installed base (一机一档), tickets and their history, ticket numbering, ratings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()


class Device(Base):
    """One installed device at a customer site, with its acceptance date and warranty end."""

    __tablename__ = "devices"

    id = Column(Integer, primary_key=True)
    serial_number = Column(String(40), nullable=False, unique=True)
    device_type = Column(String(60), nullable=False)
    model = Column(String(40), nullable=False)
    brand = Column(String(40), nullable=False)
    hospital = Column(String(100), nullable=False)
    department = Column(String(60), nullable=False)
    city = Column(String(40), nullable=False)
    address = Column(String(200), nullable=False)
    accepted_on = Column(Date, nullable=False)
    warranty_end = Column(Date, nullable=False)


class TicketSequence(Base):
    """The last ticket number handed out on one (local) day; its row lock serialises numbering."""

    __tablename__ = "ticket_sequences"

    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False, default=0)


class Ticket(Base):
    """A service record: a fault repair, or a complaint, call-back, maintenance or training request."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)
    kind = Column(String(20), nullable=False, index=True)
    status = Column(String(20), nullable=False, index=True)
    # One per intake: a repeated 「确认」 or a retried request finds the ticket it already made.
    idempotency_key = Column(String(80), nullable=False, unique=True)

    hospital = Column(String(100))
    department = Column(String(60))
    contact_person = Column(String(60))
    contact_phone = Column(String(30), index=True)
    device = Column(String(60))
    serial_number = Column(String(40), index=True)
    description = Column(Text)
    site_address = Column(String(200))
    site_city = Column(String(40))
    clinical_impact = Column(String(200))
    flags = Column(JSON, nullable=False, default=list)
    # Steps the caller already tried with remote guidance, so the engineer does not repeat them.
    remote_steps = Column(JSON, nullable=False, default=list)

    severity = Column(String(20))
    urgent = Column(Boolean, nullable=False, default=False)
    distance = Column(String(20))
    response_due = Column(DateTime)
    onsite_due = Column(DateTime)
    plan_due = Column(DateTime)
    repair_due = Column(DateTime)

    # Tier 2 (bot/ops/lifecycle.py): who has the ticket, when each step happened, and how it was resolved.
    engineer_id = Column(Integer, ForeignKey("engineers.id"), nullable=True, index=True)
    # Counts assignments, so the paging ladder of a re-assigned ticket starts afresh for the new engineer.
    dispatch_round = Column(Integer, nullable=False, default=0)
    eta = Column(DateTime)
    first_response_at = Column(DateTime)
    dispatched_at = Column(DateTime)
    accepted_at = Column(DateTime)
    arrived_at = Column(DateTime)
    resolved_at = Column(DateTime)
    closed_at = Column(DateTime)
    resolution_cause = Column(Text)
    resolution_actions = Column(Text)
    resolved_remotely = Column(Boolean)

    channel = Column(String(30), nullable=False)
    sender_id = Column(String(120), nullable=False, index=True)
    transcript = Column(JSON, nullable=False, default=list)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)

    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id")
    engineer = relationship("Engineer")
    parts = relationship("TicketPart", back_populates="ticket", order_by="TicketPart.id")


class TicketEvent(Base):
    """The audit log of a ticket: creation, state changes and notes added later."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(120), nullable=False)
    kind = Column(String(20), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20))
    note = Column(Text)

    ticket = relationship("Ticket", back_populates="events")


class Rating(Base):
    """A satisfaction score (1-5) given by a caller, tied to their latest ticket when there is one."""

    __tablename__ = "ratings"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=True, index=True)
    score = Column(Integer, nullable=False)
    comment = Column(Text)
    channel = Column(String(30), nullable=False)
    sender_id = Column(String(120), nullable=False)
    created_at = Column(DateTime, nullable=False)


class KbQuestion(Base):
    """A question put to the knowledge base, what it answered, and whether the caller found it helpful."""

    __tablename__ = "kb_questions"

    id = Column(Integer, primary_key=True)
    question = Column(Text, nullable=False)
    verdict = Column(String(10), nullable=False, index=True)
    faq_id = Column(String(80))
    score = Column(Float)
    helpful = Column(Boolean)
    channel = Column(String(30), nullable=False)
    sender_id = Column(String(120), nullable=False)
    asked_at = Column(DateTime, nullable=False)


class KbLearnedEntry(Base):
    """An FAQ entry a manager drafted in the console from missed questions: answers at once, exported to
    kb/faq/*.yml by `hotline kb export`."""

    __tablename__ = "kb_learned_entries"

    id = Column(String(80), primary_key=True)  # an FAQ id, e.g. learned.invoice
    question = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)
    file = Column(String(80), nullable=False)  # the kb/faq file it is exported to
    created_by = Column(String(120), nullable=False)
    created_at = Column(DateTime, nullable=False)
    exported_at = Column(DateTime)


class KbLearnedParaphrase(Base):
    """A caller's question attached to an FAQ entry (kb/faq or learned) as one more way of asking it."""

    __tablename__ = "kb_learned_paraphrases"
    __table_args__ = (UniqueConstraint("faq_id", "text", name="uq_kb_learned_paraphrases_faq_text"),)

    id = Column(Integer, primary_key=True)
    faq_id = Column(String(80), nullable=False, index=True)
    text = Column(Text, nullable=False)
    added_by = Column(String(120), nullable=False)
    added_at = Column(DateTime, nullable=False)
    exported_at = Column(DateTime)


class KbAudit(Base):
    """Every change to the knowledge base made from the console or the command line: who, when, what."""

    __tablename__ = "kb_audit"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(120), nullable=False)
    action = Column(String(20), nullable=False)  # attach, draft, export
    faq_id = Column(String(80))
    detail = Column(Text, nullable=False)


class ConsoleUser(Base):
    """A person who logs in to the tier-2 web console: an engineer, or a manager who may also assign, close, reopen."""

    __tablename__ = "console_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(60), nullable=False, unique=True)
    display_name = Column(String(60), nullable=False)
    role = Column(String(20), nullable=False)
    # "scrypt$n$r$p$salt$hash": the parameters travel with the hash so they can be raised later.
    password_hash = Column(String(300), nullable=False)
    # The engineer this login acts as when claiming a ticket (engineers table of bot/ops); a manager may have none.
    engineer_id = Column(Integer)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)


class ConsoleSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie's session id is stored, so a database copy logs no one in."""

    __tablename__ = "console_sessions"

    id_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)

    user = relationship("ConsoleUser")


class RatingReview(Base):
    """A manager's review of a low satisfaction score: what was found and done; its existence closes the review."""

    __tablename__ = "rating_reviews"

    id = Column(Integer, primary_key=True)
    rating_id = Column(Integer, ForeignKey("ratings.id"), nullable=False, unique=True)
    reviewed_by = Column(String(120), nullable=False)
    reviewed_at = Column(DateTime, nullable=False)
    outcome = Column(Text, nullable=False)


class TicketPart(Base):
    """A spare part replaced while resolving a ticket: its model and how many (the warranty restarts for it)."""

    __tablename__ = "ticket_parts"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    part_model = Column(String(60), nullable=False)
    quantity = Column(Integer, nullable=False)
    description = Column(String(120))
    replaced_at = Column(DateTime, nullable=False)

    ticket = relationship("Ticket", back_populates="parts")


class Engineer(Base):
    """A tier-2 or tier-3 engineer (or the service manager): where they are stationed and which devices they know."""

    __tablename__ = "engineers"

    id = Column(Integer, primary_key=True)
    name = Column(String(60), nullable=False)
    phone = Column(String(30), nullable=False, unique=True)
    tier = Column(Integer, nullable=False)
    is_manager = Column(Boolean, nullable=False, default=False)
    # Station cities (kb/policy.yml service_area) and device type ids (kb/devices.yml); few rows, read whole.
    regions = Column(JSON, nullable=False, default=list)
    skills = Column(JSON, nullable=False, default=list)
    active = Column(Boolean, nullable=False, default=True)


class OnCallShift(Base):
    """One line of the on-call rota: who covers a region, as primary or backup, on which days and hours (local time).

    `days` is daily, workdays, offdays (weekends and public holidays) or a weekday (mon..sun); a shift whose end is
    not after its start runs past midnight, equal start and end is a 24-hour shift. valid_from/valid_to (local dates)
    limit it to a period, and a dated shift overrides the open-ended ones for that role on its days.
    """

    __tablename__ = "oncall_shifts"

    id = Column(Integer, primary_key=True)
    engineer_id = Column(Integer, ForeignKey("engineers.id"), nullable=False, index=True)
    region = Column(String(40), nullable=False, index=True)
    role = Column(String(10), nullable=False)
    days = Column(String(10), nullable=False)
    starts = Column(String(5), nullable=False)
    ends = Column(String(5), nullable=False)
    valid_from = Column(Date)
    valid_to = Column(Date)

    engineer = relationship("Engineer")


class Page(Base):
    """One SMS page of the paging ladder to an engineer about a ticket, and when (and by whom) it was acknowledged."""

    __tablename__ = "pages"
    # One page per ladder step per assignment round: a second sweep, or a second worker, cannot page again.
    __table_args__ = (UniqueConstraint("ticket_id", "round", "step", name="uq_pages_ticket_round_step"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    engineer_id = Column(Integer, ForeignKey("engineers.id"), nullable=False)
    round = Column(Integer, nullable=False)
    step = Column(Integer, nullable=False)
    reason = Column(String(40), nullable=False)
    sent_at = Column(DateTime, nullable=False)
    acknowledged_at = Column(DateTime)
    acknowledged_by = Column(String(120))

    engineer = relationship("Engineer")


class SlaAlert(Base):
    """A warning before, or a breach after, one of a ticket's deadlines; recorded once per deadline."""

    __tablename__ = "sla_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "kind", "due_at", name="uq_sla_alerts_once"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    clock = Column(String(30), nullable=False)
    kind = Column(String(10), nullable=False)
    due_at = Column(DateTime, nullable=False)
    at = Column(DateTime, nullable=False)


class OutboxMessage(Base):
    """A message to a customer or an engineer, stored with the change that caused it and sent by the worker.

    status: pending → sending (claimed by one worker until claimed_until) → sent; after the last attempt → dead
    (`hotline outbox retry` makes it pending again); rerouted when WeChat could not reach the person and an SMS
    was queued instead. parts_sent counts the parts of a long text already accepted, so none goes twice.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(200), nullable=False, unique=True)
    channel = Column(String(20), nullable=False)
    recipient = Column(String(120), nullable=False)
    text = Column(Text, nullable=False)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=True, index=True)
    status = Column(String(10), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    parts_sent = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    claim_token = Column(String(32))
    claimed_until = Column(DateTime)
    last_error = Column(Text)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime)


class FollowUpCall(Base):
    """A follow-up call made to a device's users N months after installation (maintenance.follow_up_months).

    One row per device and milestone: a recorded call drops off the follow-up list (bot/reports/follow_ups.py).
    """

    __tablename__ = "follow_up_calls"
    __table_args__ = (UniqueConstraint("device_id", "months", name="uq_follow_up_calls_device_months"),)

    id = Column(Integer, primary_key=True)
    device_id = Column(Integer, ForeignKey("devices.id"), nullable=False, index=True)
    months = Column(Integer, nullable=False)
    due_on = Column(Date, nullable=False)
    done_at = Column(DateTime, nullable=False)
    done_by = Column(String(120), nullable=False)
    note = Column(Text)

    device = relationship("Device")
