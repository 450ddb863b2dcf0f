"""The security review's console findings: open redirect, throttling, password hashing, off-boarding, Secure
cookies behind a TLS proxy, and engineers limited to their regions."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot import config
from bot.app.cli import main
from bot.catalogue import current_catalogue
from bot.console import auth
from bot.console.auth import SESSION_COOKIE, authenticate, hash_password
from bot.db import session_scope
from bot.db.models import ConsoleSession, ConsoleUser, Contact, Engineer, Ticket
from bot.identity import caller_of
from bot.ops.staff import seed_staff
from bot.policy import current_policy
from tests.factories import FakeClock, make_ticket
from tests.support import CSRF, PASSWORD, Console, Staff

pytestmark = pytest.mark.anyio


async def login_answer(
    console: Console, username: str, password: str, next_path: str = ""
) -> tuple[int, str]:
    page = await console.client.get("/login" + (f"?next={next_path}" if next_path else ""))
    token = CSRF.search(await page.text())
    assert token
    data = {"username": username, "password": password, "csrf_token": token.group(1)}
    if next_path:
        data["next"] = next_path
    response = await console.client.post("/login", data=data, allow_redirects=False)
    return response.status, response.headers.get("Location") or await response.text()


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/%09/evil.example",
        "//evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "http:evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
    ],
)
async def test_no_open_redirect_after_login(console: Console, staff: Staff, target: str) -> None:
    status, location = await login_answer(console, "li", PASSWORD, target)
    assert status == 303 and location == "/queue"


async def test_a_path_on_this_site_is_kept_after_login(console: Console, staff: Staff) -> None:
    status, location = await login_answer(console, "li", PASSWORD, "/tickets/SR202611230001")
    assert (status, location) == (303, "/tickets/SR202611230001")


async def test_repeated_failures_lock_the_account_with_a_chinese_notice_and_an_audit_entry(
    console: Console, staff: Staff, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hotline.audit"):
        statuses = [(await login_answer(console, "li", "wrong password"))[0] for _ in range(5)]
        status, page = await login_answer(console, "li", PASSWORD)  # right password, but locked now
    assert statuses == [401, 401, 401, 401, 429] and status == 429  # the fifth failure locks
    assert "登录失败次数过多" in page and "暂时锁定" in page
    assert any(
        "locked" in record.getMessage() and "user:li" in record.getMessage() for record in caplog.records
    )
    clock.advance(minutes=16)
    assert (await login_answer(console, "li", PASSWORD))[0] == 303


async def test_one_address_trying_many_accounts_is_locked_too(console: Console, staff: Staff) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        await login_answer(console, name, "guess")
    assert (await login_answer(console, "wang", PASSWORD))[0] == 429


def test_old_hashes_are_raised_to_the_current_cost_at_login(database: Engine, staff: Staff) -> None:
    with session_scope(database) as session:
        user = session.execute(select(ConsoleUser).where(ConsoleUser.username == "li")).scalar_one()
        user.password_hash = _old_hash(PASSWORD)
    with session_scope(database) as session:
        assert authenticate(session, "li", PASSWORD) is not None
    with session_scope(database) as session:
        stored = session.execute(
            select(ConsoleUser.password_hash).where(ConsoleUser.username == "li")
        ).scalar_one()
    assert stored.startswith(f"scrypt${2**15}$8$3$") and auth.verify_password(PASSWORD, stored)
    assert hash_password("x" * 12).startswith(f"scrypt${2**15}$8$3$")


def _old_hash(password: str) -> str:
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


async def test_a_disabled_login_is_out_at_once_and_passwd_ends_sessions(
    console: Console, database: Engine, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", str(database.url))
    config.settings.cache_clear()
    await console.login("li")
    assert (await console.get("/queue"))[0] == 200
    assert main(["users", "disable", "li"]) == 0
    assert (await console.get("/queue"))[0] == 303  # back to the login page, mid-session
    assert (await login_answer(console, "li", PASSWORD))[0] == 401
    assert main(["users", "enable", "li"]) == 0
    await console.login("li")
    monkeypatch.setattr("sys.stdin.readline", lambda: "a new long password\n")
    assert main(["users", "passwd", "li", "--password-stdin"]) == 0
    assert (await console.get("/queue"))[0] == 303
    await console.login("li", "a new long password")
    with session_scope(database) as session:
        assert session.execute(select(ConsoleSession)).scalars().all()


def test_taking_an_engineer_off_the_team_disables_their_login(
    database: Engine, staff: Staff, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "staff.yml"
    team.write_text(
        "engineers:\n"
        "  - {name: 李工, phone: '13800000101', tier: 2, regions: [郑州], skills: [], active: false}\n",
        encoding="utf-8",
    )
    with session_scope(database) as session:
        phone = session.get(Engineer, staff.li).phone
    team.write_text(team.read_text(encoding="utf-8").replace("13800000101", phone), encoding="utf-8")
    with session_scope(database) as session:
        seed_staff(session, team, current_policy(), current_catalogue())
    with session_scope(database) as session:
        li = session.execute(select(ConsoleUser).where(ConsoleUser.username == "li")).scalar_one()
        assert li.active is False


async def test_cookies_are_secure_behind_the_tls_proxy(
    console: Console, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_CONSOLE_BEHIND_TLS_PROXY", "1")
    config.settings.cache_clear()
    page = await console.client.get("/login")
    token = CSRF.search(await page.text())
    assert token and "secure" in page.headers["Set-Cookie"].lower()
    response = await console.client.post(
        "/login",
        data={"username": "li", "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    session_cookie = [c for c in response.headers.getall("Set-Cookie") if c.startswith(SESSION_COOKIE)]
    assert session_cookie and "secure" in session_cookie[0].lower()
    config.settings.cache_clear()


async def test_an_engineer_sees_only_the_tickets_of_their_regions(
    console: Console, database: Engine, clock: FakeClock, staff: Staff
) -> None:
    zhengzhou = make_ticket(database, "zz", received_at=clock.now).number
    luoyang = make_ticket(
        database,
        "ly",
        received_at=clock.now,
        site_city="洛阳",
        site_address="洛阳市西工区",
        hospital="洛阳市明德医院",
    ).number
    await console.login("li")  # 郑州 only
    _, queue = await console.get("/queue")
    assert zhengzhou in queue and luoyang not in queue
    status, page = await console.get(f"/tickets/{luoyang}")
    assert status == 403 and "不在您负责的区域" in page and "明德" not in page
    assert (await console.post(f"/tickets/{luoyang}/note", note="看看"))[0] == 403
    assert (await console.get(f"/tickets/{luoyang}/report"))[0] == 403
    await console.login("zhang")  # a manager sees all
    _, queue = await console.get("/queue")
    assert zhengzhou in queue and luoyang in queue


async def test_the_duty_desk_sees_which_tickets_wait_for_it(
    console: Console, database: Engine, clock: FakeClock, staff: Staff
) -> None:
    held = make_ticket(
        database,
        "held",
        received_at=clock.now,
        flags=["caller_unverified", "page_held", "hospital_not_serial_site"],
    ).number
    await console.login("zhang")
    _, queue = await console.get("/queue")
    row = queue[queue.index(f'data-number="{held}"') :]
    assert "待核实" in row[: row.index("</tr>")]
    _, page = await console.get(f"/tickets/{held}")
    assert "报修人未验证身份" in page and "待值班台核实" in page and "与该序列号登记的医院不符" in page


async def test_managers_keep_the_contact_directory_with_wechat_bindings(
    console: Console, database: Engine, clock: FakeClock, staff: Staff
) -> None:
    make_ticket(database, "c1", received_at=clock.now, contact_phone="13912345678", hospital="郑州市嘉禾医院")
    # Anyone can file a ticket naming a hospital: an open ticket makes nobody its contact ...
    make_ticket(database, "c2", received_at=clock.now, contact_phone="13700000666", hospital="郑州市嘉禾医院")
    with session_scope(database) as session:
        session.execute(update(Ticket).where(Ticket.contact_phone == "13912345678").values(status="resolved"))
    await console.login("li")
    assert (await console.get("/contacts"))[0] == 403
    await console.login("zhang")
    status, page = await console.get("/contacts")
    # ... one tier 2 has resolved does: its validated phone joined the directory.
    assert status == 200 and "13912345678" in page and "13700000666" not in page
    with session_scope(database) as session:
        assert not caller_of(session, "twilio_sms", "+8613700000666", "+8613700000666").hospitals
    status, _ = await console.post(
        "/contacts",
        hospital="洛阳市明德医院",
        phone="139 0000 2002",
        name="钱工",
        wechat_openid="oBOUND0000001",
    )
    assert status == 303
    status, page = await console.post("/contacts", hospital="洛阳市明德医院", phone="12345")
    assert status == 400 and "不是有效的手机号" in page
    with session_scope(database) as session:
        bound = caller_of(session, "wechat", "oBOUND0000001", None)
    assert bound.phone == "13900002002" and bound.may_see_hospital("洛阳市明德医院")


def test_the_registry_seeds_its_contacts(database: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", str(database.url))
    config.settings.cache_clear()
    assert main(["db", "seed"]) == 0
    with session_scope(database) as session:
        phones = set(session.scalars(select(Contact.phone).where(Contact.source == "registry")))
    assert {"13900001001", "13900001002"} <= phones
