"""Request signatures of WeChat and Twilio: proof that a webhook call comes from the platform."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def wechat_signature(token: str, *values: str) -> str:
    """SHA-1 of the token and the values, sorted and joined; the values are timestamp, nonce (and Encrypt)."""
    return hashlib.sha1("".join(sorted([token, *values])).encode("utf-8")).hexdigest()


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """HMAC-SHA1 over the full URL and every POST parameter as name + value, sorted by name; base64.

    The parameters must come from the raw body: blank ones are signed too.
    """
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so response timing does not leak the expected signature."""
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
