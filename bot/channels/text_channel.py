"""What the text channels (WeChat, SMS) share: one bot turn into the platform's reply parts, the output
channel for messages sent later, and sending parts once the webhook has answered."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.bot_reply import BotReply
from bot.channels.choices import ChoiceMemory
from bot.channels.proactive import TurnOutput
from bot.channels.user_text import caller_text

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Split = Callable[[str], list[str]]  # a text into the platform's message parts


async def bot_turn(
    on_new_message: OnNewMessage,
    said: str,
    *,
    sender: str,
    choices: ChoiceMemory,
    split: Split,
    later: OutputChannel | None,
    input_channel: str,
    message_id: str | None,
    metadata: dict[str, Any],
    typed: bool = True,
) -> list[str]:
    """The bot's answer to one message, as parts; a numbered choice offered before (「1」) is read as what it
    stands for, and the choices of this answer are remembered for the next message. `typed`: the caller wrote
    `said` (never read as a Rasa payload); False for a payload of our own, such as a menu click."""
    said = await choices.resolve(sender, said) or (caller_text(said) if typed else said)
    collector = TurnOutput(later)
    try:
        await on_new_message(
            UserMessage(
                said, collector, sender, input_channel=input_channel, message_id=message_id, metadata=metadata
            )
        )
    finally:
        collector.finish()
    reply = BotReply.from_messages(collector.messages)
    await choices.remember(sender, reply.choices)
    return split(reply.as_text())


class PartsOutput(OutputChannel, ABC):
    """The bot's messages outside a webhook reply, cut into parts and sent one by one through the platform's
    API."""

    def __init__(self, choices: ChoiceMemory, split: Split) -> None:
        self._choices = choices
        self._split = split

    @abstractmethod
    async def send_part(self, recipient_id: str, part: str) -> None:
        """One part through the platform's API."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = BotReply.from_messages([message])
        parts = self._split(reply.as_text())
        if not parts:  # e.g. a custom payload meant for the phone
            return
        await self._choices.remember(recipient_id, reply.choices)
        for part in parts:
            await self.send_part(recipient_id, part)


async def late_parts(
    late: Awaitable[list[str]], fallback: Callable[[], list[str]], recipient: str
) -> list[str]:
    """The parts of a turn that missed the webhook's deadline; an apology when the bot failed on it."""
    try:
        return await late
    except Exception:
        logger.exception("the bot failed on a late answer to %s", recipient)
        return fallback()


async def send_parts(parts: list[str], send: Callable[[str], Awaitable[None]], what: str) -> None:
    """Parts in order; after a failure the rest is not sent (out of order they would make no sense) and
    logged."""
    for sent, part in enumerate(parts):
        try:
            await send(part)
        except Exception as error:
            logger.error("%s failed; %d of %d parts not sent: %s", what, len(parts) - sent, len(parts), error)
            return
