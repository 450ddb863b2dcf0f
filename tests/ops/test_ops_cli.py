"""`hotline staff …`, `hotline tickets assign|transition`, `hotline worker --once` and `hotline db seed`'s
team."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.app.cli import main
from bot.clock import to_local, utc_now
from bot.db import session_scope
from bot.db.models import OutboxMessage, Page
from bot.ops.worker import run_every
from bot.tickets import find_ticket
from tests.factories import make_ticket

Capture = pytest.CaptureFixture[str]


def hotline(command_line: str) -> int:
    """`hotline` with the arguments of a command line as typed (no quoting needed)."""
    return main(command_line.split())


def test_db_seed_loads_the_demo_team(database: Engine, capsys: Capture) -> None:
    assert main(["db", "seed"]) == 0
    assert "14 engineers and 32 rota shifts" in capsys.readouterr().out
    assert main(["staff", "list", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert len(people) == 14 and people[0] == {
        "id": 1,
        "name": "周立新",
        "phone": "13800000101",
        "tier": 2,
        "manager": False,
        "regions": ["郑州"],
        "skills": ["chemistry_analyser", "electrolyte_analyser", "urine_analyser"],
        "active": True,
    }


def test_staff_add_rota_and_on_call(team: Engine, capsys: Capture) -> None:
    assert (
        hotline(
            "staff add --name 程一帆 --phone 138-0000-0104 --regions 郑州"
            " --skills urine_analyser,chemistry_analyser"
        )
        == 0
    )
    assert "程一帆 13800000104" in capsys.readouterr().out
    assert main(["staff", "add", "--name", "程二帆", "--phone", "13800000105", "--regions", "开封"]) == 1
    assert "驻点「开封」不在服务网点" in capsys.readouterr().err
    assert main(["staff", "rota", "--region", "洛阳"]) == 0
    out = capsys.readouterr().out
    assert "洛阳  primary workdays 08:30-17:30  范志远 13800000201" in out and "6 shift(s)" in out
    assert main(["staff", "oncall", "--at", "2026-10-02 03:00", "--region", "郑州"]) == 0
    assert "郑州：主班 周立新 13800000101；备班 韩晓东 13800000102" in capsys.readouterr().out
    assert main(["staff", "oncall", "--at", "下午三点"]) == 1
    assert "格式不对" in capsys.readouterr().err


def test_a_holiday_cover_shift_is_added_to_the_rota_and_removed_again(team: Engine, capsys: Capture) -> None:
    # 范志远 joins 郑州's National Day night duty as a second primary.
    assert (
        hotline(
            "staff shift add --engineer 13800000201 --region 郑州 --days daily --from 20:00 --to 08:00"
            " --valid-from 2026-10-01 --valid-to 2026-10-08"
        )
        == 0
    )
    added = capsys.readouterr().out
    assert "郑州  primary daily    20:00-08:00  范志远 13800000201  2026-10-01..2026-10-08" in added
    assert main(["staff", "oncall", "--at", "2026-10-02 03:00", "--region", "郑州"]) == 0
    assert "主班 范志远 13800000201" in capsys.readouterr().out
    shift_id = added.split()[0].removeprefix("#")
    assert main(["staff", "shift", "remove", shift_id]) == 0 and "removed" in capsys.readouterr().out
    assert main(["staff", "oncall", "--at", "2026-10-02 03:00", "--region", "郑州"]) == 0
    assert "范志远" not in capsys.readouterr().out
    assert main(["staff", "shift", "remove", shift_id]) == 1
    assert f"没有找到值班记录 #{shift_id}" in capsys.readouterr().err
    assert (
        hotline("staff shift add --engineer 13800000201 --region 开封 --days daily --from 8点 --to 20:00")
        == 1
    )
    refused = capsys.readouterr().err
    assert "开封" in refused and "HH:MM" in refused


def test_assign_shows_suggestions_then_assigns_and_notifies_the_hospital(
    team: Engine, capsys: Capture
) -> None:
    number = make_ticket(team, received_at=utc_now() - timedelta(minutes=5)).number
    assert main(["tickets", "assign", number, "--limit", "2"]) == 0
    first, second, hint = capsys.readouterr().out.splitlines()
    # Who is on duty depends on today's date: whoever it is, they come first with their reasons.
    assert first.startswith("1. ") and first.endswith(
        "：熟悉全自动生化分析仪，驻郑州（同城），正在值班（主班），手上0张未完成工单"
    )
    assert second.startswith("2. ") and "正在值班（备班）" in second and "--engineer" in hint
    with session_scope(team) as session:
        assert find_ticket(session, number).status == "new"
    eta = to_local(utc_now() + timedelta(hours=2), "Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    assert (
        main(
            ["tickets", "assign", number, "--engineer", "138-0000-0102", "--eta", eta, "--actor", "cli:wang"]
        )
        == 0
    )
    assert f"{number}: 已分派工程师（韩晓东 13800000102）" in capsys.readouterr().out
    with session_scope(team) as session:
        ticket = find_ticket(session, number)
        assert ticket.engineer.name == "韩晓东" and ticket.eta is not None
        assert ticket.events[-1].actor == "cli:wang"
        notices = session.execute(select(OutboxMessage)).scalars().all()
    assert [n.recipient for n in notices] == ["+8613912345678"] and "韩晓东" in notices[0].text


def test_transition_walks_a_ticket_to_resolved_with_parts(team: Engine, capsys: Capture) -> None:
    number = make_ticket(team, received_at=utc_now() - timedelta(minutes=5)).number
    assert main(["tickets", "assign", number, "--limit", "1"]) == 0
    best = capsys.readouterr().out.split()[1]
    assert main(["tickets", "assign", number, "--best"]) == 0
    assert f"已分派工程师（{best} " in capsys.readouterr().out
    assert main(["tickets", "transition", number, "accepted"]) == 0
    assert main(["tickets", "transition", number, "resolved", "--cause", "传感器老化"]) == 1
    assert "请用 --remote 或 --on-site" in capsys.readouterr().err
    assert main(["tickets", "transition", number, "closed"]) == 1
    assert "不能改为「已完成并关闭」" in capsys.readouterr().err
    assert main(["tickets", "transition", number, "on_site"]) == 0
    assert (
        main(
            [
                "tickets",
                "transition",
                number,
                "resolved",
                "--on-site",
                "--cause",
                "传感器老化",
                "--actions",
                "更换传感器",
                "--part",
                "KR-TS-01:1",
                "--part",
                "KR-FUSE-5A:2",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "tickets",
                "transition",
                number,
                "resolved",
                "--remote",
                "--cause",
                "c",
                "--actions",
                "a",
                "--part",
                "KR-TS-01",
            ]
        )
        == 1
    )
    assert "型号:数量" in capsys.readouterr().err
    assert main(["tickets", "show", number, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "resolved" and shown["engineer"]["name"] == best
    assert shown["resolution"]["cause"] == "传感器老化" and shown["resolution"]["remote"] is False
    assert [(p["model"], p["quantity"]) for p in shown["resolution"]["parts"]] == [
        ("KR-TS-01", 1),
        ("KR-FUSE-5A", 2),
    ]
    assert main(["tickets", "transition", "SR209901010001", "accepted"]) == 1
    assert "没有找到工单 SR209901010001" in capsys.readouterr().err


def test_worker_once_pages_through_the_outbox(team: Engine, capsys: Capture) -> None:
    number = make_ticket(team, received_at=utc_now() - timedelta(minutes=1)).number
    assert main(["tickets", "assign", number, "--engineer", "13800000101"]) == 0
    assert main(["worker", "--once"]) == 0
    assert main(["worker", "--once"]) == 0
    with session_scope(team) as session:
        assert [p.engineer.phone for p in session.execute(select(Page)).scalars()] == ["13800000101"]
        texts = [m.text for m in session.execute(select(OutboxMessage)).scalars() if "售后派单" in m.text]
    assert len(texts) == 1 and number in texts[0]


def test_worker_loop_survives_a_failing_job_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    moments = iter([datetime(2026, 11, 20, 6, 0), datetime(2026, 11, 20, 6, 0, 30)])
    seen: list[datetime] = []

    def failing(now: datetime) -> None:
        raise RuntimeError("database away")

    stop = threading.Event()
    rounds = run_every(
        {"failing": failing, "recording": seen.append},
        interval_seconds=0,
        stop=stop,
        clock=lambda: next(moments),
        rounds=2,
    )
    assert rounds == 2 and seen == [datetime(2026, 11, 20, 6, 0), datetime(2026, 11, 20, 6, 0, 30)]
    assert "worker job failing failed" in caplog.text
    stop.set()
    assert run_every({"recording": seen.append}, interval_seconds=0, stop=stop) == 0
