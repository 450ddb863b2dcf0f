"""The numbered choices last offered to a user, so that replying "2" (or pressing 2) means that choice."""

from __future__ import annotations

import json
import unicodedata

from bot.channels.bot_reply import Choice
from bot.channels.store import SharedStore


class ChoiceMemory:
    def __init__(self, store: SharedStore, namespace: str, keep_seconds: float = 30 * 60) -> None:
        self._store = store
        self._namespace = namespace
        self._keep = keep_seconds

    def _key(self, sender_id: str) -> str:
        return f"{self._namespace}:choices:{sender_id}"

    async def remember(self, sender_id: str, choices: list[Choice]) -> None:
        """Keep this turn's choices; a turn without choices forgets the earlier ones."""
        if choices:
            payloads = {choice.key: choice.payload for choice in choices}
            await self._store.put(self._key(sender_id), json.dumps(payloads, ensure_ascii=False), self._keep)
        else:
            await self._store.delete(self._key(sender_id))

    async def resolve(self, sender_id: str, answer: str) -> str | None:
        """The payload of the choice the answer names, if it names one."""
        # Full-width digits (２) are common on Chinese keyboards.
        key = unicodedata.normalize("NFKC", answer).strip().rstrip("。.")
        if not key.isdigit():
            return None
        stored = await self._store.get(self._key(sender_id))
        if stored is None:
            return None
        payload = json.loads(stored).get(key)
        return str(payload) if payload is not None else None
