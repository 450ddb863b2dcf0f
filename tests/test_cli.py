"""The `hotline` command's ticket and database commands, on a temporary database, and the terminal chat of
`make run` against a running bot."""

from __future__ import annotations

import json

import pytest

from bot.app.cli import chat, main
from bot.clock import utc_now
from bot.db import session_scope
from bot.policy import current_policy
from bot.tickets import Origin, Registration, TicketKind, create_service_request
from tests.support import RunningBot


def make_request(engine, phone: str, key: str) -> str:
    with session_scope(engine) as session:
        ticket, _ = create_service_request(
            session,
            TicketKind.MAINTENANCE,
            Registration(contact_phone=phone, hospital="郑州市嘉禾医院"),
            idempotency_key=key,
            origin=Origin("rest", "cli-test", []),
            policy=current_policy(),
            received_at=utc_now(),
        )
        return ticket.number


def test_tickets_list_json_filters_by_phone_and_status(database, capsys: pytest.CaptureFixture[str]) -> None:
    first = make_request(database, "13912345678", "a")
    make_request(database, "13800001111", "b")
    assert main(["tickets", "list", "--json", "--phone", "13912345678"]) == 0
    [ticket] = json.loads(capsys.readouterr().out)
    assert (
        ticket["number"] == first
        and ticket["kind"] == "maintenance"
        and ticket["hospital"] == "郑州市嘉禾医院"
    )
    assert set(ticket["deadlines"]) == {"response_due", "onsite_due", "plan_due", "repair_due"}
    assert main(["tickets", "list", "--json", "--status", "closed"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_tickets_show(database, capsys: pytest.CaptureFixture[str]) -> None:
    number = make_request(database, "13912345678", "a")
    assert main(["tickets", "show", number.lower(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["number"] == number
    assert main(["tickets", "show", number]) == 0
    assert "保养预约" in capsys.readouterr().out
    assert main(["tickets", "show", "SR209901010001"]) == 1
    assert "no ticket SR209901010001" in capsys.readouterr().err


def test_db_seed_loads_the_demo_installed_base(database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "seed"]) == 0
    assert "12 devices" in capsys.readouterr().out


@pytest.mark.slow
def test_the_terminal_chat_of_make_run_talks_to_the_bot(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    said = iter(["你好", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(said))
    chat(f"{running_bot.base_url}/webhooks/rest")
    out = capsys.readouterr().out
    assert "已连接" in out and "助手：" in out
    assert "连接机器人失败" not in out


class _Stop(Exception):
    """Raised where `hotline run` would start training: the test stops there."""


@pytest.mark.parametrize("trained", [False, True])
def test_make_run_says_why_it_trains_before_rasa_does(
    trained: bool, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.app import cli
    from bot.app.model import model_path

    monkeypatch.setenv("HOTLINE_MODELS_DIR", str(tmp_path))
    cli.settings.cache_clear()
    if trained:
        model_path(tmp_path).touch()

    def train(models_dir, force=False):
        raise _Stop

    monkeypatch.setattr(cli, "ensure_model", train)
    monkeypatch.setattr(cli, "_prepare", lambda: None)
    with pytest.raises(_Stop):
        main(["run"])
    cli.settings.cache_clear()
    assert ("正在训练模型" in capsys.readouterr().out) is not trained
