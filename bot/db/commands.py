"""`hotline db upgrade|seed`: the migrations and the demo data. bot/app/cli.py adds them to its parser."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from bot.catalogue import current_catalogue
from bot.clock import utc_now
from bot.config import settings
from bot.contacts import seed_contacts
from bot.db import migrate, session_scope
from bot.installed_base import seed_devices
from bot.ops.staff import seed_staff
from bot.policy import current_policy


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    migrate.upgrade()
    print(f"database at {settings().database_url.split('@')[-1]} is up to date")
    return 0


def cmd_db_seed(args: argparse.Namespace) -> int:
    migrate.upgrade()
    with session_scope() as session:
        count = seed_devices(session, args.file, current_catalogue(), current_policy())
        registry = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
        contacts = seed_contacts(session, registry.get("contacts") or [], now=utc_now())
        people, shifts = seed_staff(session, args.staff, current_policy(), current_catalogue())
    print(f"{count} devices in the installed base and {contacts} hospital contacts from {args.file}")
    print(f"{people} engineers and {shifts} rota shifts from {args.staff}")
    return 0


def add_db_commands(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database migrations and demo data").add_subparsers(
        dest="db", required=True
    )
    db.add_parser("upgrade", help="run the migrations").set_defaults(func=cmd_db_upgrade)
    seed = db.add_parser("seed", help="load the installed base (fictional demo data by default)")
    seed.add_argument("--file", type=Path, default=settings().kb_dir / "demo" / "installed_base.yml")
    seed.add_argument(
        "--staff",
        type=Path,
        default=settings().kb_dir / "demo" / "staff.yml",
        help="engineers and on-call rota (fictional demo team by default)",
    )
    seed.set_defaults(func=cmd_db_seed)
