"""The tier-2 parts of the `hotline` command: `staff`, `tickets assign|transition`, `worker`.

bot/app/cli.py adds them to its parser. Times on the command line are local ("2026-11-21 14:30", the policy's
zone); refusals print the lifecycle's Chinese sentence and exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.catalogue import current_catalogue
from bot.clock import local_text, utc_now
from bot.config import settings
from bot.db import session_factory, session_scope
from bot.db.models import Engineer, OnCallShift, Ticket
from bot.handoff.jobs import handoff_sweep_job
from bot.notify.jobs import journal_replay_job, outbox_delivery_job
from bot.notify.notices import notify_status_change
from bot.notify.outbox import session_sms_sender
from bot.ops import lifecycle
from bot.ops.calendar import current_calendar
from bot.ops.dispatch import suggest
from bot.ops.lifecycle import OpsError, PartUsed
from bot.ops.staff import DAYS, ROLES, add_engineer, add_shift, find_engineer, list_engineers, on_call, rota
from bot.ops.texts import labels, say
from bot.ops.worker import run_every, sla_sweep_job
from bot.policy import current_policy
from bot.replies import ticket_status
from bot.tickets import STATUS_LABELS, TicketStatus, find_ticket, list_tickets, ticket_as_dict

logger = logging.getLogger(__name__)


def local_time(text: str) -> datetime:
    """'2026-11-21 14:30' in the policy's zone → naive UTC."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OpsError(say("errors.bad_time", text=text)) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(current_policy().timezone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _engineer_row(engineer: Engineer) -> dict[str, object]:
    return {
        "id": engineer.id,
        "name": engineer.name,
        "phone": engineer.phone,
        "tier": engineer.tier,
        "manager": engineer.is_manager,
        "regions": list(engineer.regions),
        "skills": list(engineer.skills),
        "active": engineer.active,
    }


def cmd_staff_list(args: argparse.Namespace) -> int:
    with session_scope() as session:
        people = list_engineers(session, active_only=not args.all)
        if args.json:
            print(json.dumps([_engineer_row(e) for e in people], ensure_ascii=False, indent=2))
            return 0
        for e in people:
            role = "经理" if e.is_manager else f"{e.tier}线"
            print(
                f"{e.id:>3}  {e.name:<4} {e.phone}  {role}  {'、'.join(e.regions)} "
                f" {','.join(e.skills) or '-'}"
                f"{'' if e.active else '  (停用)'}"
            )
        print(f"{len(people)} engineer(s)")
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    with session_scope() as session:
        engineer = add_engineer(
            session,
            name=args.name,
            phone=args.phone,
            tier=args.tier,
            regions=_listed(args.regions),
            skills=_listed(args.skills),
            is_manager=args.manager,
            policy=current_policy(),
            catalogue=current_catalogue(),
        )
        print(f"engineer {engineer.id}: {engineer.name} {engineer.phone}")
    return 0


def _shift_line(shift: OnCallShift) -> str:
    period = ""
    if shift.valid_from or shift.valid_to:
        period = f"  {shift.valid_from or '…'}..{shift.valid_to or '…'}"
    return (
        f"#{shift.id}  {shift.region}  {shift.role:<7} {shift.days:<8} {shift.starts}-{shift.ends}  "
        f"{shift.engineer.name} {shift.engineer.phone}{period}"
    )


def cmd_staff_rota(args: argparse.Namespace) -> int:
    with session_scope() as session:
        shifts = rota(session, args.region)
        for shift in shifts:
            print(_shift_line(shift))
        print(f"{len(shifts)} shift(s)")
    return 0


def cmd_staff_shift_add(args: argparse.Namespace) -> int:
    with session_scope() as session:
        engineer = find_engineer(session, args.engineer)
        if engineer is None:
            raise OpsError(say("errors.engineer_not_found", engineer=args.engineer))
        shift = add_shift(
            session,
            engineer=engineer,
            region=args.region,
            role=args.role,
            days=args.days,
            starts=args.starts,
            ends=args.ends,
            policy=current_policy(),
            valid_from=_local_date(args.valid_from),
            valid_to=_local_date(args.valid_to),
        )
        print(_shift_line(shift))
    return 0


def cmd_staff_shift_remove(args: argparse.Namespace) -> int:
    with session_scope() as session:
        shift = session.get(OnCallShift, args.id)
        if shift is None:
            raise OpsError(say("errors.shift_not_found", id=args.id))
        print(f"removed {_shift_line(shift)}")
        session.delete(shift)
    return 0


def _local_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise OpsError(say("errors.bad_date", text=text)) from error


def cmd_staff_oncall(args: argparse.Namespace) -> int:
    at = local_time(args.at) if args.at else utc_now()
    policy = current_policy()
    regions = [args.region] if args.region else list(policy.value("service_area.station_cities"))
    print(f"on call at {local_text(at, policy.timezone)}:")
    rota = labels("rota")
    with session_scope() as session:
        for region in regions:
            duty = on_call(session, region, at, current_calendar())
            names = "；".join(f"{rota[d.role]} {d.engineer.name} {d.engineer.phone}" for d in duty)
            print(f"  {region}：{names or rota['nobody']}")
    return 0


def cmd_tickets_assign(args: argparse.Namespace) -> int:
    policy = current_policy()
    with session_scope() as session:
        ticket = find_ticket(session, args.id)
        if ticket is None:
            raise lifecycle.TicketNotFound(say("errors.ticket_not_found", number=args.id))
        if args.engineer is None and not args.best:
            suggestions = suggest(
                session,
                ticket,
                policy=policy,
                catalogue=current_catalogue(),
                calendar=current_calendar(),
                at=utc_now(),
                limit=args.limit,
            )
            for rank, s in enumerate(suggestions, 1):
                print(
                    f"{rank}. {s.engineer.name} {s.engineer.phone} (id {s.engineer.id})："
                    f"{'，'.join(s.reasons)}"
                )
            print("assign with --engineer ID|PHONE, or --best for the first")
            return 0
        engineer = _chosen_engineer(session, ticket, args)
        ticket = lifecycle.assign(
            session,
            ticket.number,
            engineer.id,
            actor=args.actor,
            eta=local_time(args.eta) if args.eta else None,
            note=args.note,
            notify=notify_status_change,
        )
        print(
            f"{ticket.number}: {STATUS_LABELS[TicketStatus(ticket.status)]}（{engineer.name}"
            f" {engineer.phone}）"
        )
    return 0


def _chosen_engineer(session: Session, ticket: Ticket, args: argparse.Namespace) -> Engineer:
    if args.best:
        best = suggest(
            session,
            ticket,
            policy=current_policy(),
            catalogue=current_catalogue(),
            calendar=current_calendar(),
            at=utc_now(),
            limit=1,
        )
        if not best:
            raise OpsError(say("errors.no_engineer_available"))
        return best[0].engineer
    engineer = find_engineer(session, args.engineer)
    if engineer is None:
        raise OpsError(say("errors.engineer_not_found", engineer=args.engineer))
    return engineer


def cmd_tickets_transition(args: argparse.Namespace) -> int:
    target = TicketStatus(args.status)
    details: dict[str, Any] = {}
    if args.eta:
        details["eta"] = local_time(args.eta)
    if target is TicketStatus.RESOLVED:
        if args.remote is None:
            raise OpsError(say("errors.resolved_how"))
        details.update(
            cause=args.cause,
            actions=args.actions,
            remote=args.remote,
            parts=[_part(text) for text in args.part],
        )
    with session_scope() as session:
        ticket = lifecycle.transition(
            session, args.id, target, actor=args.actor, note=args.note, notify=notify_status_change, **details
        )
        print(f"{ticket.number}: {STATUS_LABELS[TicketStatus(ticket.status)]}")
    return 0


def _part(text: str) -> PartUsed:
    """MODEL:QUANTITY, e.g. KR-LAMP-12V:1."""
    model, _, quantity = text.rpartition(":")
    if not model or not quantity.isdigit():
        raise OpsError(say("errors.part_format", text=text))
    return PartUsed(model=model, quantity=int(quantity))


def _listed(text: str) -> list[str]:
    return [item.strip() for item in text.replace("，", ",").split(",") if item.strip()]


def cmd_worker(args: argparse.Namespace) -> int:
    policy, calendar = current_policy(), current_calendar()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not calendar.covers(utc_now().date()):
        logger.warning(
            "kb/calendar.yml has no holidays for %s: working days count weekends only", utc_now().year
        )
    interval = (
        args.interval
        or settings().worker_interval_seconds
        or float(policy.value("sla.worker_interval_seconds"))
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    factory = session_factory()
    # Journaled tickets first, so the sweep sees them; delivery last, so this round's pages go out at once.
    jobs = {
        "journal": journal_replay_job(factory),
        "sla_sweep": sla_sweep_job(
            None,
            policy=policy,
            calendar=calendar,
            catalogue=current_catalogue(),
            sender_for=session_sms_sender,
        ),
        "handoff": handoff_sweep_job(None, policy=policy, calendar=calendar),
        "outbox": outbox_delivery_job(factory),
    }
    print(f"worker: {', '.join(jobs)} every {interval:g} s; Ctrl-C stops.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_every(jobs, interval_seconds=interval, stop=stop, rounds=1 if args.once else None)
    return 0


def add_staff_commands(commands: argparse._SubParsersAction) -> None:
    staff = commands.add_parser("staff", help="engineers and the on-call rota").add_subparsers(
        dest="staff", required=True
    )
    listing = staff.add_parser("list", help="engineers, active ones unless --all")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_staff_list)
    add = staff.add_parser("add", help="add an engineer")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--tier", type=int, choices=(2, 3), default=2)
    add.add_argument("--regions", required=True, help="station cities, comma-separated")
    add.add_argument("--skills", default="", help="device type ids of kb/devices.yml, comma-separated")
    add.add_argument("--manager", action="store_true")
    add.set_defaults(func=cmd_staff_add)
    shifts = staff.add_parser("rota", help="the on-call rota")
    shifts.add_argument("--region")
    shifts.set_defaults(func=cmd_staff_rota)
    shift = staff.add_parser("shift", help="add or remove a line of the on-call rota").add_subparsers(
        dest="shift", required=True
    )
    add_shift_parser = shift.add_parser("add", help="who covers a region, when (local time)")
    add_shift_parser.add_argument("--engineer", required=True, help="id or phone of the engineer")
    add_shift_parser.add_argument("--region", required=True, help="a station city")
    add_shift_parser.add_argument("--role", choices=ROLES, default="primary")
    add_shift_parser.add_argument("--days", required=True, help=f"one of {', '.join(DAYS)}")
    add_shift_parser.add_argument("--from", dest="starts", required=True, help="HH:MM")
    add_shift_parser.add_argument(
        "--to", dest="ends", required=True, help="HH:MM; not after --from: past midnight; equal: 24 hours"
    )
    add_shift_parser.add_argument("--valid-from", help="first local date, e.g. 2026-10-01")
    add_shift_parser.add_argument("--valid-to", help="last local date")
    add_shift_parser.set_defaults(func=cmd_staff_shift_add)
    remove_shift = shift.add_parser("remove", help="remove a rota line by its #id (see hotline staff rota)")
    remove_shift.add_argument("id", type=int)
    remove_shift.set_defaults(func=cmd_staff_shift_remove)
    oncall = staff.add_parser("oncall", help="who is on call now, or --at a local time")
    oncall.add_argument("--at", help='local time, e.g. "2026-10-01 23:00"')
    oncall.add_argument("--region")
    oncall.set_defaults(func=cmd_staff_oncall)

    worker = commands.add_parser("worker", help="run the SLA sweep and paging ladder every few seconds")
    worker.add_argument("--interval", type=float, help="seconds between rounds (default: policy sla)")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.set_defaults(func=cmd_worker)


def cmd_tickets_list(args: argparse.Namespace) -> int:
    with session_scope() as session:
        tickets = list_tickets(session, status=args.status, phone=args.phone)
        if args.json:
            print(json.dumps([ticket_as_dict(t) for t in tickets], ensure_ascii=False, indent=2))
            return 0
        for ticket in tickets:
            print(
                f"{ticket.number}  {ticket.kind:<11} {ticket.status:<10}"
                f" {'紧急' if ticket.urgent else '    '} "
                f"{ticket.hospital or '-'} {ticket.department or '-'} {ticket.device or '-'}"
            )
        print(f"{len(tickets)} ticket(s)")
    return 0


def cmd_tickets_show(args: argparse.Namespace) -> int:
    with session_scope() as session:
        ticket = find_ticket(session, args.id)
        if ticket is None:
            print(f"hotline: no ticket {args.id}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(ticket_as_dict(ticket), ensure_ascii=False, indent=2))
        else:
            print(ticket_status(ticket, current_policy()))
            for key, value in ticket_as_dict(ticket).items():
                if key not in ("transcript", "events"):
                    print(f"  {key}: {value}")
    return 0


def add_ticket_commands(commands: argparse._SubParsersAction) -> None:
    tickets = commands.add_parser("tickets", help="look at tickets").add_subparsers(
        dest="tickets", required=True
    )
    listing = tickets.add_parser("list")
    listing.add_argument("--status")
    listing.add_argument("--phone")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_tickets_list)
    show = tickets.add_parser("show")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_tickets_show)
    assign = tickets.add_parser("assign", help="suggest engineers for a ticket, or assign one")
    assign.add_argument("id")
    assign.add_argument("--engineer", help="engineer id or phone")
    assign.add_argument("--best", action="store_true", help="assign the first suggestion")
    assign.add_argument("--eta", help="local time")
    assign.add_argument("--note")
    assign.add_argument("--limit", type=int, default=5)
    assign.add_argument("--actor", default="cli")
    assign.set_defaults(func=cmd_tickets_assign)
    move = tickets.add_parser("transition", help="move a ticket to another state")
    move.add_argument("id")
    move.add_argument(
        "status",
        choices=[s.value for s in TicketStatus if s not in (TicketStatus.NEW, TicketStatus.DISPATCHED)],
        help="dispatched: use tickets assign",
    )
    move.add_argument("--note", help="a note; the reason for cancelled and reopened")
    move.add_argument("--eta", help="local time (accepted, en_route)")
    move.add_argument("--cause", help="resolved: the fault's cause")
    move.add_argument("--actions", help="resolved: what was done")
    move.add_argument("--part", action="append", default=[], help="resolved: MODEL:QUANTITY, repeatable")
    where = move.add_mutually_exclusive_group()
    where.add_argument("--remote", dest="remote", action="store_true", default=None)
    where.add_argument("--on-site", dest="remote", action="store_false")
    move.add_argument("--actor", default="cli")
    move.set_defaults(func=cmd_tickets_transition)
