"""SMS through Twilio: POST /webhooks/twilio_sms/webhook.

- Every request's X-Twilio-Signature is checked over HOTLINE_PUBLIC_URL + path and the raw form body (403
  otherwise, nothing processed); a MessageSid is handled once, repeats get the same reply.
- The answer is TwiML: one <Message> per SMS, sized for Chinese (70 characters, or 67 per part), cut at
  sentence ends, numbered 「(1/3)」 when there are several, a few at most, never an empty one. An SMS
  without text gets a polite answer, not a 500.
- A bot slower than Twilio's 15-second limit: the webhook answers with no message and the answer follows
  through the SMS transport (sms_transport.py: Twilio's REST API, or the domestic provider for +86 numbers).
- Messages the bot sends on its own (trigger_intent with output_channel=twilio_sms, reminders) go through the
  same transport (proactive.py), from TWILIO_SMS_NUMBER.

The conversation is the sender's phone number; metadata {"phone": sender, "hotline_number": our number}.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.choices import ChoiceMemory
from bot.channels.exactly_once import ReplyLedger
from bot.channels.secrets import Credentials, TwilioSecrets
from bot.channels.store import SharedStore, shared_store
from bot.channels.text_channel import OnNewMessage, PartsOutput, bot_turn, late_parts, send_parts
from bot.channels.texts import say
from bot.channels.twilio_webhook import checked_form, twiml
from bot.channels.webhook_channel import WebhookChannel
from bot.platforms.sms_transport import SmsTransport, sms_transport
from bot.platforms.splitting import sms_parts

logger = logging.getLogger(__name__)

MAX_PARTS = 5


def part_number(index: int, total: int) -> str:
    return say("sms.part_number", index=str(index), total=str(total))


def _parts(content: str) -> list[str]:
    return sms_parts(content, MAX_PARTS, say("common.more_by_phone"), part_number)


class SmsOutput(PartsOutput):
    """The bot's messages outside a webhook reply, as SMS from `sender` (our number)."""

    @classmethod
    def name(cls) -> str:
        return "twilio_sms"

    def __init__(self, transport: SmsTransport, sender: str, choices: ChoiceMemory) -> None:
        super().__init__(choices, _parts)
        self._transport = transport
        self._sender = sender

    async def send_part(self, recipient_id: str, part: str) -> None:
        await self._transport.send(to=recipient_id, body=part, sender=self._sender)


class TwilioSmsInput(WebhookChannel[TwilioSecrets]):
    channel = "twilio_sms"
    title = "Twilio SMS"
    needs = "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and HOTLINE_PUBLIC_URL"

    @classmethod
    def configured(cls, credentials: Credentials) -> InputChannel:
        settings = TwilioSecrets.load(credentials, cls.title)
        return cls(settings, transport=sms_transport(settings, credentials))

    def __init__(
        self,
        settings: TwilioSecrets | None,
        store: SharedStore | None = None,
        transport: SmsTransport | None = None,
    ) -> None:
        super().__init__(settings)
        store = store or shared_store()
        self._ledger = ReplyLedger(store, "twilio_sms")
        self._choices = ChoiceMemory(store, "twilio_sms")
        self._transport = transport or (sms_transport(settings) if settings else None)

    def get_output_channel(self) -> OutputChannel | None:
        if self.settings is None or self._transport is None:
            return None
        return SmsOutput(self._transport, self.settings.sms_number, self._choices)

    async def receive(
        self, request: Request, settings: TwilioSecrets, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        form = await checked_form(settings, request)
        if isinstance(form, HTTPResponse):
            return form
        sender, message_sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsSid", "")
        if not sender or not message_sid:
            return response.text("From and MessageSid are required", status=400)
        outcome = await self._ledger.answer(
            message_sid,
            functools.partial(self._turn, on_new_message, form),
            settings.reply_seconds,
            lambda: _parts(say("common.bot_error")),
        )
        if outcome.late is not None:
            self._background.start(self._send_late(sender, form.get("To", ""), outcome.late))
        document = MessagingResponse()
        for part in outcome.parts:
            document.message(part)
        return twiml(document)

    async def _turn(self, on_new_message: OnNewMessage, form: dict[str, str]) -> list[str]:
        sender, body = form["From"], form.get("Body", "").strip()
        if not body:
            media = form.get("NumMedia", "0") not in ("", "0")
            return _parts(say("sms.media_only" if media else "sms.empty_body"))
        return await bot_turn(
            on_new_message,
            body,
            sender=sender,
            choices=self._choices,
            split=_parts,
            # Later messages of this conversation (a reminder) come from the number the user wrote to.
            later=SmsOutput(self._transport, form.get("To", ""), self._choices) if self._transport else None,
            input_channel=self.name(),
            message_id=form.get("MessageSid") or None,
            metadata={"phone": sender, "hotline_number": form.get("To", "")},
        )

    async def _send_late(self, to: str, hotline_number: str, late: Awaitable[list[str]]) -> None:
        parts = await late_parts(late, lambda: _parts(say("common.bot_error")), to)
        transport = self._transport
        assert transport is not None, "only a configured channel answers"
        await send_parts(
            parts, lambda part: transport.send(to=to, body=part, sender=hotline_number), f"SMS to {to}"
        )
