"""The hotline's tables: installed base (一机一档), tickets and their history, ticket numbering, ratings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, String, Text
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

    channel = Column(String(30), nullable=False)
    sender_id = Column(String(120), nullable=False, index=True)
    transcript = Column(JSON, nullable=False, default=list)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)

    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id")


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

