"""The conversation locks shared by several instances (bot/app/lock_store.py), against a real Redis.

Needs Redis (HOTLINE_TEST_REDIS_URL_LOCKS, a database number of its own: it is emptied); skips without it, or
fails with HOTLINE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from bot.app.lock_store import AtomicRedisLockStore
from tests.support import skip_or_fail

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL_LOCKS", "redis://127.0.0.1:6379/12")


@pytest.fixture
def stores() -> Iterator[list[AtomicRedisLockStore]]:
    """Four lock stores on one Redis database, each with its own connections, as four instances have."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {error}")
    url = urlsplit(REDIS_URL)
    config = EndpointConfig(
        url=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0), key_prefix="hotline"
    )
    yield [AtomicRedisLockStore(config) for _ in range(4)]
    client.flushdb()
    client.close()


def test_tickets_taken_at_once_by_several_instances_are_all_distinct_and_all_kept(
    stores: list[AtomicRedisLockStore],
) -> None:
    start = threading.Barrier(len(stores))

    def take(store: AtomicRedisLockStore) -> list[int]:
        start.wait()
        return [store.issue_ticket("web:caller") for _ in range(25)]

    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        issued = [number for taken in pool.map(take, stores) for number in taken]
    lock = stores[0].get_lock("web:caller")
    assert lock is not None and len(set(issued)) == len(issued) == 100
    assert sorted(ticket.number for ticket in lock.tickets) == sorted(issued)
    for number in issued:
        stores[number % 4].cleanup("web:caller", number)
    assert stores[0].get_lock("web:caller") is None  # the last one served removed the lock


@pytest.mark.anyio
async def test_one_callers_turns_on_two_instances_never_overlap(stores: list[AtomicRedisLockStore]) -> None:
    inside: list[str] = []
    overlapped = False

    async def turn(store: AtomicRedisLockStore, name: str) -> None:
        nonlocal overlapped
        async with store.lock("web:caller", wait_time_in_seconds=0.01):
            overlapped = overlapped or bool(inside)
            inside.append(name)
            await asyncio.sleep(0.05)
            inside.remove(name)

    await asyncio.gather(*(turn(stores[i % 2], f"turn-{i}") for i in range(10)))
    assert not overlapped and stores[0].get_lock("web:caller") is None


def test_a_ticket_numbered_while_another_instance_lands_its_own_queues_behind_it(
    stores: list[AtomicRedisLockStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Instance B takes its ticket between instance A numbering its ticket and A's ticket landing in the
    queue: B is then being served, so A must queue behind B, not hold a lower number served alongside B."""
    first, second = stores[0], stores[1]
    numbering = first.red.incr
    taken: list[int] = []

    def incr_while_the_other_takes_one(*args: object) -> int:
        number = int(numbering(*args))
        if not taken:
            taken.append(second.issue_ticket("web:caller"))
        return number

    monkeypatch.setattr(first.red, "incr", incr_while_the_other_takes_one)
    mine = first.issue_ticket("web:caller")
    lock = first.get_lock("web:caller")
    assert lock is not None and not lock.is_locked(taken[0])  # B goes on with its turn
    assert lock.is_locked(mine)  # A waits for it
