"""Secrets the hotline generates for itself when none is configured, kept in var/ (0600) so they survive
restarts."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.files import private_dir


def kept_secret(configured: str | None, path: Path) -> str:
    """The configured secret, or one generated once and kept at `path`."""
    if configured:
        return configured
    if not path.exists():
        private_dir(path.parent)
        # O_EXCL: two processes starting together cannot each write a different secret.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
