"""A ticket submitted while the database is down: an honest answer, a number, a journal entry, one ticket
later."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.intake import ActionSubmitTicket
from actions.service import ActionSubmitServiceRequest
from bot import config
from bot import journal as journal_module
from bot.app.cli import main
from bot.db import session_factory, session_scope
from bot.db.models import Ticket, TicketEvent, TicketSequence
from bot.journal import JournalUnavailable, TicketJournal, replay_journal, ticket_journal
from bot.policy import current_policy
from bot.tickets import (
    Origin,
    TicketKind,
    TicketNumbersExhausted,
    create_fault_ticket,
    next_ticket_number,
)
from bot.triage import current_rules
from tests.factories import FILLED, NOW, fault_report, saved_tickets
from tests.support import make_tracker, messages, slot_values, texts

RECEIVED = datetime(2026, 11, 22, 1, 0)  # 09:00 on 22 November in Zhengzhou
UNREACHABLE = {
    "postgres": "postgresql+psycopg2://postgres@127.0.0.1:9/hotline",  # nothing listens on port 9
    "sqlite": "sqlite:////nonexistent-directory/hotline.db",
}


@pytest.fixture
def var_dir(database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var))
    config.settings.cache_clear()
    return var


@contextmanager
def database_down(monkeypatch: pytest.MonkeyPatch, url: str) -> Iterator[None]:
    working = config.settings().database_url
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    config.settings.cache_clear()
    try:
        yield
    finally:
        monkeypatch.setenv("HOTLINE_DATABASE_URL", working)
        config.settings.cache_clear()


def journal_files(var: Path) -> list[Path]:
    return sorted((var / "journal" / "tickets").glob("*"))


async def submit(dispatcher, domain, **slots) -> dict:
    tracker = make_tracker("对", "affirm", slots={**FILLED, **slots})
    return slot_values(await ActionSubmitTicket().run(dispatcher, tracker, domain))


@pytest.mark.anyio
@pytest.mark.parametrize("down", sorted(UNREACHABLE))
async def test_a_ticket_submitted_while_the_database_is_down_is_promised_journaled_and_stored_once(
    database: Engine, var_dir: Path, dispatcher, domain, monkeypatch: pytest.MonkeyPatch, down: str
) -> None:
    with database_down(monkeypatch, UNREACHABLE[down]):
        number = (await submit(dispatcher, domain))["last_ticket_number"]
        said = texts(dispatcher)
        assert re.fullmatch(r"SR\d{8}90\d{2}", number)
        assert (
            "系统正在恢复" in said and number in said and "恢复后立即派单" in said and "400-800-6626" in said
        )
        # Submitted again while still down (a retried request): the same number, one entry.
        assert (await submit(dispatcher, domain))["last_ticket_number"] == number
        [entry] = journal_files(var_dir)
        saved = json.loads(entry.read_text(encoding="utf-8"))
        assert saved["idempotency_key"] == "intake:intake-1" and saved["number"] == number
        assert saved["registration"]["contact_phone"] == "13912345678"
        assert saved["registration"]["serial_number"] == "KR23060142"
    assert saved_tickets(database) == []

    factory = session_factory(database)
    assert replay_journal(factory).replayed == [number]
    assert replay_journal(factory).replayed == []
    [ticket] = saved_tickets(database)
    assert ticket.number == number and ticket.idempotency_key == "intake:intake-1"
    assert "taken_offline" in ticket.flags and ticket.urgent and ticket.contact_person == "王敏"
    assert journal_files(var_dir) == []

    # The conversation retried once more, now with the database back: the same ticket, not a new one.
    dispatcher.messages.clear()
    assert (await submit(dispatcher, domain))["last_ticket_number"] == number
    assert number in texts(dispatcher) and len(saved_tickets(database)) == 1


@pytest.mark.anyio
async def test_when_the_journal_cannot_take_the_ticket_the_caller_is_told_and_the_intake_kept(
    database: Engine, var_dir: Path, dispatcher, domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "SEQUENCES", range(1, 2))
    with database_down(monkeypatch, UNREACHABLE["sqlite"]):
        await submit(dispatcher, domain, intake_id="first")
        dispatcher.messages.clear()
        tracker = make_tracker("对", "affirm", slots={**FILLED, "intake_id": "second"})
        events = await ActionSubmitTicket().run(dispatcher, tracker, domain)
    assert "您的信息没有丢失" in texts(dispatcher) and "400-800-6626" in texts(dispatcher)
    assert {"event": "followup", "name": "fault_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert len(journal_files(var_dir)) == 1


def record(journal: TicketJournal, key: str, kind: TicketKind = TicketKind.FAULT, **overrides) -> str:
    return journal.record(
        kind,
        fault_report(**overrides),
        idempotency_key=key,
        origin=Origin("rest", "web-1", []),
        received_at=RECEIVED,
        policy=current_policy(),
    ).number


def test_journal_numbers_carry_the_date_the_instance_and_a_sequence(tmp_path: Path) -> None:
    journal = TicketJournal(tmp_path, instance_id=0)
    assert [record(journal, "a"), record(journal, "b"), record(journal, "a")] == [
        "SR202611229001",
        "SR202611229002",
        "SR202611229001",
    ]
    assert record(TicketJournal(tmp_path / "other", instance_id=3), "c") == "SR202611229301"
    with pytest.raises(ValueError, match="HOTLINE_INSTANCE_ID"):
        TicketJournal(tmp_path, instance_id=12)
    assert not list(tmp_path.glob("tickets/.*"))  # no temporary file left behind


def test_concurrent_submissions_get_distinct_numbers_and_a_repeated_one_its_first(tmp_path: Path) -> None:
    journal = TicketJournal(tmp_path, instance_id=0)
    keys = [f"intake-{i // 2}" for i in range(20)]  # every intake submitted twice at once
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda key: record(journal, key), keys))
    by_key = dict(zip(keys, numbers, strict=True))
    assert all(by_key[key] == number for key, number in zip(keys, numbers, strict=True))
    assert len(set(by_key.values())) == 10


def test_a_full_day_of_journal_numbers_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "SEQUENCES", range(1, 3))
    journal = TicketJournal(tmp_path, instance_id=0)
    record(journal, "a")
    record(journal, "b")
    with pytest.raises(JournalUnavailable, match="journal numbers of 20261122"):
        record(journal, "c")


def test_the_database_never_hands_out_the_journal_numbers(database: Engine) -> None:
    with session_scope(database) as session:
        session.add(TicketSequence(day="20261122", last=8998))
        session.flush()
        assert next_ticket_number(session, RECEIVED, current_policy()) == "SR202611228999"
        with pytest.raises(TicketNumbersExhausted):
            next_ticket_number(session, RECEIVED, current_policy())


def test_replay_waits_while_the_database_is_still_down(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(ticket_journal(), "a")
    record(ticket_journal(), "b", serial_number="AA21110387")
    with database_down(monkeypatch, UNREACHABLE["sqlite"]):
        report = replay_journal(session_factory())
    assert report.replayed == [] and report.waiting == 2 and len(journal_files(var_dir)) == 2


def test_a_ticket_stored_before_the_connection_dropped_keeps_its_number_and_the_caller_is_told(
    database: Engine, var_dir: Path
) -> None:
    # The commit reached the database, the answer did not: the action journaled the same intake.
    with session_scope(database) as session:
        stored, _ = create_fault_ticket(
            session,
            fault_report(),
            idempotency_key="intake:x",
            origin=Origin("rest", "web-1", []),
            policy=current_policy(),
            rules=current_rules(),
            received_at=RECEIVED,
        )
        stored_number = stored.number
    promised = record(ticket_journal(), "intake:x")
    assert replay_journal(session_factory(database)).replayed == [promised]
    [ticket] = saved_tickets(database)
    assert ticket.number == stored_number
    with session_scope(database) as session:
        notes = session.execute(select(TicketEvent.note).where(TicketEvent.kind == "note")).scalars().all()
    assert any(promised in note for note in notes)
    [notice] = messages(database)
    assert promised in notice.text and stored_number in notice.text and notice.recipient == "+8613912345678"


def test_a_replayed_fault_on_a_device_with_another_open_ticket_is_kept_and_linked(
    database: Engine, var_dir: Path
) -> None:
    promised = record(ticket_journal(), "intake:offline")
    with session_scope(database) as session:
        other, _ = create_fault_ticket(
            session,
            fault_report(),
            idempotency_key="intake:online",
            origin=Origin("rest", "web-2", []),
            policy=current_policy(),
            rules=current_rules(),
            received_at=NOW,
        )
        other_number = other.number
    replay_journal(session_factory(database))
    numbers = [t.number for t in saved_tickets(database)]
    assert sorted(numbers) == sorted([other_number, promised])
    with session_scope(database) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == promised)).scalar_one()
        assert any(other_number in (event.note or "") for event in ticket.events)


def test_a_journaled_service_request_is_stored_with_its_kind(database: Engine, var_dir: Path) -> None:
    promised = record(ticket_journal(), "maintenance:1", kind=TicketKind.MAINTENANCE)
    replay_journal(session_factory(database))
    [ticket] = saved_tickets(database)
    assert (ticket.number, ticket.kind) == (promised, "maintenance")


def test_the_outbox_deliver_command_replays_the_journal(
    database: Engine, var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    promised = record(ticket_journal(), "intake:cli")
    assert main(["outbox", "deliver"]) == 0
    out = capsys.readouterr().out
    assert f"journal: 1 ticket(s) stored ({promised}), 0 waiting" in out
    with session_scope(database) as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == 1


@pytest.mark.anyio
async def test_a_complaint_made_while_the_database_is_down_is_promised_journaled_and_stored_once(
    database: Engine, var_dir: Path, dispatcher, domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    slots = {
        "request_kind": "complaint",
        "intake_id": "req-7",
        "request_text": "工程师三天都没来",
        "hospital": "郑州市嘉禾医院",
        "contact_person": "王敏",
        "contact_phone": "13912345678",
    }
    with database_down(monkeypatch, UNREACHABLE["sqlite"]):
        for _ in range(2):  # a retried turn while still down: the same number
            events = await ActionSubmitServiceRequest().run(
                dispatcher, make_tracker("13912345678", "inform", slots=slots), domain
            )
            number = slot_values(events)["last_ticket_number"]
        said = texts(dispatcher)
        assert re.fullmatch(r"SR\d{8}90\d{2}", number) and said.count(number) == 2
        assert "系统正在恢复" in said and "投诉已登记" in said and "400-800-6626" in said
        assert len(journal_files(var_dir)) == 1
    assert replay_journal(session_factory(database)).replayed == [number]
    [ticket] = saved_tickets(database)
    assert (ticket.number, ticket.kind, ticket.description) == (number, "complaint", "工程师三天都没来")
