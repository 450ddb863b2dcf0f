"""WeChat Official Account (微信公众号) channel: GET/POST /webhooks/wechat/webhook.

- GET: URL verification; POST: every message signed (403 otherwise), plain or safe mode (encrypt_type=aes).
  A signed request whose timestamp is further than HOTLINE_WECHAT_MAX_AGE_SECONDS from our clock is a replay
  and refused (403) before anything is read; so is a (timestamp, nonce) pair seen before with another body
  (the nonces are kept in the shared store). With WECHAT_AES_KEY set, a plaintext POST is refused (403): safe
  mode cannot be downgraded. A body above 64 KiB is refused (413) before it is parsed.
- text, voice (WeChat's speech recognition, `Recognition`; without it the user is asked to type), follow
  (welcome and menu), menu clicks (CLICK keys in texts.yml → intents).
- A device label's parametrised QR code (scene = the label's device token, bot/identity.py; `qrscene_…` on
  follow, the bare scene on SCAN): the device is kept for the user's next messages (`device_serial` in the
  metadata, as on the web chat) for `DEVICE_KEEP_SECONDS`; like any label it proves no hospital.
- The 5-second rule: the answer goes back passively when the bot is fast enough (all of the turn's messages
  merged into one reply); otherwise WeChat gets `success` at once and the answer follows as customer-service
  messages. A long answer is split: first part passively, the rest as customer-service messages.
- WeChat's retries of a message are answered once, with the same reply (exactly_once.py).
- Messages the bot sends on its own (trigger_intent with output_channel=wechat, reminders) go out as
  customer-service messages (proactive.py); WeChat accepts them within 48 hours of the user's last message.

The conversation is the user's openid; metadata {"openid": ...}.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.body import MAX_WEBHOOK_BYTES, capped_body
from bot.channels.bot_reply import BotReply, Choice
from bot.channels.choices import ChoiceMemory
from bot.channels.exactly_once import ReplyLedger
from bot.channels.secrets import Credentials, WeChatSecrets
from bot.channels.store import SharedStore, shared_store
from bot.channels.text_channel import OnNewMessage, PartsOutput, bot_turn, late_parts, send_parts
from bot.channels.texts import menu, say
from bot.channels.verification import verification_reply
from bot.channels.webhook_channel import WebhookChannel
from bot.db import session_scope
from bot.identity import identity_secret, read_device_token
from bot.installed_base import find_device
from bot.platforms.signatures import same, wechat_signature
from bot.platforms.splitting import wechat_parts
from bot.platforms.wechat_api import AccessTokenCache, AiohttpJson, CustomerService, JsonHttp
from bot.platforms.wechat_crypto import InvalidEncryptedMessage, WeChatCrypto
from bot.platforms.wechat_xml import UnreadableXml, encrypted_reply, parse_message, text_reply

logger = logging.getLogger(__name__)

Turn = Callable[[], Awaitable[list[str]]]

# Customer-service messages allowed: 5 after a text message, 3 within a minute of a menu click or a follow.
MAX_PARTS = 3
SCENE_PREFIX = "qrscene_"  # EventKey of a follow through a parametrised QR code
DEVICE_KEEP_SECONDS = 2 * 3600.0
SUCCESS = "success"  # tells WeChat "received, no passive reply": it stops retrying


class _Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _once_key(fields: dict[str, str]) -> str:
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    # Events carry no MsgId; they are told apart by sender and creation time.
    return f"event:{fields.get('FromUserName')}:{fields.get('CreateTime')}:{fields.get('Event')}"


def _parts(content: str) -> list[str]:
    return wechat_parts(content, MAX_PARTS, say("common.more_by_phone"))


class WeChatOutput(PartsOutput):
    """The bot's messages outside a passive reply, as customer-service messages (客服消息)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, service: CustomerService, choices: ChoiceMemory) -> None:
        super().__init__(choices, _parts)
        self._service = service

    async def send_part(self, recipient_id: str, part: str) -> None:
        await self._service.send_text(recipient_id, part)


class WeChatInput(WebhookChannel[WeChatSecrets]):
    channel = "wechat"
    title = "WeChat"
    needs = "WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET"

    @classmethod
    def configured(cls, credentials: Credentials) -> InputChannel:
        return cls(WeChatSecrets.load(credentials))

    def __init__(
        self,
        settings: WeChatSecrets | None,
        store: SharedStore | None = None,
        http: JsonHttp | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(settings)
        # Seconds since the epoch, as WeChat's timestamps; tests give a fixed clock.
        self._clock = clock
        store = store or shared_store()
        self._store = store
        self._ledger = ReplyLedger(store, "wechat")
        self._choices = ChoiceMemory(store, "wechat")
        self._crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.appid)
            if settings and settings.aes_key
            else None
        )
        http = http or AiohttpJson()
        self._service = (
            CustomerService(http, AccessTokenCache(http, store, settings.appid, settings.appsecret))
            if settings
            else None
        )

    def get_output_channel(self) -> OutputChannel | None:
        return WeChatOutput(self._service, self._choices) if self._service else None

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.settings is None:
                return self.not_configured()
            try:
                self._check_signed(request, self.settings)
            except _Rejected as rejected:
                logger.warning("WeChat verification refused (%s): %s", rejected.status, rejected)
                return response.text(str(rejected), status=rejected.status)
            return response.text(request.args.get("echostr", ""))

    async def receive(
        self, request: Request, settings: WeChatSecrets, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        try:
            fields = await self._read(request, settings)
        except _Rejected as rejected:
            logger.warning("WeChat request refused (%s): %s", rejected.status, rejected)
            return response.text(str(rejected), status=rejected.status)
        content = await self._answer(fields, on_new_message, settings)
        if content is None:
            return response.text(SUCCESS)
        reply = text_reply(fields["FromUserName"], fields.get("ToUserName", ""), int(self._clock()), content)
        if request.args.get("encrypt_type") == "aes" and self._crypto:
            reply = self._seal(reply, self._crypto, int(self._clock()))
        return response.text(reply, content_type="application/xml; charset=utf-8")

    def _check_signed(self, request: Request, settings: WeChatSecrets) -> None:
        """Refuse a request WeChat did not sign, or signed too long ago (a recorded request sent again)."""
        args = request.args
        timestamp = args.get("timestamp", "")
        expected = wechat_signature(settings.token, timestamp, args.get("nonce", ""))
        if not same(expected, args.get("signature")):
            raise _Rejected(403, "bad signature")
        # The timestamp is signed, so it cannot be moved forward without the token.
        if not timestamp.isdigit() or abs(self._clock() - int(timestamp)) > settings.max_age_seconds:
            raise _Rejected(
                403, f"timestamp {timestamp!r} is outside the {settings.max_age_seconds:g} s window"
            )

    async def _read(self, request: Request, settings: WeChatSecrets) -> dict[str, str]:
        """The message's fields, once its signatures are checked and it is decrypted.

        With an AES key set every message must come in safe mode: a plaintext body is covered by no signature,
        so accepting one would let anyone holding a signed URL post any message as any openid. A (timestamp,
        nonce) pair is accepted once, except for WeChat's own retry of the same body (answered once,
        exactly_once.py).
        """
        self._check_signed(request, settings)
        safe_mode = request.args.get("encrypt_type") == "aes"
        if self._crypto is not None and not safe_mode:
            raise _Rejected(403, "plaintext message refused: safe mode (WECHAT_AES_KEY) is configured")
        body = await capped_body(request)
        if body is None:
            raise _Rejected(413, f"body larger than {MAX_WEBHOOK_BYTES} bytes")
        await self._check_nonce(request, body, settings)
        try:
            fields = parse_message(body)
            if safe_mode:
                if self._crypto is None:
                    raise _Rejected(503, "safe-mode message but WECHAT_AES_KEY is not set")
                encrypted = fields.get("Encrypt", "")
                args = request.args
                if not self._crypto.signature_matches(
                    args.get("msg_signature"), args.get("timestamp", ""), args.get("nonce", ""), encrypted
                ):
                    raise _Rejected(403, "bad msg_signature")
                fields = parse_message(self._crypto.decrypt(encrypted).encode("utf-8"))
        except (UnreadableXml, InvalidEncryptedMessage) as error:
            raise _Rejected(400, str(error)) from error
        if not fields.get("FromUserName"):
            raise _Rejected(400, "no FromUserName")
        return fields

    async def _check_nonce(self, request: Request, body: bytes, settings: WeChatSecrets) -> None:
        args = request.args
        key = f"wechat:nonce:{args.get('timestamp', '')}:{args.get('nonce', '')}"
        digest = hashlib.sha256(body).hexdigest()
        # Kept past both ends of the timestamp window: after that the timestamp check refuses the request
        # anyway.
        first = await self._store.add(key, digest, 2 * settings.max_age_seconds + 60)
        if not first and await self._store.get(key) != digest:
            raise _Rejected(403, "nonce already used")

    async def _answer(
        self, fields: dict[str, str], on_new_message: OnNewMessage, settings: WeChatSecrets
    ) -> str | None:
        """The passive reply's content, or None for `success` (nothing to say now)."""
        turn = self._turn_for(fields, on_new_message)
        if turn is None:
            return None
        openid = fields["FromUserName"]
        outcome = await self._ledger.answer(
            _once_key(fields), turn, settings.reply_seconds, lambda: _parts(say("common.bot_error"))
        )
        if outcome.late is not None:
            self._background.start(self._send_late(openid, outcome.late))
        elif outcome.first_delivery and len(outcome.parts) > 1:
            self._background.start(self._send_by_service(openid, outcome.parts[1:]))
        return outcome.parts[0] if outcome.parts else None

    def _turn_for(self, fields: dict[str, str], on_new_message: OnNewMessage) -> Turn | None:
        kind = fields.get("MsgType", "")
        if kind == "text":
            return functools.partial(self._bot_turn, on_new_message, fields, fields.get("Content", ""))
        if kind == "voice":
            recognised = fields.get("Recognition", "").strip()
            if recognised:
                return functools.partial(self._bot_turn, on_new_message, fields, recognised)
            return functools.partial(self._fixed, say("wechat.voice_unrecognised"))
        if kind == "event":
            return self._event_turn(fields, on_new_message)
        return functools.partial(self._fixed, say("wechat.unsupported"))

    def _event_turn(self, fields: dict[str, str], on_new_message: OnNewMessage) -> Turn | None:
        event = fields.get("Event", "").lower()
        scene = _scene(event, fields.get("EventKey", ""))
        serial = read_device_token(identity_secret(), scene) if scene else None
        if serial is not None:
            return functools.partial(self._device_scanned, fields["FromUserName"], serial)
        if event == "subscribe":
            return functools.partial(self._welcome, fields["FromUserName"])
        if event == "click":
            key = fields.get("EventKey", "")
            item = next((item for item in menu() if item.wechat_key == key), None)
            if item is None:
                logger.warning("WeChat menu key %r is not in texts.yml; ignored", key)
                return None
            return functools.partial(self._bot_turn, on_new_message, fields, item.payload, typed=False)
        # unsubscribe, VIEW (a link in the menu), LOCATION, ...: nothing to answer
        return None

    async def _bot_turn(
        self, on_new_message: OnNewMessage, fields: dict[str, str], said: str, typed: bool = True
    ) -> list[str]:
        openid = fields["FromUserName"]
        verification = await verification_reply(self.name(), openid, said) if typed else None
        if verification is not None:
            return _parts(verification)
        return await bot_turn(
            on_new_message,
            said,
            sender=openid,
            choices=self._choices,
            split=_parts,
            later=self.get_output_channel(),
            input_channel=self.name(),
            message_id=fields.get("MsgId") or None,
            metadata=await self._metadata(openid),
            typed=typed,
        )

    async def _metadata(self, openid: str) -> dict[str, str]:
        serial = await self._store.get(_device_key(openid))
        return {"openid": openid, "device_serial": serial} if serial else {"openid": openid}

    async def _device_scanned(self, openid: str, serial: str) -> list[str]:
        device = await asyncio.to_thread(_model_of, serial)
        if device is None:
            return await self._welcome(openid)
        await self._store.put(_device_key(openid), serial, DEVICE_KEEP_SECONDS)
        return _parts(say("wechat.device_scanned", model=device, serial=serial))

    async def _welcome(self, openid: str) -> list[str]:
        reply = BotReply(texts=[say("wechat.welcome")], choices=[Choice.from_menu(item) for item in menu()])
        await self._choices.remember(openid, reply.choices)
        return _parts(reply.as_text())

    @staticmethod
    async def _fixed(content: str) -> list[str]:
        return _parts(content)

    async def _send_late(self, openid: str, late: Awaitable[list[str]]) -> None:
        await self._send_by_service(
            openid, await late_parts(late, lambda: _parts(say("common.bot_error")), openid)
        )

    async def _send_by_service(self, openid: str, parts: list[str]) -> None:
        service = self._service
        assert service is not None, "only a configured channel answers"
        await send_parts(
            parts,
            lambda part: service.send_text(openid, part),
            f"WeChat customer-service message to {openid}",
        )

    @staticmethod
    def _seal(reply: str, crypto: WeChatCrypto, now: int) -> str:
        timestamp, nonce = str(now), secrets.token_hex(8)
        encrypted = crypto.encrypt(reply)
        return encrypted_reply(encrypted, crypto.signature(timestamp, nonce, encrypted), timestamp, nonce)


def _scene(event: str, key: str) -> str | None:
    """The scene of a parametrised QR code: followed through it (`qrscene_<scene>`) or scanned (SCAN)."""
    if event == "subscribe" and key.startswith(SCENE_PREFIX):
        return key[len(SCENE_PREFIX) :]
    if event == "scan" and key:
        return key
    return None


def _device_key(openid: str) -> str:
    return f"wechat:device:{openid}"


def _model_of(serial: str) -> str | None:
    with session_scope() as session:
        device = find_device(session, serial)
        return device.model if device else None
