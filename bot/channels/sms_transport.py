"""Sending an SMS outside a webhook reply. Twilio today; a domestic provider for mainland numbers can be
another class with the same `send`."""

from __future__ import annotations

from typing import Protocol

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client


class SmsTransport(Protocol):
    async def send(self, to: str, body: str, sender: str) -> None: ...


class TwilioRestSms:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        # No pooled session: it would be bound to whatever event loop exists when the channel is built.
        http = AsyncTwilioHttpClient(pool_connections=False, timeout=10)
        self._client = Client(account_sid, auth_token, http_client=http)

    async def send(self, to: str, body: str, sender: str) -> None:
        await self._client.messages.create_async(to=to, from_=sender, body=body)
