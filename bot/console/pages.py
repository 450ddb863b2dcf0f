"""What every console page shares: the application's state, the logged-in person, and template rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.catalogue import Catalogue
from bot.clock import local_text, to_local
from bot.console.auth import ROLE_LABELS, Role
from bot.console.config import ConsoleConfig
from bot.console.countdown import DEADLINE_LABELS
from bot.ops.calendar import BusinessCalendar
from bot.ops.lifecycle import Notify
from bot.policy import Distance, ServicePolicy
from bot.replies import DISTANCE_LABELS
from bot.tickets import KIND_LABELS, STATUS_LABELS, TicketKind, TicketStatus
from bot.triage import SEVERITY_LABELS

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Console:
    engine: Engine
    config: ConsoleConfig
    policy: ServicePolicy
    catalogue: Catalogue
    calendar: BusinessCalendar
    secret: str
    clock: Callable[[], datetime]
    # Called after each status change in the same transaction (customer notices); None sends nothing.
    notify: Notify | None
    templates: jinja2.Environment


CONSOLE = web.AppKey("console", Console)
LOGIN = "login"


@dataclass(frozen=True)
class Login:
    """The person behind this request, copied out of the database session so handlers never touch a closed
    one."""

    raw_session_id: str
    user_id: int
    username: str
    display_name: str
    role: Role
    engineer_id: int | None
    csrf_token: str

    @property
    def actor(self) -> str:
        """Who did it, in the audit log."""
        return f"console:{self.username}"

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def login_of(request: web.Request) -> Login:
    login: Login = request[LOGIN]
    return login


def template_environment(policy: ServicePolicy) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )
    zone = policy.timezone
    env.filters["local"] = lambda moment: local_text(moment, zone) if moment else "—"
    env.filters["local_input"] = lambda moment: f"{to_local(moment, zone):%Y-%m-%dT%H:%M}" if moment else ""
    env.filters["unix_local"] = lambda stamp: (
        f"{datetime.fromtimestamp(float(stamp), ZoneInfo(zone)):%m-%d %H:%M:%S}" if stamp else ""
    )
    env.globals.update(
        status_labels={s.value: label for s, label in STATUS_LABELS.items()},
        kind_labels={k.value: label for k, label in KIND_LABELS.items()},
        role_labels={r.value: label for r, label in ROLE_LABELS.items()},
        deadline_labels=DEADLINE_LABELS,
        distance_labels={d.value: label for d, label in DISTANCE_LABELS.items()},
        severity_labels={s.value: label for s, label in SEVERITY_LABELS.items()},
        statuses=[s.value for s in TicketStatus],
        kinds=[k.value for k in TicketKind],
        distances=[d.value for d in Distance],
    )
    return env


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    html = console.templates.get_template(template).render(
        login=request.get(LOGIN), now=console.clock(), path=request.path, **context
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status, message=message)
