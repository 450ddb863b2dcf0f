"""Retrieval over the knowledge base in kb/: the FAQ and its retriever. Plain Python; it does not import
Rasa."""

from bot.knowledge.base import (
    Answer,
    FaqHit,
    KnowledgeBase,
    KnowledgeBaseError,
    Learned,
    RetrievalSettings,
    Verdict,
)
from bot.knowledge.faq import FaqEntry

__all__ = [
    "Answer",
    "FaqEntry",
    "FaqHit",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Learned",
    "RetrievalSettings",
    "Verdict",
]
