"""The caller's answer to the fault form's serial question: what the bot says and what the answer fills in.

Plain domain code for actions/intake.py (validate_serial_number). A serial with an open ticket the caller may
see ends the registration there (the report is noted on that ticket); a device the caller may be shown fills
in its site; any other serial is kept as said, so a serial tells an unverified caller nothing about the
installed base (bot/identity.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.identity import Caller, device_shown_to
from bot.installed_base import find_device
from bot.intake import gives_up, says_unknown
from bot.replies import NOT_GIVEN
from bot.texts import say
from bot.ticket_changes import same_fault
from bot.tickets import STATUS_LABELS, TicketStatus, open_ticket_for_serial


@dataclass(frozen=True)
class SerialAnswer:
    reply: str
    fields: dict[str, Any]  # the form's fields the answer fills: serial_number always, maybe duplicate_of
    flag: str | None = None  # for the intake's flags (tier 2 reads them on the ticket)


def unreadable_serial(text: str, failures: int) -> SerialAnswer:
    """An answer that holds no serial, the failures-th for this intake: asked again, or skipped when the
    caller cannot give it or has tried often enough (bot.intake.gives_up)."""
    if says_unknown(text) or gives_up(failures):
        return SerialAnswer(say("serial_skipped"), {"serial_number": NOT_GIVEN}, "serial_not_given")
    return SerialAnswer(say("serial_invalid", value=text), {"serial_number": None})


def checked_serial(
    session: Session, caller: Caller, serial: str, *, fault: str, department: str | None
) -> SerialAnswer:
    """A serial looked up in the open tickets and the installed base, as this caller may be told of them."""
    open_ticket = open_ticket_for_serial(session, serial)
    if open_ticket is not None and caller.may_see(open_ticket):
        # Another fault on the same device is said to be one, never merged silently.
        key = "duplicate_found" if same_fault(fault, open_ticket.description) else "duplicate_other_fault"
        reply = say(
            key,
            serial=serial,
            number=open_ticket.number,
            status=STATUS_LABELS[TicketStatus(open_ticket.status)],
            old=open_ticket.description or "",
            new=fault,
        )
        return SerialAnswer(reply, {"serial_number": serial, "duplicate_of": open_ticket.number})
    device = device_shown_to(session, caller, serial)
    if device is None:
        # Registered elsewhere, made up, or with someone else's open ticket: the same answer and the same
        # questions after it. The ticket carries the serial; submit_ticket notes the report on the device's
        # open ticket.
        registered = find_device(session, serial) is not None
        flag = None if registered else "serial_not_in_registry"
        return SerialAnswer(say("serial_noted", serial=serial), {"serial_number": serial}, flag)
    reply = say(
        "serial_known",
        hospital=device.hospital,
        department=device.department,
        device=device.model,
        serial=serial,
    )
    return SerialAnswer(
        reply,
        {
            "serial_number": serial,
            "device": f"{device.device_type} {device.model}",
            "hospital": device.hospital,
            "department": department or device.department,
            "site_address": device.address,
            "site_city": device.city,
        },
    )
