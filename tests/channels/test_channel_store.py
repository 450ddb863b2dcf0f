"""The store behind de-duplication, access_token and choices: in memory, and in Redis for several
processes."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable

import pytest
import redis

from bot import config
from bot.channels import store as store_module
from bot.channels.exactly_once import ReplyLedger
from bot.channels.store import MemoryStore, RedisStore, SharedStore
from tests.support import skip_or_fail

REDIS_URL = os.environ.get("HOTLINE_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {error}")


def memory_stores() -> tuple[SharedStore, SharedStore]:
    shared = MemoryStore()
    return shared, shared


def redis_stores() -> tuple[SharedStore, SharedStore]:
    """Two clients with one key space: two bot processes."""
    redis_or_skip()
    prefix = f"hotline-test-{uuid.uuid4().hex}:"
    return RedisStore(REDIS_URL, prefix), RedisStore(REDIS_URL, prefix)


KINDS = pytest.mark.parametrize(
    "make_stores",
    [memory_stores, pytest.param(redis_stores, marks=pytest.mark.services)],
    ids=["memory", "redis"],
)


@KINDS
@pytest.mark.anyio
async def test_add_put_get_delete_and_expiry(
    make_stores: Callable[[], tuple[SharedStore, SharedStore]],
) -> None:
    one, other = make_stores()
    assert await one.add("k", "first", ttl=5)
    assert not await other.add("k", "second", ttl=5)
    assert await other.get("k") == "first"
    await other.put("k", "replaced", ttl=5)
    assert await one.get("k") == "replaced"
    await one.delete("k")
    assert await other.get("k") is None
    await one.put("short", "v", ttl=0.05)
    await asyncio.sleep(0.15)
    assert await other.get("short") is None
    assert await other.add("short", "again", ttl=5)


@KINDS
@pytest.mark.anyio
async def test_two_processes_answer_a_message_once(
    make_stores: Callable[[], tuple[SharedStore, SharedStore]],
) -> None:
    one, other = make_stores()
    turns: list[str] = []

    async def turn() -> list[str]:
        turns.append("ran")
        await asyncio.sleep(0.2)
        return ["已登记。"]

    first, second = ReplyLedger(one, "wechat"), ReplyLedger(other, "wechat")
    outcomes = await asyncio.gather(
        first.answer("msg:1", turn, 2.0, list), second.answer("msg:1", turn, 2.0, list)
    )
    assert turns == ["ran"]
    assert [outcome.parts for outcome in outcomes] == [["已登记。"], ["已登记。"]]
    assert sorted(outcome.first_delivery for outcome in outcomes) == [False, True]


@pytest.mark.anyio
async def test_a_claim_whose_process_died_is_released() -> None:
    store = MemoryStore()
    crashed = ReplyLedger(store, "sms", pending_seconds=0.05)
    assert await crashed.claim("SM1")
    assert await crashed.wait_for_reply("SM1", timeout=0.01) is None
    await asyncio.sleep(0.1)
    assert await ReplyLedger(store, "sms").claim("SM1")


@pytest.mark.anyio
async def test_a_failing_turn_records_the_apology_for_retries() -> None:
    ledger = ReplyLedger(MemoryStore(), "sms")

    async def broken() -> list[str]:
        raise RuntimeError("action server down")

    outcome = await ledger.answer("SM2", broken, 1.0, lambda: ["抱歉"])
    assert outcome.parts == ["抱歉"]
    assert json.loads(await ledger.wait_for_reply("SM2", 0.1) or "null") == ["抱歉"]


def test_the_store_is_redis_when_hotline_redis_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    def fresh() -> object:
        # Read as everything else is: through bot.config.settings(), once per process.
        config.settings.cache_clear()
        store_module.shared_store.cache_clear()
        return store_module.shared_store()

    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert isinstance(fresh(), RedisStore)
    monkeypatch.delenv("HOTLINE_REDIS_URL")
    assert isinstance(fresh(), MemoryStore)
    config.settings.cache_clear()
    store_module.shared_store.cache_clear()
