"""The outbox on a temporary SQLite database: stored with its cause, sent once, retried, dead, retried by
hand."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect, update
from sqlalchemy.engine import Engine

from bot.app.cli import main
from bot.clock import utc_now
from bot.db import migrate, session_scope
from bot.db.models import OutboxMessage, Ticket
from bot.notify.outbox import (
    DEAD,
    PENDING,
    SENT,
    DeliveryConfig,
    SessionFactory,
    deliver_due,
    delivery_config,
    enqueue,
    sms_sender,
)
from bot.notify.transports import PermanentFailure
from tests.factories import NOW, FakeTransport, make_ticket
from tests.support import messages

pytestmark = pytest.mark.anyio
CONFIG = delivery_config()


def queue(
    engine: Engine, key: str, text: str = "工单SR202611210001已安排工程师。", channel: str = "sms"
) -> None:
    with session_scope(engine) as session:
        enqueue(session, channel=channel, recipient="+8613912345678", text=text, dedupe_key=key, at=NOW)


def test_the_same_dedupe_key_is_stored_once(database: Engine) -> None:
    with session_scope(database) as session:
        assert enqueue(
            session, channel="sms", recipient="+8613912345678", text="您好", dedupe_key="k", at=NOW
        )
        assert not enqueue(
            session, channel="sms", recipient="+8613912345678", text="您好", dedupe_key="k", at=NOW
        )
    with session_scope(database) as session:
        assert not enqueue(
            session, channel="wechat", recipient="openid", text="又一次", dedupe_key="k", at=NOW
        )
    [message] = messages(database)
    assert (message.status, message.channel, message.text) == (PENDING, "sms", "您好")


def test_a_message_rolls_back_with_the_change_that_caused_it(database: Engine) -> None:
    ticket = make_ticket(database, received_at=NOW)
    with pytest.raises(RuntimeError), session_scope(database) as session:
        session.get(Ticket, ticket.id).status = "dispatched"
        enqueue(
            session,
            channel="sms",
            recipient="+8613912345678",
            text="已派工",
            dedupe_key="k",
            ticket_id=ticket.id,
        )
        raise RuntimeError("the transition failed after the notice was queued")
    assert messages(database) == []


def test_bad_messages_are_refused(database: Engine) -> None:
    with session_scope(database) as session:
        with pytest.raises(ValueError, match="unknown outbox channel"):
            enqueue(session, channel="fax", recipient="x", text="您好", dedupe_key="k")
        with pytest.raises(ValueError, match="needs a recipient and a text"):
            enqueue(session, channel="sms", recipient="+8613912345678", text="  ", dedupe_key="k")


async def test_a_due_message_is_sent_once_and_marked(database: Engine, factory: SessionFactory) -> None:
    queue(database, "k")
    sms = FakeTransport()
    report = await deliver_due(factory, {"sms": sms}, NOW)
    [message] = messages(database)
    assert report.sent == [message.id]
    assert sms.sent == [("+8613912345678", "工单SR202611210001已安排工程师。")]
    assert (message.status, message.attempts, message.sent_at) == (SENT, 1, NOW)
    again = await deliver_due(factory, {"sms": sms}, NOW + timedelta(days=1))
    assert again.sent == [] and len(sms.sent) == 1


async def test_nothing_is_sent_before_it_is_due(database: Engine, factory: SessionFactory) -> None:
    queue(database, "k")
    sms = FakeTransport()
    assert (await deliver_due(factory, {"sms": sms}, NOW - timedelta(seconds=1))).sent == []
    assert sms.sent == []


async def test_a_failed_message_waits_with_growing_back_off_then_is_dead(
    database: Engine, factory: SessionFactory
) -> None:
    queue(database, "k")
    sms = FakeTransport(failures=[ConnectionError("provider unreachable")] * CONFIG.max_attempts)
    now = NOW
    waits = []
    for attempt in range(1, CONFIG.max_attempts):
        report = await deliver_due(factory, {"sms": sms}, now)
        [message] = messages(database)
        assert report.retried == [message.id] and message.status == PENDING and message.attempts == attempt
        assert "provider unreachable" in message.last_error
        waits.append(message.next_attempt_at - now)
        # Not a moment early.
        assert (
            await deliver_due(factory, {"sms": sms}, message.next_attempt_at - timedelta(seconds=1))
        ).retried == []
        now = message.next_attempt_at
    assert waits[:3] == [CONFIG.first_delay, CONFIG.first_delay * 2, CONFIG.first_delay * 4]
    assert waits == [CONFIG.backoff(n) for n in range(1, CONFIG.max_attempts)]
    assert CONFIG.backoff(30) == CONFIG.max_delay  # capped
    report = await deliver_due(factory, {"sms": sms}, now)
    [message] = messages(database)
    assert report.dead == [message.id] and message.status == DEAD and sms.sent == []


async def test_a_transient_failure_is_sent_after_the_back_off(
    database: Engine, factory: SessionFactory
) -> None:
    queue(database, "k")
    sms = FakeTransport(failures=[asyncio.TimeoutError()])
    await deliver_due(factory, {"sms": sms}, NOW)
    report = await deliver_due(factory, {"sms": sms}, NOW + CONFIG.first_delay)
    [message] = messages(database)
    assert report.sent == [message.id] and len(sms.sent) == 1 and message.attempts == 2


async def test_a_permanent_failure_is_dead_at_once_and_can_be_retried_from_the_cli(
    database: Engine, factory: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    queue(database, "k")
    sms = FakeTransport(failures=[PermanentFailure("SMS refused: not a mobile number")])
    report = await deliver_due(factory, {"sms": sms}, NOW)
    [message] = messages(database)
    assert report.dead == [message.id] and message.status == DEAD

    assert main(["outbox", "list", "--status", "dead", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == message.id and "not a mobile number" in listed["last_error"]
    assert main(["outbox", "list"]) == 0
    assert "not a mobile number" in capsys.readouterr().out

    assert main(["outbox", "retry", str(message.id)]) == 0
    assert "queued again" in capsys.readouterr().out
    assert main(["outbox", "retry", str(message.id)]) == 1
    assert "only dead messages" in capsys.readouterr().err
    assert main(["outbox", "retry", "999"]) == 1
    assert "no outbox message 999" in capsys.readouterr().err

    # The retry is due at once (the CLI uses the real clock).
    report = await deliver_due(factory, {"sms": sms}, utc_now())
    assert report.sent == [message.id] and len(sms.sent) == 1


async def test_long_texts_go_in_order_and_no_part_goes_twice(
    database: Engine, factory: SessionFactory
) -> None:
    queue(database, "k", text="第一段内容。第二段内容。第三段内容。")
    sms = FakeTransport(size=6, failures=[])
    original_send = sms.send
    calls = 0

    async def fail_on_second_part(recipient: str, part: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("dropped")
        await original_send(recipient, part)

    sms.send = fail_on_second_part  # type: ignore[method-assign]
    await deliver_due(factory, {"sms": sms}, NOW)
    [message] = messages(database)
    assert message.status == PENDING and message.parts_sent == 1
    await deliver_due(factory, {"sms": sms}, message.next_attempt_at)
    assert [part for _, part in sms.sent] == ["第一段内容。", "第二段内容。", "第三段内容。"]
    assert messages(database)[0].status == SENT


async def test_messages_of_an_unconfigured_channel_wait(
    database: Engine, factory: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    queue(database, "w", channel="wechat")
    queue(database, "s")
    sms = FakeTransport()
    report = await deliver_due(factory, {"sms": sms}, NOW)
    assert report.waiting == {"wechat": 1} and len(report.sent) == 1
    assert "the wechat channel is not configured" in caplog.text
    assert [m.status for m in messages(database)] == [PENDING, SENT]


def queue_claimed_by_a_dead_worker(database: Engine, attempts: int, until: datetime) -> None:
    """One message, claimed for sending by a worker that stopped before it finished."""
    queue(database, "k")
    with session_scope(database) as session:
        session.execute(
            update(OutboxMessage).values(
                status="sending", claim_token="gone", attempts=attempts, claimed_until=until
            )
        )


async def test_a_claim_left_by_a_dead_worker_is_taken_again_after_its_lease(
    database: Engine, factory: SessionFactory
) -> None:
    queue_claimed_by_a_dead_worker(database, attempts=1, until=NOW + CONFIG.claim_lease)
    sms = FakeTransport()
    assert (
        await deliver_due(factory, {"sms": sms}, NOW + CONFIG.claim_lease - timedelta(seconds=1))
    ).sent == []
    report = await deliver_due(factory, {"sms": sms}, NOW + CONFIG.claim_lease)
    assert len(report.sent) == 1 and len(sms.sent) == 1


async def test_a_message_abandoned_on_its_last_attempt_is_dead(
    database: Engine, factory: SessionFactory
) -> None:
    queue_claimed_by_a_dead_worker(database, attempts=CONFIG.max_attempts, until=NOW)
    report = await deliver_due(factory, {"sms": FakeTransport()}, NOW)
    [message] = messages(database)
    assert (
        report.dead == [message.id]
        and message.status == DEAD
        and "stopped while sending" in message.last_error
    )


def test_the_paging_ladder_sender_queues_sms_once_per_key(database: Engine, factory: SessionFactory) -> None:
    send_sms = sms_sender(factory)
    send_sms("138-0000-0001", "请接单：工单SR202611210001", "page:SR202611210001:1:1")
    send_sms("138-0000-0001", "请接单：工单SR202611210001", "page:SR202611210001:1:1")
    [message] = messages(database)
    assert (message.channel, message.recipient) == ("sms", "+8613800000001")


def test_a_lease_shorter_than_the_longest_send_is_refused(tmp_path) -> None:
    path = tmp_path / "delivery.yml"
    path.write_text(
        "retry: {first_delay_seconds: 30, factor: 2, max_delay_seconds: 3600, max_attempts: 8}\n"
        "send_timeout_seconds: 30\nclaim_lease_seconds: 60\nbatch_size: 10\n"
        "max_parts: {sms: 5, wechat: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="claim_lease_seconds must exceed"):
        DeliveryConfig.load(path)


def test_concurrent_workers_on_sqlite_send_each_message_once(
    database: Engine, factory: SessionFactory
) -> None:
    for i in range(30):
        queue(database, f"k{i}", text=f"消息{i}")
    sms = FakeTransport()

    def worker(_: int) -> list[int]:
        return asyncio.run(deliver_due(factory, {"sms": sms}, NOW)).sent

    with ThreadPoolExecutor(max_workers=3) as pool:
        sent_by_worker = list(pool.map(worker, range(3)))
    assert sorted(part for _, part in sms.sent) == sorted(f"消息{i}" for i in range(30))
    assert sorted(sum(sent_by_worker, [])) == [m.id for m in messages(database)]
    assert all(m.status == SENT for m in messages(database))


def test_the_outbox_migration_goes_up_and_down_on_sqlite(database: Engine) -> None:
    url = database.url.render_as_string(hide_password=False)
    migrate.downgrade(url, "0004")
    assert "outbox_messages" not in inspect(database).get_table_names()
    migrate.upgrade(url)
    assert "ix_outbox_messages_due" in {
        index["name"] for index in inspect(database).get_indexes("outbox_messages")
    }
