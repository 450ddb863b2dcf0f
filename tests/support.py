"""Test helpers that are not fixtures: trackers and their slots, service checks, the running bot, the
console's test client, queries the tests read results with. Fakes and data builders are in
tests/factories.py."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from actions.intake import ActionSubmitTicket
from actions.knowledge import ActionAnswerQuestion
from bot import config
from bot.app.model import ensure_model
from bot.catalogue import current_catalogue
from bot.db import session_scope
from bot.db.models import Contact, Device, OutboxMessage, Ticket, VerifiedCaller
from bot.ops.staff import find_engineer, seed_staff
from bot.policy import current_policy
from tests.channels.platform_fakes import twilio_sign, wechat_sign
from tests.factories import FILLED

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Web chat sessions are signed with this in every test process and every server the tests start
# (bot/identity.py).
os.environ.setdefault("HOTLINE_IDENTITY_SECRET", "tests-identity-secret")


REQUIRE_SERVICES = os.environ.get("HOTLINE_REQUIRE_SERVICES") == "1"


POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def skip_or_fail(reason: str) -> None:
    """Skip a test whose server is absent, or fail it when CI requires the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HOTLINE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def seed_demo_team(engine: Engine) -> None:
    """The fictional demo team and rota of kb/demo/staff.yml."""
    with session_scope(engine) as session:
        seed_staff(session, PROJECT_ROOT / "kb" / "demo" / "staff.yml", current_policy(), current_catalogue())


@contextmanager
def throwaway_postgres_database(prefix: str = "hotline_test") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (made through HOTLINE_TEST_POSTGRES_URL), dropped
    afterwards; skips (or fails under HOTLINE_REQUIRE_SERVICES=1) without a server."""
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        skip_or_fail(f"PostgreSQL not reachable at {make_url(POSTGRES_ADMIN_URL).host}: {error.orig}")
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a server process under test may still hold a pooled connection.
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def make_tracker(
    text: str,
    intent: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-caller",
    channel: str = "rest",
    events: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """`metadata`: what the channel sent along, e.g. an SMS caller's {"phone": "+86…"} (proves the number)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "metadata": metadata or {},
    }
    user_event = {
        "event": "user",
        "text": text,
        "parse_data": latest,
        "input_channel": channel,
        "timestamp": datetime(2026, 11, 21, 9, 0).timestamp(),
    }
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots an action's events set, last write wins."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def submit_fault(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sender: str = "test-caller"
) -> str:
    """A filled fault intake (tests.factories.FILLED) confirmed: the number of the ticket it made."""
    events = await ActionSubmitTicket().run(
        dispatcher, make_tracker("对", "affirm", slots=FILLED, sender_id=sender), domain
    )
    dispatcher.messages.clear()
    return str(slot_values(events)["last_ticket_number"])


# Two wordings of a question the knowledge base has no answer for (the console's 知识库 page tests).
GAP_QUESTIONS = ["修好的单子能盖公章吗", "维修单能不能盖个公章"]


async def answer_to(question: str, domain: dict[str, Any]) -> tuple[str, str]:
    """What the bot says to the question: ("answer" when it answered, else "other"), and its text."""
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker(question, "ask_question"), domain)
    verdict = (
        "answer" if any(e.get("name") == "faq_question_id" and e.get("value") for e in events) else "other"
    )
    return verdict, texts(dispatcher)


HOTLINE = str(Path(sys.executable).with_name("hotline"))


# Test secrets, so the WeChat and Twilio channels of the running bot accept signed requests.
CHANNEL_SECRETS = {
    "WECHAT_TOKEN": "e2e-wechat-token",
    "WECHAT_APPID": "wxe2e0000000000000",
    "WECHAT_APPSECRET": "e2e-secret",
    "TWILIO_ACCOUNT_SID": "ACe2e",
    "TWILIO_AUTH_TOKEN": "e2e-twilio-token",
    # Generous: the first turns of a fresh server are slow, and there is no WeChat or Twilio API to fall back
    # on.
    "HOTLINE_WECHAT_REPLY_SECONDS": "60",
    "HOTLINE_SMS_REPLY_SECONDS": "60",
}


@dataclass(frozen=True)
class RunningBot:
    base_url: str
    env: dict[str, str]

    def tickets(self) -> list[dict[str, Any]]:
        """What `hotline tickets list --json` says about this bot's database."""
        out = subprocess.run(
            [HOTLINE, "tickets", "list", "--json"], env=self.env, check=True, capture_output=True, text=True
        )
        return list(json.loads(out.stdout))

    def say(self, text: str, session: str) -> str:
        """One message over the REST channel in a web chat session (`rest_session`); the replies' texts."""
        answer = requests.post(
            f"{self.base_url}/webhooks/rest/webhook", json={"sender": session, "message": text}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        return "\n".join(reply.get("text", "") for reply in answer.json())


def rest_session(base_url: str) -> str:
    """A new web chat session from a running bot (POST /webhooks/rest/session): the `sender` of its REST
    messages.

    The REST channel accepts no other sender (bot/identity.py); every REST test starts its conversations here.
    In-process (ASGI) tests can mint one: bot.identity.issue_web_session(identity_secret()).token.
    """
    for _ in range(30):
        answer = requests.post(f"{base_url}/webhooks/rest/session", timeout=30)
        # Suites that open hundreds of sessions from one address wait past its limit, as a client should.
        if answer.status_code != 429:
            break
        time.sleep(float(answer.headers.get("Retry-After") or 1))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["session"])


def rest_conversation(session: str) -> str:
    """The conversation (tickets' sender_id, Rasa's tracker) of a web chat session token."""
    return "web:" + session.partition(".")[0]


VERIFIED_PHONE = "13999990000"  # fictional


def verified_rest_caller(bot: RunningBot) -> tuple[str, str]:
    """A new web chat session (token, conversation) whose caller proved VERIFIED_PHONE, a directory contact of
    every hospital the bot's database knows now (registry and tickets): as if the SMS code had been
    answered."""
    token = rest_session(bot.base_url)
    conversation = rest_conversation(token)
    engine = create_engine(bot.env["HOTLINE_DATABASE_URL"])
    try:
        contact_of_every_hospital(engine)
        with session_scope(engine) as session:
            session.add(
                VerifiedCaller(
                    sender_id=conversation, channel="rest", phone=VERIFIED_PHONE, verified_at=datetime.now()
                )
            )
    finally:
        engine.dispose()
    return token, conversation


# What an SMS caller from VERIFIED_PHONE sends along (make_tracker(..., **VERIFIED_SMS)): a proven number.
VERIFIED_SMS: dict[str, Any] = {"channel": "twilio_sms", "metadata": {"phone": f"+86{VERIFIED_PHONE}"}}


def contact_of_every_hospital(engine: Engine, phone: str = VERIFIED_PHONE) -> None:
    """`phone` becomes a directory contact of every hospital the database knows now (registry and tickets)."""
    with session_scope(engine) as session:
        known = set(session.scalars(select(Contact.hospital).where(Contact.phone == phone)))
        hospitals = set(session.scalars(select(Device.hospital))) | set(
            session.scalars(select(Ticket.hospital).where(Ticket.hospital.is_not(None)))
        )
        for hospital in sorted(hospitals - known):
            session.add(Contact(phone=phone, hospital=hospital, source="console", updated_at=datetime.now()))


def add_contact(engine: Engine, phone: str, hospital: str, name: str = "测试联系人") -> None:
    """A hospital contact in the directory (bot/identity.py): that phone's callers are verified for the
    hospital."""
    with session_scope(engine) as session:
        session.add(
            Contact(name=name, phone=phone, hospital=hospital, source="console", updated_at=datetime.now())
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PASSWORD = "correct horse 42"


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Staff:
    """Engineer ids of the two test engineers (李工 in 郑州, 王工 in 洛阳 and 郑州)."""

    li: int
    wang: int


class Console:
    """A test client with helpers to log in as someone and post the console's forms."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def submit_login(
        self, username: str, password: str = PASSWORD, next_page: str | None = None
    ) -> ClientResponse:
        """The login form as a browser fills it: fetched (its CSRF token), then posted; the answer."""
        page = await self.client.get(f"/login?next={next_page}" if next_page else "/login")
        token = CSRF.search(await page.text())
        assert token
        data = {"username": username, "password": password, "csrf_token": token.group(1)}
        if next_page is not None:
            data["next"] = next_page
        return await self.client.post("/login", data=data, allow_redirects=False)

    async def login(self, username: str, password: str = PASSWORD) -> None:
        self.client.session.cookie_jar.clear()
        response = await self.submit_login(username, password)
        assert response.status == 303, await response.text()
        queue = await self.client.get("/queue")
        found = CSRF.search(await queue.text())
        assert found
        self.csrf = found.group(1)

    async def post(self, path: str, **data: str) -> tuple[int, str]:
        response = await self.client.post(path, data={"csrf_token": self.csrf, **data}, allow_redirects=False)
        return response.status, await response.text()

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, allow_redirects=False)
        return response.status, await response.text()


def messages(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def engineer_id(engine: Engine, phone: str) -> int:
    with session_scope(engine) as session:
        engineer = find_engineer(session, phone)
        assert engineer is not None, phone
        return int(engineer.id)


@contextmanager
def serve_bot(var: Path) -> Iterator[RunningBot]:
    """`hotline serve` on free ports with its own database under `var`, stopped with SIGTERM afterwards."""
    ensure_model(config.settings().models_dir)  # trained outside the server's start-up timeout
    rasa_port, action_port = free_port(), free_port()
    base = f"http://127.0.0.1:{rasa_port}"
    env = {
        **os.environ,
        **CHANNEL_SECRETS,
        "HOTLINE_PUBLIC_URL": base,
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_DATABASE_URL": f"sqlite:///{var / 'hotline.db'}",
        "HOTLINE_RASA_PORT": str(rasa_port),
        "HOTLINE_ACTION_PORT": str(action_port),
        # The background worker's round every second, so that a test sees its work without waiting.
        "HOTLINE_WORKER_INTERVAL_SECONDS": "1",
    }
    env.pop("HOTLINE_REDIS_URL", None)
    server = subprocess.Popen([HOTLINE, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert server.poll() is None, (
            server.stdout.read().decode() if server.stdout else "hotline serve exited"
        )
        try:
            requests.get(f"{base}/", timeout=2).raise_for_status()
            requests.get(f"http://127.0.0.1:{action_port}/health", timeout=2).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(1)
    else:
        server.kill()
        pytest.fail("hotline serve did not come up within 300 s")
    yield RunningBot(base, env)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


# Callers of a running bot on a platform channel, signed with CHANNEL_SECRETS: each returns what the caller
# is told to one message.
Say = Callable[[str], str]


# WeChat's MsgIds are unique across all users (the channel answers a repeated one as a retry).
_MSG_IDS = iter(range(6_000_000_000_000_000_000, 7_000_000_000_000_000_000))


def wechat(base: str, openid: str) -> Say:
    sent = _MSG_IDS

    def say(words: str) -> str:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex  # WeChat's nonces differ per request
        query = {
            "signature": wechat_sign(CHANNEL_SECRETS["WECHAT_TOKEN"], timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName><![CDATA[gh_hotline]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{words}]]></Content><MsgId>{next(sent)}</MsgId></xml>"
        )
        answer = requests.post(
            f"{base}/webhooks/wechat/webhook", params=query, data=body.encode(), timeout=90
        )
        assert answer.status_code == 200 and answer.text != "success", answer.text
        return ET.fromstring(answer.text).findtext("Content") or ""

    return say


def twilio_post(base: str, path: str, form: list[tuple[str, str]], env_token: str) -> requests.Response:
    headers = {
        "X-Twilio-Signature": twilio_sign(env_token, base + path, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return requests.post(base + path, data=urlencode(form).encode(), headers=headers, timeout=90)


def sms(base: str, phone: str) -> Say:
    count = iter(range(1000))

    def say(words: str) -> str:
        form = [
            ("MessageSid", f"SMe2e{next(count)}"),
            ("From", phone),
            ("To", "+18005551212"),
            ("Body", words),
            ("FromCity", ""),
        ]
        answer = twilio_post(base, "/webhooks/twilio_sms/webhook", form, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
        assert answer.status_code == 200, answer.text
        return "".join(message.text or "" for message in ET.fromstring(answer.text).iter("Message"))

    return say


def _gather_action(twiml: str) -> str:
    gather = ET.fromstring(twiml).find("Gather")
    assert gather is not None, twiml
    return gather.get("action") or ""


def voice(base: str, call: str, phone: str) -> Say:
    form = [("CallSid", call), ("From", phone), ("To", "+18005551212"), ("CallStatus", "ringing")]
    greeting = twilio_post(base, "/webhooks/twilio_voice/webhook", form, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
    assert greeting.status_code == 200 and "<Gather" in greeting.text
    # Twilio posts each answer to the Gather's action, a one-time URL (replays are refused).
    listening = {"action": _gather_action(greeting.text)}

    def say(words: str) -> str:
        heard = [*form[:3], ("CallStatus", "in-progress"), ("SpeechResult", words), ("Confidence", "0.9")]
        answer = twilio_post("", listening["action"], heard, CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
        assert answer.status_code == 200, answer.text
        document = ET.fromstring(answer.text)
        # A slow turn (a fresh server's first ones): 「请稍候」 and a redirect to its answer, followed as
        # Twilio does.
        redirect = document.find("Redirect")
        while document.find("Gather") is None and redirect is not None and "wait=" in (redirect.text or ""):
            answer = twilio_post(
                "",
                redirect.text or "",
                [*form[:3], ("CallStatus", "in-progress")],
                CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"],
            )
            assert answer.status_code == 200, answer.text
            document = ET.fromstring(answer.text)
            redirect = document.find("Redirect")
        if document.find("Gather") is not None:
            listening["action"] = _gather_action(answer.text)
        return "".join(said.text or "" for said in document.iter("Say"))

    return say
