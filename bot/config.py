"""Every setting of the hotline, read once from the environment, with defaults that run locally."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    kb_dir: Path
    var_dir: Path
    models_dir: Path
    rasa_port: int
    action_port: int
    action_url: str
    profile: str
    log_level: str
    # The tier-2 web console (`hotline console`); its cookie-signing key, random per var/ dir when unset.
    console_port: int = 5080
    console_secret: str | None = None
    # This bot instance's digit (0-9) in numbers of tickets taken while the database was down
    # (bot/journal.py); instances that do not share var_dir need different digits.
    instance_id: int = 0
    # Seconds between the background worker's rounds; unset: the policy's sla.worker_interval_seconds.
    worker_interval_seconds: float | None = None
    # Production profile (HOTLINE_PROFILE=production): Rasa's conversations in this database (default: the
    # hotline's own), the shared Redis for locks, rate limits and channel state, and a token for Rasa's HTTP
    # API.
    tracker_database_url: str | None = None
    redis_url: str | None = None
    api_token: str | None = None
    # What Rasa sends the action server with every call; one kept in var/action_token when unset.
    action_token: str | None = None
    # The key that signs web chat sessions (bot/identity.py); random per var/ dir when unset. Set the same
    # value on every instance.
    identity_secret: str | None = None
    # The console runs behind a TLS-terminating reverse proxy: its cookies get `Secure` (and the session
    # cookie the `__Host-` prefix) although the console itself speaks plain HTTP to the proxy. On by default
    # in production.
    console_behind_tls_proxy: bool = False
    # Where callers reach this hotline from outside (the web chat links of the device labels; Twilio's
    # signatures).
    public_url: str | None = None

    @property
    def production(self) -> bool:
        return self.profile == "production"


def channel_variable(name: str, default: str = "") -> str:
    """A channel's secret or tuning value (bot/channels/secrets.py lists them). Read when the channel is
    built, not cached with settings(): each channel reports its own missing secrets when it starts."""
    return os.environ.get(name, default)


def environment() -> dict[str, str]:
    """The whole environment, for the log masking that hides every secret-looking value
    (bot/app/logging.py)."""
    return dict(os.environ)


def _default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / 'hotline.db'}"


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings from the environment; see README "Configuration" for each variable."""
    var_dir = Path(os.environ.get("HOTLINE_VAR_DIR", PROJECT_ROOT / "var"))
    action_port = int(os.environ.get("HOTLINE_ACTION_PORT", "5055"))
    return Settings(
        database_url=os.environ.get("HOTLINE_DATABASE_URL") or _default_database_url(var_dir),
        kb_dir=Path(os.environ.get("HOTLINE_KB_DIR", PROJECT_ROOT / "kb")),
        var_dir=var_dir,
        models_dir=Path(os.environ.get("HOTLINE_MODELS_DIR", PROJECT_ROOT / "models")),
        rasa_port=int(os.environ.get("HOTLINE_RASA_PORT", "5005")),
        action_port=action_port,
        action_url=os.environ.get("HOTLINE_ACTION_URL", f"http://127.0.0.1:{action_port}/webhook"),
        profile=os.environ.get("HOTLINE_PROFILE", "local"),
        log_level=os.environ.get("HOTLINE_LOG_LEVEL", "INFO"),
        console_port=int(os.environ.get("HOTLINE_CONSOLE_PORT", "5080")),
        console_secret=os.environ.get("HOTLINE_CONSOLE_SECRET") or None,
        instance_id=int(os.environ.get("HOTLINE_INSTANCE_ID", "0")),
        worker_interval_seconds=float(os.environ["HOTLINE_WORKER_INTERVAL_SECONDS"])
        if os.environ.get("HOTLINE_WORKER_INTERVAL_SECONDS")
        else None,
        tracker_database_url=os.environ.get("HOTLINE_TRACKER_DATABASE_URL") or None,
        redis_url=os.environ.get("HOTLINE_REDIS_URL") or None,
        api_token=os.environ.get("HOTLINE_API_TOKEN") or None,
        action_token=os.environ.get("HOTLINE_ACTION_TOKEN") or None,
        identity_secret=os.environ.get("HOTLINE_IDENTITY_SECRET") or None,
        console_behind_tls_proxy=os.environ.get(
            "HOTLINE_CONSOLE_BEHIND_TLS_PROXY",
            "1" if os.environ.get("HOTLINE_PROFILE") == "production" else "0",
        )
        == "1",
        public_url=(os.environ.get("HOTLINE_PUBLIC_URL") or "").rstrip("/") or None,
    )
