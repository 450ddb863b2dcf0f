"""What a caller types is text, never Rasa's `/intent{"entity": ...}` shortcut.

Rasa reads a message that starts with `/` as an intent with entities, skipping the NLU: a caller typing
`/request_human` or `/affirm` would steer the dialogue. Every channel passes what the caller typed or said
through `caller_text`; only payloads the bot itself offered (a numbered choice, a menu click, a button of its
last REST reply) reach Rasa as payloads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bot.channels.store import SharedStore
from bot.texts import labels

_COMMAND_START = re.compile(r"^[\s/]+")
_BARE_INTENT = re.compile(r"^\s*/+([a-z_]+)\s*$")
# A stale 「现场有安全险情」 click would raise a safety incident with no hazard named: it stays plain text.
_NOT_READ_AS_WORDS = frozenset({"report_hazard"})


def caller_text(said: str) -> str:
    """The text without the leading slashes that would make Rasa read it as an intent. A bare button payload
    the bot did not just offer (a click on an old menu, 「/report_fault」) is read as the words on that button
    (「设备故障报修」), which go through the NLU like anything typed."""
    if not said.lstrip().startswith("/"):
        return said
    bare = _BARE_INTENT.match(said)
    words = labels("intent_labels")
    if bare and bare.group(1) in words and bare.group(1) not in _NOT_READ_AS_WORDS:
        return words[bare.group(1)]
    return _COMMAND_START.sub("", said)


class OfferedPayloads:
    """The button payloads of the bot's last reply to each sender, the only `/…` messages a client may
    send."""

    def __init__(self, store: SharedStore, namespace: str, keep_seconds: float = 30 * 60) -> None:
        self._store = store
        self._namespace = namespace
        self._keep = keep_seconds

    def _key(self, sender_id: str) -> str:
        return f"{self._namespace}:offered:{sender_id}"

    async def remember(self, sender_id: str, messages: Iterable[dict[str, Any]]) -> None:
        payloads = [
            str(button["payload"])
            for message in messages
            for button in message.get("buttons") or []
            if isinstance(button, dict) and button.get("payload")
        ]
        if payloads:
            await self._store.put(self._key(sender_id), json.dumps(payloads, ensure_ascii=False), self._keep)
        else:
            await self._store.delete(self._key(sender_id))

    async def read(self, sender_id: str, said: str) -> str:
        """A payload the bot offered this sender as it is; anything else as caller text."""
        if said.startswith("/"):
            stored = await self._store.get(self._key(sender_id))
            if stored is not None and said in json.loads(stored):
                return said
        return caller_text(said)
