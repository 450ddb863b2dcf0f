"""Start and stop the two servers (Rasa and the action server) as child processes.

Local profile: one process each, conversations in var/tracker.db. Production (HOTLINE_PROFILE=production):
conversations in PostgreSQL and conversation locks in Redis (endpoints.production.yml), so that several
workers and several instances on other ports serve the same callers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, Settings
from bot.files import private_dir
from bot.keys import kept_secret


class ServerStartError(RuntimeError):
    """A server did not come up; the message says which and where its log is."""


@dataclass(frozen=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    # None: a background process without HTTP (the worker); it counts as healthy while it runs.
    health_url: str | None
    log: Path


def _spawn(
    name: str, command: list[str], health_url: str | None, log_dir: Path, env: dict[str, str]
) -> Server:
    private_dir(log_dir)
    # Named by port too: two instances may share one var/ directory.
    log = log_dir / (f"{name}-{urlsplit(health_url).port}.log" if health_url else f"{name}-{os.getpid()}.log")
    handle = os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    # Own process group: Ctrl-C in the terminal chat must not kill a server before we stop it cleanly.
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    return Server(name, process, health_url, log)


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"{server.name} exited with code {server.process.returncode}; see {server.log}"
            )
        if server.health_url is None:
            return
        try:
            if requests.get(server.health_url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise ServerStartError(
        f"{server.name} did not answer {server.health_url} within {timeout:.0f} s; see {server.log}"
    )


def stop(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


# The action server takes its log level as a flag (INFO without one).
ACTION_SERVER_LOG_FLAGS = {"DEBUG": ["--debug"], "WARNING": ["--quiet"], "ERROR": ["--quiet"]}


def endpoints_file(config: Settings) -> str:
    return "bot/endpoints.production.yml" if config.production else "bot/endpoints.yml"


def rasa_environment(config: Settings, workers: int = 1) -> dict[str, str]:
    """The variables endpoints*.yml reads, and the worker count Rasa takes from the environment."""
    if workers > 1 and not config.production:
        # Rasa would quietly fall back to one worker: without a Redis lock store two workers could process one
        # conversation's messages at the same time.
        raise ServerStartError("--workers above 1 needs HOTLINE_PROFILE=production (PostgreSQL and Redis)")
    # LOG_LEVEL: Rasa's own variable, from HOTLINE_LOG_LEVEL.
    env = {
        "HOTLINE_ACTION_URL": config.action_url,
        "HOTLINE_ACTION_TOKEN": action_token(config),
        "SANIC_WORKERS": str(workers),
        # Sanic's own cap on any request (100 MB by default); the webhooks cap their bodies far lower
        # themselves.
        "SANIC_REQUEST_MAX_SIZE": str(1024 * 1024),
        "LOG_LEVEL": config.log_level,
    }
    if not config.production:
        return {**env, "HOTLINE_TRACKER_DB": str(config.var_dir / "tracker.db")}
    tracker_url = make_url(config.tracker_database_url or config.database_url)
    if tracker_url.get_backend_name() != "postgresql" or not tracker_url.database:
        raise ServerStartError(
            "HOTLINE_PROFILE=production keeps conversations in PostgreSQL: set HOTLINE_DATABASE_URL (or "
            "HOTLINE_TRACKER_DATABASE_URL) to postgresql+psycopg2://user@host/db, not"
            f" {tracker_url.get_backend_name()}"
        )
    if not config.redis_url:
        raise ServerStartError(
            "HOTLINE_PROFILE=production needs HOTLINE_REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
        )
    if not (os.environ.get("SANIC_PROXIES_COUNT") or os.environ.get("SANIC_REAL_IP_HEADER")):
        # Rasa listens on 127.0.0.1 behind the reverse proxy: without these every caller is the proxy, and
        # one client's flood would use up the per-address limit of all web callers (limits.yml).
        raise ServerStartError(
            "HOTLINE_PROFILE=production runs behind a reverse proxy: set SANIC_PROXIES_COUNT (e.g. 1) or "
            "SANIC_REAL_IP_HEADER (e.g. X-Real-IP) to what the proxy sends, so that limits count real callers"
        )
    redis = urlsplit(config.redis_url)
    return {
        **env,
        "HOTLINE_TRACKER_DB_HOST": tracker_url.host or "127.0.0.1",
        "HOTLINE_TRACKER_DB_PORT": str(tracker_url.port or 5432),
        "HOTLINE_TRACKER_DB_NAME": tracker_url.database,
        "HOTLINE_TRACKER_DB_USER": tracker_url.username or "",
        "HOTLINE_TRACKER_DB_PASSWORD": tracker_url.password or "",
        "HOTLINE_LOCK_REDIS_HOST": redis.hostname or "127.0.0.1",
        "HOTLINE_LOCK_REDIS_PORT": str(redis.port or 6379),
        "HOTLINE_LOCK_REDIS_DB": redis.path.strip("/") or "0",
        "HOTLINE_LOCK_REDIS_PASSWORD": redis.password or "",
    }


def rasa_api_arguments(config: Settings) -> list[str]:
    """Rasa's HTTP API (trackers, /model/parse, trigger_intent) always wants a token: in the local profile
    HOTLINE_API_TOKEN or one kept in var/api_token (else any local user, or a web page through DNS
    rebinding, could read every tracker or forge events); in production it is off unless HOTLINE_API_TOKEN is
    set. The token is visible in the process list of this machine."""
    if not config.production:
        return ["--enable-api", "--auth-token", kept_secret(config.api_token, config.var_dir / "api_token")]
    return ["--enable-api", "--auth-token", config.api_token] if config.api_token else []


def action_token(config: Settings) -> str:
    """What Rasa sends the action server with every call (X-Hotline-Action-Token, endpoints*.yml), which has
    no other authentication: HOTLINE_ACTION_TOKEN, or one kept in var/action_token."""
    return kept_secret(config.action_token, config.var_dir / "action_token")


def _action_server_command(python: str, config: Settings) -> list[str]:
    return [
        *(python, "-m", "bot.app.launch", "actions", "--actions", "actions"),
        *("--port", str(config.action_port)),
        *ACTION_SERVER_LOG_FLAGS.get(config.log_level.upper(), []),
    ]


def _rasa_command(python: str, config: Settings, model: Path) -> list[str]:
    return [
        *(python, "-m", "bot.app.launch", "rasa", "run", "--model", str(model)),
        *("--endpoints", endpoints_file(config), "--credentials", "bot/credentials.yml"),
        *("--interface", "127.0.0.1", "--port", str(config.rasa_port)),
        *rasa_api_arguments(config),
    ]


@contextmanager
def running(
    config: Settings, model: Path, timeout: float = 180, workers: int = 1, console_port: int | None = None
) -> Iterator[list[Server]]:
    """Rasa, the action server and the background worker, healthy, for the duration of the block; stopped
    afterwards whatever happens.

    `workers` Sanic worker processes each (production only). With `console_port`, the tier-2 web console too.
    """
    python = str(Path(sys.executable).parent / "python")
    env = {**os.environ, **rasa_environment(config, workers)}
    log_dir = config.var_dir / "log"
    servers: list[Server] = []
    try:
        servers.append(
            _spawn(
                "actions",
                _action_server_command(python, config),
                f"http://127.0.0.1:{config.action_port}/health",
                log_dir,
                # Only Rasa calls the action server, which has no authentication of its own: never listen
                # outside.
                {**env, "SANIC_HOST": "127.0.0.1", "ACTION_SERVER_SANIC_WORKERS": str(workers)},
            )
        )
        # Rasa answers "/" once the model is loaded, with or without its API.
        rasa_url = f"http://127.0.0.1:{config.rasa_port}/"
        servers.append(_spawn("rasa", _rasa_command(python, config, model), rasa_url, log_dir, env))
        # SLA clock, paging, the outbox and the offline-ticket journal: safe to run once per instance (every
        # job claims its rows), so a second instance needs no special flag.
        servers.append(_spawn("worker", [python, "-m", "bot.app.cli", "worker"], None, log_dir, env))
        if console_port is not None:
            console = [python, "-m", "bot.app.cli", "console", "--port", str(console_port)]
            console_url = f"http://127.0.0.1:{console_port}/health"
            servers.append(_spawn("console", console, console_url, log_dir, env))
        for server in servers:
            _wait_healthy(server, timeout)
        yield servers
    finally:
        stop(servers)
