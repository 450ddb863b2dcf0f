"""Safety incidents in the console: above everything under a red banner, and the manager's adverse-event
list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.incidents import IncidentReport, submit_incident
from bot.journal import TicketJournal
from bot.safety import ADVERSE_EVENT, SAFETY_INCIDENT, current_safety_rules
from bot.tickets import Origin, Registration
from tests.factories import START, make_ticket
from tests.support import Console

pytestmark = pytest.mark.anyio


def incident(engine: Engine, tmp_path: Path, *, harmed: bool) -> str:
    flags = (SAFETY_INCIDENT, ADVERSE_EVENT) if harmed else (SAFETY_INCIDENT,)
    result = submit_incident(
        Registration(
            hospital="郑州市嘉禾医院", department="检验科", contact_phone="13912345678", site_city="郑州"
        ),
        IncidentReport(
            ("electric",), flags, "机壳漏电，技师被电了一下", "技师手麻，已休息" if harmed else None
        ),
        report_id="console-1",
        origin=Origin("rest", "caller", []),
        received_at=START,
        journal=TicketJournal(tmp_path / "journal", instance_id=0),
        safety_rules=current_safety_rules(),
        engine=engine,
    )
    assert result.incident is not None
    return result.incident.number


async def test_the_queue_puts_an_incident_first_under_a_red_banner(
    database: Engine, console: Console, tmp_path: Path
) -> None:
    late = make_ticket(
        database, "late", received_at=START - timedelta(hours=8)
    ).number  # red: past its deadlines
    number = incident(database, tmp_path, harmed=False)
    await console.login("li")
    status, page = await console.get("/queue")
    assert status == 200
    banner = page.split('class="safety-banner"')[1].split("</div>")[0]
    assert number in banner and late not in banner
    assert page.index(f'data-number="{number}"') < page.index(f'data-number="{late}"')
    status, ticket_page = await console.get(f"/tickets/{number}")
    assert 'class="safety-banner"' in ticket_page and "安全事件" in ticket_page


async def test_no_banner_without_an_incident(database: Engine, console: Console) -> None:
    make_ticket(database, "plain", received_at=START)
    await console.login("li")
    _, page = await console.get("/queue")
    assert "safety-banner" not in page


async def test_the_manager_lists_adverse_events_with_their_deadlines(
    database: Engine, console: Console, tmp_path: Path
) -> None:
    number = incident(database, tmp_path, harmed=True)
    await console.login("li")
    status, _ = await console.get("/adverse-events")
    assert status == 403  # engineers do not report to the regulator
    await console.login("zhang")
    status, page = await console.get("/adverse-events")
    assert status == 200 and number in page and "严重伤害（或可能）" in page and "技师手麻，已休息" in page
    assert "12月13日" in page  # reported within 20 days of 11月23日 (kb/policy.yml adverse_events)
