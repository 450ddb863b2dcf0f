"""`hotline users add`, and the console's migration up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from bot.app.cli import main
from bot.console.auth import Role, add_user, authenticate
from bot.db import migrate, session_scope
from tests.factories import new_engineer

CONSOLE_TABLES = {"console_users", "console_sessions", "rating_reviews"}


def users_add(monkeypatch: pytest.MonkeyPatch, password: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["users", "add", *args, "--password-stdin"])


def test_users_add_creates_a_login_acting_as_an_engineer(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(database) as session:
        new_engineer(session, "李工", "13800000101")
    assert (
        users_add(monkeypatch, "a long passphrase", "li", "--role", "engineer", "--engineer", "138-0000-0101")
        == 0
    )
    assert "acting as engineer 李工" in capsys.readouterr().out
    with session_scope(database) as session:
        user = authenticate(session, "li", "a long passphrase")
        assert (
            user is not None and user.display_name == "李工" and user.role == "engineer" and user.engineer_id
        )
        assert authenticate(session, "li", "a long passphrasE") is None


@pytest.mark.parametrize(
    "password, args, message",
    [
        ("short", ["zhang", "--role", "manager"], "at least 8 characters"),
        (
            "a long passphrase",
            ["zhang", "--role", "manager", "--engineer", "13899999999"],
            "no engineer 13899999999",
        ),
    ],
)
def test_users_add_refuses_weak_passwords_and_unknown_engineers(
    database: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    password: str,
    args: list[str],
    message: str,
) -> None:
    assert users_add(monkeypatch, password, *args) == 1
    assert message in capsys.readouterr().err


def test_users_add_refuses_a_taken_name(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert users_add(monkeypatch, "a long passphrase", "zhang", "--role", "manager") == 0
    assert users_add(monkeypatch, "another passphrase", "zhang", "--role", "engineer") == 1
    assert "already exists" in capsys.readouterr().err
    with session_scope(database) as session:
        assert authenticate(session, "zhang", "a long passphrase") is not None


def _migrates_down_and_up(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    assert set(inspect(engine).get_table_names()) >= CONSOLE_TABLES
    migrate.downgrade(url, "0005")
    engine.dispose()
    assert not CONSOLE_TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(url)
    engine.dispose()
    assert set(inspect(engine).get_table_names()) >= CONSOLE_TABLES
    with session_scope(engine) as session:
        add_user(session, "zhang", "a long passphrase", Role.MANAGER, now=datetime(2026, 11, 23))
    with session_scope(engine) as session:
        assert authenticate(session, "zhang", "a long passphrase") is not None


def test_console_migration_goes_down_and_up_on_sqlite(database: Engine) -> None:
    _migrates_down_and_up(database)


@pytest.mark.services
def test_console_migration_goes_down_and_up_on_postgres(postgres: Engine) -> None:
    _migrates_down_and_up(postgres)
