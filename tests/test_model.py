"""Training runs once per content hash, even when two processes ask at once, and never leaves half a model."""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.app import model


def fake_training(trainings: list[str], fail: bool = False) -> Any:
    """Stands in for `rasa train`: writes the archive slowly into --out, as Rasa does."""

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        out = Path(command[command.index("--out") + 1])
        name = command[command.index("--fixed-model-name") + 1]
        trainings.append(threading.current_thread().name)
        (out / f"{name}.tar.gz").write_bytes(b"half")
        time.sleep(0.2)
        if fail:
            raise subprocess.CalledProcessError(1, command)
        (out / f"{name}.tar.gz").write_bytes(b"a whole model")
        return subprocess.CompletedProcess(command, 0)

    return run


def test_two_callers_at_once_share_one_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trainings: list[str] = []
    monkeypatch.setattr(model.subprocess, "run", fake_training(trainings))
    with ThreadPoolExecutor(max_workers=2) as pool:
        paths = list(pool.map(lambda _: model.ensure_model(tmp_path), range(2)))
    assert len(trainings) == 1 and paths[0] == paths[1] == model.model_path(tmp_path)
    assert paths[0].read_bytes() == b"a whole model"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".training.lock")] == [paths[0].name]


def test_a_failed_training_leaves_no_model_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model.subprocess, "run", fake_training([], fail=True))
    with pytest.raises(subprocess.CalledProcessError):
        model.ensure_model(tmp_path)
    assert not model.model_path(tmp_path).exists()
    assert [p.name for p in tmp_path.iterdir()] == [".training.lock"]
