"""Console logins: users with scrypt-hashed passwords, two roles, and server-side sessions behind a signed
cookie."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import ConsoleSession, ConsoleUser, Engineer
from bot.errors import Refused
from bot.keys import kept_secret

# scrypt cost, one of OWASP's current equivalent settings (N=2^15, r=8, p=3: 32 MiB, ~3x the work of N=2^14,
# p=1); stored with each hash, and an older hash is re-made with these at the next successful login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 3
_SCRYPT_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD_LENGTH = 8
SESSION_COOKIE = "hotline_console"


class Role(str, Enum):
    ENGINEER = "engineer"
    MANAGER = "manager"


ROLE_LABELS = {Role.ENGINEER: "工程师", Role.MANAGER: "主管"}


class UserError(Refused):
    """A user cannot be added as asked (name taken, weak password, unknown role)."""


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=_SCRYPT_MAXMEM
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=_SCRYPT_MAXMEM
    )
    return hmac.compare_digest(digest.hex(), expected)


def _outdated(stored: str) -> bool:
    return not stored.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so a wrong name takes as long as a wrong password."""
    return hash_password(secrets.token_hex(16))


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    now: datetime,
    display_name: str | None = None,
    engineer_id: int | None = None,
) -> ConsoleUser:
    username = username.strip()
    if not username:
        raise UserError("the user name is empty")
    _check_password(password)
    if session.execute(select(ConsoleUser.id).where(ConsoleUser.username == username)).first():
        raise UserError(f"user {username} already exists")
    user = ConsoleUser(
        username=username,
        display_name=(display_name or username).strip(),
        role=role.value,
        password_hash=hash_password(password),
        engineer_id=engineer_id,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> ConsoleUser | None:
    user = session.execute(
        select(ConsoleUser).where(ConsoleUser.username == username.strip(), ConsoleUser.active.is_(True))
    ).scalar_one_or_none()
    if user is None:
        verify_password(password, _dummy_hash())
        return None
    if not verify_password(password, user.password_hash):
        return None
    if _outdated(user.password_hash):
        user.password_hash = hash_password(password)  # raised to the current cost while we know the password
    return user


def set_active(session: Session, username: str, active: bool) -> ConsoleUser:
    """Enable or disable a login; disabling ends its sessions at once."""
    user = _user(session, username)
    user.active = active
    if not active:
        session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    return user


def set_password(session: Session, username: str, password: str) -> ConsoleUser:
    """A new password; every session of the login ends (whoever knew the old one is logged out)."""
    _check_password(password)
    user = _user(session, username)
    user.password_hash = hash_password(password)
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    return user


def disable_logins_of_inactive_engineers(session: Session) -> list[str]:
    """An engineer taken off the team loses their console login too; the names of the logins disabled."""
    inactive = select(Engineer.id).where(Engineer.active.is_(False))
    users = session.execute(
        select(ConsoleUser).where(ConsoleUser.engineer_id.in_(inactive), ConsoleUser.active.is_(True))
    ).scalars()
    return [set_active(session, user.username, False).username for user in list(users)]


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.execute(select(ConsoleUser).order_by(ConsoleUser.username)).scalars())


def _user(session: Session, username: str) -> ConsoleUser:
    user = session.execute(
        select(ConsoleUser).where(ConsoleUser.username == username.strip())
    ).scalar_one_or_none()
    if user is None:
        raise UserError(f"no console user {username} (see `hotline users list`)")
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _hash_id(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


def start_session(session: Session, user: ConsoleUser, *, now: datetime, lifetime: timedelta) -> str:
    """A new session for the user; returns the raw id that goes (signed) into the cookie."""
    raw_id = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            id_hash=_hash_id(raw_id),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    # Expired sessions of anyone are dropped here, so the table never grows without bound.
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    return raw_id


def current_session(session: Session, raw_id: str, *, now: datetime) -> ConsoleSession | None:
    """The live session with this id, whose user is still active; None when unknown, expired or disabled."""
    found = session.get(ConsoleSession, _hash_id(raw_id))
    if found is None or found.expires_at <= now or not found.user.active:
        return None
    return found


def end_session(session: Session, raw_id: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _hash_id(raw_id)))


def sign(secret: str, value: str) -> str:
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{value}.{mac}"


def unsign(secret: str, signed: str) -> str | None:
    """The value of a signed cookie, or None when the signature does not match."""
    value, _, mac = signed.rpartition(".")
    expected = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return value if value and hmac.compare_digest(mac, expected) else None


def cookie_secret(configured: str | None, var_dir: Path) -> str:
    """The configured secret, or one generated once and kept in var/ so sessions survive a restart."""
    return kept_secret(configured, var_dir / "console_secret")
