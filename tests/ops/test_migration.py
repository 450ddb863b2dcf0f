"""Migration 0004 up and down on SQLite and PostgreSQL, and two people accepting one ticket at once on
PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import Engine

from bot.db import migrate, session_scope
from bot.db.models import TicketEvent
from bot.ops import lifecycle
from bot.ops.lifecycle import OpsError
from bot.tickets import find_ticket
from tests.factories import RECEIVED, make_ticket
from tests.support import engineer_id, seed_demo_team

OPS_TABLES = {"engineers", "oncall_shifts", "ticket_parts", "pages", "sla_alerts"}
TICKET_COLUMNS = {
    "engineer_id",
    "dispatch_round",
    "eta",
    "first_response_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "resolution_cause",
    "resolution_actions",
    "resolved_remotely",
}


def shape(engine: Engine) -> tuple[set[str], set[str]]:
    inspector = inspect(engine)
    return set(inspector.get_table_names()), {c["name"] for c in inspector.get_columns("tickets")}


def check_up_down_up(url: str) -> None:
    engine = create_engine(url, future=True)
    try:
        tables, columns = shape(engine)
        assert tables >= OPS_TABLES and columns >= TICKET_COLUMNS
        migrate.downgrade(url, "0003")
        tables, columns = shape(engine)
        assert not OPS_TABLES & tables and not TICKET_COLUMNS & columns and "tickets" in tables
        migrate.upgrade(url)
        tables, columns = shape(engine)
        assert tables >= OPS_TABLES and columns >= TICKET_COLUMNS
    finally:
        engine.dispose()


def test_migration_up_down_up_on_sqlite_keeps_tickets(database: Engine) -> None:
    number = make_ticket(database).number
    url = database.url.render_as_string(hide_password=False)
    database.dispose()
    check_up_down_up(url)
    with session_scope(database) as session:
        assert find_ticket(session, number).events[0].kind == "created"


def test_migration_up_down_up_on_postgres(postgres: Engine) -> None:
    check_up_down_up(postgres.url.render_as_string(hide_password=False))


@pytest.fixture
def pg_team(postgres: Engine) -> Engine:
    seed_demo_team(postgres)
    return postgres


def test_two_people_accepting_at_once_make_one_change_on_postgres(pg_team: Engine) -> None:
    number = make_ticket(pg_team).number
    with session_scope(pg_team) as session:
        lifecycle.assign(session, number, engineer_id(pg_team, "13800000101"), actor="m", at=RECEIVED)

    def accept(who: str) -> str:
        try:
            with session_scope(pg_team) as session:
                lifecycle.accept(session, number, actor=who, at=RECEIVED)
            return "ok"
        except OpsError as error:
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(accept, [f"console:{i}" for i in range(8)]))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"IllegalTransition", "ConcurrentChange"}
    with session_scope(pg_team) as session:
        kinds = (
            session.execute(select(TicketEvent.to_status).where(TicketEvent.kind == "status")).scalars().all()
        )
    assert kinds == ["dispatched", "accepted"]
