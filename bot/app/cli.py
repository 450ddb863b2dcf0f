"""The `hotline` command: run the bot, train it, manage the database, look at tickets."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import replace
from typing import Any

import requests

from bot.app.logging import install_masking
from bot.app.model import ensure_model, model_path
from bot.app.servers import ServerStartError, running
from bot.catalogue import current_catalogue
from bot.config import Settings, settings
from bot.console.commands import add_console_commands
from bot.db import migrate, session_factory, session_scope
from bot.db.commands import add_db_commands
from bot.errors import Refused
from bot.files import narrow_tree, private_files
from bot.installed_base import seed_devices
from bot.journal import replay_journal
from bot.knowledge.commands import add_kb_commands
from bot.notify.commands import add_outbox_commands
from bot.ops.commands import add_staff_commands, add_ticket_commands
from bot.ops.staff import list_engineers, seed_staff
from bot.policy import current_policy
from bot.reports.commands import add_report_commands
from bot.texts import say
from bot.webchat.commands import add_qr_command


def _prepare() -> None:
    migrate.upgrade()
    # Tickets taken while the database was down are stored before anything else is served.
    replay_journal(session_factory())
    with session_scope() as session:
        seed_devices(
            session, settings().kb_dir / "demo" / "installed_base.yml", current_catalogue(), current_policy()
        )
        if not list_engineers(session):  # the demo team only into an empty database: never undo staff changes
            seed_staff(
                session, settings().kb_dir / "demo" / "staff.yml", current_policy(), current_catalogue()
            )


def cmd_train(args: argparse.Namespace) -> int:
    path = ensure_model(settings().models_dir, force=args.force)
    print(f"model: {path}")
    return 0


def serving_settings(args: argparse.Namespace) -> Settings:
    """The settings with the ports given on the command line: a second instance runs beside the first."""
    config = settings()
    if args.port:
        config = replace(config, rasa_port=args.port)
    if args.action_port:
        config = replace(
            config, action_port=args.action_port, action_url=f"http://127.0.0.1:{args.action_port}/webhook"
        )
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    config = serving_settings(args)
    _prepare()
    model = ensure_model(config.models_dir)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        with running(
            config, model, workers=args.workers, console_port=config.console_port if args.console else None
        ):
            print(
                f"Rasa on http://127.0.0.1:{config.rasa_port} (REST: /webhooks/rest/webhook), "
                f"actions on http://127.0.0.1:{config.action_port}, {args.workers} worker(s) each, "
                f"profile {config.profile}; Ctrl-C stops both.",
                flush=True,
            )
            if args.console:
                print(f"console on http://127.0.0.1:{config.console_port}/", flush=True)
            stopped.wait()
    except KeyboardInterrupt:
        pass
    except ServerStartError as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    _prepare()
    if not model_path(settings().models_dir).exists():
        print(say("terminal_chat.training"), flush=True)  # Rasa's own output follows; say why first
    model = ensure_model(settings().models_dir)
    print(say("terminal_chat.starting"), flush=True)
    config = settings()
    try:
        with running(config, model, console_port=config.console_port):
            print(say("terminal_chat.console", port=config.console_port), flush=True)
            chat(f"http://127.0.0.1:{config.rasa_port}/webhooks/rest")
    except ServerStartError as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1
    return 0


def chat(rest: str) -> None:
    """A chat in the terminal over the REST channel (`rest`: its base URL, …/webhooks/rest), in a web chat
    session of its own; a number picks one of the offered choices."""
    url = f"{rest}/webhook"
    try:
        sender = str(requests.post(f"{rest}/session", timeout=30).json()["session"])
    except (requests.RequestException, ValueError, KeyError) as error:
        print(say("terminal_chat.not_connected", error=error))
        return
    print(say("terminal_chat.connected"), end="\n\n")
    buttons: list[dict[str, Any]] = []
    while True:
        try:
            text = input(say("terminal_chat.prompt")).strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text == "/quit":
            return
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = requests.post(url, json={"sender": sender, "message": text}, timeout=60).json()
        except requests.RequestException as error:
            print(say("terminal_chat.not_connected", error=error))
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(say("terminal_chat.reply", text=reply["text"]))
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"  {len(buttons)}. {button['title']}")
        print()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotline", description="售后热线助手 (after-sales hotline assistant)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="set up, start both servers and chat in the terminal").set_defaults(
        func=cmd_run
    )
    serve = commands.add_parser("serve", help="start Rasa (:5005) and the action server (:5055)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 17),
        metavar="N",
        help="Sanic worker processes per server (production profile only)",
    )
    serve.add_argument("--port", type=int, help="Rasa's port (default HOTLINE_RASA_PORT, 5005)")
    serve.add_argument(
        "--action-port", type=int, help="the action server's port (default HOTLINE_ACTION_PORT, 5055)"
    )
    serve.add_argument(
        "--console",
        action="store_true",
        help="also start the tier-2 web console (HOTLINE_CONSOLE_PORT, 5080)",
    )
    serve.set_defaults(func=cmd_serve)
    train = commands.add_parser("train", help="train the model if data or config changed")
    train.add_argument("--force", action="store_true", help="train even if a model for this data exists")
    train.set_defaults(func=cmd_train)

    add_db_commands(commands)
    add_kb_commands(commands)
    add_ticket_commands(commands)
    add_staff_commands(commands)
    add_outbox_commands(commands)
    add_console_commands(commands)
    add_report_commands(commands)
    add_qr_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Everything the hotline writes (database, journal, logs, secrets) is readable by its own account only;
    # the servers it starts inherit the umask.
    private_files()
    narrow_tree(settings().var_dir)
    # Every command may log a caller's phone or name (pages, notices, tickets, logins), not only the servers.
    install_masking()
    try:
        return int(args.func(args))
    except Refused as error:
        print(f"hotline: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
