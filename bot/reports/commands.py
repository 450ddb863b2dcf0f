"""The reports' parts of the `hotline` command: `report` (monthly), `followups` (list, done),
`service-report`.

bot/app/cli.py adds them to its parser. Dates on the command line are local (the policy's zone); a refusal
prints its Chinese sentence on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

from bot.clock import to_local, utc_now
from bot.db import migrate, session_scope
from bot.ops.calendar import current_calendar
from bot.policy import current_policy
from bot.reports import monthly
from bot.reports.config import ReportError
from bot.reports.follow_ups import due_follow_ups, record_follow_up
from bot.reports.service_report import render_service_report_html, render_service_report_pdf
from bot.reports.texts import say


def _today() -> date:
    return to_local(utc_now(), current_policy().timezone).date()


def _local_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(say("errors.bad_date", day=text)) from None


def _write(text_or_bytes: str | bytes, output: Path | None) -> None:
    if output is None:
        assert isinstance(text_or_bytes, str)
        sys.stdout.write(text_or_bytes)
        return
    if isinstance(text_or_bytes, bytes):
        output.write_bytes(text_or_bytes)
    else:
        output.write_text(text_or_bytes, encoding="utf-8")
    print(f"written to {output}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    migrate.upgrade()
    policy = current_policy()
    with session_scope() as session:
        report = monthly.monthly_report(
            session, args.month, policy=policy, calendar=current_calendar(), now=utc_now()
        )
    render = monthly.render_html if args.format == "html" else monthly.render_markdown
    _write(render(report, policy), args.output)
    return 0


def cmd_followups(args: argparse.Namespace) -> int:
    migrate.upgrade()
    due_by = _local_date(args.due_by) if args.due_by else _today()
    with session_scope() as session:
        rows = due_follow_ups(session, due_by, current_policy())
    if args.json:
        print(
            json.dumps(
                [{**asdict(row), "due_on": row.due_on.isoformat()} for row in rows],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for row in rows:
        late = ""
        if row.overdue_days > 0:
            late = say("follow_up_list.overdue", days=row.overdue_days)
        elif row.overdue_days == 0:
            late = say("follow_up_list.due_today")
        months = "、".join(say("follow_up_list.month", months=m) for m in row.missed)
        line = say(
            "follow_up_list.line",
            due_on=row.due_on,
            months=f"{row.months:>2}",
            late=f"{late:<8}",
            serial=row.serial_number,
            hospital=row.hospital,
            department=row.department,
            device=row.device,
            missed=say("follow_up_list.missed", months=months) if row.missed else "",
        )
        print(line)
    print(f"{len(rows)} follow-up call(s) due by {due_by}")
    return 0


def cmd_followups_done(args: argparse.Namespace) -> int:
    migrate.upgrade()
    policy = current_policy()
    with session_scope() as session:
        call = record_follow_up(
            session,
            args.serial,
            by=args.by,
            at=utc_now(),
            today=_today(),
            policy=policy,
            months=args.months,
            note=args.note,
        )
        print(f"recorded: {args.serial.strip().upper()} {call.months}-month follow-up (due {call.due_on})")
    return 0


def cmd_service_report(args: argparse.Namespace) -> int:
    migrate.upgrade()
    with session_scope() as session:
        if args.pdf:
            _write(render_service_report_pdf(session, args.number), args.pdf)
        else:
            _write(render_service_report_html(session, args.number), args.html)
    return 0


def add_report_commands(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="the monthly quality report (local-time month)")
    report.add_argument("--month", required=True, help="e.g. 2026-11")
    report.add_argument("--format", choices=("md", "html"), default="md")
    report.add_argument("--output", type=Path, help="write to this file instead of stdout")
    report.set_defaults(func=cmd_report)

    followups = commands.add_parser(
        "followups", help="follow-up calls due after installation (1, 3, 6, 12 months)"
    )
    followups.add_argument("--due-by", help="local date, e.g. 2026-11-30 (default today)")
    followups.add_argument("--json", action="store_true")
    followups.set_defaults(func=cmd_followups)
    actions = followups.add_subparsers(dest="followups")
    done = actions.add_parser("done", help="record a follow-up call as made")
    done.add_argument("serial", help="the device's serial number")
    done.add_argument("--months", type=int, help="which milestone (default: the one due now)")
    done.add_argument("--note", help="what the customer said")
    done.add_argument("--by", default="cli", help="who made the call")
    done.set_defaults(func=cmd_followups_done)

    service = commands.add_parser(
        "service-report", help="the service report of a resolved ticket (HTML or PDF)"
    )
    service.add_argument("number", help="ticket number, e.g. SR202611200001")
    service.add_argument("--pdf", type=Path, help="write a PDF to this file (needs chromium)")
    service.add_argument("--html", type=Path, help="write the HTML to this file (default: stdout)")
    service.set_defaults(func=cmd_service_report)
