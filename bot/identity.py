"""Who is asking: a conversation's caller, verified or not, and how a caller proves a phone number.

- SMS and voice callers are their number (Twilio signs the request, the channel puts `From` in the metadata).
- Web callers (the REST channel and the web chat page, bot/channels/webchat.py) get a server-issued, signed
  session (`issue_web_session`): the client sends the token, the conversation is `web:<id>`, so no client can
  choose a conversation, and no id of another channel (an openid, a CallSid, a phone) can name a web one.
  The same key signs the device links of QR labels (`device_token`), which name a device and prove nothing.
- A web chat or WeChat caller proves a phone with a one-time code sent by SMS (`send_code`, `confirm_code`):
  only to a phone the contact directory (registry, resolved tickets, the console) holds. A confirmed WeChat
  openid is bound to that contact for good; a web session is verified for its own lifetime.

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
from bot.db.models import Contact, Device, IdentityCode, Ticket, VerifiedCaller
from bot.installed_base import find_device
from bot.intake import normalise_phone
from bot.keys import kept_secret
from bot.policy import ServicePolicy

WEB_PREFIX = "web:"
# Channels whose platform proves the caller's number (a signed webhook carrying `From`).
PHONE_CHANNELS = ("twilio_sms", "twilio_voice")
_WEB_ID = re.compile(r"[0-9a-f]{24}")
_SERIAL = re.compile(r"[A-Za-z0-9-]{4,40}")
_SESSION, _DEVICE = "webchat", "device"  # what a MAC is for: a token of one kind is never one of the other
SendSms = Callable[[str, str, str], None]  # phone, text, dedupe key (bot.notify.outbox.session_sms_sender)


@lru_cache(maxsize=1)
def identity_secret() -> str:
    """The key that signs web sessions (REST and the web chat page) and device links:
    HOTLINE_IDENTITY_SECRET, or one kept in var/identity_secret."""
    config = settings()
    return kept_secret(config.identity_secret, config.var_dir / "identity_secret")


# --- web chat sessions and device links
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    token: str  # what the web client sends as `sender` (REST) or `session` (the web chat page)
    sender_id: str  # the conversation, as Rasa and the tickets know it


def _mac(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def issue_web_session(secret: str) -> WebSession:
    """A new web conversation, for the REST channel and the web chat page alike (bot/channels/webchat.py)."""
    session_id = secrets.token_hex(12)
    return WebSession(f"{session_id}.{_mac(secret, _SESSION, session_id)}", WEB_PREFIX + session_id)


def web_sender(secret: str, token: str | None) -> str | None:
    """The conversation of a session token this server issued; None for anything else."""
    session_id, _, mac = (token or "").partition(".")
    if not _WEB_ID.fullmatch(session_id) or not hmac.compare_digest(mac, _mac(secret, _SESSION, session_id)):
        return None
    return WEB_PREFIX + session_id


def device_token(secret: str, serial: str) -> str:
    """A device's QR label link (bot/webchat/labels.py): names its serial and proves nothing about who scans
    it — a label can be photographed and its link passed on."""
    if not _SERIAL.fullmatch(serial):
        raise ValueError(f"not a serial number: {serial!r}")
    return f"{serial}.{_mac(secret, _DEVICE, serial)}"


def read_device_token(secret: str, token: str | None) -> str | None:
    """The serial a device link names, or None when it is not one of ours."""
    serial, _, mac = (token or "").rpartition(".")
    if not _SERIAL.fullmatch(serial) or not hmac.compare_digest(mac, _mac(secret, _DEVICE, serial)):
        return None
    return serial


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


def device_shown_to(session: Session, caller: Caller, serial: str | None) -> Device | None:
    """The registry entry of a serial as this caller may be shown it (hospital, department, site, model,
    warranty): only a verified caller of the device's hospital; to anyone else a registered serial is as
    unknown as a made-up one. The ticket still carries the serial, so tier 2 sees the device."""
    device = find_device(session, serial) if serial else None
    return device if device is not None and caller.may_see_hospital(device.hospital) else None


def hospitals_of(session: Session, phone: str) -> frozenset[str]:
    """The hospitals a phone belongs to: the contact directory's entries for it, and nothing else. A ticket
    names a hospital in the caller's own words, so a ticket alone never makes anyone a contact of it (else
    anyone could file one with their own mobile and then verify into that hospital's tickets); tickets join
    the directory once tier 2 has dealt with them (bot/contacts.py `import_from_tickets`)."""
    return frozenset(session.execute(select(Contact.hospital).where(Contact.phone == phone)).scalars())


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


def masked(phone: str) -> str:
    """A mobile as told back to a caller: 139****5678."""
    return phone[:3] + "****" + phone[-4:]


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
    directory_only: bool = True,
) -> CodeOutcome:
    """Send a one-time code by SMS to a mobile the directory holds; `code_text(code, minutes)` is the SMS.
    `directory_only=False`: to the validated contact mobile of the caller's own ticket, to confirm a page
    (bot/guard.py); proving it makes the caller verified for that phone, a contact of no hospital."""
    phone = normalise_phone(said_phone)
    if phone is None or not re.fullmatch(r"1\d{10}", phone):
        return CodeOutcome.UNKNOWN_PHONE
    if directory_only and not known_phone(session, phone):
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
    if first is not None:  # a phone proved for a page confirmation only (bot/guard.py) binds nothing
        first.wechat_openid, first.updated_at = openid, now
