"""Phone calls through Twilio Voice: POST /webhooks/twilio_voice/webhook, entirely in Mandarin.

- Signature checked as for SMS. A call is its own conversation (CallSid); the caller's number goes along as
  metadata {"phone": ..., "hotline_number": ..., "call_sid": ...} for the contact phone and later look-ups.
- Greeting and keypad menu (texts.yml: 1 报修, 2 查询工单, 3 咨询, 0 人工服务 → intents), then <Gather> for
  speech or keys with Mandarin recognition and hints from the device catalogue. Buttons the bot sends are
  read out as "…请按1" and answered by key. Serial and phone numbers are read back one character at a time.
- Silence: once → say so and ask again; twice → tell the caller we will call back, ask the bot to record a
  call-back (intent `request_callback`), hang up politely.
- The bot may end the call with a custom payload {"hangup": true} or hand it over with {"dial": "+86…"} (the
  duty desk in office hours); when nobody answers there, Twilio comes back to `?dialed=1` and the caller is
  promised a call-back, which the bot registers (request_callback).
- A slow bot: Twilio drops a webhook after 15 s. Past HOTLINE_VOICE_REPLY_SECONDS the caller hears 「请稍候」
  and Twilio is redirected to `?wait=1`, which waits as long again for the turn (still running, its answer
  kept in the shared store by CallSid); still not done → 「请稍候」 and `?wait=2`…, and after
  HOTLINE_VOICE_HOLD_TRIES an apology, a call-back request (as after silence) and a polite goodbye. Redirects
  are signed like any request.
- Replays: every URL given to Twilio carries a random `step`; a (CallSid, step) seen before is refused (409),
  so a recorded request cannot run a turn again. Bodies above 64 KiB are refused (413) before parsing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.catalogue import Catalogue, current_catalogue
from bot.channels.bot_reply import BotReply, Choice
from bot.channels.choices import ChoiceMemory
from bot.channels.secrets import Credentials, TwilioSecrets
from bot.channels.store import SharedStore, shared_store
from bot.channels.texts import menu, say, text_list
from bot.channels.twilio_webhook import checked_form, twiml
from bot.channels.user_text import caller_text
from bot.channels.webhook_channel import WebhookChannel

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

SAY_LANGUAGE = "cmn-CN"  # Mandarin text-to-speech (Amazon Polly's code, e.g. for Polly.Zhiyu)
LISTEN_LANGUAGE = "cmn-Hans-CN"  # Mandarin speech recognition, simplified characters
CALLBACK_PAYLOAD = "/request_callback"
SILENT_TRIES = 2
_PROMPT_KEEP_SECONDS = 2 * 3600
_STILL_RUNNING = "\x00running"
_POLL_SECONDS = 0.05
# Letters and digits that form a code: a serial number, ticket number, model or phone number.
_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9](?![A-Za-z0-9])")


def read_codes_aloud(sentence: str) -> str:
    """Serial, ticket and phone numbers spelled out character by character; plain quantities stay as they
    are."""
    names = text_list("voice.digit_names")

    def spell(match: re.Match[str]) -> str:
        code = match.group(0)
        digits = sum(char.isdigit() for char in code)
        if not digits or (digits < 5 and not any(char.isalpha() for char in code)):
            return code  # "48小时", "2024年"
        spoken = [names[int(char)] if char.isdigit() else char.upper() for char in code if char != "-"]
        return " " + " ".join(spoken) + " "

    return _CODE.sub(spell, sentence).strip()


def speech_hints(catalogue: Catalogue) -> str:
    """Words the recogniser should expect: menu words, device names, aliases, brands and models."""
    words = text_list("voice.hints")
    for device_type in catalogue.types:
        words += [device_type.name, *device_type.aliases]
        words += [word for model in device_type.models for word in (model.brand, model.model)]
    # Twilio accepts up to 500 hints of up to 100 characters each.
    unique = dict.fromkeys(word.strip() for word in words if word.strip() and len(word) <= 100)
    return ", ".join(list(unique)[:500])


def _prompt_key(call: str) -> str:
    return f"twilio_voice:prompt:{call}"


def _late_answer_key(call: str) -> str:
    return f"twilio_voice:late:{call}"


def _step_url(settings: TwilioSecrets, request: Request, **params: int) -> str:
    """Our webhook's public URL for Twilio's next request, with a fresh `step` (see `_first_time`)."""
    return f"{settings.public_url}{request.path}?{urlencode({**params, 'step': secrets.token_urlsafe(9)})}"


def _one_key(choices: list[Choice]) -> bool:
    """Choices all on single keys: the caller's first key press is the answer."""
    return bool(choices) and all(len(choice.key) == 1 for choice in choices)


def _choices_sentence(choices: list[Choice]) -> str:
    return "，".join(say("voice.choice", label=choice.label, digit=choice.key) for choice in choices) + "。"


class TwilioVoiceInput(WebhookChannel[TwilioSecrets]):
    channel = "twilio_voice"
    title = "Twilio voice"
    needs = "TWILIO_AUTH_TOKEN and HOTLINE_PUBLIC_URL"

    @classmethod
    def configured(cls, credentials: Credentials) -> InputChannel:
        return cls(TwilioSecrets.load(credentials, cls.title, need_account_sid=False))

    def __init__(
        self,
        settings: TwilioSecrets | None,
        store: SharedStore | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        super().__init__(settings)
        self._store = store or shared_store()
        self._choices = ChoiceMemory(self._store, "twilio_voice")
        self._hints = speech_hints(catalogue or current_catalogue())

    async def receive(
        self, request: Request, settings: TwilioSecrets, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        form = await checked_form(settings, request)
        if isinstance(form, HTTPResponse):
            return form
        if not form.get("CallSid"):
            return response.text("CallSid is required", status=400)
        if not await self._first_time(form["CallSid"], request.args.get("step", "start")):
            logger.warning("call %s: a request replayed (step seen before) refused", form["CallSid"])
            return response.text("request already handled", status=409)
        return twiml(await self._next_step(request, form, on_new_message, settings))

    async def _first_time(self, call: str, step: str) -> bool:
        """Twilio's requests carry no timestamp, so a recorded one would be accepted again: every URL we give
        Twilio has its own random `step` (signed with the URL), and each (CallSid, step) is accepted once."""
        return await self._store.add(f"twilio_voice:step:{call}:{step}", "1", _PROMPT_KEEP_SECONDS)

    async def _next_step(
        self, request: Request, form: dict[str, str], on_new_message: OnNewMessage, settings: TwilioSecrets
    ) -> VoiceResponse:
        call = form["CallSid"]
        if request.args.get("dialed"):  # Twilio back from <Dial>: the other side hung up, or never answered
            if form.get("DialCallStatus") == "completed":
                document = VoiceResponse()
                document.hangup()
                return document
            return self._goodbye_with_callback(
                form, on_new_message, "voice.desk_unanswered", "duty_desk_unanswered", settings
            )
        waited = request.args.get("wait", "")
        if waited.isdigit():  # Twilio back after 「请稍候」
            return await self._late_answer(request, form, int(waited), on_new_message, settings)
        heard, pressed = form.get("SpeechResult", "").strip(), form.get("Digits", "").strip()
        if heard or pressed:
            resolved = await self._choices.resolve(call, pressed) if pressed else None
            said = resolved or pressed or caller_text(heard)
            turn = asyncio.ensure_future(self._bot_turn(said, form, on_new_message))
            try:
                # shield: at the deadline stop waiting, not the turn.
                reply = await asyncio.wait_for(asyncio.shield(turn), settings.voice_reply_seconds)
            except asyncio.TimeoutError:
                await self._store.put(_late_answer_key(call), _STILL_RUNNING, _PROMPT_KEEP_SECONDS)
                self._background.start(self._keep_late_answer(call, turn))
                return self._hold(request, 1, settings)
            return await self._answer(request, call, reply, settings)

        silence = request.args.get("silence", "")
        if not silence.isdigit():  # Twilio's first request of the call
            choices = [Choice.from_menu(item) for item in menu()]
            prompt = _choices_sentence(choices) + say("voice.menu_tail")
            await self._remember(call, prompt, choices)
            return self._listen(request, [say("voice.greeting"), prompt], _one_key(choices), 0, settings)
        if int(silence) >= SILENT_TRIES:
            return self._goodbye_with_callback(form, on_new_message, "voice.callback", "no_input", settings)
        # Repeat the last question; the keys offered with it keep their meaning (ChoiceMemory).
        last = json.loads(await self._store.get(_prompt_key(call)) or '{"say": "", "one_key": false}')
        spoken = [say("voice.no_input"), last["say"]] if last["say"] else [say("voice.no_input")]
        return self._listen(request, spoken, bool(last["one_key"]), int(silence), settings)

    async def _bot_turn(self, said: str, form: dict[str, str], on_new_message: OnNewMessage) -> BotReply:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(self._message(said, collector, form))
        except Exception:
            logger.exception("the bot failed on call %s", form["CallSid"])
            return BotReply(texts=[say("common.bot_error")])
        return BotReply.from_messages(collector.messages)

    async def _keep_late_answer(self, call: str, turn: asyncio.Future[BotReply]) -> None:
        await self._store.put(_late_answer_key(call), (await turn).to_json(), _PROMPT_KEEP_SECONDS)

    async def _late_answer(
        self,
        request: Request,
        form: dict[str, str],
        waited: int,
        on_new_message: OnNewMessage,
        settings: TwilioSecrets,
    ) -> VoiceResponse:
        """The answer of a turn that outlasted its webhook, once it is there; else wait again, or
        apologise."""
        call = form["CallSid"]
        key = _late_answer_key(call)
        deadline = asyncio.get_running_loop().time() + settings.voice_reply_seconds
        kept = await self._store.get(key)
        while kept == _STILL_RUNNING and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
            kept = await self._store.get(key)
        if kept is not None and kept != _STILL_RUNNING:
            await self._store.delete(key)
            return await self._answer(request, call, BotReply.from_json(kept), settings)
        if kept == _STILL_RUNNING and waited < settings.voice_hold_tries:
            return self._hold(request, waited + 1, settings)
        # Waited long enough, or the turn is lost (its process stopped): a person calls back.
        logger.error("call %s: no answer from the bot after %d waits; a call-back is requested", call, waited)
        return self._goodbye_with_callback(form, on_new_message, "voice.too_slow", "slow_answer", settings)

    def _hold(self, request: Request, waited: int, settings: TwilioSecrets) -> VoiceResponse:
        document = VoiceResponse()
        document.say(say("voice.please_wait"), voice=settings.voice, language=SAY_LANGUAGE)
        document.redirect(_step_url(settings, request, wait=waited), method="POST")
        return document

    def _goodbye_with_callback(
        self,
        form: dict[str, str],
        on_new_message: OnNewMessage,
        goodbye: str,
        reason: str,
        settings: TwilioSecrets,
    ) -> VoiceResponse:
        self._background.start(self._request_callback(form, on_new_message, reason))
        document = VoiceResponse()
        document.say(say(goodbye), voice=settings.voice, language=SAY_LANGUAGE)
        document.hangup()
        return document

    def _message(
        self, said: str, collector: CollectingOutputChannel, form: dict[str, str], **extra: str
    ) -> UserMessage:
        return UserMessage(
            said,
            collector,
            form["CallSid"],
            input_channel=self.name(),
            metadata={
                "phone": form.get("From", ""),
                "hotline_number": form.get("To", ""),
                "call_sid": form["CallSid"],
                **extra,
            },
        )

    async def _answer(
        self, request: Request, call: str, reply: BotReply, settings: TwilioSecrets
    ) -> VoiceResponse:
        spoken = [read_codes_aloud(said) for said in reply.texts if said.strip()]
        offer = [_choices_sentence(reply.choices)] if reply.choices else []
        ending = {key: value for custom in reply.custom for key, value in custom.items()}
        if ending.get("hangup") or ending.get("dial"):
            document = VoiceResponse()
            for sentence in spoken + offer:
                document.say(sentence, voice=settings.voice, language=SAY_LANGUAGE)
            if ending.get("dial"):
                # Twilio comes back to `?dialed=1` when the call there ends, or nobody answered.
                back = _step_url(settings, request, dialed=1)
                document.dial(str(ending["dial"]), action=back, method="POST")
            else:
                document.hangup()
            return document
        # Repeated after a silence: the last thing said, with the keys offered.
        await self._remember(call, "".join(spoken[-1:] + offer), reply.choices)
        return self._listen(request, spoken + offer, _one_key(reply.choices), 0, settings)

    async def _remember(self, call: str, prompt: str, choices: list[Choice]) -> None:
        """What to repeat if the caller says nothing, and what each key means now."""
        last = {"say": prompt, "one_key": _one_key(choices)}
        await self._store.put(_prompt_key(call), json.dumps(last, ensure_ascii=False), _PROMPT_KEEP_SECONDS)
        await self._choices.remember(call, choices)

    def _listen(
        self, request: Request, spoken: list[str], one_key: bool, silence: int, settings: TwilioSecrets
    ) -> VoiceResponse:
        """Say the sentences while listening for speech or keys; if nothing comes, count one more silence."""
        # A menu answers on the first key; otherwise keys (a serial number) end with #.
        keys: dict[str, Any] = {"num_digits": 1} if one_key else {"finish_on_key": "#"}
        gather = Gather(
            input="speech dtmf",
            language=LISTEN_LANGUAGE,
            hints=self._hints,
            action=_step_url(settings, request),
            method="POST",
            timeout=6,
            speech_timeout=2,
            **keys,
        )
        for sentence in spoken:
            gather.say(sentence, voice=settings.voice, language=SAY_LANGUAGE)
        document = VoiceResponse()
        document.append(gather)
        document.redirect(_step_url(settings, request, silence=silence + 1), method="POST")
        return document

    async def _request_callback(
        self, form: dict[str, str], on_new_message: OnNewMessage, reason: str
    ) -> None:
        await on_new_message(self._message(CALLBACK_PAYLOAD, CollectingOutputChannel(), form, reason=reason))
