"""Submitting a ticket: create it exactly once, or keep it in the journal while the database is down, then
page the on-call engineer for an urgent fault after hours.

Every action that promises a ticket calls `submit_ticket` and turns the `Submitted` it gets into words. The
idempotency key is made here from the kind and the form's report id, so a retry of the same form (the caller
confirms again after an error) finds what the first try stored, in the database or in the journal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
    policy = policy or current_policy()
    key = idempotency_key(kind, report_id)
    if repeat_of is None:
        taken_offline = journal.entry_for(key)
        if taken_offline is not None:
            # Promised while the database was down: a retry gets the same number, never a second ticket.
            return _journaled(taken_offline)
    try:
        with session_scope(engine) as session:
            if repeat_of is not None:
                ticket = find_ticket(session, repeat_of)
                if ticket is not None:
                    note_repeat_report(
                        session, ticket, registration, report_id, origin.sender_id, received_at
                    )
                return Submitted(SubmitOutcome.DUPLICATE_NOTED, repeat_of, ticket)
            try:
                ticket, created = _create(
                    session, kind, registration, key, origin, received_at, resolved_remotely, policy, rules
                )
            except OpenTicketExists as exists:
                note_repeat_report(
                    session, exists.ticket, registration, report_id, origin.sender_id, received_at
                )
                return Submitted(SubmitOutcome.DUPLICATE_NOTED, exists.ticket.number, exists.ticket)
    except SQLAlchemyError as error:
        if repeat_of is None and database_unreachable(error):
            # Nothing is lost: the journal keeps the ticket until the database is back (bot/journal.py).
            try:
                return _journaled(
                    journal.record(
                        kind,
                        registration,
                        idempotency_key=key,
                        origin=origin,
                        received_at=received_at,
                        policy=policy,
                        resolved_remotely=resolved_remotely,
                    )
                )
            except JournalUnavailable:
                logger.exception("ticket %s neither stored nor journaled", key)
        else:
            logger.exception("ticket %s not stored", key)
        return Submitted(SubmitOutcome.FAILED)
    outcome = SubmitOutcome.CREATED if created else SubmitOutcome.EXISTING
    paged = None
    if kind is TicketKind.FAULT and not resolved_remotely:
        # After the ticket's transaction: paging writes pages and SMS in a session of its own.
        paged = page_on_call_after_hours(
            ticket.number, received_at, policy=policy, engine=engine, caller_verified=caller_verified
        )
    return Submitted(outcome, ticket.number, ticket, after_hours=paged)


def _journaled(entry: JournalEntry) -> Submitted:
    return Submitted(SubmitOutcome.JOURNALED, entry.number, journal_entry=entry)


def _create(
    session: Session,
    kind: TicketKind,
    registration: Registration,
    key: str,
    origin: Origin,
    received_at: datetime,
    resolved_remotely: bool,
    policy: ServicePolicy,
    rules: TriageRules | None,
) -> tuple[Ticket, bool]:
    if kind is not TicketKind.FAULT:
        return create_service_request(
            session,
            kind,
            registration,
            idempotency_key=key,
            origin=origin,
            policy=policy,
            received_at=received_at,
        )
    return create_fault_ticket(
        session,
        registration,
        idempotency_key=key,
        origin=origin,
        policy=policy,
        rules=rules or current_rules(),
        received_at=received_at,
        resolved_remotely=resolved_remotely,
    )


def note_repeat_report(
    session: Session, ticket: Ticket, registration: Registration, report_id: str, actor: str, at: datetime
) -> None:
    """A second report on a device with an open ticket becomes one note on it (once per report)."""
    note = say(
        "repeat_report_note",
        report=report_id,
        description=registration.description or NOT_GIVEN,
        person=registration.contact_person or NOT_GIVEN,
        phone=registration.contact_phone or "",
    ).strip()
    if not any(event.note == note for event in ticket.events):
        record_note(session, ticket, note, actor=actor, at=at)
