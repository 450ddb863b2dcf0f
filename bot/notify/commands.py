"""`hotline outbox list|retry|deliver`: what the hotline is sending, what failed, and sending it again.

bot/app/cli.py adds these to its parser. Times are shown in the policy's local time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.clock import local_text, utc_iso, utc_now
from bot.db import SessionFactory, session_factory
from bot.db.models import OutboxMessage
from bot.journal import replay_journal
from bot.notify.outbox import (
    STATUSES,
    DeliveryReport,
    OutboxError,
    deliver_due,
    delivery_config,
    list_messages,
    retry_dead,
)
from bot.notify.transports import build_transports
from bot.policy import current_policy


def _as_dict(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "status": message.status,
        "channel": message.channel,
        "recipient": message.recipient,
        "text": message.text,
        "ticket_id": message.ticket_id,
        "dedupe_key": message.dedupe_key,
        "attempts": message.attempts,
        "parts_sent": message.parts_sent,
        "next_attempt_at": utc_iso(message.next_attempt_at),
        "last_error": message.last_error,
        "created_at": utc_iso(message.created_at),
        "sent_at": utc_iso(message.sent_at),
    }


def cmd_outbox_list(args: argparse.Namespace) -> int:
    zone = current_policy().timezone
    factory = session_factory()
    with factory() as session:
        messages = list_messages(session, status=args.status, limit=args.limit)
        if args.json:
            print(json.dumps([_as_dict(m) for m in messages], ensure_ascii=False, indent=2))
            return 0
        for m in messages:
            when = local_text(m.sent_at if m.status == "sent" and m.sent_at else m.next_attempt_at, zone)
            print(
                f"{m.id:>6}  {m.status:<8} {m.channel:<6} {m.recipient:<20} tries {m.attempts}  {when}  "
                f"{m.text[:30]}"
            )
            if m.last_error and m.status != "sent":
                print(f"        {m.last_error}")
    print(f"{len(messages)} message(s)")
    return 0


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    factory = session_factory()
    try:
        with factory() as session, session.begin():
            message = retry_dead(session, args.id, utc_now())
            channel = message.channel
    except OutboxError as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1
    print(f"outbox message {args.id} ({channel}) is queued again; the worker sends it on its next round")
    return 0


async def _deliver_once(factory: SessionFactory) -> DeliveryReport:
    return await deliver_due(factory, build_transports(delivery_config().max_parts), utc_now())


def cmd_outbox_deliver(args: argparse.Namespace) -> int:
    """One round of what the worker does: journaled tickets into the database, then due messages out."""
    factory = session_factory()
    replayed = replay_journal(factory)
    stored = f" ({', '.join(replayed.replayed)})" if replayed.replayed else ""
    print(f"journal: {len(replayed.replayed)} ticket(s) stored{stored}, {replayed.waiting} waiting")
    report = asyncio.run(_deliver_once(factory))
    waiting = ", ".join(f"{count} {channel}" for channel, count in report.waiting.items()) or "none"
    print(
        f"outbox: {len(report.sent)} sent, {len(report.retried)} to retry, {len(report.dead)} dead, "
        f"{len(report.rerouted)} by SMS instead of WeChat; waiting for a channel's settings: {waiting}"
    )
    return 0


def add_outbox_commands(commands: argparse._SubParsersAction) -> None:
    outbox = commands.add_parser("outbox", help="messages to hospitals and engineers").add_subparsers(
        dest="outbox", required=True
    )
    listing = outbox.add_parser("list", help="the latest messages (dead ones: --status dead)")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_outbox_list)
    retry = outbox.add_parser("retry", help="send a dead message again")
    retry.add_argument("id", type=int)
    retry.set_defaults(func=cmd_outbox_retry)
    deliver = outbox.add_parser("deliver", help="store journaled tickets, then send what is due (one round)")
    deliver.set_defaults(func=cmd_outbox_deliver)
