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
from urllib.parse import parse_qsl, quote_plus, urlencode

from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from sanic.asgi import ASGIApp

# --- the platforms' published algorithms, written out again -------------------------------------------------


def wechat_sign(*values: str) -> str:
    return hashlib.sha1("".join(sorted(values)).encode()).hexdigest()


def twilio_sign(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def aliyun_sign(access_key_secret: str, method: str, params: dict[str, str]) -> str:
    """Alibaba Cloud's RPC signature 1.0 as its documentation spells it: URL-encode, then %20 for +, %2A for
    *, ~ for %7E; sort; StringToSign = METHOD&%2F&encode(query); HMAC-SHA1 with secret + "&"; base64."""

    def special(value: str) -> str:
        return quote_plus(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    query = "&".join(special(k) + "=" + special(params[k]) for k in sorted(params))
    to_sign = method + "&" + special("/") + "&" + special(query)
    return base64.b64encode(
        hmac.new((access_key_secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


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


# --- the bot
# -------------------------------------------------------------------------------------------------


@dataclass
class FakeBot:
    """Plays Rasa's agent: records each UserMessage and answers with canned messages, optionally slowly.

    It also serves Rasa's own HTTP API (rasa.server.create_app) for trigger_intent: the intents triggered are
    in `triggered`, answered with `replies` through the output channel Rasa's server picked.
    """

    replies: list[dict[str, Any]] = field(default_factory=lambda: [{"text": "好的，已收到。"}])
    delay: float = 0.0
    received: list[UserMessage] = field(default_factory=list)
    triggered: list[tuple[str, str]] = field(default_factory=list)
    intents: list[str] = field(default_factory=lambda: ["remind_engineer_eta"])

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> list[str | None]:
        return [message.text for message in self.received]

    # --- what rasa.server's trigger_intent endpoint uses of the agent ---

    def is_ready(self) -> bool:
        return True

    @property
    def lock_store(self) -> InMemoryLockStore:
        return InMemoryLockStore()

    @property
    def processor(self) -> FakeBot:
        return self

    @property
    def domain(self) -> FakeBot:
        return self

    async def fetch_tracker_and_update_session(self, sender_id: str, *_: Any) -> DialogueStateTracker:
        return DialogueStateTracker(sender_id, slots=[])

    async def trigger_intent(
        self, intent_name: str, entities: Any, output_channel: OutputChannel, tracker: DialogueStateTracker
    ) -> None:
        self.triggered.append((tracker.sender_id, intent_name))
        for reply in self.replies:
            await output_channel.send_response(tracker.sender_id, dict(reply))


# --- HTTP through ASGI
# ---------------------------------------------------------------------------------------


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
async def serve(
    channels: InputChannel | list[InputChannel], bot: FakeBot, app: Sanic | None = None
) -> AsyncIterator[AsgiClient]:
    """The channels mounted as `rasa run` mounts them (under /webhooks/), with the fake bot as the agent.

    `app`: Rasa's own server app (rasa.server.create_app) to mount them on, for its HTTP API.
    """
    app = app or Sanic(f"hotline_test_{uuid.uuid4().hex}", configure_logging=False)
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


# --- the platforms' outbound APIs
# ----------------------------------------------------------------------------


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
class FakeAliyunSms:
    """dysmsapi.aliyuncs.com on 127.0.0.1: checks each SendSms request's signature the documented way.

    `answers` are the JSON bodies (or, as str, raw text with status 502) for the next requests; then "OK".
    """

    access_key_secret: str
    answers: list[dict[str, str] | str] = field(default_factory=list)
    accepted: list[dict[str, str]] = field(default_factory=list)
    badly_signed: int = 0
    url: str = ""

    async def _send_sms(self, request: web.Request) -> web.Response:
        params = dict(parse_qsl((await request.read()).decode(), keep_blank_values=True))
        signature = params.pop("Signature", "")
        if signature != aliyun_sign(self.access_key_secret, request.method, params):
            self.badly_signed += 1
            return web.json_response(
                {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, status=400
            )
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, str):
                return web.Response(text=answer, status=502, content_type="text/html")
            return web.json_response(answer, status=200 if answer.get("Code") == "OK" else 400)
        self.accepted.append(params)
        return web.json_response(
            {"Code": "OK", "Message": "OK", "BizId": f"BIZ{len(self.accepted)}", "RequestId": "R"}
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeAliyunSms]:
        app = web.Application()
        app.add_routes([web.post("/", self._send_sms)])
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield self
        finally:
            await runner.cleanup()
