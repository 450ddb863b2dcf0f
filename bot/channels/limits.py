"""Limits on what reaches the bot, for every channel: messages per sender and per client address, message
size.

credentials.yml registers the channels through the thin subclasses at the end of this module:

- REST (`HotlineRestInput`, still /webhooks/rest/webhook): the request is checked before Rasa sees it — a JSON
  object with a string `sender` and `message` (400 otherwise), the size (413), the sender's and the address's
  rate (429, with Retry-After). Every refusal has the reply shape, `[{"recipient_id", "text"}]`, in Chinese.
  `input_channel` and `metadata` from the client are ignored: a web client must not pass itself off as an SMS
  caller (the SMS and voice channels identify callers by phone number in the metadata).
  The `sender` is a session token the server issued (`POST /webhooks/rest/session` → `{"session": token}`,
  bot/identity.py); any other sender is refused (401). The conversation is `web:<id>`, so a client can neither
  choose one nor name a WeChat, SMS or voice conversation. 「验证 139…」 and the SMS code that follows verify
  the caller (bot/channels/verification.py); a `/intent` payload passes only when the bot's last reply
  offered it.
- WeChat, SMS, voice: the platform checked the request; each message is checked by sender and size, and a
  refused one is answered in the channel's own way (one reply saying so; further refused messages in the same
  wait get none, so that a flood does not turn into a flood of SMS).

Control characters (NUL and the like, lone surrogates) are removed from every message: PostgreSQL refuses NUL
in text, and they are never meant. The buckets live in Redis when HOTLINE_REDIS_URL is set (every instance and
worker counts together), in memory otherwise. If Redis fails the message passes: better answered than refused.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from redis import asyncio as aioredis
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import bot.texts
from bot.channels.body import capped_body
from bot.channels.store import SharedStore, shared_store
from bot.channels.texts import say
from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_voice import TwilioVoiceInput
from bot.channels.user_text import OfferedPayloads
from bot.channels.verification import verification_reply
from bot.channels.wechat import WeChatInput
from bot.config import settings
from bot.identity import identity_secret, issue_web_session, web_sender

logger = logging.getLogger(__name__)

LIMITS_FILE = Path(__file__).with_name("limits.yml")
_SENDER_CHARACTERS = r"[A-Za-z0-9][A-Za-z0-9_.:@-]"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Bucket:
    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60


@dataclass(frozen=True)
class Limits:
    per_sender: Bucket
    per_client_address: Bucket
    max_message_chars: int
    max_request_bytes: int
    max_sender_chars: int

    @classmethod
    def load(cls, path: Path = LIMITS_FILE) -> Limits:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            per_sender=Bucket(**raw["per_sender"]),
            per_client_address=Bucket(**raw["per_client_address"]),
            max_message_chars=int(raw["max_message_chars"]),
            max_request_bytes=int(raw["max_request_bytes"]),
            max_sender_chars=int(raw["max_sender_chars"]),
        )


class Buckets(Protocol):
    async def take(self, key: str, bucket: Bucket) -> float:
        """Take one token: 0 when there was one, else the seconds until there is."""


class MemoryBuckets:
    """One process's buckets. Atomic without locks: the event loop runs one coroutine step at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sweep_seconds: float = 300) -> None:
        self._clock = clock
        self._state: dict[str, tuple[float, float, float]] = {}  # key → tokens, when, seconds to refill fully
        self._sweep_seconds = sweep_seconds
        self._next_sweep = clock() + sweep_seconds

    async def take(self, key: str, bucket: Bucket) -> float:
        now = self._clock()
        self._forget_full(now)
        tokens, then, _ = self._state.get(key, (float(bucket.burst), now, 0.0))
        tokens = min(float(bucket.burst), tokens + (now - then) * bucket.per_second)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / bucket.per_second
        if not wait:
            tokens -= 1
        self._state[key] = (tokens, now, (bucket.burst - tokens) / bucket.per_second)
        return wait

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it keeps memory bounded.
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._sweep_seconds
        for key in [k for k, (_, then, refill) in self._state.items() if then + refill <= now]:
            del self._state[key]


# One round trip, atomic across instances; Redis's own clock, so instances need not agree on the time.
_TAKE = """
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisBuckets:
    """The buckets of every bot process, in Redis."""

    def __init__(self, url: str, prefix: str = "hotline:limit:") -> None:
        # The client connects on first use, inside the server's event loop.
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._take = self._redis.register_script(_TAKE)
        self._prefix = prefix

    async def take(self, key: str, bucket: Bucket) -> float:
        return float(await self._take(keys=[self._prefix + key], args=[bucket.burst, bucket.per_second]))

    async def close(self) -> None:
        await self._redis.close()


@dataclass(frozen=True)
class Refusal:
    status: int  # on REST: 400 malformed, 413 too long, 429 too fast
    text: str
    retry_after: int | None = None
    # False when the caller was already told during this wait.
    tell: bool = True


class Limiter:
    def __init__(self, limits: Limits, buckets: Buckets, store: SharedStore) -> None:
        self.limits = limits
        self._buckets = buckets
        self._store = store

    async def admit(
        self, channel: str, sender: str, message: str, address: str | None = None
    ) -> Refusal | None:
        """None when the message may go to the bot, else why not."""
        if len(message) > self.limits.max_message_chars:
            return Refusal(413, say("limits.too_long", max_chars=self.limits.max_message_chars))
        try:
            wait = (
                await self._buckets.take(f"address:{address}", self.limits.per_client_address)
                if address
                else 0
            )
            if not wait:
                wait = await self._buckets.take(f"sender:{channel}:{sender}", self.limits.per_sender)
            if not wait:
                return None
            seconds = max(1, math.ceil(wait))
            told = await self._store.add(f"limit:told:{channel}:{sender}", "1", seconds)
        except Exception:
            logger.exception("rate limits unavailable; a message from %s passes unchecked", sender)
            return None
        return Refusal(429, say("limits.too_fast", seconds=seconds), retry_after=seconds, tell=told)


@lru_cache(maxsize=1)
def default_limiter() -> Limiter:
    """The process's limiter: limits.yml, buckets in Redis when HOTLINE_REDIS_URL is set, else in memory."""
    url = settings().redis_url
    buckets: Buckets = RedisBuckets(url) if url else MemoryBuckets()
    return Limiter(Limits.load(), buckets, shared_store())


def clean_text(message: str) -> str:
    """The message without control characters and lone surrogates; line breaks and tabs stay."""
    return "".join(
        char for char in message if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )


class MessageLimits(InputChannel):
    """Mixed into a platform channel: each message passes the limiter before it reaches the bot."""

    limiter: Limiter | None = None  # default_limiter() unless a test sets one

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        limiter = self.limiter or default_limiter()  # read at start-up: a broken limits.yml stops the server

        async def admitted(message: UserMessage) -> None:
            message.text = clean_text(message.text or "")
            refusal = await limiter.admit(self.name(), message.sender_id, message.text)
            if refusal is None:
                await on_new_message(message)
            elif refusal.tell:
                await message.output_channel.send_text_message(message.sender_id, refusal.text)

        return super().blueprint(admitted)


class LimitedWeChatInput(MessageLimits, WeChatInput):
    pass


class LimitedTwilioSmsInput(MessageLimits, TwilioSmsInput):
    pass


class LimitedTwilioVoiceInput(MessageLimits, TwilioVoiceInput):
    pass


def _replies(
    recipient: str | None, message: str, status: int, retry_after: int | None = None
) -> HTTPResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return response.json(
        [{"recipient_id": recipient, "text": message}], status=status, headers=headers, ensure_ascii=False
    )


class HotlineRestInput(RestInput):
    """Rasa's REST channel, at the same address, with the request checked first (see the module's text)."""

    limiter: Limiter | None = None  # default_limiter() unless a test sets one

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        limiter = self.limiter or default_limiter()  # read at start-up: a broken limits.yml stops the server
        payloads = OfferedPayloads(shared_store(), self.name())
        webhook = Blueprint("hotline_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/session", methods=["POST"])
        async def new_session(request: Request) -> HTTPResponse:
            address = _client_address(request)
            refusal = await limiter.admit(self.name(), f"new-session:{address}", "", address)
            if refusal is not None:
                return _replies(None, refusal.text, refusal.status, refusal.retry_after)
            issued = issue_web_session(identity_secret())
            return response.json({"session": issued.token})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            raw = await capped_body(request, limiter.limits.max_request_bytes)
            checked = self._checked(request, raw, limiter.limits)
            if isinstance(checked, HTTPResponse):
                return checked
            token, message = checked
            sender = web_sender(identity_secret(), token)
            if sender is None:
                return _replies(None, bot.texts.say("identity.bad_session"), 401)
            refusal = await limiter.admit(self.name(), sender, message, _client_address(request))
            if refusal is not None:
                return _replies(token, refusal.text, refusal.status, refusal.retry_after)
            verification = await verification_reply(self.name(), sender, message)
            if verification is not None:
                return _replies(token, verification, 200)
            message = await payloads.read(sender, message)
            if not message:
                return _replies(token, say("limits.empty_message"), 400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message, collector, sender, input_channel=self.name()))
            except Exception:
                logger.exception("the bot failed on a REST message from %s", sender)
                return _replies(token, say("common.bot_error"), 503)
            await payloads.remember(sender, collector.messages)
            # The client knows its conversation by its token only.
            return response.json(
                [{**reply, "recipient_id": token} for reply in collector.messages], ensure_ascii=False
            )

        return webhook

    @staticmethod
    def _checked(request: Request, raw: bytes | None, limits: Limits) -> tuple[str, str] | HTTPResponse:
        """The sender and the cleaned message, or the refusal of a malformed request (raw None: too large)."""
        if raw is None:
            return _replies(None, say("limits.too_long", max_chars=limits.max_message_chars), 413)
        try:
            body = json.loads(raw or b"")
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("sender"), str)
            or not isinstance(body.get("message"), str)
        ):
            return _replies(None, say("limits.bad_request"), 400)
        sender = body["sender"]
        if not re.fullmatch(f"{_SENDER_CHARACTERS}{{0,{limits.max_sender_chars - 1}}}", sender):
            return _replies(None, say("limits.bad_sender", max_chars=limits.max_sender_chars), 400)
        message = clean_text(body["message"]).strip()
        if not message:
            return _replies(sender, say("limits.empty_message"), 400)
        return sender, message


def _client_address(request: Request) -> str:
    # remote_addr: the client behind a proxy that Sanic was told to trust (SANIC_PROXIES_COUNT /
    # REAL_IP_HEADER).
    return str(request.remote_addr or request.ip)
