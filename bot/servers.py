"""Start and stop the two servers (Rasa and the action server) as child processes."""

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

import requests

from bot.config import PROJECT_ROOT, Settings


class ServerStartError(RuntimeError):
    """A server did not come up; the message says which and where its log is."""


@dataclass(frozen=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    health_url: str
    log: Path


def _spawn(name: str, command: list[str], health_url: str, log_dir: Path, env: dict[str, str]) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    handle = log.open("ab")
    # Own process group: Ctrl-C in the terminal chat must not kill a server before we stop it cleanly.
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    return Server(name, process, health_url, log)


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(f"{server.name} exited with code {server.process.returncode}; see {server.log}")
        try:
            if requests.get(server.health_url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise ServerStartError(f"{server.name} did not answer {server.health_url} within {timeout:.0f} s; see {server.log}")


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


@contextmanager
def running(config: Settings, model: Path, timeout: float = 180) -> Iterator[list[Server]]:
    """Both servers, healthy, for the duration of the block; stopped afterwards whatever happens."""
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "HOTLINE_ACTION_URL": config.action_url,
        "HOTLINE_TRACKER_DB": str(config.var_dir / "tracker.db"),
    }
    servers: list[Server] = []
    try:
        servers.append(
            _spawn(
                "actions",
                [str(bin_dir / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(config.action_port)],
                f"http://127.0.0.1:{config.action_port}/health",
                config.var_dir / "log",
                env,
            )
        )
        servers.append(
            _spawn(
                "rasa",
                [
                    str(bin_dir / "rasa"), "run",
                    "--model", str(model),
                    "--endpoints", "bot/endpoints.yml",
                    "--credentials", "bot/credentials.yml",
                    "--interface", "127.0.0.1",
                    "--port", str(config.rasa_port),
                    "--enable-api",
                ],
                f"http://127.0.0.1:{config.rasa_port}/status",
                config.var_dir / "log",
                env,
            )
        )
        for server in servers:
            _wait_healthy(server, timeout)
        yield servers
    finally:
        stop(servers)
