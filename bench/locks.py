"""The conversation locks of several instances: Rasa 3.6's RedisLockStore against bot/app/lock_store.py.

Usage: .venv/bin/python bench/locks.py [--redis redis://127.0.0.1:6379/11] [--stores 4] [--tickets 25]
[--cycles 2000]

Contention: `--stores` lock stores (each its own connections, as instances have) take `--tickets` tickets each
for one conversation at the same moment; how many distinct numbers were issued and how many tickets the lock
kept (a repeated or dropped ticket means two turns of one caller processed at once). Cost: one store runs
`--cycles` uncontended lock cycles (take a ticket, acquire, serve and clean up), ms per cycle. The Redis
database is emptied before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.app.lock_store import AtomicRedisLockStore


def contention(make: Callable[[], LockStore], stores: int, tickets: int) -> tuple[int, int]:
    instances = [make() for _ in range(stores)]
    issued: list[int] = []
    start = threading.Barrier(stores)

    def take(store: LockStore) -> None:
        start.wait()
        for _ in range(tickets):
            issued.append(store.issue_ticket("bench:caller"))

    threads = [threading.Thread(target=take, args=(store,)) for store in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lock = instances[0].get_lock("bench:caller")
    instances[0].delete_lock("bench:caller")
    return len(set(issued)), len(lock.tickets) if lock else 0


def cycle_ms(store: LockStore, cycles: int) -> float:
    async def run() -> None:
        for n in range(cycles):
            async with store.lock(f"bench:cycle:{n % 50}", wait_time_in_seconds=0.01):
                pass

    started = time.perf_counter()
    asyncio.run(run())
    return 1000 * (time.perf_counter() - started) / cycles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--tickets", type=int, default=25)
    parser.add_argument("--cycles", type=int, default=2000)
    args = parser.parse_args()
    url = urlsplit(args.redis)
    host, port, db = url.hostname or "127.0.0.1", url.port or 6379, int(url.path.strip("/") or 0)
    client = redis.Redis(host=host, port=port, db=db)
    client.flushdb()
    kinds: dict[str, Callable[[], LockStore]] = {
        "Rasa 3.6 RedisLockStore": lambda: RedisLockStore(host=host, port=port, db=db, key_prefix="bench"),
        "AtomicRedisLockStore": lambda: AtomicRedisLockStore(
            EndpointConfig(url=host, port=port, db=db, key_prefix="bench")
        ),
    }
    total = args.stores * args.tickets
    print(f"| lock store | distinct numbers of {total} | tickets kept of {total} | ms per lock cycle |")
    print("| --- | --- | --- | --- |")
    try:
        for name, make in kinds.items():
            distinct, kept = contention(make, args.stores, args.tickets)
            print(f"| {name} | {distinct} | {kept} | {cycle_ms(make(), args.cycles):.2f} |")
    finally:
        client.flushdb()
        client.close()


if __name__ == "__main__":
    main()
