"""Several bot instances and agents at once, on PostgreSQL (as in production): each "instance" has its own
engine (its own connection pool), and the steps race behind barriers.

- Two agents click 接入 on the same conversation at the same moment: exactly one gets it, every time.
- Two instances store a caller's messages (some delivered twice, to both) while the agent answers and a reader
  polls "after N" as the web chat and the console do: the reader sees every message exactly once, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine, create_engine

from bot.clock import utc_now
from bot.console.auth import Role, add_user
from bot.db import session_scope
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import (
    AlreadyTaken,
    claim,
    find_conversation,
    gate_caller_message,
    messages_after,
    reply,
)
from bot.policy import current_policy
from tests.handoff.support import queue
from tests.support import PASSWORD


@pytest.fixture
def instances(postgres: Engine) -> Iterator[tuple[Engine, Engine]]:
    url = postgres.url.render_as_string(hide_password=False)
    first, second = create_engine(url, future=True), create_engine(url, future=True)
    yield first, second
    first.dispose()
    second.dispose()


def agents(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        zhou = add_user(session, "zhou", PASSWORD, Role.ENGINEER, now=utc_now(), display_name="周客服")
        wu = add_user(session, "wu", PASSWORD, Role.MANAGER, now=utc_now(), display_name="吴主管")
        return zhou.id, wu.id


def test_two_agents_clicking_at_once_never_both_get_the_conversation(
    postgres: Engine, instances: tuple[Engine, Engine]
) -> None:
    zhou, wu = agents(postgres)
    for round_ in range(10):
        handoff_id = queue(postgres, f"web-{round_}", "webchat", at=utc_now())
        barrier = threading.Barrier(2)
        won: list[str] = []
        lost: list[str] = []
        threads = [
            threading.Thread(target=_click, args=(engine, handoff_id, user, name, barrier, won, lost))
            for engine, user, name in ((instances[0], zhou, "周客服"), (instances[1], wu, "吴主管"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1 and len(lost) == 1, (won, lost)
        with session_scope(postgres) as session:
            conversation = find_conversation(session, f"web-{round_}")
            assert conversation is not None
            told = [m.text for m in messages_after(session, conversation.id, 0)]
        assert told == [f"人工客服{won[0]}已接入，请直接说明您的情况。"]


def _click(
    engine: Engine,
    handoff_id: int,
    user: int,
    name: str,
    barrier: threading.Barrier,
    won: list[str],
    lost: list[str],
) -> None:
    """One agent's 接入, at the same moment as the other's."""
    barrier.wait()
    try:
        with session_scope(engine) as session:
            claim(session, handoff_id, user_id=user, agent_name=name, at=utc_now())
        won.append(name)
    except AlreadyTaken:
        lost.append(name)


def test_no_message_is_lost_or_shown_twice_across_instances(
    postgres: Engine, instances: tuple[Engine, Engine]
) -> None:
    zhou, _ = agents(postgres)
    handoff_id = queue(postgres, "web-busy", "webchat", at=utc_now())
    with session_scope(postgres) as session:
        claim(session, handoff_id, user_id=zhou, agent_name="周客服", at=utc_now())
    config = HandoffConfig.of(current_policy())
    per_writer = 25
    barrier = threading.Barrier(4)
    done = threading.Event()

    def caller_instance(engine: Engine) -> None:
        barrier.wait()
        # Both instances get every caller message (a platform retry landing on the other instance).
        for n in range(per_writer):
            with session_scope(engine) as session:
                gate = gate_caller_message(
                    session,
                    sender_id="web-busy",
                    said=f"来电{n}",
                    external_id=f"c{n}",
                    config=config,
                    at=utc_now(),
                )
                assert gate.route in ("agent", "duplicate")

    def agent_console() -> None:
        barrier.wait()
        for n in range(per_writer):
            with session_scope(postgres) as session:
                reply(session, handoff_id, user_id=zhou, said=f"客服{n}", at=utc_now())

    seen: list[tuple[int, str]] = []

    def reader() -> None:
        barrier.wait()
        after = 1  # the claim notice
        while True:
            finished = done.is_set()
            with session_scope(postgres) as session:
                conversation = find_conversation(session, "web-busy")
                assert conversation is not None
                for message in messages_after(session, conversation.id, after):
                    seen.append((message.seq, message.text))
                    after = message.seq
            if finished:
                return

    writers = [
        threading.Thread(target=caller_instance, args=(instances[0],)),
        threading.Thread(target=caller_instance, args=(instances[1],)),
        threading.Thread(target=agent_console),
    ]
    watcher = threading.Thread(target=reader)
    for thread in [*writers, watcher]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    watcher.join()

    numbers = [seq for seq, _ in seen]
    assert numbers == list(range(2, 2 + 2 * per_writer))  # in order, no gap, none twice
    texts = [said for _, said in seen]
    assert sorted(texts) == sorted(
        [f"来电{n}" for n in range(per_writer)] + [f"客服{n}" for n in range(per_writer)]
    )
