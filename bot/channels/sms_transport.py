"""Sending an SMS outside a webhook reply: Twilio, and a domestic provider for mainland numbers.

`sms_transport(...)` builds what the hotline uses: mainland numbers (+86) go through Alibaba Cloud SMS when it
is configured (aliyun_sms.py), every other number, and mainland ones without it, through Twilio's REST API.
"""

from __future__ import annotations

import logging
from typing import Protocol

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.aliyun_sms import MAINLAND_PREFIX, AliyunSms
from bot.channels.secrets import AliyunSmsSecrets, ChannelNotConfigured, Credentials, TwilioSecrets

logger = logging.getLogger(__name__)


class SmsTransport(Protocol):
    async def send(self, to: str, body: str, sender: str) -> None: ...


class SmsNotConfigured(Exception):
    """No provider can send to this number, or Twilio has no sender number."""


class TwilioRestSms:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        # No pooled session: it would be bound to whatever event loop exists when the channel is built.
        http = AsyncTwilioHttpClient(pool_connections=False, timeout=10)
        self._client = Client(account_sid, auth_token, http_client=http)

    async def send(self, to: str, body: str, sender: str) -> None:
        if not sender:
            raise SmsNotConfigured(
                f"no sender number for an SMS to {to} through Twilio: set TWILIO_SMS_NUMBER"
            )
        await self._client.messages.create_async(to=to, from_=sender, body=body)


class RoutedSms:
    """Picks the provider by the number: mainland numbers through the domestic one when there is one."""

    def __init__(
        self,
        international: SmsTransport | None,
        domestic: SmsTransport | None = None,
        domestic_prefix: str = MAINLAND_PREFIX,
    ) -> None:
        self._international = international
        self._domestic = domestic
        self._domestic_prefix = domestic_prefix

    def provider_for(self, to: str) -> SmsTransport:
        if self._domestic is not None and to.startswith(self._domestic_prefix):
            return self._domestic
        if self._international is None:
            raise SmsNotConfigured(
                f"no SMS provider for {to}: set the Twilio or the Alibaba Cloud SMS settings"
            )
        return self._international

    async def send(self, to: str, body: str, sender: str) -> None:
        await self.provider_for(to).send(to=to, body=body, sender=sender)


def sms_transport(twilio: TwilioSecrets | None, credentials: Credentials = None) -> RoutedSms:
    """The hotline's SMS transport from its settings (secrets from the environment, see secrets.py)."""
    try:
        aliyun = AliyunSmsSecrets.load(credentials)
    except ChannelNotConfigured as problem:
        # Half a configuration is an operator's slip: say so, and keep SMS working through Twilio.
        logger.error("%s", problem)
        aliyun = None
    return RoutedSms(
        international=TwilioRestSms(twilio.account_sid, twilio.auth_token) if twilio else None,
        domestic=AliyunSms(aliyun) if aliyun else None,
    )
