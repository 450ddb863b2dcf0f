"""`hotline qr SERIAL... [--pdf labels.pdf] [--html labels.html] [--base-url URL]`: device labels
(bot/webchat/labels.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import settings
from bot.db import migrate, session_scope
from bot.errors import Refused
from bot.handoff.texts import say
from bot.policy import current_policy
from bot.reports.pdf import html_to_pdf
from bot.webchat.labels import device_labels, labels_html


def cmd_qr(args: argparse.Namespace) -> int:
    base_url = args.base_url or settings().public_url
    if not base_url:
        raise Refused(say("labels.no_base_url"))
    migrate.upgrade()
    with session_scope() as session:
        labels = device_labels(session, args.serials, base_url)
    html = labels_html(labels, current_policy())
    if args.pdf:
        args.pdf.write_bytes(html_to_pdf(html))
    if args.html:
        args.html.write_text(html, encoding="utf-8")
    if not args.pdf and not args.html:
        sys.stdout.write(html)
    for label in labels:  # the links, for a test scan or a WeChat menu
        print(f"{label.serial}\t{label.url}", file=sys.stderr)
    return 0


def add_qr_command(commands: argparse._SubParsersAction) -> None:
    qr = commands.add_parser(
        "qr", help="print device labels with a QR code that opens the web chat about the device"
    )
    qr.add_argument("serials", nargs="+", metavar="SERIAL", help="serial numbers from the installed base")
    qr.add_argument("--pdf", type=Path, help="write the labels as a PDF (needs chromium)")
    qr.add_argument("--html", type=Path, help="write the labels as HTML (default: stdout, unless --pdf)")
    qr.add_argument("--base-url", help="the hotline's public address (default: HOTLINE_PUBLIC_URL)")
    qr.set_defaults(func=cmd_qr)
