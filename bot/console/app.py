"""The tier-2 engineers' web console: server-rendered pages over the tickets, behind a login.

Every request but the login page, the health check and the stylesheet needs a live session; every POST needs
the session's CSRF token. The few engineers of a region use it at once, so database calls run on the event
loop (each takes milliseconds on the local database) instead of adding a thread pool.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.catalogue import Catalogue, current_catalogue
from bot.clock import utc_now
from bot.config import settings
from bot.console import csrf
from bot.console.auth import SESSION_COOKIE, Role, cookie_secret, current_session, unsign
from bot.console.config import ConsoleConfig, console_config
from bot.console.contact_pages import routes as contact_routes
from bot.console.conversations import routes as conversation_routes
from bot.console.kb import routes as kb_routes
from bot.console.pages import CONSOLE, LOGIN, Console, Login, error_page, template_environment
from bot.console.safety_pages import routes as safety_routes
from bot.console.texts import say
from bot.console.views import routes
from bot.db import default_engine, session_scope
from bot.notify.notices import notify_status_change
from bot.ops.calendar import BusinessCalendar, current_calendar
from bot.ops.lifecycle import Notify
from bot.policy import ServicePolicy, current_policy

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PUBLIC_PATHS = frozenset({"/login", "/health"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A Chinese page for every failure; the stack trace goes to the log, never to the browser."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_page(request, 404, say("errors.not_found"))
    except web.HTTPException:
        raise
    except Exception:
        log.exception("console request %s %s failed", request.method, request.path)
        return error_page(request, 500, say("errors.server_error"))


@web.middleware
async def login_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS or request.path.startswith("/static/"):
        return await handler(request)
    console = request.app[CONSOLE]
    login = _login_from_cookie(console, request.cookies.get(SESSION_COOKIE))
    if login is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs)}")
        # A form posted without a session: refused outright, it is not replayed after logging in.
        return error_page(request, 403, say("errors.login_required"))
    request[LOGIN] = login
    if request.method == "POST":
        form = await request.post()
        given = form.get(csrf.FIELD)
        if not csrf.tokens_match(login.csrf_token, given if isinstance(given, str) else None):
            return error_page(request, 403, say("errors.csrf"))
    return await handler(request)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
    if response.content_type == "text/html":
        # Ticket pages hold patients' hospitals and phone numbers: not for shared caches or the back button.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _login_from_cookie(console: Console, cookie: str | None) -> Login | None:
    raw_id = unsign(console.secret, cookie) if cookie else None
    if raw_id is None:
        return None
    with session_scope(console.engine) as session:
        found = current_session(session, raw_id, now=console.clock())
        if found is None:
            return None
        user = found.user
        return Login(
            raw_id,
            user.id,
            user.username,
            user.display_name,
            Role(user.role),
            user.engineer_id,
            found.csrf_token,
        )


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_app(
    engine: Engine,
    *,
    secret: str,
    clock: Callable[[], datetime] = utc_now,
    policy: ServicePolicy | None = None,
    catalogue: Catalogue | None = None,
    calendar: BusinessCalendar | None = None,
    config: ConsoleConfig | None = None,
    notify: Notify | None = None,
) -> web.Application:
    policy = policy or current_policy()
    app = web.Application(middlewares=[security_headers, errors, login_required])
    app[CONSOLE] = Console(
        engine=engine,
        config=config or console_config(),
        policy=policy,
        catalogue=catalogue or current_catalogue(),
        calendar=calendar or current_calendar(),
        secret=secret,
        clock=clock,
        notify=notify,
        templates=template_environment(policy),
    )
    app.router.add_get("/health", health)
    app.router.add_static("/static/", STATIC_DIR)
    app.add_routes(routes)
    app.add_routes(kb_routes)
    app.add_routes(safety_routes)
    app.add_routes(contact_routes)
    app.add_routes(conversation_routes)
    return app


def run(host: str = "127.0.0.1", port: int | None = None) -> None:
    """`hotline console`: serve the console until Ctrl-C or SIGTERM."""
    config = settings()
    # Status changes made here tell the hospital through the durable outbox, as the CLI's do.
    app = create_app(
        default_engine(),
        secret=cookie_secret(config.console_secret, config.var_dir),
        notify=notify_status_change,
    )
    port = port or config.console_port
    web.run_app(
        app, host=host, port=port, print=lambda _: print(f"console on http://{host}:{port}/", flush=True)
    )
