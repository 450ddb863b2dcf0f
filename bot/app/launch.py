"""The two server processes as `hotline serve` starts them: `python -m bot.app.launch rasa|actions ARGS...`.

Both mask their logs (bot/app/logging.py). Rasa also gets what it has no setting for: when a custom action
fails —the action server down, answering with an error, or slower than `reply_timeout_seconds` in
endpoints.yml — the caller hears a short apology with the hotline number and the turn ends there. Rasa 3.6
would log the error, drop the action's events and often say nothing at all. The action's events are not
applied, so the caller's next message continues from where the conversation was before the failed turn.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from bot.app.logging import install_masking
from bot.files import private_files

logger = logging.getLogger("bot.app.launch")  # not "__main__" when run with -m

# Used when endpoints.yml does not say; Rasa's own limit is 5 minutes.
DEFAULT_REPLY_TIMEOUT_SECONDS = 10.0


def apology_events() -> list[Any]:
    """What the bot says and does instead of the failed action: apologise, then wait for the caller."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import BotUttered, FollowupAction

    from bot.channels.texts import say

    return [BotUttered(say("common.bot_error")), FollowupAction(ACTION_LISTEN_NAME)]


def guard_remote_actions() -> None:
    """Every custom action Rasa runs (actions, form validation) answers within its time limit or
    apologises."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    unguarded = RemoteAction.run
    if getattr(unguarded, "hotline_guarded", False):
        return

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        settings = self.action_endpoint.kwargs if self.action_endpoint else {}
        timeout = float(settings.get("reply_timeout_seconds", DEFAULT_REPLY_TIMEOUT_SECONDS))
        try:
            return list(
                await asyncio.wait_for(unguarded(self, output_channel, nlg, tracker, domain), timeout)
            )
        except ActionExecutionRejection:
            raise  # a form's own "this slot did not fit": Rasa handles it
        except asyncio.TimeoutError:
            logger.error(
                "custom action %s took longer than %.0f s; the caller was asked to retry",
                self.name(),
                timeout,
            )
        except Exception as error:  # any failure must end in an answer, not in silence
            logger.error("custom action %s failed (%s); the caller was asked to retry", self.name(), error)
        return apology_events()

    run.hotline_guarded = True  # type: ignore[attr-defined]
    RemoteAction.run = run


def validate_action_results_with_a_compiled_schema() -> None:
    """Rasa checks every action server answer with `jsonschema.validate`, which checks and compiles the schema
    on every call: under load that was 40 % of Rasa's CPU (docs/benchmarks.md, Load). The same schema,
    compiled once; an invalid answer still goes through Rasa's own check, which raises with its message."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    rasa_validate = RemoteAction._validate_action_result
    if getattr(rasa_validate, "hotline_compiled", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        return bool(validator.is_valid(result)) or rasa_validate(self, result)

    validate.hotline_compiled = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate


ACTION_TOKEN_HEADER = "X-Hotline-Action-Token"


def require_action_token() -> None:
    """Only Rasa may call the action server (a local process could otherwise run any action with a forged
    tracker, a verified caller's included): every request but /health carries the token `hotline serve` gave
    both servers (bot/app/servers.py `action_token`), or gets 403."""
    import hmac

    import rasa_sdk.endpoint
    from sanic import response

    from bot.app.servers import action_token
    from bot.config import settings

    expected = action_token(settings())
    create_app = rasa_sdk.endpoint.create_app
    if getattr(create_app, "hotline_token", False):
        return

    def create_app_with_token(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)

        @app.middleware("request")
        async def only_rasa(request: Any) -> Any:
            if request.path != "/health" and not hmac.compare_digest(
                request.headers.get(ACTION_TOKEN_HEADER, ""), expected
            ):
                return response.json({"error": "forbidden"}, status=403)
            return None

        return app

    create_app_with_token.hotline_token = True  # type: ignore[attr-defined]
    rasa_sdk.endpoint.create_app = create_app_with_token


def main(argv: list[str] | None = None) -> None:
    which, *rest = sys.argv[1:] if argv is None else argv
    private_files()  # also when started on its own, not by `hotline serve`
    install_masking()
    if which == "rasa":
        guard_remote_actions()
        validate_action_results_with_a_compiled_schema()
        from bot.channels.handoff_gate import hold_messages_for_agents

        hold_messages_for_agents()  # the bot is silent while a person has the conversation
        from rasa.__main__ import main as rasa_main

        sys.argv = ["rasa", *rest]
        rasa_main()
    elif which == "actions":
        require_action_token()
        from rasa_sdk.__main__ import main as actions_main

        sys.argv = ["rasa_sdk", *rest]
        actions_main()
    else:
        raise SystemExit(f"usage: python -m bot.app.launch rasa|actions ARGS... (not {which!r})")


if __name__ == "__main__":
    main()
