"""The web chat: a page served by the bot itself (bot/webchat/static/, no external files) and the REST
endpoints it uses.

    GET  /webhooks/webchat/            the page (a QR label links to it with ?d=<device token>)
    POST /webhooks/webchat/session     {"session"?, "device"?} → {"session", "sender"}: the server-issued
                                       session (bot/identity.py; a QR label's device token names the device)
    POST /webhooks/webchat/webhook     {"session", "message", "id", "shown"?} → {"ok": true}; the answer
                                       follows in the log
    GET  /webhooks/webchat/events      ?session=…&after=N → {"messages": [...]} (long poll, up to `wait` s)

Everything the caller sees — their own messages, the bot's, an agent's, notices — is in the conversation's
message log (bot.handoff.conversations), numbered in order. The page shows only what it fetched from the log,
by number: a dropped connection or a reload fetches again from the last number it has, so nothing is lost or
shown twice. `id` is the page's own id of a message: a retried send is stored and answered once.

As on the REST channel (bot/channels/limits.py): 「验证 139…」 and the SMS code verify the caller before Rasa
(the code is logged as dots), and a `/intent` passes only when it is a button of the bot's last message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from bot.channels import texts as channel_texts
from bot.channels.limits import OnNewMessage, clean_text, default_limiter
from bot.channels.user_text import caller_text
from bot.channels.verification import logged_as, verification_reply
from bot.clock import utc_now
from bot.db import session_scope
from bot.db.models import Conversation, ConversationMessage
from bot.handoff.conversations import BOT, CALLER, append, conversation_for, find_conversation, messages_after
from bot.handoff.texts import say
from bot.handoff.watch import SeqWatcher, last_seqs_reader
from bot.identity import identity_secret, issue_web_session, read_device_token, web_sender
from bot.installed_base import find_device
from bot.policy import current_policy

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
STATIC_DIR = Path(__file__).resolve().parent.parent / "webchat" / "static"
STATIC_FILES = {"chat.js": "application/javascript", "chat.css": "text/css"}
# The page's own content only: no other origin is trusted, nothing may frame it.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
LONG_POLL_SECONDS = 20.0


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, ensure_ascii=False, headers={"Cache-Control": "no-store"})


def _said(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload") or b.get("title", ""))}
        for b in message.get("buttons") or message.get("quick_replies") or []
    ]
    return str(message.get("text") or ""), buttons


def record_bot_message(sender_id: str, said: str, buttons: list[dict[str, Any]]) -> None:
    with session_scope() as session:
        conversation = find_conversation(session, sender_id)
        if conversation is None:
            conversation = conversation_for(session, sender_id, CHANNEL, utc_now())
        append(session, conversation, BOT, said, utc_now(), buttons=buttons)


class WebChatOutput(OutputChannel):
    """The bot's messages go into the conversation's log, where the page fetches them (now or after a
    reconnect)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        said, buttons = _said(message)
        if said or buttons:  # a custom payload (e.g. the phone's dial) means nothing here
            await asyncio.to_thread(record_bot_message, recipient_id, said, buttons)


def _start_session(sender_id: str, serial: str | None) -> None:
    """The conversation's row, and the greeting: about the device for a chat opened from its label."""
    policy = current_policy()
    hotline = policy.value("hotline.name")
    now = utc_now()
    with session_scope() as session:
        conversation = conversation_for(session, sender_id, CHANNEL, now)
        device = find_device(session, serial) if serial else None
        conversation.device_serial = device.serial_number if device else None
        if device is None:
            greeting = say("greeting", hotline=hotline)
        else:
            greeting = say(
                "device_greeting", hotline=hotline, model=device.model, serial=device.serial_number
            )
        append(session, conversation, BOT, greeting, now)


def _conversation_of(sender_id: str) -> tuple[bool, str | None]:
    """Whether the session's conversation was started here, and the device its label named."""
    with session_scope() as session:
        conversation = find_conversation(session, sender_id)
        return conversation is not None, conversation.device_serial if conversation else None


def _as_typed(sender_id: str, said: str) -> str:
    """A button payload of the bot's last message as it is; anything else as the caller's text."""
    if not said.startswith("/"):
        return said
    with session_scope() as session:
        last = session.execute(
            select(ConversationMessage.buttons)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(Conversation.sender_id == sender_id, ConversationMessage.author == BOT)
            .order_by(ConversationMessage.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
    offered = [str(button.get("payload")) for button in last or []]
    return said if said in offered else caller_text(said)


def _record_verification(sender_id: str, said: str, message_id: str, answer: str) -> None:
    """The verification exchange in the conversation's log, where the page shows it (a code as dots)."""
    now = utc_now()
    with session_scope() as session:
        conversation = find_conversation(session, sender_id) or conversation_for(
            session, sender_id, CHANNEL, now
        )
        if append(session, conversation, CALLER, logged_as(said), now, external_id=message_id) is not None:
            append(session, conversation, BOT, answer, now)


def _messages(sender_id: str, after: int) -> tuple[int | None, list[dict[str, Any]]]:
    """The conversation's id and its messages after `after`."""
    with session_scope() as session:
        conversation = find_conversation(session, sender_id)
        if conversation is None:
            return None, []
        return conversation.id, [
            {
                "seq": m.seq,
                "id": m.external_id if m.author == "caller" else None,
                "author": m.author,
                "agent": m.agent_name,
                "text": m.text,
                "buttons": m.buttons or [],
                "at": m.created_at.isoformat() + "Z",
            }
            for m in messages_after(session, conversation.id, after)
        ]


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def get_output_channel(self) -> OutputChannel:
        return WebChatOutput()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self.limiter = default_limiter()  # read at start-up: a broken limits.yml stops the server
        self.watcher = SeqWatcher(last_seqs_reader())
        chat = Blueprint("hotline_webchat", __name__)

        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        chat.add_route(_handler(self.page), "/", methods=["GET"])
        chat.add_route(_handler(self.static), "/static/<name>", methods=["GET"])
        chat.add_route(_handler(self.session), "/session", methods=["POST"])
        chat.add_route(receive, "/webhook", methods=["POST"])
        chat.add_route(_handler(self.events), "/events", methods=["GET"])
        return chat

    async def page(self, _: Request) -> HTTPResponse:
        return await response.file(STATIC_DIR / "index.html", headers=HEADERS)

    async def static(self, _: Request, name: str) -> HTTPResponse:
        if name not in STATIC_FILES:
            return response.text("not found", status=404)
        return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name], headers=HEADERS)

    async def session(self, request: Request) -> HTTPResponse:
        """The caller's signed session: the one the page holds while its conversation lives, or a new one."""
        body = _body(request)
        secret = identity_secret()
        device_given = body.get("device")
        serial = read_device_token(secret, device_given) if isinstance(device_given, str) else None
        given = body.get("session")
        existing = web_sender(secret, given) if isinstance(given, str) else None
        if existing is not None:
            started, labelled = await asyncio.to_thread(_conversation_of, existing)
            if started and (not device_given or serial == labelled):
                return _json({"session": given, "sender": existing})
        issued = issue_web_session(secret)
        await asyncio.to_thread(_start_session, issued.sender_id, serial)
        if device_given and serial is None:
            await asyncio.to_thread(record_bot_message, issued.sender_id, say("device_unknown"), [])
        return _json({"session": issued.token, "sender": issued.sender_id})

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """A caller's message: checked and limited here, answered into the conversation's log."""
        limits = self.limiter.limits
        if len(request.body or b"") > limits.max_request_bytes:
            return _json(
                {"error": channel_texts.say("limits.too_long", max_chars=limits.max_message_chars)}, 413
            )
        body = _body(request)
        given = body.get("session")
        sender = web_sender(identity_secret(), given) if isinstance(given, str) else None
        if sender is None:
            return _json({"error": say("session_expired")}, 401)
        said = clean_text(str(body.get("message") or "")).strip()
        message_id = body.get("id")
        if not said or not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
            return _json({"error": channel_texts.say("limits.empty_message")}, 400)
        refusal = await self.limiter.admit(CHANNEL, sender, said, str(request.remote_addr or request.ip))
        if refusal is not None:
            return _json({"error": refusal.text}, refusal.status)
        verification = await verification_reply(CHANNEL, sender, said)
        if verification is not None:
            await asyncio.to_thread(_record_verification, sender, said, message_id, verification)
            return _json({"ok": True})
        said = await asyncio.to_thread(_as_typed, sender, said)
        if not said:
            return _json({"error": channel_texts.say("limits.empty_message")}, 400)
        metadata = await asyncio.to_thread(_metadata, sender, body, limits.max_message_chars)
        try:
            await on_new_message(
                UserMessage(
                    said,
                    WebChatOutput(),
                    sender,
                    input_channel=CHANNEL,
                    message_id=message_id,
                    metadata=metadata,
                )
            )
        except Exception:
            logger.exception("the bot failed on a web chat message from %s", sender)
            await asyncio.to_thread(record_bot_message, sender, channel_texts.say("common.bot_error"), [])
        return _json({"ok": True})

    async def events(self, request: Request) -> HTTPResponse:
        """The conversation's messages after `after`, waiting up to `wait` seconds for a new one."""
        sender = web_sender(identity_secret(), request.args.get("session"))
        if sender is None:
            return _json({"error": say("session_expired")}, 401)
        try:
            after = max(0, int(request.args.get("after", "0")))
            wait = min(LONG_POLL_SECONDS, max(0.0, float(request.args.get("wait", LONG_POLL_SECONDS))))
        except ValueError:
            return _json({"error": "after/wait"}, 400)
        conversation_id, found = await asyncio.to_thread(_messages, sender, after)
        if not found and conversation_id is not None and wait:
            await self.watcher.wait_beyond(conversation_id, after, wait)
            _, found = await asyncio.to_thread(_messages, sender, after)
        return _json({"messages": found})


def _handler(
    method: Callable[..., Awaitable[HTTPResponse]],
) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    """A route handler calling `method`: Sanic marks its handlers, which a bound method cannot carry."""

    async def handle(request: Request, **path: str) -> HTTPResponse:
        return await method(request, **path)

    handle.__name__ = method.__name__
    return handle


def _metadata(sender_id: str, body: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """What the bot reads beside the text: the device a label named, and the text the page showed."""
    metadata: dict[str, Any] = {}
    _, labelled = _conversation_of(sender_id)
    if labelled:
        metadata["device_serial"] = labelled
    shown = body.get("shown")
    if isinstance(shown, str) and shown.strip():
        metadata["shown"] = clean_text(shown).strip()[:max_chars]
    return metadata


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
