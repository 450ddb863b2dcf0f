"""The web chat: a page served by the bot itself (bot/webchat/static/, no external files) and the REST
endpoints it uses.

    GET  /webhooks/webchat/            the page (a QR label links to it with ?d=<device token>)
    POST /webhooks/webchat/session     {"session"?, "device"?} → {"session", "sender"}: the server-issued
    session
    POST /webhooks/webchat/webhook     {"session", "message", "id", "shown"?} → {"ok": true}; the answer
    follows
    GET  /webhooks/webchat/events      ?session=…&after=N → {"messages": [...]} (long poll, up to `wait` s)

Everything the caller sees — their own messages, the bot's, an agent's, notices — is in the conversation's
message
log (bot.handoff.conversations), numbered in order. The page shows only what it fetched from the log, by
number:
a dropped connection or a reload fetches again from the last number it has, so nothing is lost or shown twice.
`id` is the page's own id of a message: a retried send is stored and answered once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import texts as channel_texts
from bot.channels.limits import OnNewMessage, clean_text, default_limiter
from bot.clock import utc_now
from bot.db import session_scope
from bot.handoff.conversations import BOT, append, conversation_for, find_conversation, messages_after
from bot.handoff.texts import say
from bot.handoff.watch import SeqWatcher, last_seqs_reader
from bot.installed_base import find_device
from bot.policy import current_policy
from bot.webchat.sessions import ChatSession, issue_session, read_device_token, read_session

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


def _start_session(chat: ChatSession) -> None:
    """The conversation's row, and the greeting: about the device for a chat opened from its label."""
    policy = current_policy()
    hotline = policy.value("hotline.name")
    now = utc_now()
    with session_scope() as session:
        conversation = conversation_for(session, chat.sender_id, CHANNEL, now)
        device = find_device(session, chat.device_serial) if chat.device_serial else None
        conversation.device_serial = device.serial_number if device else None
        if device is None:
            greeting = say("greeting", hotline=hotline)
        else:
            greeting = say(
                "device_greeting",
                hotline=hotline,
                hospital=device.hospital,
                department=device.department,
                model=device.model,
                serial=device.serial_number,
            )
        append(session, conversation, BOT, greeting, now)


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
        limiter = default_limiter()  # read at start-up: a broken limits.yml stops the server
        watcher = SeqWatcher(last_seqs_reader())
        chat = Blueprint("hotline_webchat", __name__)

        @chat.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "index.html", headers=HEADERS)

        @chat.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.text("not found", status=404)
            return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name], headers=HEADERS)

        @chat.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            body = _body(request)
            device_given = body.get("device")
            serial = read_device_token(device_given) if isinstance(device_given, str) else None
            existing = read_session(body.get("session")) if isinstance(body.get("session"), str) else None
            if existing and (not device_given or serial == existing.device_serial):
                return _json({"session": body["session"], "sender": existing.sender_id})
            token, chat_session = issue_session(serial)
            await asyncio.to_thread(_start_session, chat_session)
            if device_given and serial is None:
                await asyncio.to_thread(record_bot_message, chat_session.sender_id, say("device_unknown"), [])
            return _json({"session": token, "sender": chat_session.sender_id})

        @chat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > limiter.limits.max_request_bytes:
                too_long = channel_texts.say("limits.too_long", max_chars=limiter.limits.max_message_chars)
                return _json({"error": too_long}, 413)
            body = _body(request)
            chat_session = read_session(body.get("session")) if isinstance(body.get("session"), str) else None
            if chat_session is None:
                return _json({"error": say("session_expired")}, 401)
            said = clean_text(str(body.get("message") or "")).strip()
            message_id = body.get("id")
            if not said or not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
                return _json({"error": channel_texts.say("limits.empty_message")}, 400)
            refusal = await limiter.admit(
                CHANNEL, chat_session.sender_id, said, str(request.remote_addr or request.ip)
            )
            if refusal is not None:
                return _json({"error": refusal.text}, refusal.status)
            metadata: dict[str, Any] = {}
            if chat_session.device_serial:
                metadata["device_serial"] = chat_session.device_serial
            if isinstance(body.get("shown"), str) and body["shown"].strip():
                metadata["shown"] = clean_text(body["shown"]).strip()[: limiter.limits.max_message_chars]
            try:
                await on_new_message(
                    UserMessage(
                        said,
                        WebChatOutput(),
                        chat_session.sender_id,
                        input_channel=CHANNEL,
                        message_id=message_id,
                        metadata=metadata,
                    )
                )
            except Exception:
                logger.exception("the bot failed on a web chat message from %s", chat_session.sender_id)
                await asyncio.to_thread(
                    record_bot_message, chat_session.sender_id, channel_texts.say("common.bot_error"), []
                )
            return _json({"ok": True})

        @chat.route("/events", methods=["GET"])
        async def events(request: Request) -> HTTPResponse:
            chat_session = read_session(request.args.get("session"))
            if chat_session is None:
                return _json({"error": say("session_expired")}, 401)
            try:
                after = max(0, int(request.args.get("after", "0")))
                wait = min(LONG_POLL_SECONDS, max(0.0, float(request.args.get("wait", LONG_POLL_SECONDS))))
            except ValueError:
                return _json({"error": "after/wait"}, 400)
            conversation_id, found = await asyncio.to_thread(_messages, chat_session.sender_id, after)
            if not found and conversation_id is not None and wait:
                await watcher.wait_beyond(conversation_id, after, wait)
                _, found = await asyncio.to_thread(_messages, chat_session.sender_id, after)
            return _json({"messages": found})

        return chat


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
