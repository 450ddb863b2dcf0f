"""Files the hotline writes hold callers' names, phones and transcripts: owner-only (0600 files, 0700
folders)."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_files() -> None:
    """From now on this process creates files 0600 and folders 0700 (SQLite, journal, logs, secrets,
    models)."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """The folder, created 0700 if missing (parents too); an existing one is narrowed to 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def narrow_tree(root: Path) -> None:
    """Make an existing state folder owner-only: folders 0700, files 0600 (state written before this
    version)."""
    private_dir(root)
    for folder, folders, files in os.walk(root):
        for name in folders:
            os.chmod(os.path.join(folder, name), 0o700)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o600)
