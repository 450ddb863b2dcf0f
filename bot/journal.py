"""Tickets taken while the database is down: a durable journal on local disk, replayed into the database once.

When the database cannot be reached as a ticket is submitted, the registration is written to
var/journal/tickets/<idempotency key>.json (written whole to a temporary file, fsync'd, then linked into
place, so a file there is always complete, and the first writer for a key wins), and the caller gets a number
at once. `replay_journal` (the worker and start-up run it) stores each entry as a ticket with that number,
under the entry's idempotency key, and only then deletes the file: a crash in between finds the key already
stored next time, so every journaled ticket is created exactly once.

Numbers: SR + local date + 9 + instance digit + two-digit sequence, e.g. SR20261122 9 0 03 → SR202611229003.
They look like any ticket number (callers and status look-ups need nothing new) and cannot collide:
- the database numbers only 0001-8999 of a day (bot/tickets.py LAST_DAILY_SEQUENCE);
- each instance has its own digit (HOTLINE_INSTANCE_ID, 0-9) — instances on different machines need different
  digits; processes sharing one var_dir may share one, since
- a number is reserved by creating var/journal/numbers/<number> exclusively (O_EXCL), so no two processes
  on one disk hand out the same number. That gives 99 numbers per instance per day during an outage.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.clock import to_local, utc_now
from bot.config import settings
from bot.db import SessionFactory
from bot.files import private_dir
from bot.notify.notices import notify_number_changed
from bot.policy import ServicePolicy, current_policy
from bot.texts import say
from bot.tickets import (
    Origin,
    Registration,
    TicketKind,
    create_fault_ticket,
    create_service_request,
    open_ticket_for_serial,
    record_note,
    ticket_by_key,
)
from bot.triage import TriageRules, current_rules

logger = logging.getLogger(__name__)

OFFLINE_FLAG = "taken_offline"
SEQUENCES = range(1, 100)
# Reservations are kept this long: a number may not be handed out twice while its day's tickets are replayed.
KEEP_RESERVATIONS = timedelta(days=3)
ACTOR = "journal"


def database_unreachable(error: SQLAlchemyError) -> bool:
    """A connection, not a statement, failed: the database is down, unreachable or locked."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class JournalUnavailable(Exception):
    """The journal cannot take this ticket (no number left today, or the disk refused the write)."""


@dataclass(frozen=True)
class JournalEntry:
    idempotency_key: str
    number: str
    kind: TicketKind
    registration: Registration
    origin: Origin
    received_at: datetime
    resolved_remotely: bool = False
    journaled_at: datetime = field(default_factory=utc_now)

    def to_json(self) -> bytes:
        data = {
            "idempotency_key": self.idempotency_key,
            "number": self.number,
            "kind": self.kind.value,
            "registration": asdict(self.registration),
            "origin": asdict(self.origin),
            "received_at": self.received_at.isoformat(),
            "resolved_remotely": self.resolved_remotely,
            "journaled_at": self.journaled_at.isoformat(),
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> JournalEntry:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            idempotency_key=data["idempotency_key"],
            number=data["number"],
            kind=TicketKind(data["kind"]),
            registration=Registration(**data["registration"]),
            origin=Origin(**data["origin"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            resolved_remotely=bool(data["resolved_remotely"]),
            journaled_at=datetime.fromisoformat(data["journaled_at"]),
        )


def _fsync_directory(directory: Path) -> None:
    # A new or removed name is durable only once its directory is.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class TicketJournal:
    def __init__(self, directory: Path, instance_id: int) -> None:
        if not 0 <= instance_id <= 9:
            raise ValueError(f"HOTLINE_INSTANCE_ID must be a digit 0-9, not {instance_id}")
        self.directory = directory
        self.instance_id = instance_id
        self._tickets = directory / "tickets"
        self._numbers = directory / "numbers"

    def _path(self, idempotency_key: str) -> Path:
        return self._tickets / f"{quote(idempotency_key, safe='')}.json"

    def entry_for(self, idempotency_key: str) -> JournalEntry | None:
        path = self._path(idempotency_key)
        return JournalEntry.from_json(path.read_bytes()) if path.exists() else None

    def entries(self) -> list[JournalEntry]:
        """Every entry still to replay, oldest report first; an unreadable file is logged and left for a
        person."""
        found = []
        for path in sorted(self._tickets.glob("*.json")) if self._tickets.is_dir() else []:
            try:
                found.append(JournalEntry.from_json(path.read_bytes()))
            except (ValueError, KeyError, TypeError) as error:
                logger.error(
                    "journal entry %s cannot be read (%s); left in place for a person to check", path, error
                )
        return sorted(found, key=lambda entry: entry.received_at)

    def record(
        self,
        kind: TicketKind,
        registration: Registration,
        *,
        idempotency_key: str,
        origin: Origin,
        received_at: datetime,
        policy: ServicePolicy,
        resolved_remotely: bool = False,
    ) -> JournalEntry:
        """The entry for this key, written now with a new number unless it was written before."""
        try:
            existing = self.entry_for(idempotency_key)
            if existing is not None:
                return existing
            private_dir(self._tickets)
            entry = JournalEntry(
                idempotency_key=idempotency_key,
                number=self._reserve_number(received_at, policy),
                kind=kind,
                registration=registration,
                origin=origin,
                received_at=received_at,
                resolved_remotely=resolved_remotely,
            )
            if self._write_once(self._path(idempotency_key), entry.to_json()):
                logger.warning(
                    "database unreachable: ticket %s (%s) written to the journal",
                    entry.number,
                    idempotency_key,
                )
                return entry
            # The same intake was submitted twice at once; the other write won and its number was given.
            winner = self.entry_for(idempotency_key)
            assert winner is not None
            return winner
        except OSError as error:
            raise JournalUnavailable(f"the journal in {self.directory} cannot be written: {error}") from error

    def _reserve_number(self, received_at: datetime, policy: ServicePolicy) -> str:
        day = to_local(received_at, policy.timezone).strftime("%Y%m%d")
        private_dir(self._numbers)
        for sequence in SEQUENCES:
            number = f"SR{day}9{self.instance_id}{sequence:02d}"
            try:
                os.close(os.open(self._numbers / number, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                continue
            _fsync_directory(self._numbers)
            return number
        raise JournalUnavailable(
            f"all {len(SEQUENCES)} journal numbers of {day} on instance {self.instance_id} are used"
        )

    @staticmethod
    def _write_once(path: Path, data: bytes) -> bool:
        """Write `path` whole and durably, unless it exists; False when it did."""
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        # Names, phones and transcripts: owner-only whatever the process's umask.
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic, and refuses to replace an existing entry
        except FileExistsError:
            return False
        finally:
            temporary.unlink()
        _fsync_directory(path.parent)
        return True

    def remove(self, idempotency_key: str) -> None:
        self._path(idempotency_key).unlink(missing_ok=True)
        _fsync_directory(self._tickets)

    def forget_old_reservations(self, now: datetime, policy: ServicePolicy) -> None:
        oldest_kept = to_local(now - KEEP_RESERVATIONS, policy.timezone).strftime("%Y%m%d")
        for path in self._numbers.glob("SR*") if self._numbers.is_dir() else []:
            if path.name[2:10] < oldest_kept:
                path.unlink(missing_ok=True)


def ticket_journal() -> TicketJournal:
    """The journal under this process's var_dir (HOTLINE_VAR_DIR)."""
    return TicketJournal(settings().var_dir / "journal", settings().instance_id)


@dataclass
class ReplayReport:
    replayed: list[str] = field(default_factory=list)
    waiting: int = 0


def replay_journal(
    session_factory: SessionFactory,
    journal: TicketJournal | None = None,
    *,
    policy: ServicePolicy | None = None,
    rules: TriageRules | None = None,
) -> ReplayReport:
    """Store every journaled ticket with its promised number, once; stops (and keeps the rest) while the
    database is still down. Returns the numbers stored now and how many entries still wait."""
    journal = journal or ticket_journal()
    policy = policy or current_policy()
    rules = rules or current_rules()
    entries = journal.entries()
    report = ReplayReport()
    for position, entry in enumerate(entries):
        try:
            with session_factory() as session, session.begin():
                _store(session, entry, policy, rules)
        except SQLAlchemyError as error:
            if database_unreachable(error):
                report.waiting = len(entries) - position
                logger.warning(
                    "database still unreachable; %d journaled ticket(s) wait: %s", report.waiting, error
                )
                break
            report.waiting += 1
            logger.exception(
                "journaled ticket %s (%s) could not be stored; its entry stays for a person to check",
                entry.number,
                entry.idempotency_key,
            )
            continue
        journal.remove(entry.idempotency_key)
        report.replayed.append(entry.number)
        logger.info("journaled ticket %s stored in the database", entry.number)
    journal.forget_old_reservations(utc_now(), policy)
    return report


def _store(session: Session, entry: JournalEntry, policy: ServicePolicy, rules: TriageRules) -> None:
    existing = ticket_by_key(session, entry.idempotency_key)
    if existing is not None:
        if existing.number != entry.number:
            # The commit had reached the database before the connection dropped: the ticket exists under the
            # database's number, and the caller holds the journal's. Tell them the one to quote.
            record_note(
                session,
                existing,
                say("journal_notes.number_changed", promised=entry.number),
                actor=ACTOR,
                at=utc_now(),
            )
            notify_number_changed(session, existing, entry.number)
        return
    registration = replace(entry.registration, flags=sorted({*entry.registration.flags, OFFLINE_FLAG}))
    if entry.kind is not TicketKind.FAULT:
        create_service_request(
            session,
            entry.kind,
            registration,
            idempotency_key=entry.idempotency_key,
            origin=entry.origin,
            policy=policy,
            received_at=entry.received_at,
            promised_number=entry.number,
        )
        return
    serial = registration.serial_number
    other = open_ticket_for_serial(session, serial) if serial and not entry.resolved_remotely else None
    ticket, _ = create_fault_ticket(
        session,
        registration,
        idempotency_key=entry.idempotency_key,
        origin=entry.origin,
        policy=policy,
        rules=rules,
        received_at=entry.received_at,
        resolved_remotely=entry.resolved_remotely,
        promised_number=entry.number,
    )
    if other is not None:
        record_note(
            session,
            ticket,
            say("journal_notes.open_elsewhere", other=other.number),
            actor=ACTOR,
            at=utc_now(),
        )
