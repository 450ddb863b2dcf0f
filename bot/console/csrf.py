"""CSRF protection for every form the console posts.

A logged-in form carries its session's token (stored server-side with the session). The login form, posted
before there is a session, carries a random token that must equal the one in a short-lived signed cookie
(double submit).
"""

from __future__ import annotations

import hmac
import secrets

FIELD = "csrf_token"
LOGIN_COOKIE = "hotline_console_login"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
