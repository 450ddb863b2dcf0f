"""Submitting a ticket (bot/submission.py): exactly once, a repeat report as a note, the journal while the
database is down, the on-call page after hours. Plain domain calls: no tracker, no action."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import journal as journal_module
from bot.db import engine_for, session_scope
from bot.db.models import OutboxMessage, Ticket, TicketEvent
from bot.journal import TicketJournal
from bot.submission import SubmitOutcome, Submitted, submit_ticket
from bot.tickets import Origin, Registration, TicketKind
from tests.factories import fault_report

NIGHT = datetime(2026, 11, 20, 13, 0)  # Friday 21:00 in Zhengzhou
OFFICE_HOURS = datetime(2026, 11, 20, 6, 30)  # Friday 14:30
ORIGIN = Origin(channel="rest", sender_id="caller-1", transcript=[])
UNREACHABLE = "sqlite:////nonexistent-directory/hotline.db"


def registration(**overrides: str) -> Registration:
    return fault_report(**{"clinical_impact": "急诊样本在等", **overrides})


@pytest.fixture
def journal(tmp_path: Path) -> TicketJournal:
    return TicketJournal(tmp_path / "journal", instance_id=0)


def submit(journal: TicketJournal, report_id: str, engine: Engine | None = None, **options) -> Submitted:
    return submit_ticket(
        options.pop("kind", TicketKind.FAULT),
        options.pop("registration", registration()),
        report_id=report_id,
        origin=ORIGIN,
        received_at=options.pop("at", OFFICE_HOURS),
        journal=journal,
        engine=engine,
        **options,
    )


def stored(engine: Engine) -> list[Ticket]:
    with session_scope(engine) as session:
        return list(session.execute(select(Ticket).order_by(Ticket.id)).scalars())


def notes(engine: Engine, number: str) -> list[str]:
    with session_scope(engine) as session:
        query = (
            select(TicketEvent.note).join(Ticket).where(Ticket.number == number, TicketEvent.kind == "note")
        )
        return [str(note) for note in session.execute(query).scalars()]


def test_a_form_submitted_twice_is_one_ticket(database: Engine, journal: TicketJournal) -> None:
    first = submit(journal, "intake-1", database)
    again = submit(journal, "intake-1", database)
    assert first.outcome is SubmitOutcome.CREATED and again.outcome is SubmitOutcome.EXISTING
    assert again.number == first.number and [t.number for t in stored(database)] == [first.number]
    assert stored(database)[0].idempotency_key == "intake:intake-1"


def test_a_service_request_is_keyed_by_its_kind(database: Engine, journal: TicketJournal) -> None:
    submitted = submit(
        journal, "req-1", database, kind=TicketKind.COMPLAINT, registration=registration(serial_number="")
    )
    [ticket] = stored(database)
    assert submitted.outcome is SubmitOutcome.CREATED and ticket.number == submitted.number
    assert (ticket.kind, ticket.idempotency_key) == ("complaint", "complaint:req-1")


def test_a_second_report_on_a_device_with_an_open_ticket_is_one_note_on_it(
    database: Engine, journal: TicketJournal
) -> None:
    first = submit(journal, "intake-1", database)
    second_caller = registration(
        contact_person="李娜", description="还是报温度异常", clinical_impact="现在病房的样本也压着了"
    )
    repeat = submit(journal, "intake-2", database, registration=second_caller)
    assert repeat.outcome is SubmitOutcome.DUPLICATE_NOTED and repeat.number == first.number
    submit(journal, "intake-2", database, registration=second_caller)  # the same report retried
    [note] = notes(database, str(first.number))
    assert "intake-2" in note and "还是报温度异常" in note and "李娜" in note
    assert "病房的样本也压着了" in note  # what it does to the clinic now is news to tier 2 too
    assert len(stored(database)) == 1


def test_a_report_the_form_already_matched_to_an_open_ticket_is_noted_there(
    database: Engine, journal: TicketJournal
) -> None:
    first = submit(journal, "intake-1", database)
    repeat = submit(
        journal, "intake-2", database, repeat_of=first.number, registration=registration(description="又坏了")
    )
    assert repeat.outcome is SubmitOutcome.DUPLICATE_NOTED and repeat.ticket is not None
    assert ["又坏了" in note for note in notes(database, str(first.number))] == [True]


def test_while_the_database_is_down_the_ticket_is_journaled_under_one_number(
    database: Engine, journal: TicketJournal
) -> None:
    down = engine_for(UNREACHABLE)
    taken = submit(journal, "intake-1", down)
    assert taken.outcome is SubmitOutcome.JOURNALED and re.fullmatch(r"SR\d{8}90\d{2}", str(taken.number))
    # A retry gets the number the caller already holds, even once the database is back: no second ticket.
    assert submit(journal, "intake-1", down).number == taken.number
    assert submit(journal, "intake-1", database).number == taken.number
    assert stored(database) == [] and len(journal.entries()) == 1


def test_when_neither_database_nor_journal_can_take_it_the_submission_fails(
    database: Engine, journal: TicketJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "SEQUENCES", range(1, 2))
    down = engine_for(UNREACHABLE)
    assert submit(journal, "intake-1", down).outcome is SubmitOutcome.JOURNALED
    assert submit(journal, "intake-2", down).outcome is SubmitOutcome.FAILED


def test_an_urgent_fault_after_hours_pages_the_on_call_engineer_once(
    team: Engine, journal: TicketJournal
) -> None:
    night = submit(journal, "intake-1", team, at=NIGHT)
    assert night.after_hours is not None and night.after_hours.callback_due is not None
    assert night.after_hours.phone == "13912345678"
    again = submit(journal, "intake-1", team, at=NIGHT.replace(minute=5))
    assert again.after_hours == night.after_hours
    with session_scope(team) as session:
        assert len(session.execute(select(OutboxMessage)).scalars().all()) == 1


def test_no_page_in_office_hours_nor_for_a_fault_solved_on_the_phone(
    team: Engine, journal: TicketJournal
) -> None:
    assert submit(journal, "intake-1", team).after_hours is None
    solved = submit(
        journal,
        "intake-2",
        team,
        at=NIGHT,
        resolved_remotely=True,
        registration=registration(serial_number="X1"),
    )
    assert solved.outcome is SubmitOutcome.CREATED and solved.after_hours is None
