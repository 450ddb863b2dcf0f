"""What every platform channel (WeChat, Twilio SMS, Twilio voice) shares, so that each channel's module
holds only its own protocol:

- built from its secrets (`configured`); when some are missing it still starts, unconfigured: the error is
  logged once and every webhook request is answered 503 (`not_configured`), since without the secrets it
  cannot check that a request really comes from the platform;
- `GET /` answers health checks; `POST /webhook` is refused 503 while unconfigured, else it is the channel's
  `receive` (its body streamed, so that it can be capped before it is read);
- answers still being sent when the server stops (late answers, call-backs) are waited for.

The checks of every message (body cap and signature: twilio_webhook.py, wechat.py; `/intent` text
neutralised: user_text.py; identity: verification.py; rate limits: limits.MessageLimits) stay in the modules
named.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.exactly_once import Background
from bot.channels.secrets import ChannelNotConfigured, Credentials
from bot.channels.text_channel import OnNewMessage

logger = logging.getLogger(__name__)

Secrets = TypeVar("Secrets")


class WebhookChannel(InputChannel, ABC, Generic[Secrets]):
    # Its name in Rasa (and URL: /webhooks/<channel>/webhook), what the log calls it, and the variables it
    # cannot check requests without.
    channel: str
    title: str
    needs: str

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(self, settings: Secrets | None) -> None:
        self.settings = settings
        self._background = Background()

    @classmethod
    @abstractmethod
    def configured(cls, credentials: Credentials) -> InputChannel:
        """The channel with its secrets; ChannelNotConfigured when some are missing."""

    @classmethod
    def from_credentials(cls, credentials: Credentials) -> InputChannel:
        try:
            return cls.configured(credentials)
        except ChannelNotConfigured as problem:
            logger.error("%s", problem)
            return cls(None)

    @abstractmethod
    async def receive(
        self, request: Request, settings: Secrets, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        """The answer to one POST of the platform to the webhook (its body not read yet: `capped_body`)."""

    def add_routes(self, webhook: Blueprint) -> None:
        """Routes of the channel's own besides the POST webhook (WeChat's URL verification)."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", type(self).__module__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "not configured"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if self.settings is None:
                return self.not_configured()
            return await self.receive(request, self.settings, on_new_message)

        self.add_routes(webhook)

        @webhook.listener("before_server_stop")
        async def finish_late_answers(*_: Any) -> None:
            await self._background.wait(timeout=10)

        return webhook

    def not_configured(self) -> HTTPResponse:
        logger.error(
            "%s request refused with 503: the channel is not configured; set %s (see"
            " bot/channels/secrets.py)",
            self.title,
            self.needs,
        )
        return response.text("channel not configured", status=503)
