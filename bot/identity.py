"""Who is asking: a conversation's caller, verified or not, and how a caller proves a phone number.

- SMS and voice callers are their number (Twilio signs the request, the channel puts `From` in the metadata).
- The web chat (REST channel) gets a server-issued, signed session (`issue_web_session`): the client sends the
  token as its `sender`, the conversation is `web:<id>`, so no client can choose a conversation, and no id of
  another channel (an openid, a CallSid, a phone) can ever name a web conversation.
- A web chat or WeChat caller proves a phone with a one-time code sent by SMS (`send_code`, `confirm_code`):
only
  to a phone the contact directory (registry, earlier tickets, the console) holds. A confirmed WeChat openid
is
  bound to that contact for good; a web session is verified for its own lifetime.

A verified caller may see the tickets and devices of the hospitals their phone belongs to (`Caller.may_see`);
an unverified one gets answers, guided checks and fault intake, and the tickets of their own conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import settings
from bot.db.models import Contact, IdentityCode, Ticket, VerifiedCaller
from bot.intake import normalise_phone
from bot.keys import kept_secret
from bot.policy import ServicePolicy

WEB_PREFIX = "web:"
# Channels whose platform proves the caller's number (a signed webhook carrying `From`).
PHONE_CHANNELS = ("twilio_sms", "twilio_voice")
_WEB_ID = re.compile(r"[0-9a-f]{24}")
SendSms = Callable[[str, str, str], None]  # phone, text, dedupe key (bot.notify.outbox.session_sms_sender)


@lru_cache(maxsize=1)
def identity_secret() -> str:
    """The key that signs web chat sessions: HOTLINE_IDENTITY_SECRET, or one kept in var/identity_secret."""
    config = settings()
    return kept_secret(config.identity_secret, config.var_dir / "identity_secret")


# --- web chat sessions
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    token: str  # what the web client sends as `sender`
    sender_id: str  # the conversation, as Rasa and the tickets know it


def _mac(secret: str, session_id: str) -> str:
    return hmac.new(secret.encode(), f"webchat:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]


def issue_web_session(secret: str) -> WebSession:
    session_id = secrets.token_hex(12)
    return WebSession(f"{session_id}.{_mac(secret, session_id)}", WEB_PREFIX + session_id)


def web_sender(secret: str, token: str) -> str | None:
    """The conversation of a session token this server issued; None for anything else."""
    session_id, _, mac = token.partition(".")
    if not _WEB_ID.fullmatch(session_id) or not hmac.compare_digest(mac, _mac(secret, session_id)):
        return None
    return WEB_PREFIX + session_id


# --- the caller
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    sender_id: str
    # The phone the caller proved (the platform's caller id, or a one-time code); None: unverified.
    phone: str | None = None
    hospitals: frozenset[str] = field(default_factory=frozenset)

    @property
    def verified(self) -> bool:
        return self.phone is not None

    def may_see(self, ticket: Ticket) -> bool:
        """Their own conversation's tickets, and, once verified, their phone's and their hospitals'
        tickets."""
        if ticket.sender_id == self.sender_id:
            return True
        if not self.verified:
            return False
        return normalise_phone(ticket.contact_phone or "") == self.phone or ticket.hospital in self.hospitals

    def may_see_hospital(self, hospital: str | None) -> bool:
        return self.verified and hospital is not None and hospital in self.hospitals


def hospitals_of(session: Session, phone: str) -> frozenset[str]:
    """The hospitals a phone belongs to: the directory's, and those of tickets that validated it."""
    named = set(session.execute(select(Contact.hospital).where(Contact.phone == phone)).scalars())
    for hospital, flags in session.execute(
        select(Ticket.hospital, Ticket.flags).where(
            Ticket.contact_phone == phone, Ticket.hospital.is_not(None)
        )
    ):
        if "phone_unverified" not in (flags or []):
            named.add(hospital)
    return frozenset(named)


def caller_of(session: Session, channel: str | None, sender_id: str, channel_phone: str | None) -> Caller:
    """The caller of a conversation. `channel_phone`: the number the channel reported (trusted on SMS and
    voice)."""
    phone = normalise_phone(channel_phone) if channel_phone and channel in PHONE_CHANNELS else None
    if phone is None:
        phone = session.execute(
            select(VerifiedCaller.phone).where(VerifiedCaller.sender_id == sender_id)
        ).scalar_one_or_none()
    if phone is None and channel == "wechat":
        phone = session.execute(
            select(Contact.phone).where(Contact.wechat_openid == sender_id)
        ).scalar_one_or_none()
    if phone is None:
        return Caller(sender_id)
    return Caller(sender_id, phone, hospitals_of(session, phone))


# --- one-time codes
# ----------------------------------------------------------------------------------------------


class CodeOutcome(str, Enum):
    SENT = "sent"
    UNKNOWN_PHONE = "unknown_phone"  # not in the directory, or not a mobile: no SMS (never to any number)
    TOO_MANY = "too_many"  # codes to this phone in the last hour
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"  # no code, out of time or out of tries


def _code_hash(sender_id: str, code: str) -> str:
    return hashlib.sha256(f"{sender_id}:{code}".encode()).hexdigest()


def known_phone(session: Session, phone: str) -> bool:
    return bool(hospitals_of(session, phone))


def send_code(
    session: Session,
    sender_id: str,
    said_phone: str,
    *,
    now: datetime,
    policy: ServicePolicy,
    send_sms: SendSms,
    code_text: Callable[[str, int], str],
) -> CodeOutcome:
    """Send a one-time code by SMS to a mobile the directory holds; `code_text(code, minutes)` is the SMS."""
    phone = normalise_phone(said_phone)
    if phone is None or not re.fullmatch(r"1\d{10}", phone) or not known_phone(session, phone):
        return CodeOutcome.UNKNOWN_PHONE
    hour_ago = now - timedelta(hours=1)
    recent = session.execute(
        select(func.coalesce(func.sum(IdentityCode.sends), 0)).where(
            IdentityCode.phone == phone, IdentityCode.sent_at > hour_ago
        )
    ).scalar_one()
    if recent >= int(policy.value("caller_identity.codes_per_phone_per_hour")):
        return CodeOutcome.TOO_MANY
    digits = int(policy.value("caller_identity.code_digits"))
    minutes = int(policy.value("caller_identity.code_minutes"))
    code = "".join(secrets.choice("0123456789") for _ in range(digits))
    row = session.get(IdentityCode, sender_id) or IdentityCode(sender_id=sender_id, sends=0)
    row.sends = (row.sends or 0) + 1 if row.phone == phone and row.sent_at and row.sent_at > hour_ago else 1
    row.phone, row.code_hash, row.sent_at = phone, _code_hash(sender_id, code), now
    row.expires_at, row.tries = now + timedelta(minutes=minutes), 0
    session.add(row)
    send_sms(phone, code_text(code, minutes), f"code:{sender_id}:{now.isoformat()}")
    return CodeOutcome.SENT


def confirm_code(
    session: Session, sender_id: str, channel: str, code: str, *, now: datetime, policy: ServicePolicy
) -> CodeOutcome:
    """Check a code; right: the conversation is verified (a WeChat openid is bound to the phone's
    contacts)."""
    row = session.get(IdentityCode, sender_id)
    if row is None or row.expires_at <= now or row.tries >= int(policy.value("caller_identity.code_tries")):
        return CodeOutcome.EXPIRED
    if not hmac.compare_digest(row.code_hash, _code_hash(sender_id, code.strip())):
        row.tries += 1
        return CodeOutcome.WRONG
    phone = row.phone
    row.expires_at = now  # used; the row stays so that the hour's codes to this phone still count
    verified = session.get(VerifiedCaller, sender_id) or VerifiedCaller(sender_id=sender_id)
    verified.channel, verified.phone, verified.verified_at = channel, phone, now
    session.add(verified)
    if channel == "wechat":
        bind_wechat(session, sender_id, phone, now=now)
    return CodeOutcome.VERIFIED


def bind_wechat(session: Session, openid: str, phone: str, *, now: datetime) -> None:
    """Bind the openid to the phone's first contact (one binding per openid: an earlier one is released)."""
    for contact in session.execute(select(Contact).where(Contact.wechat_openid == openid)).scalars():
        contact.wechat_openid = None
    session.flush()
    first = (
        session.execute(select(Contact).where(Contact.phone == phone).order_by(Contact.id)).scalars().first()
    )
    if first is None:  # known from a ticket only: the directory gets the contact now
        first = Contact(
            phone=phone, hospital=next(iter(sorted(hospitals_of(session, phone)))), source="ticket"
        )
        session.add(first)
    first.wechat_openid, first.updated_at = openid, now
