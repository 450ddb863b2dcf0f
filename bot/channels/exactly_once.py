"""Platform retries handled exactly once, every retry answered with the reply of the first delivery.

WeChat sends a message again when it has no answer within 5 s (three tries), and a retry may arrive while the
first delivery is still being answered, possibly by another bot process. The first delivery claims the message
id; later ones wait for the reply it records. A turn that misses the platform's deadline keeps running; its
answer must then go out another way (WeChat customer-service message, SMS through the REST API).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.channels.store import SharedStore

logger = logging.getLogger(__name__)

_PENDING = "\x00pending"


@dataclass
class Outcome:
    # The reply parts for the webhook response; every delivery of the message gets the same ones.
    parts: list[str]
    first_delivery: bool
    # The turn, still running when the deadline passed; its parts are to be sent another way.
    late: asyncio.Future[list[str]] | None = None


class ReplyLedger:
    def __init__(
        self,
        store: SharedStore,
        namespace: str,
        keep_seconds: float = 24 * 3600,
        pending_seconds: float = 120,
        poll_seconds: float = 0.05,
    ) -> None:
        self._store = store
        self._namespace = namespace
        self._keep = keep_seconds
        # A claim whose process died is released after this, so the message is not lost for a whole day.
        self._pending = pending_seconds
        self._poll = poll_seconds

    def _key(self, message_id: str) -> str:
        return f"{self._namespace}:once:{message_id}"

    async def claim(self, message_id: str) -> bool:
        """True for the first delivery of a message, False for a repeat."""
        try:
            return await self._store.add(self._key(message_id), _PENDING, self._pending)
        except Exception:
            # Answering twice is better than not answering at all.
            logger.exception("message store unavailable; handling %s without de-duplication", message_id)
            return True

    async def record(self, message_id: str, reply: str) -> None:
        try:
            await self._store.put(self._key(message_id), reply, self._keep)
        except Exception:
            logger.exception("message store unavailable; reply to %s not kept for retries", message_id)

    async def wait_for_reply(self, message_id: str, timeout: float) -> str | None:
        """The reply recorded for a message, waiting up to `timeout` while its first delivery runs."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await self._store.get(self._key(message_id))
            except Exception:
                logger.exception("message store unavailable while waiting for the reply to %s", message_id)
                return None
            if reply is not None and reply != _PENDING:
                return reply
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self._poll)

    async def answer(
        self,
        message_id: str,
        turn: Callable[[], Awaitable[list[str]]],
        deadline: float,
        on_error: Callable[[], list[str]],
    ) -> Outcome:
        """Run the turn for the first delivery of a message; give any repeat the reply recorded for it."""
        if not await self.claim(message_id):
            recorded = await self.wait_for_reply(message_id, deadline)
            return Outcome(json.loads(recorded) if recorded else [], first_delivery=False)
        running = asyncio.ensure_future(turn())
        try:
            # shield: at the deadline stop waiting, not the turn.
            parts = await asyncio.wait_for(asyncio.shield(running), deadline)
        except asyncio.TimeoutError:
            await self.record(message_id, "[]")
            return Outcome([], first_delivery=True, late=running)
        except Exception:
            logger.exception("the bot failed on message %s", message_id)
            parts = on_error()
        await self.record(message_id, json.dumps(parts, ensure_ascii=False))
        return Outcome(parts, first_delivery=True)


class Background:
    """Work that outlives its webhook request (late answers, call-back requests).

    The tasks are kept referenced, so they are not garbage-collected half-way, and awaited at shutdown.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background work failed", exc_info=task.exception())

    async def wait(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
