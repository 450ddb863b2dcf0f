"""How the outbox reaches people: SMS (bot/platforms/sms_transport.py: Alibaba Cloud for mainland numbers when
configured, Twilio otherwise) and WeChat customer-service messages.

A transport cuts a text into the parts its platform takes (bot/platforms/splitting.py's rules) and sends one
part. When a part is not accepted it raises
- CannotReach: this channel cannot reach the person now (WeChat's 48-hour window has closed, …); the outbox
  sends the text by SMS to the ticket's contact phone instead;
- PermanentFailure: trying again will not help (a number that cannot receive SMS); the message is dead at
once;
- anything else: a transient failure (network, timeout, the provider's 5xx, a rate limit), tried again later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Protocol

from bot.channels.secrets import AliyunSmsSecrets, ChannelNotConfigured, TwilioSecrets, WeChatSecrets
from bot.channels.store import SharedStore, shared_store
from bot.channels.texts import say
from bot.db.models import Ticket
from bot.intake import normalise_phone
from bot.platforms.sms_transport import SmsTransport, sms_transport
from bot.platforms.splitting import sms_parts, wechat_parts
from bot.platforms.wechat_api import AccessTokenCache, AiohttpJson, CustomerService, WeChatApiError

logger = logging.getLogger(__name__)

SMS = "sms"
WECHAT = "wechat"
CHANNELS = (SMS, WECHAT)

# Provider codes that say this number cannot get this SMS, whenever we try (Twilio's are integers, Alibaba
# Cloud's strings); every other refusal is tried again.
PERMANENT_SMS_CODES: dict[int | str, str] = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21408: "no permission to send to that region",
    21610: "the recipient has replied STOP",
    21612: "no route to that number",
    21614: "not a mobile number",
    "isv.MOBILE_NUMBER_ILLEGAL": "invalid mobile number",
}
# WeChat errors after which customer-service messages cannot reach this person for now; an SMS still can.
WECHAT_UNREACHABLE = {
    45015: "more than 48 hours since the user's last message",
    45047: "no more messages allowed for the user's last message",
    43004: "the user does not follow the account",
    40003: "not an openid of this account",
    48001: "the account has no customer-service message permission",
}


class CannotReach(Exception):
    """This channel cannot reach the recipient now; another channel may."""


class PermanentFailure(Exception):
    """The provider refused the message for good."""


class Transport(Protocol):
    def parts(self, text: str) -> list[str]: ...

    async def send(self, recipient: str, part: str) -> None: ...


def sms_number(phone: str) -> str | None:
    """The number in the E.164 form SMS providers take: +8613912345678; None for a landline or no number."""
    compact = re.sub(r"[\s\-()（）]", "", phone)
    if re.fullmatch(r"\+\d{8,15}", compact):
        return compact
    normal = normalise_phone(phone)
    if normal and re.fullmatch(r"1\d{10}", normal):
        return f"+86{normal}"
    return None


def sms_contact_phone(ticket: Ticket) -> str | None:
    """The ticket's contact phone as an SMS destination (+86 mobile), only when it passed validation at
    intake: what a caller said after failed validations is flagged `phone_unverified` and never gets an
    SMS."""
    if "phone_unverified" in (ticket.flags or []):
        return None
    normal = normalise_phone(ticket.contact_phone or "")
    return f"+86{normal}" if normal and re.fullmatch(r"1\d{10}", normal) else None


def _sms_part_number(index: int, total: int) -> str:
    return say("sms.part_number", index=str(index), total=str(total))


class SmsOutbound:
    """SMS from the hotline's own number through an SmsTransport."""

    def __init__(self, transport: SmsTransport, sender: str, max_parts: int) -> None:
        self._transport = transport
        self._sender = sender
        self._max_parts = max_parts

    def parts(self, text: str) -> list[str]:
        return sms_parts(text, self._max_parts, say("common.more_by_phone"), _sms_part_number)

    async def send(self, recipient: str, part: str) -> None:
        try:
            await self._transport.send(to=recipient, body=part, sender=self._sender)
        except Exception as error:
            meaning = PERMANENT_SMS_CODES.get(getattr(error, "code", None) or "")
            if meaning:
                raise PermanentFailure(f"SMS refused: {meaning} ({error})") from error
            raise


class WeChatOutbound:
    """WeChat customer-service text messages (客服消息) to an openid."""

    def __init__(self, service: CustomerService, max_parts: int) -> None:
        self._service = service
        self._max_parts = max_parts

    def parts(self, text: str) -> list[str]:
        return wechat_parts(text, self._max_parts, say("common.more_by_phone"))

    async def send(self, recipient: str, part: str) -> None:
        try:
            await self._service.send_text(recipient, part)
        except WeChatApiError as error:
            if error.errcode in WECHAT_UNREACHABLE:
                raise CannotReach(str(error)) from error
            raise


def _sms_outbound(max_parts: int) -> SmsOutbound | None:
    """Mainland numbers through the domestic provider when it is set, the others through Twilio."""
    twilio: TwilioSecrets | None = None
    problem: ChannelNotConfigured | None = None
    try:
        twilio = TwilioSecrets.load(None, "Twilio SMS")
    except ChannelNotConfigured as missing:
        problem = missing
    if twilio is not None and not twilio.sms_number:
        problem = ChannelNotConfigured("Twilio SMS", ["TWILIO_SMS_NUMBER"])
    try:
        domestic = AliyunSmsSecrets.load(None)
    except ChannelNotConfigured:
        domestic = None  # sms_transport logs a half-set configuration
    if problem is not None and domestic is None:
        logger.warning(
            "SMS messages wait in the outbox until SMS is configured: %s (or set the Alibaba Cloud "
            "SMS settings for mainland numbers)",
            problem,
        )
        return None
    return SmsOutbound(sms_transport(twilio), twilio.sms_number if twilio else "", max_parts)


def build_transports(max_parts: Mapping[str, int], store: SharedStore | None = None) -> dict[str, Transport]:
    """The transports whose credentials are set (bot/channels/secrets.py); the others' messages wait.

    Build them inside the event loop that will use them. The WeChat access token lives in the shared store:
    with several processes (bot and worker) set HOTLINE_REDIS_URL, or each fetches its own and they take
    turns invalidating each other's.
    """
    transports: dict[str, Transport] = {}
    sms = _sms_outbound(max_parts[SMS])
    if sms is not None:
        transports[SMS] = sms
    try:
        wechat = WeChatSecrets.load(None)
    except ChannelNotConfigured as problem:
        logger.warning("WeChat messages wait in the outbox until WeChat is configured: %s", problem)
    else:
        http = AiohttpJson()
        tokens = AccessTokenCache(http, store or shared_store(), wechat.appid, wechat.appsecret)
        transports[WECHAT] = WeChatOutbound(CustomerService(http, tokens), max_parts[WECHAT])
    return transports
