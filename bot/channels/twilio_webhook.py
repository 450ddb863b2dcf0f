"""What the Twilio SMS and voice webhooks share: the signature check over the raw form body, and TwiML."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.body import MAX_WEBHOOK_BYTES, capped_body
from bot.channels.secrets import TwilioSecrets
from bot.platforms.signatures import same, twilio_signature

logger = logging.getLogger(__name__)


def public_url(settings: TwilioSecrets, request: Request) -> str:
    """The URL Twilio called, as Twilio saw it: the public base (behind any proxy) plus path and query."""
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{settings.public_url}{request.path}{query}"


def signed_form(settings: TwilioSecrets, request: Request, body: bytes) -> dict[str, str] | None:
    """The POST parameters when the X-Twilio-Signature is right, else None.

    Sanic's request.form drops blank parameters, which Twilio signs too; so the raw body is parsed here.
    """
    if not request.headers.get("X-Twilio-Signature"):
        return None  # nothing to check against: refused before the body is parsed
    params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    expected = twilio_signature(settings.auth_token, public_url(settings, request), params)
    if not same(expected, request.headers.get("X-Twilio-Signature")):
        logger.warning("Twilio request to %s refused: bad or missing X-Twilio-Signature", request.path)
        return None
    return dict(params)


async def checked_form(settings: TwilioSecrets, request: Request) -> dict[str, str] | HTTPResponse:
    """The signed POST parameters, or the refusal to send back: 413 a body above 64 KiB (not read further, not
    parsed), 403 bad signature. The route must be declared with `stream=True`.
    """
    body = await capped_body(request)
    if body is None:
        logger.warning(
            "Twilio request to %s refused: body larger than %d bytes", request.path, MAX_WEBHOOK_BYTES
        )
        return response.text("request body too large", status=413)
    form = signed_form(settings, request, body)
    if form is None:
        return response.text("bad signature", status=403)
    return form


def twiml(document: object) -> HTTPResponse:
    return response.text(str(document), content_type="text/xml; charset=utf-8")
