"""The hospital contact directory in the console (bot/contacts.py): managers list, add and edit entries,
including a WeChat binding. New validated contacts of tickets are added each time the page is opened."""

from __future__ import annotations

from aiohttp import web

from bot.console.pages import console_of, error_page, login_of, render
from bot.console.texts import say
from bot.contacts import ContactError, import_from_tickets, list_contacts, save_contact
from bot.db import session_scope

routes = web.RouteTableDef()


@routes.get("/contacts")
async def contacts_page(request: web.Request) -> web.Response:
    return _contacts_page(request)


def _contacts_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    console, login = console_of(request), login_of(request)
    if not login.is_manager:
        return error_page(request, 403, say("errors.manager_only"))
    with session_scope(console.engine) as session:
        import_from_tickets(session, now=console.clock())
        return render(
            request,
            "contacts.html",
            status=status,
            contacts=list_contacts(session),
            error=error,
            done=say("done.contact") if "done" in request.query else None,
        )


@routes.post("/contacts")
async def contact_submit(request: web.Request) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    if not login.is_manager:
        return error_page(request, 403, say("errors.manager_only"))
    form = await request.post()

    def field(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    try:
        with session_scope(console.engine) as session:
            save_contact(
                session,
                now=console.clock(),
                source="console",
                contact_id=int(field("id")) if field("id").isdigit() else None,
                name=field("name"),
                phone=field("phone"),
                hospital=field("hospital"),
                department=field("department"),
                wechat_openid=field("wechat_openid"),
            )
    except ContactError as error:
        return _contacts_page(request, status=400, error=str(error))
    raise web.HTTPSeeOther("/contacts?done=1")
