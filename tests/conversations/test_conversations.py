"""The conversation suite: every script under tests/conversations/ played against `hotline serve` over REST.

HOTLINE_CONVERSATIONS names another folder (bench/conversations.py plays the held-out set that way), and
HOTLINE_CONVERSATION_REPORT a JSON-lines file that gets one line per conversation.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import requests

from tests.conversations.script import HERE, Conversation, load, run
from tests.support import RunningBot, verified_rest_caller

pytestmark = pytest.mark.slow

RATE_LIMIT_RETRIES = 30
FOLDER = Path(os.environ.get("HOTLINE_CONVERSATIONS", HERE))
CONVERSATIONS = load(FOLDER.glob("*.yml"))


def rest_say(bot: RunningBot, text: str, sender: str) -> str:
    """The bot's replies to one message, texts and button titles, one per line."""
    for _ in range(RATE_LIMIT_RETRIES):
        response = requests.post(
            f"{bot.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        # The suite plays hundreds of messages from one address, faster than any hospital: past the
        # per-address limit (bot/channels/limits.yml) it waits as a client should, instead of failing the
        # conversation.
        if response.status_code != 429:
            break
        time.sleep(float(response.headers.get("Retry-After") or 1))
    response.raise_for_status()
    lines = []
    for reply in response.json():
        lines.append(reply.get("text", ""))
        lines += [f"[{button.get('title', '')}]" for button in reply.get("buttons", [])]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "conversation",
    [
        pytest.param(c, id=c.name, marks=[pytest.mark.xfail(reason=c.xfail, strict=True)] if c.xfail else [])
        for c in CONVERSATIONS
    ],
)
def test_conversation(conversation: Conversation, conversation_bot: RunningBot) -> None:
    outcome = run(
        conversation,
        lambda text, sender: rest_say(conversation_bot, text, sender),
        conversation_bot.env["HOTLINE_DATABASE_URL"],
        # The scripts test the dialogue, so they play a verified contact of the hospitals involved
        # (bot/identity.py; what an unverified web caller gets is tested in tests/test_security.py and
        # tests/actions).
        caller=lambda: verified_rest_caller(conversation_bot),
    )
    report = os.environ.get("HOTLINE_CONVERSATION_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            line = {
                "name": conversation.name,
                "pattern": conversation.pattern,
                "right": outcome.right,
                "failures": outcome.failures,
                "audit": outcome.audit,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    assert not outcome.failures and not outcome.audit, "\n".join(
        outcome.failures + outcome.audit + ["replies:"] + outcome.replies
    )
