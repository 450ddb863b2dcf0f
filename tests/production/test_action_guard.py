"""A custom action that fails or is too slow: the caller hears the apology with the hotline number, then the
bot listens; a working action server is untouched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, FollowupAction, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.app.launch import guard_remote_actions, validate_action_results_with_a_compiled_schema
from bot.channels.texts import say
from tests.support import free_port


@pytest.fixture
def guarded() -> Iterator[None]:
    """Rasa's RemoteAction as `bot.app.launch rasa` runs it: guarded, answers checked with the compiled
    schema."""
    unguarded, rasa_validate = RemoteAction.run, RemoteAction._validate_action_result
    guard_remote_actions()
    validate_action_results_with_a_compiled_schema()
    yield
    RemoteAction.run = unguarded  # type: ignore[method-assign]
    RemoteAction._validate_action_result = rasa_validate


async def run_action(url: str, timeout: float = 5) -> list[Any]:
    endpoint = EndpointConfig(url=url, reply_timeout_seconds=timeout)
    action = RemoteAction("action_submit_fault", endpoint)
    return list(
        await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("caller-1", []),
            Domain.empty(),
        )
    )


def is_apology(events: list[Any]) -> bool:
    return (
        len(events) == 2
        and isinstance(events[0], BotUttered)
        and events[0].text == say("common.bot_error")
        and "400-800-6626" in (events[0].text or "")
        and events[1] == FollowupAction("action_listen")
    )


@pytest.fixture
async def action_server() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """An action server on a free port; `behaviour["mode"]` is "ok", "error" or "hang"."""
    behaviour: dict[str, Any] = {"mode": "ok"}

    async def webhook(_: web.Request) -> web.Response:
        if behaviour["mode"] == "hang":
            await asyncio.sleep(30)
        if behaviour["mode"] == "error":
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response(
            {
                "events": [{"event": "slot", "name": "ticket_number", "value": "SR202611220001"}],
                "responses": [{"text": "已为您生成报修工单"}],
            }
        )

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/webhook", behaviour
    await runner.cleanup()


@pytest.mark.anyio
async def test_action_server_down_gives_the_apology_and_listens(guarded: None) -> None:
    assert is_apology(await run_action(f"http://127.0.0.1:{free_port()}/webhook"))


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["error", "hang"])  # a 500; slower than the limit
async def test_action_server_error_or_slowness_gives_the_apology(
    guarded: None, action_server: tuple[str, dict[str, Any]], mode: str
) -> None:
    url, behaviour = action_server
    behaviour["mode"] = mode
    assert is_apology(await run_action(url, timeout=0.3))


@pytest.mark.anyio
async def test_a_working_action_server_is_untouched(
    guarded: None, action_server: tuple[str, dict[str, Any]]
) -> None:
    url, _ = action_server
    events = await run_action(url)
    assert [type(e) for e in events] == [BotUttered, SlotSet]
    assert events[0].text == "已为您生成报修工单" and events[1].value == "SR202611220001"


@pytest.mark.parametrize(
    ("answer", "valid"),
    [
        ({"events": [{"event": "slot", "name": "x", "value": "y"}], "responses": [{"text": "好"}]}, True),
        ({"events": [], "responses": []}, True),
        ({"events": {"event": "slot"}, "responses": []}, False),
        ({"events": [{"event": "slot"}], "responses": ["不是对象"]}, False),
    ],
)
def test_the_compiled_schema_accepts_and_rejects_what_rasa_does(
    guarded: None, answer: dict[str, Any], valid: bool
) -> None:
    action = RemoteAction("action_submit_fault", None)
    if valid:
        assert action._validate_action_result(answer) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(answer)
