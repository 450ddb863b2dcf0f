"""Logging in, sessions, CSRF: no page and no action without a live session and the form's token."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.console.auth import hash_password, sign, verify_password
from bot.db import session_scope
from bot.db.models import ConsoleSession, Ticket
from tests.factories import FakeClock
from tests.support import CSRF, PASSWORD, Console

pytestmark = pytest.mark.anyio


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("geheim-123"), hash_password("geheim-123")
    assert first != second and first.startswith("scrypt$") and "geheim" not in first
    assert verify_password("geheim-123", first) and verify_password("geheim-123", second)
    assert not verify_password("geheim-124", first)
    assert not verify_password("geheim-123", "plaintext")


@pytest.mark.parametrize(
    "path", ["/", "/queue", "/complaints", "/reviews", "/kpi", "/tickets/SR202611230001"]
)
async def test_pages_redirect_to_login_without_a_session(console: Console, path: str) -> None:
    response = await console.client.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login?next=")


async def test_a_form_posted_without_a_session_is_refused(
    console: Console, database: Engine, number: str
) -> None:
    status, page = await console.post(f"/tickets/{number}/note", note="hello")
    assert status == 403 and "请先登录" in page
    with session_scope(database) as session:
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 1
        ticket = session.execute(select(Ticket)).scalar_one()
        assert [e.kind for e in ticket.events] == ["created"]


@pytest.mark.parametrize("username, password", [("li", "wrong password"), ("nobody", PASSWORD)])
async def test_wrong_name_or_password_is_one_polite_answer(
    console: Console, username: str, password: str
) -> None:
    response = await console.submit_login(username, password)
    assert response.status == 401
    assert "用户名或密码不正确" in await response.text()
    assert (await console.client.get("/queue", allow_redirects=False)).status == 303


async def test_login_form_needs_its_csrf_token(console: Console) -> None:
    await console.client.get("/login")
    response = await console.client.post(
        "/login", data={"username": "li", "password": PASSWORD, "csrf_token": "forged"}, allow_redirects=False
    )
    assert response.status == 403 and "登录页面已过期" in await response.text()


async def test_login_sets_an_httponly_samesite_session_cookie_and_goes_to_next(console: Console) -> None:
    response = await console.submit_login("li", next_page="/kpi")
    assert response.status == 303 and response.headers["Location"] == "/kpi"
    cookie = response.cookies["hotline_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == str(12 * 3600)
    status, text = await console.get("/kpi")
    assert status == 200 and "李工（工程师）" in text


async def test_next_never_leaves_the_site(console: Console) -> None:
    response = await console.submit_login("li", next_page="//evil.example.com/")
    assert response.headers["Location"] == "/queue"


async def test_a_post_without_the_sessions_csrf_token_changes_nothing(
    console: Console, database: Engine, number: str
) -> None:
    await console.login("li")
    for token in ("", "forged-token"):
        response = await console.client.post(
            f"/tickets/{number}/claim", data={"csrf_token": token}, allow_redirects=False
        )
        assert response.status == 403 and "页面已过期" in await response.text()
    with session_scope(database) as session:
        assert session.execute(select(Ticket.status)).scalar_one() == "new"


async def test_a_forged_session_cookie_is_not_a_login(console: Console) -> None:
    await console.login("li")
    raw = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))[
        "hotline_console"
    ].value
    session_id = raw.rpartition(".")[0]
    console.client.session.cookie_jar.update_cookies({"hotline_console": sign("another-secret", session_id)})
    assert (await console.client.get("/queue", allow_redirects=False)).status == 303


async def test_a_session_expires_after_its_lifetime(console: Console, clock: FakeClock) -> None:
    await console.login("li")
    clock.advance(hours=11, minutes=59)
    assert (await console.get("/queue"))[0] == 200
    clock.advance(minutes=2)
    assert (await console.get("/queue"))[0] == 303


async def test_logout_ends_the_session_on_the_server(console: Console, database: Engine) -> None:
    await console.login("li")
    cookie = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))[
        "hotline_console"
    ].value
    status, _ = await console.post("/logout")
    assert status == 303
    with session_scope(database) as session:
        assert session.execute(select(func.count()).select_from(ConsoleSession)).scalar_one() == 0
    # The old cookie, replayed, no longer logs anyone in.
    console.client.session.cookie_jar.update_cookies({"hotline_console": cookie})
    assert (await console.get("/queue"))[0] == 303


async def test_pages_are_not_cached_or_framed(console: Console) -> None:
    await console.login("li")
    response = await console.client.get("/queue")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_a_second_login_tab_does_not_void_the_first_ones_form(console: Console) -> None:
    first = CSRF.search(await (await console.client.get("/login")).text())
    second = CSRF.search(await (await console.client.get("/login?next=/kpi")).text())
    assert first and second and first.group(1) == second.group(1)
    response = await console.client.post(
        "/login",
        data={"username": "li", "password": PASSWORD, "csrf_token": first.group(1)},
        allow_redirects=False,
    )
    assert response.status == 303
