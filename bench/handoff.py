"""Live hand-off latency: N callers on the web chat, each talking with an agent in the console at the same
time.

Starts a whole hotline (`hotline serve --console`, SQLite or a throw-away PostgreSQL database, the desk open
all day — tests/handoff/conftest.py), opens N web chat sessions, queues each for a person (「转人工」 +
phone), has the console's agents take them (several conversations per agent, as a desk works), then in every
conversation at once, R rounds of:

  caller → agent: POST the caller's message (web chat) … until the console's message poll (what the agent's
                  page shows) returns it;
  agent → caller: POST the agent's reply (console) … until the web chat's event poll (what the caller's page
                  shows) returns it.

Both pages poll the same way the browser does (long poll by message number); the times are measured at those
HTTP answers, so they include the bot's gate, the database and the poll, not the browser's drawing. Also
checks that every message arrived exactly once on the other side.

    .venv/bin/python bench/handoff.py --handoffs 20 --rounds 5
    .venv/bin/python bench/handoff.py --handoffs 20 --rounds 5 --postgres
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import utc_now  # noqa: E402
from bot.console.auth import Role, add_user  # noqa: E402
from bot.db import engine_for, migrate, session_scope  # noqa: E402
from tests.handoff.support import Stack, running_stack  # noqa: E402
from tests.support import (
    PASSWORD,  # noqa: E402
    throwaway_postgres_database,  # noqa: E402
)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Poller(threading.Thread):
    """Polls one page's message feed the way the page does, and notes when each text first arrived and how
    often."""

    def __init__(self, fetch: Callable[[int], list[dict[str, Any]]]) -> None:
        super().__init__(daemon=True)
        self.fetch = fetch
        self.arrived: dict[str, float] = {}
        self.shown: dict[str, int] = {}
        self.changed = threading.Condition()
        self.stop = False

    def run(self) -> None:
        after = 0
        while not self.stop:
            for message in self.fetch(after):
                after = max(after, message["seq"])
                with self.changed:
                    self.arrived.setdefault(message["text"], time.perf_counter())
                    self.shown[message["text"]] = self.shown.get(message["text"], 0) + 1
                    self.changed.notify_all()

    def wait_for(self, said: str) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: said in self.arrived, timeout=60):
                raise TimeoutError(f"「{said}」 did not arrive within 60 s")
            return self.arrived[said]


class Caller:
    def __init__(self, stack: Stack, number: int) -> None:
        self.stack, self.number = stack, number
        self.token = requests.post(stack.chat_url + "session", json={}, timeout=30).json()["session"]
        self.sent = 0
        self.page = Poller(self.events)

    def events(self, after: int) -> list[dict[str, Any]]:
        answer = requests.get(
            self.stack.chat_url + "events",
            params={"session": self.token, "after": after, "wait": 5},
            timeout=60,
        )
        return list(answer.json()["messages"])

    def say(self, said: str) -> None:
        self.sent += 1
        answer = requests.post(
            self.stack.chat_url + "webhook",
            json={"session": self.token, "message": said, "id": f"b{self.number}-{self.sent}"},
            timeout=60,
        )
        answer.raise_for_status()


class Agent:
    def __init__(self, stack: Stack, username: str) -> None:
        self.stack = stack
        self.http = requests.Session()
        page = self.http.get(stack.console_url + "/login").text
        login = {
            "username": username,
            "password": PASSWORD,
            "csrf_token": CSRF.findall(page)[0],
            "next": "/conversations",
        }
        self.csrf = CSRF.findall(self.http.post(stack.console_url + "/login", data=login).text)[0]

    def take(self, handoff_id: int) -> None:
        answer = self.http.post(
            f"{self.stack.console_url}/conversations/{handoff_id}/claim", data={"csrf_token": self.csrf}
        )
        answer.raise_for_status()

    def reply(self, handoff_id: int, said: str) -> None:
        answer = self.http.post(
            f"{self.stack.console_url}/conversations/{handoff_id}/reply",
            data={"csrf_token": self.csrf, "text": said},
        )
        answer.raise_for_status()

    def page(self, handoff_id: int) -> Poller:
        def fetch(after: int) -> list[dict[str, Any]]:
            answer = self.http.get(
                f"{self.stack.console_url}/conversations/{handoff_id}/messages",
                params={"after": after, "wait": 5},
                timeout=60,
            )
            return list(answer.json()["messages"])

        return Poller(fetch)


def waiting_ids(agent: Agent) -> list[int]:
    page = agent.http.get(agent.stack.console_url + "/conversations").text
    return [int(n) for n in re.findall(r'id="claim-(\d+)"', page)]


def run(stack: Stack, handoffs: int, rounds: int, agents_count: int, think: float) -> dict[str, list[float]]:
    engine = engine_for(stack.env["HOTLINE_DATABASE_URL"])
    with session_scope(engine) as session:
        for n in range(agents_count):
            add_user(session, f"desk{n}", PASSWORD, Role.ENGINEER, now=utc_now(), display_name=f"坐席{n}")
    callers = [Caller(stack, n) for n in range(handoffs)]
    for caller in callers:
        caller.say("转人工")
        caller.say(f"139{caller.number:08d}")
    agents = [Agent(stack, f"desk{n}") for n in range(agents_count)]
    deadline = time.monotonic() + 120
    while len(queue := waiting_ids(agents[0])) < handoffs:
        assert time.monotonic() < deadline, f"only {len(queue)} of {handoffs} callers reached the queue"
        time.sleep(0.5)
    # The queue is oldest first, as the callers were queued: conversation i belongs to caller i.
    pairs = [(callers[i], queue[i], agents[i % agents_count]) for i in range(handoffs)]
    for _, handoff_id, agent in pairs:
        agent.take(handoff_id)
    times: dict[str, list[float]] = {"caller → agent": [], "agent → caller": [], "round trip": []}
    problems: list[str] = []
    lock = threading.Lock()
    pollers: list[Poller] = []

    def conversation(caller: Caller, handoff_id: int, agent: Agent) -> None:
        try:
            talk(caller, handoff_id, agent)
        except Exception as error:  # counted, not hidden: a round that failed is a problem of the run
            problems.append(f"conversation {handoff_id} failed: {error!r}")

    def talk(caller: Caller, handoff_id: int, agent: Agent) -> None:
        agent_page = agent.page(handoff_id)
        pollers.extend([agent_page, caller.page])
        agent_page.start()
        caller.page.start()
        for r in range(rounds):
            time.sleep(think)  # a person reads and types; the per-sender rate limit is made for people
            question = f"来电{caller.number}第{r}问"
            start = time.perf_counter()
            caller.say(question)
            on_screen = agent_page.wait_for(question)
            said = f"坐席答{caller.number}第{r}问"
            replied = time.perf_counter()
            agent.reply(handoff_id, said)
            back = caller.page.wait_for(said)
            with lock:
                times["caller → agent"].append(on_screen - start)
                times["agent → caller"].append(back - replied)
                times["round trip"].append(back - start)
        time.sleep(1)  # a message shown twice would come now
        for page, said in ((agent_page, "来电"), (caller.page, "坐席答")):
            for text, count in page.shown.items():
                if text.startswith(said) and count != 1:
                    problems.append(f"conversation {handoff_id}: 「{text}」 shown {count} times")
        expected = {f"来电{caller.number}第{r}问" for r in range(rounds)}
        missing = expected - set(agent_page.shown)
        if missing:
            problems.append(f"conversation {handoff_id}: never reached the agent: {sorted(missing)}")

    threads = [threading.Thread(target=conversation, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for poller in pollers:
        poller.stop = True
    for poller in pollers:
        poller.join()  # each ends after its current long poll, before the servers stop
    if problems:
        print("\n".join(problems))
    print(f"problems (a message lost, shown twice, or a failed round): {len(problems)}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--agents", type=int, default=5, help="console logins sharing the conversations")
    parser.add_argument("--think", type=float, default=3.0, help="seconds between a caller's messages")
    parser.add_argument(
        "--postgres", action="store_true", help="a throw-away PostgreSQL database instead of SQLite"
    )
    args = parser.parse_args()
    with ExitStack() as stack_of, tempfile.TemporaryDirectory(prefix="hotline-handoff-bench-") as folder:
        url = stack_of.enter_context(throwaway_postgres_database("hotline_bench")) if args.postgres else None
        if url:
            migrate.upgrade(url)
        stack = stack_of.enter_context(running_stack(Path(folder), database_url=url))
        times = run(stack, args.handoffs, args.rounds, args.agents, args.think)
    print(
        f"{args.handoffs} concurrent hand-offs × {args.rounds} rounds, {args.agents} agents, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    for name, values in times.items():
        values.sort()
        p95 = values[max(0, round(0.95 * len(values)) - 1)]
        print(
            f"{name:>15}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {values[-1] * 1000:.0f} ms (n={len(values)})"
        )


if __name__ == "__main__":
    main()
