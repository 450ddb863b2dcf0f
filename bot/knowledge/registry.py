"""What knowledge answers may know about the caller's own device: the one place they read the installed base.

Registry details (hospital, serial, warranty end) are the customer's: whoever gates them (a verified caller)
gates them here, and every answer about "your device" goes through `caller_device`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.identity import Caller, device_shown_to
from bot.installed_base import extended, warranty_status
from bot.knowledge.answers import CallerDevice, DeviceFacts, UnknownDevice
from bot.policy import ServicePolicy


def caller_device(
    session: Session, caller: Caller, serial_number: str | None, policy: ServicePolicy, today: date
) -> CallerDevice | None:
    """The registered device with this serial, as knowledge answers use it: its facts for a caller who may see
    them (bot/identity.py: a verified caller of its hospital), else an UnknownDevice, which tells no one
    unverified whether the serial is registered; None when no serial is given."""
    if not serial_number:
        return None
    device = device_shown_to(session, caller, serial_number)
    if device is None:
        return UnknownDevice(serial_number, searched=caller.verified)
    status = warranty_status(device, today)
    return DeviceFacts(
        model=device.model,
        serial=device.serial_number,
        city=device.city,
        warranty_end=device.warranty_end,
        extended=extended(device, policy),
        in_warranty=status.in_warranty,
    )
