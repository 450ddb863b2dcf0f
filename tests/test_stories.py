"""The conversation test stories (tests/stories/), run by `rasa test core` against the trained model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.model import ensure_model
from bot.config import PROJECT_ROOT, settings

pytestmark = pytest.mark.slow


def test_conversation_stories_pass(tmp_path: Path) -> None:
    model = ensure_model(settings().models_dir)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("rasa")),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            str(PROJECT_ROOT / "tests" / "stories"),
            "--endpoints",
            str(PROJECT_ROOT / "bot" / "endpoints.yml"),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={
            "HOTLINE_ACTION_URL": "http://127.0.0.1:9/webhook",
            "HOTLINE_TRACKER_DB": str(tmp_path / "t.db"),
            "PATH": str(Path(sys.executable).parent),
        },
    )
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{report}"
