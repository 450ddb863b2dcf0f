"""The trained Rasa model: named by a hash of what it is trained from, so training runs only when that
changes."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.config import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config.yml"
DOMAIN = PROJECT_ROOT / "bot" / "domain"
DATA = PROJECT_ROOT / "data"
# Custom NLU components are part of the model: a change to their code needs a new one.
INPUTS = (CONFIG, DOMAIN, DATA, PROJECT_ROOT / "bot" / "nlu", PROJECT_ROOT / "requirements.lock")


def training_hash(inputs: tuple[Path, ...] = INPUTS) -> str:
    digest = hashlib.sha256()
    for root in inputs:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.suffix == ".pyc" or "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(models_dir: Path) -> Path:
    return models_dir / f"hotline-{training_hash()}.tar.gz"


def ensure_model(models_dir: Path, force: bool = False) -> Path:
    """The model for the current data and config, trained now if it does not exist yet."""
    path = model_path(models_dir)
    if path.exists() and not force:
        return path
    models_dir.mkdir(parents=True, exist_ok=True)
    # One training at a time per models directory: a second caller (a test run beside `make run`) waits and
    # then finds the model instead of training it again.
    with (models_dir / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and not force:
            return path
        with tempfile.TemporaryDirectory(dir=models_dir, prefix=".training-") as scratch:
            command = [
                str(Path(sys.executable).with_name("rasa")),
                "train",
                "--config",
                str(CONFIG),
                "--domain",
                str(DOMAIN),
                "--data",
                str(DATA),
                "--out",
                scratch,
                "--fixed-model-name",
                path.name.removesuffix(".tar.gz"),
            ]
            subprocess.run(command, check=True, cwd=PROJECT_ROOT)
            # Whole or not at all: nobody loads a half-written archive.
            os.replace(Path(scratch) / path.name, path)
    return path
