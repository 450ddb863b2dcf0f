"""Fixtures of the NLU component tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import settings
from bot.nlu.terms import CATALOGUE_FILE


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A kb dir holding a copy of the shipped devices.yml, made the hotline's kb dir for this test."""
    kb = tmp_path / "kb"
    kb.mkdir()
    shutil.copy(settings().kb_dir / CATALOGUE_FILE, kb)
    monkeypatch.setenv("HOTLINE_KB_DIR", str(kb))
    settings.cache_clear()
    yield kb
    settings.cache_clear()
