"""Device labels (`hotline qr SERIAL...`): a QR code per installed device that opens the web chat about it.

The code holds the chat's address with a signed device token (bot/identity.py), so the chat greets the caller
with the device's model and serial, and the fault report starts with the device and serial filled in. The
label proves nothing about who scans it: the caller stays unverified, and is told no registry data.
HTML labels (inline SVG, two per row on A4), or a PDF printed by headless Chromium (bot/reports/pdf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
import segno
from sqlalchemy.orm import Session

from bot.errors import Refused
from bot.handoff.texts import say
from bot.identity import device_token, identity_secret
from bot.installed_base import find_device
from bot.policy import ServicePolicy

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHAT_PATH = "/webhooks/webchat/"


@dataclass(frozen=True)
class Label:
    serial: str
    model: str
    hospital: str
    department: str
    url: str
    svg: str


def chat_link(base_url: str, serial: str) -> str:
    """The web chat's address for a device: the page, with the device's signed token."""
    return f"{base_url.rstrip('/')}{CHAT_PATH}?d={quote(device_token(identity_secret(), serial), safe='')}"


def device_labels(session: Session, serials: list[str], base_url: str) -> list[Label]:
    """One label per serial, in the order given; Refused for a serial the registry does not have."""
    labels = []
    for serial in serials:
        device = find_device(session, serial.strip().upper())
        if device is None:
            raise Refused(say("labels.unknown_serial", serial=serial))
        url = chat_link(base_url, device.serial_number)
        # Error correction M: a label may get scratched; the code stays small enough at 34 mm.
        svg = segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)
        labels.append(Label(device.serial_number, device.model, device.hospital, device.department, url, svg))
    return labels


def labels_html(labels: list[Label], policy: ServicePolicy) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("labels.html").render(
        labels=labels, title=say("labels.title"), hint=say("labels.hint"), hotline=policy.hotline_phone
    )
