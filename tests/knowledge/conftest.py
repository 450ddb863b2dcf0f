from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase
from bot.knowledge.answers import Answers
from bot.policy import load_policy

REAL_KB = PROJECT_ROOT / "kb"


@pytest.fixture(scope="session")
def answers() -> Answers:
    """The answers of the real knowledge base and policy, loaded once for the knowledge tests."""
    policy = load_policy(REAL_KB / "policy.yml")
    return Answers(KnowledgeBase(REAL_KB, policy), policy)
