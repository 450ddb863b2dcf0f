"""Waiting for new messages without a database query per waiting page.

Every open web chat page and console conversation page keeps a long poll open ("anything after N?"). Instead
of each of them asking the database every fraction of a second, one task per process asks for the last message
number of all conversations being waited on, in one query, and wakes the pages whose conversation moved on.
The database stays the only source of truth, so this works across instances: a message stored by another
process is seen at the next look.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import Conversation

ReadLastSeqs = Callable[[set[int]], dict[int, int]]


def last_seqs_reader(engine: Engine | None = None) -> ReadLastSeqs:
    def read(ids: set[int]) -> dict[int, int]:
        with session_scope(engine) as session:
            rows = session.execute(
                select(Conversation.id, Conversation.last_seq).where(Conversation.id.in_(ids))
            )
            return {int(cid): int(seq) for cid, seq in rows}

    return read


class SeqWatcher:
    def __init__(self, read: ReadLastSeqs, interval_seconds: float = 0.1) -> None:
        self._read = read
        self._interval = interval_seconds
        self._waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def wait_beyond(self, conversation_id: int, after: int, timeout: float) -> None:
        """Return once the conversation has a message numbered above `after`, or after `timeout` seconds."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (after, future)
        self._waiters.setdefault(conversation_id, []).append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._watch())
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            waiting = self._waiters.get(conversation_id, [])
            if entry in waiting:
                waiting.remove(entry)
            if not waiting:
                self._waiters.pop(conversation_id, None)

    async def _watch(self) -> None:
        while self._waiters:
            seqs = await asyncio.to_thread(self._read, set(self._waiters))
            for conversation_id, waiting in list(self._waiters.items()):
                for after, future in waiting:
                    if seqs.get(conversation_id, 0) > after and not future.done():
                        future.set_result(None)
            await asyncio.sleep(self._interval)
