from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import RunningBot, serve_bot


@pytest.fixture(scope="session")
def conversation_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """A bot of the conversation suite's own, so that other end-to-end tests' tickets do not meet its
    callers."""
    with serve_bot(tmp_path_factory.mktemp("conversations")) as bot:
        yield bot
