"""A small key-value store with expiry, for state the channels keep between requests.

It holds which platform messages were already handled (and their replies), the WeChat access_token, and the
numbered choices last offered to each user. With several bot processes they must share it: set
HOTLINE_REDIS_URL (e.g. redis://127.0.0.1:6379/0). Without it each process keeps its own in memory, which is
right for one process and for tests.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Protocol

from redis import asyncio as aioredis

from bot.config import settings


class SharedStore(Protocol):
    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Set the key only if it is absent; True when this call set it."""

    async def put(self, key: str, value: str, ttl: float) -> None: ...

    async def get(self, key: str) -> str | None: ...

    async def delete(self, key: str) -> None: ...


class MemoryStore:
    """One process's store. Atomic without locks: the event loop runs one coroutine step at a time."""

    def __init__(self, sweep_seconds: float = 60) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._sweep_seconds = sweep_seconds
        self._next_sweep = time.monotonic() + sweep_seconds

    def _live(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if expires <= time.monotonic():
            del self._items[key]
            return None
        return value

    def _forget_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._sweep_seconds
        for key in [key for key, (_, expires) in self._items.items() if expires <= now]:
            del self._items[key]

    async def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        await self.put(key, value, ttl)
        return True

    async def put(self, key: str, value: str, ttl: float) -> None:
        # Expired entries are otherwise only dropped when read again; a periodic sweep keeps memory bounded.
        self._forget_expired()
        self._items[key] = (value, time.monotonic() + ttl)

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)


class RedisStore:
    """The store shared by every bot process, in Redis."""

    def __init__(self, url: str, prefix: str = "hotline:") -> None:
        # The client connects on first use, inside the server's event loop.
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, px=_millis(ttl), nx=True))

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self._redis.set(self._prefix + key, value, px=_millis(ttl))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(self._prefix + key)
        return None if value is None else str(value)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        await self._redis.close()


def _millis(ttl: float) -> int:
    return max(1, int(ttl * 1000))


@lru_cache(maxsize=1)
def shared_store() -> SharedStore:
    """The process's store: Redis when HOTLINE_REDIS_URL is set, else memory."""
    url = settings().redis_url
    return RedisStore(url) if url else MemoryStore()
