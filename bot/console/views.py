"""The console's pages and form actions. Each action checks who may do it, then calls bot.ops.lifecycle."""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.orm import Session
from yarl import URL

import bot.texts
from bot.clock import local_text
from bot.config import settings
from bot.console import csrf
from bot.console.auth import SESSION_COOKIE, authenticate, end_session, sign, start_session, unsign
from bot.console.countdown import countdown
from bot.console.kpi import kpi_report, last_days
from bot.console.pages import Console, Login, console_of, error_page, login_of, render
from bot.console.queues import QueueFilter, ReviewError, low_ratings, queue, record_review, regions
from bot.console.texts import labels, say
from bot.console.throttle import clear_failures, locked_until, record_failure, throttle_keys
from bot.db import session_scope
from bot.db.models import Engineer, Ticket
from bot.errors import Refused
from bot.notify.notices import notify_report_ready
from bot.ops import lifecycle
from bot.ops.dispatch import region_for, suggest
from bot.ops.lifecycle import ETA_STATUSES, PartUsed
from bot.reports.charts import bar_chart
from bot.reports.config import ReportError
from bot.reports.service_report import render_service_report_html, render_service_report_pdf
from bot.tickets import TicketKind, TicketStatus, find_ticket

routes = web.RouteTableDef()

# The resolve form's rows for replaced parts; more parts of one repair go in the note.
PART_ROWS = 3
Form = MultiDictProxy[Any]


class Forbidden(Refused):
    """The person may not do this; the message says why."""

    status = 403


class FormError(Refused):
    """The form was filled in wrongly; the message says what to fix."""


# --- login --------------------------------------------------------------------------------------------------


_NEXT_PATH = re.compile(r"/[A-Za-z0-9/_\-?=&.%~+]*")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or protocol-relative URL (no open redirect), also once
    decoded (「/%09/evil」: a tab that yarl strips would leave 「//evil」), and never a control character or a
    backslash."""
    if not target or not _NEXT_PATH.fullmatch(target):
        return "/queue"
    decoded = unquote(target)
    if decoded.startswith(("//", "/\\")) or "\\" in decoded or any(c < " " or c == "\x7f" for c in decoded):
        return "/queue"
    url = URL(target, encoded=True)
    if url.is_absolute() or url.host is not None or str(url).startswith("//"):
        return "/queue"
    return str(url)


def _secure(request: web.Request) -> bool:
    """Cookies only over TLS: aiohttp's own, or the TLS proxy in front (HOTLINE_CONSOLE_BEHIND_TLS_PROXY)."""
    return request.secure or settings().console_behind_tls_proxy


# scrypt takes tens of milliseconds and 32 MiB: off the event loop, a few at a time (per event loop).
_HASHING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _hashing() -> asyncio.Semaphore:
    return _HASHING.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(2))


def _in_region(session: Session, console: Console, login: Login, ticket: Ticket) -> bool:
    """Need to know: an engineer sees the tickets of the regions they serve and those assigned to them; a
    manager sees all. A login with no engineer record sees only what a manager gives it (nothing here)."""
    if login.is_manager or (login.engineer_id is not None and ticket.engineer_id == login.engineer_id):
        return True
    engineer = session.get(Engineer, login.engineer_id) if login.engineer_id is not None else None
    return engineer is not None and region_for(ticket.site_city, console.policy) in (engineer.regions or [])


def _login_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    console = console_of(request)
    # The token already in the browser is kept: another tab (or the favicon's redirect) must not void this
    # form's.
    cookie = request.cookies.get(csrf.LOGIN_COOKIE)
    token = (unsign(console.secret, cookie) if cookie else None) or csrf.new_token()
    response = render(
        request,
        "login.html",
        status=status,
        error=error,
        csrf_token=token,
        next=_safe_next(request.query.get("next")),
        username=request.get("username_tried", ""),
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        sign(console.secret, token),
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request)


@routes.post("/login")
async def login_submit(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    cookie = request.cookies.get(csrf.LOGIN_COOKIE)
    expected = unsign(console.secret, cookie) if cookie else None
    if not csrf.tokens_match(expected, _text(form, csrf.FIELD)):
        return _login_page(request, status=403, error=say("errors.login_expired"))
    username = _text(form, "username")
    request["username_tried"] = username
    keys = throttle_keys(username, request.remote or "")
    with session_scope(console.engine) as session:
        locked = locked_until(session, keys, console.clock())
    if locked is not None:
        return _locked_page(request, locked)
    async with _hashing():
        raw_id = await asyncio.get_running_loop().run_in_executor(
            None, _log_in, console, username, _text(form, "password", strip=False), keys
        )
    if isinstance(raw_id, datetime):
        return _locked_page(request, raw_id)
    if raw_id is None:
        return _login_page(request, status=401, error=say("errors.login_failed"))
    response = web.HTTPSeeOther(_safe_next(_text(form, "next")))
    response.set_cookie(
        SESSION_COOKIE,
        sign(console.secret, raw_id),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
        max_age=int(console.config.session_lifetime.total_seconds()),
    )
    response.del_cookie(csrf.LOGIN_COOKIE, path="/login")
    return response


def _log_in(console: Console, username: str, password: str, keys: list[str]) -> str | datetime | None:
    """The new session's raw id; else the end of the lock this failure caused, or None."""
    now = console.clock()
    with session_scope(console.engine) as session:
        user = authenticate(session, username, password)
        if user is None:
            return record_failure(session, keys, now, console.config.login_throttle)
        clear_failures(session, keys[0])
        return start_session(session, user, now=now, lifetime=console.config.session_lifetime)


def _locked_page(request: web.Request, until: datetime) -> web.Response:
    console = console_of(request)
    when = local_text(until, console.policy.timezone)
    return _login_page(request, status=429, error=say("errors.login_locked", until=when))


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    with session_scope(console.engine) as session:
        end_session(session, login_of(request).raw_session_id)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- lists --------------------------------------------------------------------------------------------------


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/queue")


@routes.get("/queue")
async def queue_page(request: web.Request) -> web.Response:
    return _queue_page(request, say("pages.queue"), QueueFilter.from_query(dict(request.query)))


@routes.get("/complaints")
async def complaints_page(request: web.Request) -> web.Response:
    wanted = QueueFilter.from_query({**request.query, "kind": TicketKind.COMPLAINT.value})
    return _queue_page(request, say("pages.complaints"), wanted)


def _queue_page(request: web.Request, title: str, wanted: QueueFilter) -> web.Response:
    console = console_of(request)
    with session_scope(console.engine) as session:
        login = login_of(request)
        rows = [
            row
            for row in queue(session, wanted, console.clock(), console.config)
            if _in_region(session, console, login, row.ticket)
        ]
        return render(request, "queue.html", title=title, rows=rows, wanted=wanted, regions=regions(session))


@routes.get("/reviews")
async def reviews_page(request: web.Request) -> web.Response:
    return _reviews_page(request)


def _reviews_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    console = console_of(request)
    below = int(console.policy.value("satisfaction.review_below"))
    with session_scope(console.engine) as session:
        return render(
            request,
            "reviews.html",
            status=status,
            rows=low_ratings(session, below),
            below=below,
            error=error,
            done=say("done.review") if "done" in request.query else None,
        )


@routes.post("/reviews/{rating_id:\\d+}")
async def review_submit(request: web.Request) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    if not login.is_manager:
        return error_page(request, 403, say("errors.manager_only"))
    form = await request.post()
    try:
        with session_scope(console.engine) as session:
            record_review(
                session,
                int(request.match_info["rating_id"]),
                _text(form, "outcome"),
                actor=login.actor,
                now=console.clock(),
                below=int(console.policy.value("satisfaction.review_below")),
            )
    except ReviewError as error:
        return _reviews_page(request, status=error.status, error=str(error))
    raise web.HTTPSeeOther("/reviews?done=1")


@routes.get("/kpi")
async def kpi_page(request: web.Request) -> web.Response:
    console = console_of(request)
    with session_scope(console.engine) as session:
        now, zone = console.clock(), console.policy.timezone
        first_day, last_day = last_days(now, console.config.kpi_days, zone)
        report = kpi_report(
            session,
            first_day,
            last_day,
            now=now,
            zone=zone,
            scale_max=int(console.policy.value("satisfaction.scale_max")),
        )
    days = [f"{day.month}/{day.day}" for day in report.days]
    on_time = [s.percent for s in report.response_on_time]
    remote = [s.percent for s in report.remote_resolution]
    charts = [
        bar_chart(say("kpi.tickets"), days, report.tickets, unit=say("kpi.tickets_unit")),
        bar_chart(say("kpi.response_on_time"), days, on_time, unit="%", max_value=100),
        bar_chart(say("kpi.remote_resolution"), days, remote, unit="%", max_value=100),
        bar_chart(
            say("kpi.satisfaction"),
            days,
            report.satisfaction,
            max_value=float(console.policy.value("satisfaction.scale_max")),
        ),
        bar_chart(
            say("kpi.scores"),
            [say("kpi.score", score=score) for score in report.score_counts],
            list(report.score_counts.values()),
            unit=say("kpi.scores_unit"),
        ),
    ]
    return render(request, "kpi.html", report=report, charts=charts)


# --- one ticket
# -------------------------------------------------------------------------------------------------


@routes.get("/tickets/{number}")
async def ticket_page(request: web.Request) -> web.Response:
    return _ticket_page(request, request.match_info["number"])


def _ticket_page(
    request: web.Request,
    number: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: Form | None = None,
) -> web.Response:
    console, login = console_of(request), login_of(request)
    done = request.query.get("done")
    with session_scope(console.engine) as session:
        ticket = find_ticket(session, number)
        if ticket is None:
            raise web.HTTPNotFound()
        if not _in_region(session, console, login, ticket):
            return error_page(request, 403, say("errors.other_region"))
        suggestions = (
            suggest(
                session,
                ticket,
                policy=console.policy,
                catalogue=console.catalogue,
                calendar=console.calendar,
                at=console.clock(),
            )
            if login.is_manager
            else []
        )
        return render(
            request,
            "ticket.html",
            status=status,
            ticket=ticket,
            error=error,
            form=form or {},
            done=labels("done").get(done) if done else None,
            countdown=countdown(
                ticket, console.clock(), console.config.countdown, console.config.amber_below_fraction
            ),
            allowed=[s.value for s in lifecycle.allowed_transitions(ticket)],
            may_act=_may_act(login, ticket.engineer_id),
            eta_allowed=TicketStatus(ticket.status) in ETA_STATUSES,
            suggestions=suggestions,
            part_rows=range(1, PART_ROWS + 1),
            step_outcomes=bot.texts.labels("step_outcomes"),
        )


@routes.get("/tickets/{number}/report")
async def service_report_page(request: web.Request) -> web.Response:
    """《维修服务报告》 of a resolved ticket, to print or to send; `?format=pdf` for the PDF."""
    console, number = console_of(request), request.match_info["number"]
    with session_scope(console.engine) as session:
        ticket = find_ticket(session, number)
        if ticket is not None and not _in_region(session, console, login_of(request), ticket):
            return error_page(request, 403, say("errors.other_region"))

    def make() -> bytes | str:
        with session_scope(console.engine) as session:
            if request.query.get("format") == "pdf":
                return render_service_report_pdf(session, number)
            return render_service_report_html(session, number)

    try:
        # Printing to PDF runs a browser for a second or two: not on the event loop.
        made = await asyncio.get_running_loop().run_in_executor(None, make)
    except ReportError as error:
        return web.Response(status=error.status, text=str(error), content_type="text/plain", charset="utf-8")
    if isinstance(made, bytes):
        return web.Response(
            body=made,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{number}.pdf"'},
        )
    return web.Response(text=made, content_type="text/html", charset="utf-8")


@routes.post("/tickets/{number}/{action}")
async def ticket_action(request: web.Request) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    number, name = request.match_info["number"], request.match_info["action"]
    action = ACTIONS.get(name)
    if action is None:
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        with session_scope(console.engine) as session:
            ticket = find_ticket(session, number)
            if ticket is None:
                raise web.HTTPNotFound()
            if not _in_region(session, console, login, ticket):
                return error_page(request, 403, say("errors.other_region"))
            action(
                TicketPost(
                    session,
                    console,
                    login,
                    ticket.number,
                    TicketStatus(ticket.status),
                    ticket.engineer_id,
                    form,
                )
            )
            number = ticket.number
    except Refused as refused:
        return _ticket_page(request, number, status=refused.status, error=str(refused), form=form)
    raise web.HTTPSeeOther(f"/tickets/{number}?done={name}")


@dataclass(frozen=True)
class TicketPost:
    """One form post on a ticket, inside its transaction."""

    session: Session
    console: Console
    login: Login
    number: str
    status: TicketStatus
    assigned_engineer_id: int | None
    form: Form

    @property
    def now(self) -> datetime:
        return self.console.clock()

    def text(self, name: str) -> str:
        return _text(self.form, name)

    def require_manager(self) -> None:
        if not self.login.is_manager:
            raise Forbidden(say("errors.manager_only"))

    def require_assignee(self) -> None:
        """The engineer the ticket is assigned to, or a manager."""
        if not _may_act(self.login, self.assigned_engineer_id):
            raise Forbidden(say("errors.not_your_ticket"))

    def eta(self) -> datetime | None:
        """The form's optional ETA; None when left empty."""
        return self.required_eta() if self.text("eta") else None

    def required_eta(self) -> datetime:
        """The form's local datetime-local value as naive UTC."""
        value = self.text("eta")
        try:
            local = datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(
                tzinfo=ZoneInfo(self.console.policy.timezone)
            )
        except ValueError as error:
            raise FormError(say("errors.bad_eta")) from error
        return local.astimezone(timezone.utc).replace(tzinfo=None)


def _may_act(login: Login, assigned_engineer_id: int | None) -> bool:
    return login.is_manager or (login.engineer_id is not None and login.engineer_id == assigned_engineer_id)


def _claim(act: TicketPost) -> None:
    if act.login.engineer_id is None:
        raise Forbidden(say("errors.no_engineer_link"))
    _require_may_assign(act, act.login.engineer_id)
    if act.assigned_engineer_id == act.login.engineer_id and act.status is not TicketStatus.REOPENED:
        return  # already theirs (a second click): re-dispatching would page and notify everyone again
    lifecycle.assign(
        act.session,
        act.number,
        act.login.engineer_id,
        actor=act.login.actor,
        notify=act.console.notify,
        at=act.now,
    )


def _require_may_assign(act: TicketPost, engineer_id: int) -> None:
    """An engineer may take an unassigned ticket (or their own back); any other assignment is a manager's."""
    own = act.login.engineer_id
    if engineer_id != own or act.assigned_engineer_id not in (None, own):
        act.require_manager()


def _assign(act: TicketPost) -> None:
    engineer = act.text("engineer_id")
    if not engineer.isdigit():
        raise FormError(say("errors.bad_engineer"))
    _require_may_assign(act, int(engineer))
    lifecycle.assign(
        act.session,
        act.number,
        int(engineer),
        actor=act.login.actor,
        eta=act.eta(),
        note=act.text("note") or None,
        notify=act.console.notify,
        at=act.now,
    )


def _accept(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.accept(
        act.session, act.number, actor=act.login.actor, eta=act.eta(), notify=act.console.notify, at=act.now
    )


def _set_eta(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.set_eta(act.session, act.number, act.required_eta(), actor=act.login.actor, at=act.now)


def _en_route(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.transition(
        act.session,
        act.number,
        TicketStatus.EN_ROUTE,
        actor=act.login.actor,
        eta=act.eta(),
        notify=act.console.notify,
        at=act.now,
    )


def _on_site(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.transition(
        act.session,
        act.number,
        TicketStatus.ON_SITE,
        actor=act.login.actor,
        notify=act.console.notify,
        at=act.now,
    )


def _plan(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.record_plan(act.session, act.number, act.text("plan"), actor=act.login.actor, at=act.now)


def _resolve(act: TicketPost) -> None:
    act.require_assignee()
    where = act.text("where")
    if where not in ("remote", "onsite"):
        raise FormError(say("errors.where_missing"))
    lifecycle.resolve(
        act.session,
        act.number,
        actor=act.login.actor,
        cause=act.text("cause"),
        actions=act.text("actions"),
        parts=_parts(act),
        remote=where == "remote",
        note=act.text("note") or None,
        notify=act.console.notify,
        at=act.now,
    )


def _parts(act: TicketPost) -> list[PartUsed]:
    """The filled rows of the parts table; a row needs both a model and a whole, positive quantity."""
    parts = []
    for row in range(1, PART_ROWS + 1):
        model, quantity = act.text(f"part_model_{row}"), act.text(f"part_quantity_{row}")
        if not model and not quantity:
            continue
        if not model:
            raise FormError(say("errors.part_model_missing"))
        if not quantity.isdigit() or int(quantity) < 1:
            raise FormError(say("errors.bad_part_quantity"))
        parts.append(PartUsed(model=model, quantity=int(quantity)))
    return parts


def _close(act: TicketPost) -> None:
    act.require_manager()
    lifecycle.close(
        act.session,
        act.number,
        actor=act.login.actor,
        note=act.text("note") or None,
        notify=act.console.notify,
        at=act.now,
    )


def _reopen(act: TicketPost) -> None:
    act.require_manager()
    lifecycle.reopen(
        act.session,
        act.number,
        actor=act.login.actor,
        reason=act.text("note"),
        notify=act.console.notify,
        at=act.now,
    )


def _cancel(act: TicketPost) -> None:
    act.require_manager()
    lifecycle.cancel(
        act.session,
        act.number,
        actor=act.login.actor,
        reason=act.text("note"),
        notify=act.console.notify,
        at=act.now,
    )


def _send_report(act: TicketPost) -> None:
    act.require_assignee()
    lifecycle.send_service_report(
        act.session,
        act.number,
        actor=act.login.actor,
        at=act.now,
        notify_report=lambda session, ticket, event_id: notify_report_ready(
            session, ticket, event_id=event_id
        ),
    )


def _note(act: TicketPost) -> None:
    lifecycle.add_note(act.session, act.number, act.text("note"), actor=act.login.actor, at=act.now)


ACTIONS: dict[str, Callable[[TicketPost], None]] = {
    "claim": _claim,
    "assign": _assign,
    "accept": _accept,
    "eta": _set_eta,
    "en_route": _en_route,
    "on_site": _on_site,
    "plan": _plan,
    "resolve": _resolve,
    "close": _close,
    "reopen": _reopen,
    "cancel": _cancel,
    "note": _note,
    "send_report": _send_report,
}


# --- helpers
# ----------------------------------------------------------------------------------------------------


def _text(form: Form, name: str, *, strip: bool = True) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value
