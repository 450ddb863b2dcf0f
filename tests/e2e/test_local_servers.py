"""The servers behind the channels, as `hotline serve` starts them: reachable on this machine only, and even
there only with their tokens (docs/security.md, L9)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support import RunningBot, rest_conversation, rest_session

pytestmark = pytest.mark.slow


def test_rasas_api_wants_its_token_even_in_the_local_profile(running_bot: RunningBot) -> None:
    bot = running_bot
    caller = rest_session(bot.base_url)
    bot.say("你好", caller)
    tracker = f"{bot.base_url}/conversations/{rest_conversation(caller)}/tracker"
    assert requests.get(tracker, timeout=10).status_code == 401
    token = (Path(bot.env["HOTLINE_VAR_DIR"]) / "api_token").read_text().strip()
    found = requests.get(tracker, params={"token": token}, timeout=10)
    assert found.status_code == 200 and found.json()["sender_id"] == rest_conversation(caller)


def test_the_action_server_answers_only_rasa(running_bot: RunningBot) -> None:
    actions = f"http://127.0.0.1:{running_bot.env['HOTLINE_ACTION_PORT']}"
    forged = {
        "next_action": "action_submit_ticket",
        "sender_id": "web:forged",
        "tracker": {"sender_id": "web:forged", "slots": {}, "latest_message": {}, "events": []},
        "domain": {},
    }
    assert requests.post(f"{actions}/webhook", json=forged, timeout=10).status_code == 403
    assert requests.get(f"{actions}/actions", timeout=10).status_code == 403
    assert requests.get(f"{actions}/health", timeout=10).status_code == 200
