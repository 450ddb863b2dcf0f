"""The hospital contact directory (table `contacts`): who may be told about a hospital's tickets and devices.

Filled from the registry (`contacts:` in the installed-base YAML), from tickets tier 2 has resolved or closed
(`import_from_tickets`), and by managers in the console (`save_contact`). A phone here can receive
a one-time code and, once proved, see its hospitals' tickets (bot/identity.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Contact, Ticket
from bot.errors import Refused
from bot.intake import normalise_phone
from bot.texts import say
from bot.tickets import TicketStatus

_OPENID = re.compile(r"[A-Za-z0-9_-]{10,64}")


class ContactError(Refused):
    """A directory entry that cannot be saved as given; the message says why, in Chinese."""


def list_contacts(session: Session) -> list[Contact]:
    return list(session.execute(select(Contact).order_by(Contact.hospital, Contact.name)).scalars())


def save_contact(
    session: Session,
    *,
    now: datetime,
    source: str,
    contact_id: int | None = None,
    name: str = "",
    phone: str,
    hospital: str,
    department: str = "",
    wechat_openid: str = "",
) -> Contact:
    """Add an entry, or change the one with `contact_id`; an empty openid removes a WeChat binding."""
    normal = normalise_phone(phone)
    if normal is None:
        raise ContactError(say("contact_bad_phone", phone=phone))
    if not hospital.strip():
        raise ContactError(say("contact_no_hospital"))
    openid = wechat_openid.strip()
    if openid and not _OPENID.fullmatch(openid):
        raise ContactError(say("contact_bad_openid"))
    contact = session.get(Contact, contact_id) if contact_id else None
    if contact is None:
        contact = session.execute(
            select(Contact).where(Contact.phone == normal, Contact.hospital == hospital.strip())
        ).scalar_one_or_none() or Contact(source=source)
    if openid:
        for other in session.execute(select(Contact).where(Contact.wechat_openid == openid)).scalars():
            if other is not contact:
                other.wechat_openid = None
        session.flush()
    contact.name, contact.phone, contact.hospital = name.strip()[:60], normal, hospital.strip()[:100]
    contact.department, contact.wechat_openid = department.strip()[:60], openid or None
    contact.updated_at = now
    session.add(contact)
    session.flush()
    return contact


def seed_contacts(session: Session, rows: Iterable[Mapping[str, Any]], *, now: datetime) -> int:
    """The registry's contacts (name, phone, hospital, department)."""
    count = 0
    for row in rows:
        save_contact(
            session,
            now=now,
            source="registry",
            name=str(row.get("name", "")),
            phone=str(row["phone"]),
            hospital=str(row["hospital"]),
            department=str(row.get("department", "")),
        )
        count += 1
    return count


def import_from_tickets(session: Session, *, now: datetime) -> int:
    """Add the contacts of tickets tier 2 has resolved or closed (an engineer met or phoned the contact at
    that hospital: a caller's say-so is not enough) whose phone passed validation and is not in the
    directory for that hospital; a fault the bot's guided check solved has met nobody."""
    known = {(c.phone, c.hospital) for c in list_contacts(session)}
    added = 0
    rows = session.execute(
        select(Ticket.contact_person, Ticket.contact_phone, Ticket.hospital, Ticket.department, Ticket.flags)
        .where(
            Ticket.contact_phone.is_not(None),
            Ticket.hospital.is_not(None),
            Ticket.status.in_((TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)),
        )
        .order_by(Ticket.id)
    )
    for person, phone, hospital, department, flags in rows:
        normal = normalise_phone(phone or "")
        unproven = {"phone_unverified", "remote_resolved"} & set(flags or [])
        if normal is None or unproven or (normal, hospital) in known:
            continue
        session.add(
            Contact(
                name=(person or "")[:60],
                phone=normal,
                hospital=hospital,
                department=(department or "")[:60],
                source="ticket",
                updated_at=now,
            )
        )
        known.add((normal, hospital))
        added += 1
    session.flush()
    return added
