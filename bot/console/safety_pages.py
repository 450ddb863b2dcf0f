"""The manager's list of 医疗器械不良事件 (bot/incidents.py), nearest reporting deadline first."""

from __future__ import annotations

from aiohttp import web

from bot.console.pages import console_of, error_page, login_of, render
from bot.console.texts import say
from bot.db import session_scope
from bot.incidents import adverse_events
from bot.safety import current_safety_rules

routes = web.RouteTableDef()


@routes.get("/adverse-events")
async def adverse_events_page(request: web.Request) -> web.Response:
    console, login = console_of(request), login_of(request)
    if not login.is_manager:
        return error_page(request, 403, say("errors.manager_only"))
    with session_scope(console.engine) as session:
        return render(
            request,
            "adverse_events.html",
            events=adverse_events(session),
            labels=current_safety_rules().adverse_event_labels,
        )
