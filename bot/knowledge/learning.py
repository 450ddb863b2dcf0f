"""Learning from misses: questions the knowledge base could not answer (or answered unhelpfully) grouped by
meaning, attached to an entry as its paraphrases or drafted into a new entry, merged into the index at once,
every change audited and exportable back to kb/faq/*.yml.

Grouping is plain character n-gram TF-IDF (the 1-3-grams the FAQ retriever's fuzzy half uses: synonyms
applied, stopwords dropped; idf over the missed questions) with greedy clustering: most asked first, each
question joins the group whose centroid it is closest to when the cosine reaches `SIMILAR`, else starts its
own. Nothing is downloaded or trained.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import KbAudit, KbLearnedEntry, KbLearnedParaphrase, KbQuestion
from bot.knowledge.base import FaqHit, KnowledgeBase, Learned, Verdict
from bot.knowledge.faq import MIN_PARAPHRASES

# Cosine of a question's n-gram vector and a group's centroid from which it joins the group. Measured on pairs
# in tests/knowledge/test_learning.py: the same question reworded scores 0.26-0.67 (「修好的单子能盖公章吗」 /
# 「维修单能不能盖个公章」 0.29), different questions sharing a word at most 0.14 (发票抬头 / 发票找谁要).
SIMILAR = 0.2
LEARNED_FILE = "learned.yml"
_ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


class LearningError(ValueError):
    """A change the manager asked for cannot be made; the message says why, in Chinese."""


@dataclass(frozen=True)
class MissedQuestion:
    question: str
    count: int  # times asked
    thumbs_down: int  # of them answered but marked unhelpful
    last_asked: datetime


@dataclass(frozen=True)
class GapCluster:
    questions: list[MissedQuestion]  # most asked first
    suggested: FaqHit | None  # the closest entry, whatever its score: a start for the manager

    @property
    def count(self) -> int:
        return sum(question.count for question in self.questions)

    @property
    def label(self) -> str:
        return self.questions[0].question


@dataclass(frozen=True)
class EntryStats:
    faq_id: str
    question: str
    hits: int  # answered with this entry
    helpful: int
    thumbs_down: int

    @property
    def thumbs_down_rate(self) -> float:
        return self.thumbs_down / self.hits if self.hits else 0.0


def missed_questions(session: Session) -> list[MissedQuestion]:
    """Questions declined or marked unhelpful, most asked first; those already attached to an entry are
    learned."""
    attached = select(KbLearnedParaphrase.text)
    down = func.sum(case((KbQuestion.helpful.is_(False), 1), else_=0))
    query = (
        select(KbQuestion.question, func.count(KbQuestion.id), down, func.max(KbQuestion.asked_at))
        .where((KbQuestion.verdict == Verdict.NONE.value) | KbQuestion.helpful.is_(False))
        .where(KbQuestion.question.not_in(attached))
        .group_by(KbQuestion.question)
        .order_by(func.count(KbQuestion.id).desc(), func.max(KbQuestion.asked_at).desc())
    )
    return [MissedQuestion(q, int(n), int(d or 0), last) for q, n, d, last in session.execute(query)]


def cluster_questions(
    questions: list[MissedQuestion], ngrams: Callable[[str], list[str]]
) -> list[list[MissedQuestion]]:
    """Groups of questions that ask the same thing, the largest first; each group most asked first."""
    grams = [Counter(ngrams(question.question)) or Counter([question.question]) for question in questions]
    documents = Counter(gram for counts in grams for gram in counts)
    total = len(questions)
    vectors = [_unit({g: tf * math.log(1 + total / documents[g]) for g, tf in c.items()}) for c in grams]
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    for i, vector in enumerate(vectors):
        scores = [_cosine(vector, centroid) for centroid in centroids]
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        if best is not None and scores[best] >= SIMILAR:
            groups[best].append(i)
            centroids[best] = _unit(_sum(vectors[j] for j in groups[best]))
        else:
            groups.append([i])
            centroids.append(vector)
    clusters = [[questions[i] for i in group] for group in groups]
    return sorted(clusters, key=lambda group: -sum(q.count for q in group))


def gap_clusters(session: Session, kb: KnowledgeBase) -> list[GapCluster]:
    clusters = []
    for group in cluster_questions(missed_questions(session), kb.ngrams):
        ranked = kb.closest(group[0].question)
        clusters.append(GapCluster(group, ranked))
    return clusters


def learned(session: Session) -> Learned:
    """Everything learned so far, for KnowledgeBase.learn."""
    paraphrases = session.execute(
        select(KbLearnedParaphrase.faq_id, KbLearnedParaphrase.text).order_by(KbLearnedParaphrase.id)
    ).all()
    entries = session.execute(
        select(
            KbLearnedEntry.id, KbLearnedEntry.question, KbLearnedEntry.answer, KbLearnedEntry.file
        ).order_by(KbLearnedEntry.created_at)
    ).all()
    return Learned(
        tuple((str(faq_id), str(text)) for faq_id, text in paraphrases),
        tuple((str(i), str(q), str(a), str(f)) for i, q, a, f in entries),
    )


def attach(
    session: Session, kb: KnowledgeBase, faq_id: str, questions: list[str], *, actor: str, at: datetime
) -> int:
    """The questions become paraphrases of the entry; returns how many were new. Audited."""
    known = {entry.id: entry for entry in kb.entries}
    if faq_id not in known:
        raise LearningError(f"没有这个知识条目：{faq_id}")
    texts = _distinct(questions)
    if not texts:
        raise LearningError("没有选中任何问题。")
    existing = set(
        session.execute(
            select(KbLearnedParaphrase.text).where(KbLearnedParaphrase.faq_id == faq_id)
        ).scalars()
    ) | set(known[faq_id].variants)
    added = [text for text in texts if text not in existing]
    for text in added:
        session.add(KbLearnedParaphrase(faq_id=faq_id, text=text, added_by=actor, added_at=at))
    _audit(session, actor, at, "attach", faq_id, "、".join(added) or "（都已有）")
    session.flush()
    return len(added)


def draft_entry(
    session: Session,
    kb: KnowledgeBase,
    *,
    question: str,
    answer: str,
    questions: list[str],
    actor: str,
    at: datetime,
    entry_id: str | None = None,
) -> str:
    """A new entry answering the questions, live at once; returns its id. Audited."""
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise LearningError("新条目需要标准问题和答案。")
    taken = {entry.id for entry in kb.entries} | set(session.execute(select(KbLearnedEntry.id)).scalars())
    if entry_id:
        if not _ENTRY_ID.match(entry_id) or entry_id in taken:
            raise LearningError(f"条目编号 {entry_id} 不可用（格式如 learned.invoice，且不能重复）。")
    else:
        number = len([i for i in taken if i.startswith("learned.")]) + 1
        while f"learned.q{number:03d}" in taken:
            number += 1
        entry_id = f"learned.q{number:03d}"
    session.add(
        KbLearnedEntry(
            id=entry_id, question=question, answer=answer, file=LEARNED_FILE, created_by=actor, created_at=at
        )
    )
    for text in _distinct(questions):
        if text != question:
            session.add(KbLearnedParaphrase(faq_id=entry_id, text=text, added_by=actor, added_at=at))
    _audit(session, actor, at, "draft", entry_id, f"{question} → {answer}")
    session.flush()
    return entry_id


def entry_stats(session: Session, kb: KnowledgeBase) -> list[EntryStats]:
    """Per entry: answers given, found helpful, thumbs down; most thumbs down first, then most used."""
    rows = session.execute(
        select(
            KbQuestion.faq_id,
            func.count(KbQuestion.id),
            func.sum(case((KbQuestion.helpful.is_(True), 1), else_=0)),
            func.sum(case((KbQuestion.helpful.is_(False), 1), else_=0)),
        )
        .where(KbQuestion.verdict == Verdict.ANSWER.value)
        .group_by(KbQuestion.faq_id)
    ).all()
    counts = {faq_id: (int(n), int(up or 0), int(down or 0)) for faq_id, n, up, down in rows}
    stats = [EntryStats(entry.id, entry.question, *counts.get(entry.id, (0, 0, 0))) for entry in kb.entries]
    return sorted(stats, key=lambda s: (-s.thumbs_down_rate, -s.hits, s.faq_id))


def audit_log(session: Session, limit: int = 50) -> list[KbAudit]:
    return list(session.execute(select(KbAudit).order_by(KbAudit.id.desc()).limit(limit)).scalars())


def export(session: Session, kb: KnowledgeBase, *, actor: str, at: datetime) -> list[str]:
    """Writes what was learned and not yet exported into kb/faq/*.yml: paraphrases into their entry's file,
    drafted entries (with at least MIN_PARAPHRASES questions) into kb/faq/learned.yml. Returns one line per
    change."""
    faq_dir = kb.kb_dir / "faq"
    files = {entry.id: entry.file for entry in kb.entries}
    done: list[str] = []
    new_entries = session.execute(
        select(KbLearnedEntry).where(KbLearnedEntry.exported_at.is_(None))
    ).scalars()
    for entry in list(new_entries):
        paraphrases = list(
            session.execute(
                select(KbLearnedParaphrase).where(KbLearnedParaphrase.faq_id == entry.id)
            ).scalars()
        )
        if len(paraphrases) < MIN_PARAPHRASES:
            done.append(
                f"{entry.id}: 未导出，至少需要 {MIN_PARAPHRASES} 个问法（现有 {len(paraphrases)} 个）"
            )
            continue
        _append_entry(faq_dir / entry.file, entry, [p.text for p in paraphrases])
        entry.exported_at = at
        for paraphrase in paraphrases:
            paraphrase.exported_at = at
        done.append(f"{entry.id}: 新条目写入 faq/{entry.file}")
    pending = session.execute(
        select(KbLearnedParaphrase)
        .where(KbLearnedParaphrase.exported_at.is_(None))
        .order_by(KbLearnedParaphrase.id)
    ).scalars()
    by_entry: dict[str, list[KbLearnedParaphrase]] = {}
    for paraphrase in pending:
        drafted = session.get(KbLearnedEntry, paraphrase.faq_id)
        # A drafted entry not exported yet takes its questions along when it is.
        if paraphrase.faq_id in files and (drafted is None or drafted.exported_at is not None):
            by_entry.setdefault(paraphrase.faq_id, []).append(paraphrase)
    for faq_id, paraphrases in by_entry.items():
        _append_paraphrases(faq_dir / files[faq_id], faq_id, [p.text for p in paraphrases])
        for paraphrase in paraphrases:
            paraphrase.exported_at = at
        done.append(f"{faq_id}: {len(paraphrases)} 个问法写入 faq/{files[faq_id]}")
    _audit(session, actor, at, "export", None, "；".join(done) or "没有要导出的内容")
    session.flush()
    return done


def _append_paraphrases(path: Path, faq_id: str, texts: list[str]) -> None:
    """Adds list items under the entry's `paraphrases:` in place, keeping the file's comments and layout."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {faq_id}")
    at = next(i for i in range(start, len(lines)) if lines[i].strip() == "paraphrases:") + 1
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    while at < len(lines) and lines[at].startswith(indent + "- "):
        at += 1
    lines[at:at] = [f"{indent}- {_scalar(text)}" for text in texts]
    path.write_text("\n".join(lines), encoding="utf-8")


def _append_entry(path: Path, entry: KbLearnedEntry, paraphrases: list[str]) -> None:
    block = {
        "id": entry.id,
        "question": entry.question,
        "paraphrases": paraphrases,
        "answer": entry.answer,
        "tags": ["learned"],
        "device_types": [],
        "source": f"console, {entry.created_by}",
    }
    text = yaml.safe_dump([block], allow_unicode=True, sort_keys=False, width=1000)
    if not path.exists():
        text = (
            "# Entries drafted in the console from questions the knowledge base missed (hotline kb export).\n"
            + text
        )
    else:
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text
    path.write_text(text, encoding="utf-8")


def _scalar(text: str) -> str:
    """A YAML scalar for a list item: plain when it reads back the same, else quoted."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1000).strip()
    return dumped.removesuffix("\n...").removesuffix("...").strip()


def _audit(session: Session, actor: str, at: datetime, action: str, faq_id: str | None, detail: str) -> None:
    session.add(KbAudit(at=at, actor=actor, action=action, faq_id=faq_id, detail=detail))


def _distinct(questions: list[str]) -> list[str]:
    return list(dict.fromkeys(text.strip() for text in questions if text.strip()))


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {key: value / norm for key, value in vector.items()}


def _sum(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for vector in vectors:
        for key, value in vector.items():
            total[key] = total.get(key, 0.0) + value
    return total


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(key, 0.0) for key, value in a.items())
