"""Submitting a ticket: create it exactly once, or keep it in the journal while the database is down, then
page the on-call engineer for an urgent fault after hours.

Every action that promises a ticket calls `submit_ticket` and turns the `Submitted` it gets into words. The
idempotency key is made here from the kind and the form's report id, so a retry of the same form (the caller
confirms again after an error) finds what the first try stored, in the database or in the journal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.db.models import Ticket
from bot.journal import JournalEntry, JournalUnavailable, TicketJournal, database_unreachable
from bot.ops.after_hours import AfterHoursCall, page_on_call_after_hours
from bot.policy import ServicePolicy, current_policy
from bot.replies import NOT_GIVEN
from bot.texts import say
from bot.tickets import (
    OpenTicketExists,
    Origin,
    Registration,
    TicketKind,
    create_fault_ticket,
    create_service_request,
    find_ticket,
    record_note,
)
from bot.triage import TriageRules, current_rules

logger = logging.getLogger(__name__)


class SubmitOutcome(str, Enum):
    CREATED = "created"  # stored now
    EXISTING = "existing"  # stored by an earlier try of the same form
    DUPLICATE_NOTED = "duplicate_noted"  # the device has an open fault ticket: the report is a note on it
    JOURNALED = "journaled"  # the database is down: kept in the journal under a number the caller can quote
    FAILED = "failed"  # neither stored nor journaled: the caller must try again


@dataclass(frozen=True)
class Submitted:
    outcome: SubmitOutcome
    number: str | None = None
    # The stored ticket (created, existing) or the open ticket the report was noted on (None if it is gone).
    ticket: Ticket | None = None
    # Journaled: resolved_remotely as it was journaled (a retry may find an entry written by the first try).
    journal_entry: JournalEntry | None = None
    # An urgent fault registered after hours: the page that went out (bot/ops/after_hours.py).
    after_hours: AfterHoursCall | None = None


def idempotency_key(kind: TicketKind, report_id: str) -> str:
    return f"intake:{report_id}" if kind is TicketKind.FAULT else f"{kind.value}:{report_id}"


@dataclass(frozen=True)
class _Form:
    """One form's ticket, as submitted."""

    kind: TicketKind
    registration: Registration
    report_id: str
    origin: Origin
    received_at: datetime
    resolved_remotely: bool

    @property
    def key(self) -> str:
        return idempotency_key(self.kind, self.report_id)


def submit_ticket(
    kind: TicketKind,
    registration: Registration,
    *,
    report_id: str,
    origin: Origin,
    received_at: datetime,
    journal: TicketJournal,
    resolved_remotely: bool = False,
    repeat_of: str | None = None,
    policy: ServicePolicy | None = None,
    rules: TriageRules | None = None,
    engine: Engine | None = None,
    caller_verified: bool = False,
) -> Submitted:
    """Store the ticket of one form (report_id identifies it) exactly once and say what became of it.

    repeat_of: the open ticket the form already found for the device's serial; the report becomes a note on
    it. caller_verified: the caller proved who they are (bot/identity.py); an unverified caller's urgent fault
    pages only within the hourly cap (bot/guard.py).
    A fault whose serial has an open ticket becomes a note there too (SubmitOutcome.DUPLICATE_NOTED).
    """
    form = _Form(kind, registration, report_id, origin, received_at, resolved_remotely)
    policy = policy or current_policy()
    if repeat_of is not None:
        return _note_on_open_ticket(form, repeat_of, engine)
    taken_offline = journal.entry_for(form.key)
    if taken_offline is not None:
        # Promised while the database was down: a retry gets the same number, never a second ticket.
        return _journaled(taken_offline)
    try:
        submitted = _create_once(form, policy, rules, engine)
    except SQLAlchemyError as error:
        return _journal_while_down(form, journal, policy, error)
    return _page_after_hours(submitted, form, policy, engine, caller_verified)


def _note_on_open_ticket(form: _Form, number: str, engine: Engine | None) -> Submitted:
    try:
        with session_scope(engine) as session:
            ticket = find_ticket(session, number)
            if ticket is not None:
                _note_repeat(session, ticket, form)
            return Submitted(SubmitOutcome.DUPLICATE_NOTED, number, ticket)
    except SQLAlchemyError:
        logger.exception("ticket %s not stored", form.key)
        return Submitted(SubmitOutcome.FAILED)


def _create_once(
    form: _Form, policy: ServicePolicy, rules: TriageRules | None, engine: Engine | None
) -> Submitted:
    """Created now, or found as an earlier try of the same form stored it, or noted on the device's open
    ticket."""
    with session_scope(engine) as session:
        try:
            ticket, created = _create(session, form, policy, rules)
        except OpenTicketExists as exists:
            _note_repeat(session, exists.ticket, form)
            return Submitted(SubmitOutcome.DUPLICATE_NOTED, exists.ticket.number, exists.ticket)
    return Submitted(SubmitOutcome.CREATED if created else SubmitOutcome.EXISTING, ticket.number, ticket)


def _journal_while_down(
    form: _Form, journal: TicketJournal, policy: ServicePolicy, error: SQLAlchemyError
) -> Submitted:
    """Called while handling `error`: journaled if the database is unreachable, else failed (and logged)."""
    if not database_unreachable(error):
        logger.exception("ticket %s not stored", form.key)
        return Submitted(SubmitOutcome.FAILED)
    # Nothing is lost: the journal keeps the ticket until the database is back (bot/journal.py).
    try:
        entry = journal.record(
            form.kind,
            form.registration,
            idempotency_key=form.key,
            origin=form.origin,
            received_at=form.received_at,
            policy=policy,
            resolved_remotely=form.resolved_remotely,
        )
    except JournalUnavailable:
        logger.exception("ticket %s neither stored nor journaled", form.key)
        return Submitted(SubmitOutcome.FAILED)
    return _journaled(entry)


def _page_after_hours(
    submitted: Submitted, form: _Form, policy: ServicePolicy, engine: Engine | None, caller_verified: bool
) -> Submitted:
    """A stored fault not solved on the phone pages the on-call engineer when it is urgent and after hours."""
    stored = submitted.outcome in (SubmitOutcome.CREATED, SubmitOutcome.EXISTING)
    if not stored or submitted.number is None or form.kind is not TicketKind.FAULT or form.resolved_remotely:
        return submitted
    # After the ticket's transaction: paging writes pages and SMS in a session of its own.
    paged = page_on_call_after_hours(
        submitted.number, form.received_at, policy=policy, engine=engine, caller_verified=caller_verified
    )
    return replace(submitted, after_hours=paged)


def _journaled(entry: JournalEntry) -> Submitted:
    return Submitted(SubmitOutcome.JOURNALED, entry.number, journal_entry=entry)


def _create(
    session: Session, form: _Form, policy: ServicePolicy, rules: TriageRules | None
) -> tuple[Ticket, bool]:
    if form.kind is not TicketKind.FAULT:
        return create_service_request(
            session,
            form.kind,
            form.registration,
            idempotency_key=form.key,
            origin=form.origin,
            policy=policy,
            received_at=form.received_at,
        )
    return create_fault_ticket(
        session,
        form.registration,
        idempotency_key=form.key,
        origin=form.origin,
        policy=policy,
        rules=rules or current_rules(),
        received_at=form.received_at,
        resolved_remotely=form.resolved_remotely,
    )


def _note_repeat(session: Session, ticket: Ticket, form: _Form) -> None:
    note_repeat_report(
        session, ticket, form.registration, form.report_id, form.origin.sender_id, form.received_at
    )


def note_repeat_report(
    session: Session, ticket: Ticket, registration: Registration, report_id: str, actor: str, at: datetime
) -> None:
    """A second report on a device with an open ticket becomes one note on it (once per report)."""
    note = say(
        "repeat_report_note",
        report=report_id,
        description=registration.description or NOT_GIVEN,
        # what this caller says it does to the clinic now (「现在急诊也压着了」) is news to tier 2 too
        impact=say("repeat_report_impact", impact=registration.clinical_impact)
        if registration.clinical_impact
        else "",
        person=registration.contact_person or NOT_GIVEN,
        phone=registration.contact_phone or "",
    ).strip()
    if not any(event.note == note for event in ticket.events):
        record_note(session, ticket, note, actor=actor, at=at)
