"""The ticket layer on a real PostgreSQL: migrations from empty, and unique numbers under concurrent intakes.

Uses HOTLINE_TEST_POSTGRES_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test) to create a
throw-away database per test run. Skips when PostgreSQL is absent; fails instead with
HOTLINE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bot.db import migrate, session_scope
from bot.db.models import Ticket
from tests.factories import create_fault, same_device_at_once, urgent_report

pytestmark = pytest.mark.services


def test_migrations_run_on_postgres_from_empty_and_back(postgres: Engine) -> None:
    url = postgres.url.render_as_string(hide_password=False)
    migrate.downgrade(url, "0001")
    migrate.upgrade(url)
    with postgres.connect() as connection:
        tables = set(
            connection.execute(text("select tablename from pg_tables where schemaname='public'")).scalars()
        )
    assert {"tickets", "ticket_events", "ticket_sequences", "devices", "ratings", "kb_questions"} <= tables


def test_concurrent_intakes_on_postgres_get_unique_numbers_and_one_ticket_each(postgres: Engine) -> None:
    def submit(i: int) -> str:
        # Every intake is submitted twice at once, as a retried request would be.
        return create_fault(postgres, f"intake-{i // 2}", urgent_report(serial_number=f"PG{i // 2:08d}"))[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(submit, range(40)))
    assert len(set(numbers)) == 20
    assert all(re.fullmatch(r"SR20261121\d{4}", n) for n in numbers)
    with session_scope(postgres) as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == 20


def test_one_device_reported_by_several_callers_at_once_on_postgres_gets_one_ticket(postgres: Engine) -> None:
    told = same_device_at_once(postgres, 6)
    assert sum(line.startswith("created") for line in told) == 1
    assert len({line.split()[1] for line in told}) == 1
