"""`hotline kb ask|check|gaps|export`: the knowledge base from the command line. bot/app/cli.py adds them to
its parser."""

from __future__ import annotations

import argparse
import json

from bot.clock import to_local, utc_now
from bot.config import settings
from bot.db import migrate, session_scope
from bot.knowledge import KnowledgeBase, Verdict
from bot.knowledge.answers import Answers
from bot.knowledge.learning import export, gap_clusters, learned
from bot.knowledge.questions import gaps
from bot.policy import current_policy
from bot.texts import say


def cmd_kb_ask(args: argparse.Namespace) -> int:
    kb = KnowledgeBase(settings().kb_dir, current_policy())
    migrate.upgrade()
    with session_scope() as session:
        kb.learn(learned(session))
    answers = Answers(kb, current_policy())
    # Each question is read as the bot reads it, the later ones as the same caller's next message.
    previous = None
    results = []
    today = to_local(utc_now(), current_policy().timezone).date()
    for question in args.questions:
        reply = answers.reply(question, previous=previous, today=today)
        previous = reply.context
        results.append((question, reply))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "question": question,
                        "verdict": reply.verdict.value,
                        "clarifying": reply.clarifying,
                        "answers": [{"id": part.topic, "answer": part.text} for part in reply.parts],
                        "suggestions": [
                            {"id": h.id, "question": h.question, "score": round(h.score, 4)}
                            for h in reply.suggestions
                        ],
                    }
                    for question, reply in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for question, reply in results:
        print(say("kb_cli.question", question=question))
        if reply.verdict is Verdict.ANSWER:
            for part in reply.parts:
                print(say("kb_cli.answer", text=part.text, topic=part.topic))
        elif reply.verdict is Verdict.SUGGEST:
            print(
                say("faq_clarify" if reply.clarifying else "faq_suggest")
                + "；".join(f"{h.question} [{h.id} {h.score:.2f}]" for h in reply.suggestions)
            )
        else:
            print(say("kb_cli.no_answer"))
        print()
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    problems = KnowledgeBase(settings().kb_dir, current_policy()).check()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_kb_gaps(args: argparse.Namespace) -> int:
    migrate.upgrade()
    with session_scope() as session:
        if args.clusters:
            kb = KnowledgeBase(settings().kb_dir, current_policy())
            kb.learn(learned(session))
            clusters = gap_clusters(session, kb)[: args.limit]
            for number, cluster in enumerate(clusters, start=1):
                near = say("kb_cli.nearest", entry=cluster.suggested.id) if cluster.suggested else ""
                print(
                    say(
                        "kb_cli.cluster",
                        number=number,
                        count=cluster.count,
                        label=cluster.label,
                        nearest=near,
                    )
                )
                for question in cluster.questions:
                    down = (
                        say("kb_cli.thumbs_down", count=question.thumbs_down) if question.thumbs_down else ""
                    )
                    print(f"      {question.count:>3}  {question.question}{down}")
            print(f"{len(clusters)} group(s) of missed questions")
            return 0
        found = gaps(session, limit=args.limit)
    for gap in found:
        print(f"{gap.count:>4}  {gap.last_asked:%Y-%m-%d %H:%M}Z  {gap.question}")
    print(f"{len(found)} unanswered question(s)")
    return 0


def cmd_kb_export(args: argparse.Namespace) -> int:
    migrate.upgrade()
    kb = KnowledgeBase(settings().kb_dir, current_policy())
    with session_scope() as session:
        kb.learn(learned(session))
        done = export(session, kb, actor=args.by, at=utc_now())
    for line in done:
        print(line)
    print(f"{len(done)} change(s) written to {settings().kb_dir / 'faq'}")
    return 0


def add_kb_commands(commands: argparse._SubParsersAction) -> None:
    kb = commands.add_parser("kb", help="the FAQ knowledge base").add_subparsers(dest="kb", required=True)
    ask = kb.add_parser("ask", help="answer questions as the bot would")
    ask.add_argument("questions", nargs="+", metavar="QUESTION")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_kb_ask)
    kb.add_parser("check", help="lint the knowledge base").set_defaults(func=cmd_kb_check)
    gaps_parser = kb.add_parser("gaps", help="questions the knowledge base could not answer, with counts")
    gaps_parser.add_argument("--limit", type=int, default=50)
    gaps_parser.add_argument("--clusters", action="store_true", help="grouped by meaning, most asked first")
    gaps_parser.set_defaults(func=cmd_kb_gaps)
    export_parser = kb.add_parser("export", help="write what the console learned into kb/faq/*.yml")
    export_parser.add_argument("--by", default="hotline kb export", help="who exports, for the audit log")
    export_parser.set_defaults(func=cmd_kb_export)
