"""The console's parts of the `hotline` command: `console` (serve it) and `users
add|list|disable|enable|passwd`.

bot/app/cli.py adds them to its parser.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.clock import utc_now
from bot.console.auth import (
    ROLE_LABELS,
    Role,
    UserError,
    add_user,
    list_users,
    set_active,
    set_password,
)
from bot.db import migrate, session_scope
from bot.ops.staff import find_engineer


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console.app import run  # aiohttp and the templates only for this command

    migrate.upgrade()
    run(host=args.host, port=args.port)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UserError("the two passwords differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    migrate.upgrade()
    try:
        password = _read_password(args)
        with session_scope() as session:
            engineer = None
            if args.engineer:
                engineer = find_engineer(session, args.engineer)
                if engineer is None:
                    raise UserError(f"no engineer {args.engineer} (see `hotline staff list`)")
            role = Role(args.role)
            user = add_user(
                session,
                args.name,
                password,
                role,
                now=utc_now(),
                display_name=args.display_name or (engineer.name if engineer else None),
                engineer_id=engineer.id if engineer else None,
            )
            linked = f", acting as engineer {engineer.name} ({engineer.phone})" if engineer else ""
            print(f"added {ROLE_LABELS[role]} {user.username} ({user.display_name}){linked}")
    except UserError as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    migrate.upgrade()
    with session_scope() as session:
        for user in list_users(session):
            state = "active" if user.active else "disabled"
            linked = f" engineer #{user.engineer_id}" if user.engineer_id else ""
            print(f"{user.username}\t{user.display_name}\t{user.role}\t{state}{linked}")
    return 0


def cmd_users_set(args: argparse.Namespace) -> int:
    """disable / enable / passwd: a disabled login, or one with a new password, is logged out everywhere at
    once."""
    migrate.upgrade()
    try:
        password = _read_password(args) if args.users == "passwd" else None
        with session_scope() as session:
            if password is not None:
                user = set_password(session, args.name, password)
                print(f"password of {user.username} changed; its sessions have ended")
            else:
                user = set_active(session, args.name, args.users == "enable")
                print(f"{user.username} {'enabled' if user.active else 'disabled; its sessions have ended'}")
    except UserError as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1
    return 0


def add_console_commands(commands: argparse._SubParsersAction) -> None:
    console = commands.add_parser("console", help="the tier-2 engineers' web console (default :5080)")
    console.add_argument("--host", default="127.0.0.1")
    console.add_argument("--port", type=int, help="default HOTLINE_CONSOLE_PORT, 5080")
    console.set_defaults(func=cmd_console)

    users = commands.add_parser("users", help="console logins").add_subparsers(dest="users", required=True)
    add = users.add_parser("add", help="add a console login; the password is asked for (or read from stdin)")
    add.add_argument("name", help="the login name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument(
        "--display-name", help="shown in the console (default: the engineer's name, else the login)"
    )
    add.add_argument(
        "--engineer",
        metavar="ID_OR_PHONE",
        help="the engineer (hotline staff list) this login claims tickets as",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    add.set_defaults(func=cmd_users_add)
    users.add_parser("list", help="console logins with their role and state").set_defaults(
        func=cmd_users_list
    )
    for verb, says in (
        ("disable", "disable a login (its sessions end at once)"),
        ("enable", "enable a disabled login again"),
        ("passwd", "set a new password (asked for, or read from stdin); its sessions end"),
    ):
        command = users.add_parser(verb, help=says)
        command.add_argument("name", help="the login name")
        if verb == "passwd":
            command.add_argument(
                "--password-stdin", action="store_true", help="read the password from the first line of stdin"
            )
        command.set_defaults(func=cmd_users_set)
