"""The hotline's tables: installed base (一机一档), tickets and their history, ticket numbering, ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

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

_T = TypeVar("_T")

if TYPE_CHECKING:
    # SQLAlchemy 1.4 ships no type information, and Rasa pins it below 2.0 (whose Mapped[] this mimics): on an
    # instance a column reads as its Python type; on the class it stays an untyped SQL expression for queries.
    class Mapped(Generic[_T]):
        @overload
        def __get__(self, instance: None, owner: Any) -> Any: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> _T: ...
        def __get__(self, instance: object | None, owner: Any) -> Any: ...
        def __set__(self, instance: object, value: _T) -> None: ...

    class Base:
        """The declarative base as mypy sees it: models take their columns as keyword arguments."""

        metadata: Any
        __table__: Any

        def __init__(self, **columns: Any) -> None: ...

else:
    Base = declarative_base()


class Device(Base):
    """One installed device at a customer site, with its acceptance date and warranty end."""

    __tablename__ = "devices"

    id: Mapped[int] = Column(Integer, primary_key=True)
    serial_number: Mapped[str] = Column(String(40), nullable=False, unique=True)
    device_type: Mapped[str] = Column(String(60), nullable=False)
    model: Mapped[str] = Column(String(40), nullable=False)
    brand: Mapped[str] = Column(String(40), nullable=False)
    hospital: Mapped[str] = Column(String(100), nullable=False)
    department: Mapped[str] = Column(String(60), nullable=False)
    city: Mapped[str] = Column(String(40), nullable=False)
    address: Mapped[str] = Column(String(200), nullable=False)
    accepted_on: Mapped[date] = Column(Date, nullable=False)
    warranty_end: Mapped[date] = Column(Date, nullable=False)


class TicketSequence(Base):
    """The last ticket number handed out on one (local) day; its row lock serialises numbering."""

    __tablename__ = "ticket_sequences"

    day: Mapped[str] = Column(String(8), primary_key=True)
    last: Mapped[int] = Column(Integer, nullable=False, default=0)


class Ticket(Base):
    """A service record: a fault repair, or a complaint, call-back, maintenance or training request."""

    __tablename__ = "tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    number: Mapped[str] = Column(String(20), nullable=False, unique=True)
    kind: Mapped[str] = Column(String(20), nullable=False, index=True)
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    # One per intake: a repeated 「确认」 or a retried request finds the ticket it already made.
    idempotency_key: Mapped[str] = Column(String(80), nullable=False, unique=True)

    hospital: Mapped[str | None] = Column(String(100))
    department: Mapped[str | None] = Column(String(60))
    contact_person: Mapped[str | None] = Column(String(60))
    contact_phone: Mapped[str | None] = Column(String(30), index=True)
    device: Mapped[str | None] = Column(String(60))
    serial_number: Mapped[str | None] = Column(String(40), index=True)
    description: Mapped[str | None] = Column(Text)
    site_address: Mapped[str | None] = Column(String(200))
    site_city: Mapped[str | None] = Column(String(40))
    clinical_impact: Mapped[str | None] = Column(String(200))
    flags: Mapped[Any] = Column(JSON, nullable=False, default=list)
    # Steps the caller already tried with remote guidance, so the engineer does not repeat them.
    remote_steps: Mapped[Any] = Column(JSON, nullable=False, default=list)

    severity: Mapped[str | None] = Column(String(20))
    urgent: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    distance: Mapped[str | None] = Column(String(20))
    response_due: Mapped[datetime | None] = Column(DateTime)
    onsite_due: Mapped[datetime | None] = Column(DateTime)
    plan_due: Mapped[datetime | None] = Column(DateTime)
    repair_due: Mapped[datetime | None] = Column(DateTime)

    # Tier 2 (bot/ops/lifecycle.py): who has the ticket, when each step happened, and how it was resolved.
    engineer_id: Mapped[int | None] = Column(Integer, ForeignKey("engineers.id"), nullable=True, index=True)
    # Counts assignments, so the paging ladder of a re-assigned ticket starts afresh for the new engineer.
    dispatch_round: Mapped[int] = Column(Integer, nullable=False, default=0)
    eta: Mapped[datetime | None] = Column(DateTime)
    first_response_at: Mapped[datetime | None] = Column(DateTime)
    dispatched_at: Mapped[datetime | None] = Column(DateTime)
    accepted_at: Mapped[datetime | None] = Column(DateTime)
    arrived_at: Mapped[datetime | None] = Column(DateTime)
    resolved_at: Mapped[datetime | None] = Column(DateTime)
    closed_at: Mapped[datetime | None] = Column(DateTime)
    resolution_cause: Mapped[str | None] = Column(Text)
    resolution_actions: Mapped[str | None] = Column(Text)
    resolved_remotely: Mapped[bool | None] = Column(Boolean)

    channel: Mapped[str] = Column(String(30), nullable=False)
    sender_id: Mapped[str] = Column(String(120), nullable=False, index=True)
    transcript: Mapped[Any] = Column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False)

    events: Mapped[list[TicketEvent]] = relationship(
        "TicketEvent", back_populates="ticket", order_by="TicketEvent.id"
    )
    engineer: Mapped[Engineer | None] = relationship("Engineer")
    parts: Mapped[list[TicketPart]] = relationship(
        "TicketPart", back_populates="ticket", order_by="TicketPart.id"
    )


class TicketEvent(Base):
    """The audit log of a ticket: creation, state changes and notes added later."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at: Mapped[datetime] = Column(DateTime, nullable=False)
    actor: Mapped[str] = Column(String(120), nullable=False)
    kind: Mapped[str] = Column(String(20), nullable=False)
    from_status: Mapped[str | None] = Column(String(20))
    to_status: Mapped[str | None] = Column(String(20))
    note: Mapped[str | None] = Column(Text)

    ticket: Mapped[Ticket] = relationship("Ticket", back_populates="events")


class Rating(Base):
    """A satisfaction score (1-5) given by a caller, tied to their latest ticket when there is one."""

    __tablename__ = "ratings"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = Column(Integer, ForeignKey("tickets.id"), nullable=True, index=True)
    score: Mapped[int] = Column(Integer, nullable=False)
    comment: Mapped[str | None] = Column(Text)
    channel: Mapped[str] = Column(String(30), nullable=False)
    sender_id: Mapped[str] = Column(String(120), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)


class KbQuestion(Base):
    """A question put to the knowledge base, what it answered, and whether the caller found it helpful."""

    __tablename__ = "kb_questions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    question: Mapped[str] = Column(Text, nullable=False)
    verdict: Mapped[str] = Column(String(10), nullable=False, index=True)
    faq_id: Mapped[str | None] = Column(String(80))
    score: Mapped[float | None] = Column(Float)
    helpful: Mapped[bool | None] = Column(Boolean)
    channel: Mapped[str] = Column(String(30), nullable=False)
    sender_id: Mapped[str] = Column(String(120), nullable=False)
    asked_at: Mapped[datetime] = Column(DateTime, nullable=False)


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
    """A person who logs in to the tier-2 web console: an engineer, or a manager who may also assign, close,
    reopen."""

    __tablename__ = "console_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(60), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(60), nullable=False)
    role: Mapped[str] = Column(String(20), nullable=False)
    # "scrypt$n$r$p$salt$hash": the parameters travel with the hash so they can be raised later.
    password_hash: Mapped[str] = Column(String(300), nullable=False)
    # The engineer this login acts as when claiming a ticket (engineers table of bot/ops); a manager may have
    # none.
    engineer_id: Mapped[int | None] = Column(Integer)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)


class ConsoleSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie's session id is stored, so a database copy logs no
    one in."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = Column(String(64), primary_key=True)
    user_id: Mapped[int] = Column(
        Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(DateTime, nullable=False)

    user: Mapped[ConsoleUser] = relationship("ConsoleUser")


class RatingReview(Base):
    """A manager's review of a low satisfaction score: what was found and done; its existence closes the
    review."""

    __tablename__ = "rating_reviews"

    id: Mapped[int] = Column(Integer, primary_key=True)
    rating_id: Mapped[int] = Column(Integer, ForeignKey("ratings.id"), nullable=False, unique=True)
    reviewed_by: Mapped[str] = Column(String(120), nullable=False)
    reviewed_at: Mapped[datetime] = Column(DateTime, nullable=False)
    outcome: Mapped[str] = Column(Text, nullable=False)


class TicketPart(Base):
    """A spare part replaced while resolving a ticket: its model and how many (the warranty restarts for
    it)."""

    __tablename__ = "ticket_parts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    part_model: Mapped[str] = Column(String(60), nullable=False)
    quantity: Mapped[int] = Column(Integer, nullable=False)
    description: Mapped[str | None] = Column(String(120))
    replaced_at: Mapped[datetime] = Column(DateTime, nullable=False)

    ticket: Mapped[Ticket] = relationship("Ticket", back_populates="parts")


class Engineer(Base):
    """A tier-2 or tier-3 engineer (or the service manager): where they are stationed and which devices they
    know."""

    __tablename__ = "engineers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(60), nullable=False)
    phone: Mapped[str] = Column(String(30), nullable=False, unique=True)
    tier: Mapped[int] = Column(Integer, nullable=False)
    is_manager: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    # Station cities (kb/policy.yml service_area) and device type ids (kb/devices.yml); few rows, read whole.
    regions: Mapped[Any] = Column(JSON, nullable=False, default=list)
    skills: Mapped[Any] = Column(JSON, nullable=False, default=list)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)


class OnCallShift(Base):
    """One line of the on-call rota: who covers a region, as primary or backup, on which days and hours (local
    time).

    `days` is daily, workdays, offdays (weekends and public holidays) or a weekday (mon..sun); a shift whose
    end is not after its start runs past midnight, equal start and end is a 24-hour shift. valid_from/valid_to
    (local dates) limit it to a period, and a dated shift overrides the open-ended ones for that role on its
    days.
    """

    __tablename__ = "oncall_shifts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    engineer_id: Mapped[int] = Column(Integer, ForeignKey("engineers.id"), nullable=False, index=True)
    region: Mapped[str] = Column(String(40), nullable=False, index=True)
    role: Mapped[str] = Column(String(10), nullable=False)
    days: Mapped[str] = Column(String(10), nullable=False)
    starts: Mapped[str] = Column(String(5), nullable=False)
    ends: Mapped[str] = Column(String(5), nullable=False)
    valid_from: Mapped[date | None] = Column(Date)
    valid_to: Mapped[date | None] = Column(Date)

    engineer: Mapped[Engineer] = relationship("Engineer")


class Page(Base):
    """One SMS page of the paging ladder to an engineer about a ticket, and when (and by whom) it was
    acknowledged."""

    __tablename__ = "pages"
    # One page per ladder step per assignment round: a second sweep, or a second worker, cannot page again.
    __table_args__ = (UniqueConstraint("ticket_id", "round", "step", name="uq_pages_ticket_round_step"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    engineer_id: Mapped[int] = Column(Integer, ForeignKey("engineers.id"), nullable=False)
    round: Mapped[int] = Column(Integer, nullable=False)
    step: Mapped[int] = Column(Integer, nullable=False)
    reason: Mapped[str] = Column(String(40), nullable=False)
    sent_at: Mapped[datetime] = Column(DateTime, nullable=False)
    acknowledged_at: Mapped[datetime | None] = Column(DateTime)
    acknowledged_by: Mapped[str | None] = Column(String(120))

    engineer: Mapped[Engineer] = relationship("Engineer")


class SlaAlert(Base):
    """A warning before, or a breach after, one of a ticket's deadlines; recorded once per deadline."""

    __tablename__ = "sla_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "kind", "due_at", name="uq_sla_alerts_once"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    clock: Mapped[str] = Column(String(30), nullable=False)
    kind: Mapped[str] = Column(String(10), nullable=False)
    due_at: Mapped[datetime] = Column(DateTime, nullable=False)
    at: Mapped[datetime] = Column(DateTime, nullable=False)


class OutboxMessage(Base):
    """A message to a customer or an engineer, stored with the change that caused it and sent by the worker.

    status: pending → sending (claimed by one worker until claimed_until) → sent; after the last attempt →
    dead (`hotline outbox retry` makes it pending again); rerouted when WeChat could not reach the person and
    an SMS was queued instead. parts_sent counts the parts of a long text already accepted, so none goes
    twice.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(20), nullable=False)
    recipient: Mapped[str] = Column(String(120), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    ticket_id: Mapped[int | None] = Column(Integer, ForeignKey("tickets.id"), nullable=True, index=True)
    status: Mapped[str] = Column(String(10), nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    parts_sent: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(DateTime, nullable=False)
    claim_token: Mapped[str | None] = Column(String(32))
    claimed_until: Mapped[datetime | None] = Column(DateTime)
    last_error: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    sent_at: Mapped[datetime | None] = Column(DateTime)


class FollowUpCall(Base):
    """A follow-up call made to a device's users N months after installation (maintenance.follow_up_months).

    One row per device and milestone: a recorded call drops off the follow-up list
    (bot/reports/follow_ups.py).
    """

    __tablename__ = "follow_up_calls"
    __table_args__ = (UniqueConstraint("device_id", "months", name="uq_follow_up_calls_device_months"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    device_id: Mapped[int] = Column(Integer, ForeignKey("devices.id"), nullable=False, index=True)
    months: Mapped[int] = Column(Integer, nullable=False)
    due_on: Mapped[date] = Column(Date, nullable=False)
    done_at: Mapped[datetime] = Column(DateTime, nullable=False)
    done_by: Mapped[str] = Column(String(120), nullable=False)
    note: Mapped[str | None] = Column(Text)

    device: Mapped[Device] = relationship("Device")


class Contact(Base):
    """A person at a hospital the hotline may tell about that hospital's tickets and devices (the contact
    directory).

    Filled from the installed-base registry, from tickets with a validated phone, and in the console; a WeChat
    openid is bound to one contact once its owner proved the phone with a one-time code (bot/identity.py).
    """

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("phone", "hospital", name="uq_contacts_phone_hospital"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(60), nullable=False, default="")
    phone: Mapped[str] = Column(String(20), nullable=False, index=True)
    hospital: Mapped[str] = Column(String(100), nullable=False)
    department: Mapped[str] = Column(String(60), nullable=False, default="")
    wechat_openid: Mapped[str | None] = Column(String(64), unique=True)
    source: Mapped[str] = Column(String(20), nullable=False)  # registry, ticket or console
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False)


class VerifiedCaller(Base):
    """A conversation whose caller proved a phone number with a one-time SMS code (web chat, WeChat)."""

    __tablename__ = "verified_callers"

    sender_id: Mapped[str] = Column(String(80), primary_key=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    phone: Mapped[str] = Column(String(20), nullable=False)
    verified_at: Mapped[datetime] = Column(DateTime, nullable=False)


class IdentityCode(Base):
    """The one-time code last sent for a conversation: only its hash, a deadline and the tries left."""

    __tablename__ = "identity_codes"

    sender_id: Mapped[str] = Column(String(80), primary_key=True)
    phone: Mapped[str] = Column(String(20), nullable=False)
    code_hash: Mapped[str] = Column(String(64), nullable=False)
    sent_at: Mapped[datetime] = Column(DateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(DateTime, nullable=False)
    tries: Mapped[int] = Column(Integer, nullable=False, default=0)
    # Codes sent for this conversation within the hour of `sent_at` (the hourly cap per phone counts them).
    sends: Mapped[int] = Column(Integer, nullable=False, default=1)


class LoginFailure(Base):
    """Failed console logins per account (`user:NAME`) and per client address (`addr:IP`), for throttling."""

    __tablename__ = "login_failures"

    key: Mapped[str] = Column(String(200), primary_key=True)
    failures: Mapped[int] = Column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = Column(DateTime, nullable=False)
    locked_until: Mapped[datetime | None] = Column(DateTime)


class AdverseEvent(Base):
    """A 医疗器械不良事件: a patient or operator harmed, or possibly harmed, at or by a device, kept with its
    ticket so that the supplier reports it within the regulatory limit (kb/policy.yml adverse_events)."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    # One record per ticket: a second report of the same incident adds to the ticket, not a second record.
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, unique=True)
    what_happened: Mapped[str] = Column(Text, nullable=False)
    occurred_at: Mapped[datetime] = Column(DateTime, nullable=False)
    device: Mapped[str | None] = Column(String(60))
    serial_number: Mapped[str | None] = Column(String(40))
    lot_numbers: Mapped[str | None] = Column(String(200))
    outcome: Mapped[str | None] = Column(Text)
    reporter: Mapped[str | None] = Column(String(120))
    # death, serious_injury or group_event: sets report_due from the policy's limits.
    category: Mapped[str] = Column(String(20), nullable=False)
    report_due: Mapped[datetime] = Column(DateTime, nullable=False)
    reported_at: Mapped[datetime | None] = Column(DateTime)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)

    ticket: Mapped[Ticket] = relationship("Ticket")


class Conversation(Base):
    """One caller's conversation with the hotline on one channel (Rasa's sender id), as far as people see it.

    Created for every web chat session, and for any other conversation the first time it is handed to a
    person. last_seq numbers its messages; the row is locked while a message is numbered, so the numbers
    commit in order and a reader that asks for "after N" never skips one that committed late.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(120), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    last_seq: Mapped[int] = Column(Integer, nullable=False, default=0)
    # The caller's last message: WeChat customer-service messages are allowed for 48 hours after it.
    last_caller_at: Mapped[datetime | None] = Column(DateTime)
    # The device a web chat opened from a QR label is about (its serial), if any.
    device_serial: Mapped[str | None] = Column(String(40))
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)


class ConversationMessage(Base):
    """A message of a conversation in the order the caller and the agent see it: caller, bot, agent or system.

    external_id is the channel's own message id (the web chat's client id, WeChat's MsgId): a retried delivery
    of the same message is stored once and answered once.
    """

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_conversation_messages_seq"),
        UniqueConstraint("conversation_id", "external_id", name="uq_conversation_messages_external"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[int] = Column(Integer, ForeignKey("conversations.id"), nullable=False)
    seq: Mapped[int] = Column(Integer, nullable=False)
    author: Mapped[str] = Column(String(10), nullable=False)  # caller, bot, agent, system
    agent_name: Mapped[str | None] = Column(String(60))
    text: Mapped[str] = Column(Text, nullable=False)
    buttons: Mapped[Any] = Column(JSON, nullable=False, default=list)
    external_id: Mapped[str | None] = Column(String(80))
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)


class Handoff(Base):
    """One hand-off of a conversation to a person, and its audit trail: queued → with an agent → ended.

    status: waiting (in the queue) → with_agent (claimed by one console user, compare-and-set on status) →
    ended; or waiting → ended when the caller chose a call-back or nobody picked up in time (callback_ticket).
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_queued", "status", "queued_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[int] = Column(Integer, ForeignKey("conversations.id"), nullable=False, index=True)
    status: Mapped[str] = Column(String(12), nullable=False)
    reason: Mapped[str] = Column(String(30), nullable=False)
    queued_at: Mapped[datetime] = Column(DateTime, nullable=False)
    # The conversation's last message number when it was queued: what came before is in the snapshot.
    queued_seq: Mapped[int] = Column(Integer, nullable=False)
    # What the bot knew when it queued the caller: transcript, registration fields, contact phone.
    snapshot: Mapped[Any] = Column(JSON, nullable=False, default=dict)
    agent_user_id: Mapped[int | None] = Column(Integer, ForeignKey("console_users.id"))
    agent_name: Mapped[str | None] = Column(String(60))
    claimed_at: Mapped[datetime | None] = Column(DateTime)
    last_activity_at: Mapped[datetime] = Column(DateTime, nullable=False)
    ended_at: Mapped[datetime | None] = Column(DateTime)
    ended_by: Mapped[str | None] = Column(String(120))
    end_reason: Mapped[str | None] = Column(String(20))
    ticket_number: Mapped[str | None] = Column(String(20))

    conversation: Mapped[Conversation] = relationship("Conversation")
