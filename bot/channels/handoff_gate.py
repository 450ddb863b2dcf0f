"""The bot is silent while a person has the conversation: every caller message passes this gate before Rasa.

Installed by bot/app/launch.py around Rasa's `Agent.handle_message`, which every input channel calls (REST,
web chat,
WeChat, SMS, voice), on every instance. For a conversation that has a message log (bot.handoff) the message is
stored there first (once: a retried delivery is dropped), then:

- no hand-off open: the bot answers as usual;
- with an agent: the message is only added to Rasa's tracker (no prediction, so no answer) — the agent reads
  it in the console and answers on the caller's channel;
- waiting in the queue: the caller is told their place again; asking for a call-back (request_callback) goes
  to the bot, whose call-back request takes them out of the queue.

The phone never reaches the queue: a caller who asks for a person there is put through to the duty desk
(<Dial>).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.clock import utc_now
from bot.db import session_scope
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import Gate, gate_caller_message
from bot.handoff.texts import say
from bot.policy import current_policy

logger = logging.getLogger(__name__)

# What a waiting caller may still ask the bot for.
_WHILE_WAITING = ("request_callback",)


def _gate(message: UserMessage) -> Gate:
    shown = (message.metadata or {}).get("shown")
    with session_scope() as session:
        return gate_caller_message(
            session,
            sender_id=message.sender_id,
            said=str(shown or message.text or ""),
            external_id=(message.message_id or "")[:80] or None,
            config=HandoffConfig.of(current_policy()),
            at=utc_now(),
        )


async def gated(agent: Any, message: UserMessage, handle: Callable[[UserMessage], Awaitable[Any]]) -> Any:
    """Rasa's `handle` for this message, or only the tracker's record of it while a person has the
    conversation.

    `agent` is Rasa's Agent: its parse_message, lock_store and processor.log_message are used.
    """
    gate = await asyncio.to_thread(_gate, message)
    if gate.route == "bot":
        return await handle(message)
    if gate.route == "duplicate":
        logger.info("a repeated message from %s was dropped", message.sender_id)
        return None
    if gate.route == "waiting":
        parsed = await agent.parse_message(message.text or "")
        if (parsed.get("intent") or {}).get("name") in _WHILE_WAITING:
            return await handle(message)
    # Kept in the conversation's tracker (its transcript), without a prediction: the bot says nothing.
    async with agent.lock_store.lock(message.sender_id):
        await agent.processor.log_message(message)
    if gate.route == "waiting" and gate.place is not None:
        await message.output_channel.send_response(
            message.sender_id,
            {"text": say("still_waiting", position=gate.place.position, minutes=gate.place.minutes)},
        )
    return None


def hold_messages_for_agents() -> None:
    """Put the gate in front of Rasa's Agent.handle_message (once per process)."""
    from rasa.core.agent import Agent

    handle = Agent.handle_message
    if getattr(handle, "hotline_gated", False):
        return

    async def handle_message(self: Agent, message: UserMessage) -> Any:
        return await gated(self, message, lambda m: handle(self, m))

    handle_message.hotline_gated = True  # type: ignore[attr-defined]
    Agent.handle_message = handle_message
