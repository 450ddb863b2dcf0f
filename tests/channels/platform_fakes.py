"""Test doubles that act as the platforms and as the bot, shared by the channel tests.

Signatures and WeChat encryption are computed here from the published algorithms, independently of
bot/channels, so that a wrong implementation there cannot agree with itself. Requests go through Rasa's own
channel registration and Sanic's ASGI interface, in process: no network, no sanic-testing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic
from sanic.asgi import ASGIApp

# --- the platforms' published algorithms, written out again -------------------------------------------------


def wechat_sign(*values: str) -> str:
    return hashlib.sha1("".join(sorted(values)).encode()).hexdigest()


def twilio_sign(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _aes(aes_key: str) -> Cipher[modes.CBC]:
    key = base64.b64decode(aes_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def tencent_encrypt(aes_key: str, appid: str, message: str) -> str:
    body = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = 32 - len(plain) % 32
    encryptor = _aes(aes_key).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


@dataclass
class Decrypted:
    message: str
    appid: str
    pad: int
    padded_length: int


def tencent_decrypt(aes_key: str, encrypted: str) -> Decrypted:
    decryptor = _aes(aes_key).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = plain[-1]
    (length,) = struct.unpack(">I", plain[16:20])
    unpadded = plain[:-pad]
    return Decrypted(unpadded[20 : 20 + length].decode(), unpadded[20 + length :].decode(), pad, len(plain))


# --- the bot -------------------------------------------------------------------------------------------------


@dataclass
class FakeBot:
    """Plays Rasa's agent: records each UserMessage and answers with canned messages, optionally slowly."""

    replies: list[dict[str, Any]] = field(default_factory=lambda: [{"text": "好的，已收到。"}])
    delay: float = 0.0
    received: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> list[str | None]:
        return [message.text for message in self.received]


# --- HTTP through ASGI ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    content_type: str


class AsgiClient:
    def __init__(self, app: Sanic) -> None:
        self._app = app

    async def request(
        self,
        method: str,
        path: str,
        query: str | dict[str, str] = "",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        query_string = query if isinstance(query, str) else urlencode(query)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query_string.encode(),
            "root_path": "",
            "headers": [(b"host", b"hotline.example.com")]
            + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
            "client": ("127.0.0.1", 40000),
            "server": ("hotline.example.com", 443),
        }
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop()
            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self._app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        headers_sent = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        body_sent = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Answer(start["status"], body_sent.decode(), headers_sent.get("content-type", ""))

    async def get(self, path: str, query: str | dict[str, str] = "") -> Answer:
        return await self.request("GET", path, query)

    async def post(
        self, path: str, body: bytes, query: str | dict[str, str] = "", headers: dict[str, str] | None = None
    ) -> Answer:
        return await self.request("POST", path, query, body, headers)


# Sanic rewrites its own code on the first start in a process and fails on the second; its test mode keeps the
# original code, as sanic-testing does.
Sanic.test_mode = True


@asynccontextmanager
async def serve(channels: InputChannel | list[InputChannel], bot: FakeBot) -> AsyncIterator[AsgiClient]:
    """The channels mounted as `rasa run` mounts them (under /webhooks/), with the fake bot as the agent."""
    app = Sanic(f"hotline_test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = bot
    register(channels if isinstance(channels, list) else [channels], app, "/webhooks/")
    lifespan_in: asyncio.Queue[Any] = asyncio.Queue()
    lifespan_out: asyncio.Queue[Any] = asyncio.Queue()
    # Sanic 21.12's app(...) runs the lifespan and then mistakes it for a request; drive the lifespan alone.
    app.asgi = True
    lifespan = asyncio.ensure_future(
        ASGIApp.create(
            app, {"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan_in.get, lifespan_out.put
        )
    )
    await lifespan_in.put({"type": "lifespan.startup"})
    assert (await lifespan_out.get())["type"] == "lifespan.startup.complete"
    try:
        yield AsgiClient(app)
    finally:
        await lifespan_in.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(lifespan, timeout=15)


async def eventually(check: Any, timeout: float = 3.0) -> None:
    """Wait until check() is true: for work the channel finishes after its response."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


# --- the platforms' outbound APIs ----------------------------------------------------------------------------


@dataclass
class FakeWeChatApi:
    """WeChat's token and customer-service endpoints; `errors` are errcodes for the next sends."""

    errors: list[int] = field(default_factory=list)
    tokens_issued: int = 0
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def get_json(self, url: str, params: Any) -> dict[str, Any]:
        assert url.endswith("/cgi-bin/token") and params["grant_type"] == "client_credential"
        self.tokens_issued += 1
        return {"access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200}

    async def post_json(self, url: str, params: Any, body: Any) -> dict[str, Any]:
        assert url.endswith("/cgi-bin/message/custom/send")
        if self.errors:
            return {"errcode": self.errors.pop(0), "errmsg": "refused by the fake"}
        self.sent.append((params["access_token"], dict(body)))
        return {"errcode": 0, "errmsg": "ok"}

    @property
    def contents(self) -> list[str]:
        return [body["text"]["content"] for _, body in self.sent]


@dataclass
class FakeSms:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, to: str, body: str, sender: str) -> None:
        self.sent.append((to, body, sender))
