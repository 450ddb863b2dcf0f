"""Server-issued, signed tokens of the web chat: a caller's session, and a device link (QR label).

A session token names the conversation (its Rasa sender id) and, for a chat opened from a label, the device;
the
page keeps it across reloads, and no client can choose or guess another caller's conversation. A device token
names
a serial only: the label opens the chat about that device, whose hospital and model are read from the
registry.
Both are HMAC-signed with the console's secret (HOTLINE_CONSOLE_SECRET, else var/console_secret), which every
bot and console instance shares.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.config import settings
from bot.console.auth import cookie_secret, sign, unsign

_SESSION, _DEVICE = "webchat", "device"
_SERIAL = re.compile(r"[A-Za-z0-9-]{4,40}")


@dataclass(frozen=True)
class ChatSession:
    sender_id: str
    device_serial: str | None


def _secret() -> str:
    config = settings()
    return cookie_secret(config.console_secret, config.var_dir)


def issue_session(device_serial: str | None = None) -> tuple[str, ChatSession]:
    """A new conversation: (its token, the session)."""
    session = ChatSession(f"web-{secrets.token_hex(12)}", device_serial)
    return sign(_secret(), f"{_SESSION}:{session.sender_id}:{device_serial or ''}"), session


def read_session(token: str | None) -> ChatSession | None:
    value = unsign(_secret(), token) if token else None
    if value is None or not value.startswith(f"{_SESSION}:"):
        return None
    _, sender_id, serial = value.split(":", 2)
    return ChatSession(sender_id, serial or None)


def device_token(serial: str) -> str:
    if not _SERIAL.fullmatch(serial):
        raise ValueError(f"not a serial number: {serial!r}")
    return sign(_secret(), f"{_DEVICE}:{serial}")


def read_device_token(token: str | None) -> str | None:
    """The serial a device link names, or None when it is not one of ours."""
    value = unsign(_secret(), token) if token else None
    if value is None or not value.startswith(f"{_DEVICE}:"):
        return None
    serial = value.split(":", 1)[1]
    return serial if _SERIAL.fullmatch(serial) else None
