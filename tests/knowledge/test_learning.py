"""Learning from misses: missed questions grouped by meaning, attached to an entry or drafted into a new one
(live at once, no restart), counted per entry, audited, and exported back to kb/faq/*.yml."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db import session_scope
from bot.db.models import KbAudit
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers
from bot.knowledge.learning import (
    LearningError,
    MissedQuestion,
    attach,
    cluster_questions,
    draft_entry,
    entry_stats,
    export,
    gap_clusters,
    learned,
)
from bot.knowledge.questions import record_feedback, record_question
from bot.policy import load_policy

AT = datetime(2026, 12, 6, 9, 0)


def missed(question: str, count: int = 1) -> MissedQuestion:
    return MissedQuestion(question, count, 0, AT)


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    return KnowledgeBase(PROJECT_ROOT / "kb", load_policy(PROJECT_ROOT / "kb" / "policy.yml"))


def test_questions_asking_the_same_are_grouped_most_asked_first(real_kb: KnowledgeBase) -> None:
    groups = cluster_questions(
        [
            missed("维修费能开增值税专票吗", 3),
            missed("食堂几点开饭", 2),
            missed("能不能开增值税发票", 2),
            missed("发票抬头写医院名字可以吗", 1),
            missed("你们食堂几点开门", 1),
            missed("工程师的手机号是多少", 1),
            missed("修好的单子能盖公章吗", 1),
            missed("维修单能不能盖个公章", 1),
        ],
        real_kb.ngrams,
    )
    labels = [[q.question for q in group] for group in groups]
    assert labels[:2] == [
        ["维修费能开增值税专票吗", "能不能开增值税发票"],
        ["食堂几点开饭", "你们食堂几点开门"],
    ]
    assert ["修好的单子能盖公章吗", "维修单能不能盖个公章"] in labels
    assert ["工程师的手机号是多少"] in labels and ["发票抬头写医院名字可以吗"] in labels


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "kb", target, ignore=shutil.ignore_patterns("demo", "guides"))
    return target


@pytest.fixture
def kb(kb_dir: Path) -> KnowledgeBase:
    return KnowledgeBase(kb_dir, load_policy(kb_dir / "policy.yml"))


def log(session, question: str, verdict: Verdict, faq_id: str | None = None) -> int:
    return record_question(session, question, verdict, faq_id, None, channel="rest", sender_id="s", at=AT)


def test_unanswered_and_unhelpful_questions_become_clusters(database, kb: KnowledgeBase) -> None:
    with session_scope(database) as session:
        log(session, "修好的单子能盖公章吗", Verdict.NONE)
        log(session, "维修单能不能盖个公章", Verdict.NONE)
        log(session, "维修单能不能盖个公章", Verdict.NONE)
        unhelpful = log(session, "报告上能写清楚换了几个零件吗", Verdict.ANSWER, "reports.progress")
        record_feedback(session, unhelpful, helpful=False)
        log(session, "保修几年", Verdict.ANSWER, "warranty.length")
    with session_scope(database) as session:
        clusters = gap_clusters(session, kb)
    assert [(c.label, c.count) for c in clusters] == [
        ("维修单能不能盖个公章", 3),
        ("报告上能写清楚换了几个零件吗", 1),
    ]
    assert clusters[1].questions[0].thumbs_down == 1
    assert clusters[0].suggested is not None


def test_an_attached_cluster_answers_at_once_and_leaves_the_gaps(database, kb: KnowledgeBase) -> None:
    question = "维修单能不能盖个公章"
    assert kb.ask(question).verdict is Verdict.NONE
    with session_scope(database) as session:
        log(session, question, Verdict.NONE)
        added = attach(session, kb, "reports.service_report", [question], actor="console:zhang", at=AT)
    assert added == 1
    with session_scope(database) as session:
        kb.learn(learned(session))
        assert gap_clusters(session, kb) == []
        audit = session.execute(select(KbAudit)).scalar_one()
        assert (audit.actor, audit.action, audit.faq_id) == (
            "console:zhang",
            "attach",
            "reports.service_report",
        )
    answer = kb.ask(question)
    assert answer.verdict is Verdict.ANSWER and answer.hits[0].id == "reports.service_report"


def test_attaching_to_an_unknown_entry_is_refused(database, kb: KnowledgeBase) -> None:
    with session_scope(database) as session, pytest.raises(LearningError, match="没有这个知识条目"):
        attach(session, kb, "nothing.here", ["问题"], actor="console:zhang", at=AT)


def test_a_drafted_entry_answers_at_once(database, kb: KnowledgeBase) -> None:
    questions = ["维修费能开增值税专票吗", "能不能开增值税发票", "发票怎么开", "维修的发票找谁要"]
    with session_scope(database) as session:
        entry_id = draft_entry(
            session,
            kb,
            question="维修费可以开发票吗？",
            answer="可以，维修结束后由业务同事开具增值税发票，热线{hotline.phone}可以查询进度。",
            questions=questions,
            actor="console:zhang",
            at=AT,
        )
        kb.learn(learned(session))
    answer = kb.ask("维修的发票能开专票吗")
    assert answer.verdict is Verdict.ANSWER and answer.hits[0].id == entry_id
    assert "400-800-6626" in answer.hits[0].answer
    # Its questions are the classifier's examples of it too.
    opinion = kb.opinion("维修的发票能开专票吗")
    assert opinion is not None and opinion.first == entry_id


def test_an_attached_cluster_becomes_examples_of_its_entry_at_once(database, kb: KnowledgeBase) -> None:
    answers = Answers(kb, kb.policy)
    question = "尿纸条开了封能放多久"  # worded unlike the strips entry: only offered
    reply = answers.reply(question)
    assert reply.verdict is Verdict.SUGGEST and "care.urine.strips" in [hit.id for hit in reply.suggestions]
    before = dict(kb.opinion(question).ranked)["care.urine.strips"]  # type: ignore[union-attr]
    cluster = ["尿纸条开封了放多久还能用", "开了封的尿纸条能搁几天", "尿纸条开封以后能保存多久"]
    with session_scope(database) as session:
        for text in cluster:
            log(session, text, Verdict.SUGGEST)
        attach(session, kb, "care.urine.strips", cluster, actor="console:zhang", at=AT)
        kb.learn(learned(session))
    opinion = kb.opinion(question)
    assert opinion is not None and opinion.first == "care.urine.strips" and opinion.margin > before
    reply = answers.reply(question)
    assert reply.verdict is Verdict.ANSWER and reply.topics == ["care.urine.strips"]


def test_entry_stats_count_answers_and_thumbs_down(database, kb: KnowledgeBase) -> None:
    with session_scope(database) as session:
        for helpful in (True, False, False, None):
            question_id = log(session, "保修几年", Verdict.ANSWER, "warranty.length")
            if helpful is not None:
                record_feedback(session, question_id, helpful=helpful)
        log(session, "热线多少", Verdict.ANSWER, "hotline.contact")
    with session_scope(database) as session:
        stats = {row.faq_id: row for row in entry_stats(session, kb)}
        first = entry_stats(session, kb)[0]
    warranty = stats["warranty.length"]
    assert (warranty.hits, warranty.helpful, warranty.thumbs_down) == (4, 1, 2)
    assert warranty.thumbs_down_rate == 0.5 and first.faq_id == "warranty.length"
    assert stats["hotline.contact"].hits == 1 and stats["training.basic"].hits == 0


def test_export_writes_what_was_learned_into_the_faq_files(database, kb: KnowledgeBase, kb_dir: Path) -> None:
    with session_scope(database) as session:
        attach(session, kb, "reports.service_report", ["维修单能不能盖个公章"], actor="console:zhang", at=AT)
        entry_id = draft_entry(
            session,
            kb,
            question="维修费可以开发票吗？",
            answer="可以，维修结束后由业务同事开具发票。",
            questions=["维修费能开增值税专票吗", "能不能开增值税发票", "发票怎么开", "维修的发票找谁要"],
            actor="console:zhang",
            at=AT,
        )
        short = draft_entry(
            session,
            kb,
            question="你们公司在哪？",
            answer="在郑州。",
            questions=["公司地址"],
            actor="z",
            at=AT,
        )
        kb.learn(learned(session))
        done = export(session, kb, actor="hotline kb export", at=AT)
    assert any(line.startswith(f"{short}: 未导出") for line in done)
    reports = yaml.safe_load((kb_dir / "faq" / "reports.yml").read_text(encoding="utf-8"))
    service_report = next(entry for entry in reports if entry["id"] == "reports.service_report")
    assert service_report["paraphrases"][-1] == "维修单能不能盖个公章"
    assert "# Service report" in (kb_dir / "faq" / "reports.yml").read_text(encoding="utf-8")
    learned_file = yaml.safe_load((kb_dir / "faq" / "learned.yml").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in learned_file] == [entry_id]
    # The exported files load as the FAQ, without the database, and answer the same.
    fresh = KnowledgeBase(kb_dir, load_policy(kb_dir / "policy.yml"))
    assert fresh.check() == [] or all(entry_id not in problem for problem in fresh.check())
    assert fresh.ask("维修单能不能盖个公章").hits[0].id == "reports.service_report"
    assert entry_id in {entry.id for entry in fresh.entries}
    with session_scope(database) as session:
        again = export(session, kb, actor="hotline kb export", at=AT)
        assert all(short in line for line in again)  # nothing else left to export
        assert [row.action for row in session.execute(select(KbAudit)).scalars()].count("export") == 2


def test_the_command_line_lists_clusters_and_asks_like_the_bot(
    database, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.app.cli import main

    with session_scope(database) as session:
        log(session, "修好的单子能盖公章吗", Verdict.NONE)
        log(session, "维修单能不能盖个公章", Verdict.NONE)
        log(session, "食堂几点开饭", Verdict.NONE)
    assert main(["kb", "gaps", "--clusters"]) == 0
    out = capsys.readouterr().out
    assert "#1  2 次  「修好的单子能盖公章吗」" in out and "#2  1 次  「食堂几点开饭」" in out
    assert "2 group(s) of missed questions" in out
    assert main(["kb", "ask", "--json", "同城的话工程师几个小时能到", "那外地呢"]) == 0
    first, follow_up = json.loads(capsys.readouterr().out)
    assert first["answers"][0]["id"] == follow_up["answers"][0]["id"] == "deadlines.onsite"
    assert "24小时" in follow_up["answers"][0]["answer"]
