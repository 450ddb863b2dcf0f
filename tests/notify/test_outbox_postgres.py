"""The outbox on a real PostgreSQL: the migration both ways, and concurrent workers that never send twice.

Uses HOTLINE_TEST_POSTGRES_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test); skips when
PostgreSQL is absent, fails instead with HOTLINE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from bot.db import migrate, session_factory, session_scope
from bot.notify.outbox import SENT, deliver_due, enqueue
from bot.notify.transports import PermanentFailure
from tests.factories import NOW, FakeTransport
from tests.support import messages

pytestmark = pytest.mark.services


def test_the_outbox_migration_goes_up_and_down(postgres: Engine) -> None:
    url = postgres.url.render_as_string(hide_password=False)
    assert "outbox_messages" in inspect(postgres).get_table_names()
    migrate.downgrade(url, "0004")
    assert "outbox_messages" not in inspect(postgres).get_table_names()
    migrate.upgrade(url)
    assert {"ix_outbox_messages_due", "ix_outbox_messages_ticket_id"} <= {
        index["name"] for index in inspect(postgres).get_indexes("outbox_messages")
    }


def test_concurrent_workers_on_postgres_send_each_message_exactly_once(postgres: Engine) -> None:
    with session_scope(postgres) as session:
        for i in range(60):
            enqueue(
                session,
                channel="sms",
                recipient=f"+86139000000{i:02d}",
                text=f"消息{i}",
                dedupe_key=f"k{i}",
                at=NOW,
            )
    # Six sends are refused for good, so marking a message dead interleaves with claiming too.
    sms = FakeTransport(failures=[PermanentFailure("refused")] * 6)
    factory = session_factory(postgres)

    def worker(_: int) -> list[int]:
        report = asyncio.run(deliver_due(factory, {"sms": sms}, NOW))
        return report.sent + report.dead

    with ThreadPoolExecutor(max_workers=4) as pool:
        handled = sum(pool.map(worker, range(4)), [])
    stored = messages(postgres)
    assert sorted(handled) == sorted(m.id for m in stored)  # each message handled by exactly one worker
    sent_texts = [part for _, part in sms.sent]
    assert len(sent_texts) == len(set(sent_texts)) == 54
    assert sum(m.status == SENT for m in stored) == 54
