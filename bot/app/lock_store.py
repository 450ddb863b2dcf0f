"""The conversation locks of several Rasa instances (production profile, bot/endpoints.production.yml).

Rasa 3.6's RedisLockStore keeps a conversation's lock as one JSON value (its queue of tickets) and changes it
by reading, changing and writing it back: two instances taking a ticket for the same caller in the same
instant both read "no ticket", both write "ticket 0", and both process their message at once — one user event
is then lost from the tracker. Here a ticket's number comes from an atomic Redis INCR (never given twice), and
every change of the queue (a ticket added, served, expired, the lock removed) is one optimistic transaction
(WATCH/MULTI/EXEC, retried when another instance changed the lock in between).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# How long a conversation's ticket counter outlives its last ticket; the numbers only need to differ among the
# tickets alive together.
COUNTER_SECONDS = 24 * 3600


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose tickets are numbered by INCR and whose queue changes are transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], TicketLock | None]) -> None:
        """Apply `change` to the stored lock atomically; a lock with no ticket left is removed."""
        key = self.key_prefix + conversation_id

        def update(pipe: Any) -> None:
            raw = pipe.get(key)
            changed = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if changed is None or not changed.tickets:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())

        self.red.transaction(update, key)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        counter = f"{self.key_prefix}{conversation_id}:issued"
        number = 0

        def add(lock: TicketLock | None) -> TicketLock:
            # Numbered inside the transaction: a retried transaction takes a new number, so a ticket that
            # lands always has a higher number than every ticket already in the queue. Numbered outside it,
            # a later ticket could land first, be served, and then be overtaken by the earlier number.
            nonlocal number
            number = int(self.red.incr(counter))
            lock = lock or TicketLock(conversation_id)
            lock.remove_expired_tickets()
            tickets = [*lock.tickets, Ticket(number, time.time() + lock_lifetime)]
            lock.tickets = deque(sorted(tickets, key=lambda ticket: ticket.number))
            return lock

        self._change(conversation_id, add)
        self.red.expire(counter, COUNTER_SECONDS)
        return number

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def serve(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock

        self._change(conversation_id, serve)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Served and, when nobody else waits, removed: one change, since _change removes an empty lock.
        self.finish_serving(conversation_id, ticket_number)
