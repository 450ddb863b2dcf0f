"""The manager's knowledge-base page (/kb): questions the bot missed, grouped by meaning and most asked first,
to attach to an entry (they answer at once) or to draft into a new entry; entry hit counts and thumbs-down
rates; the audit log. The work is bot.knowledge.learning's; this module only turns forms into its calls."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.config import settings
from bot.console.pages import console_of, error_page, login_of, render
from bot.console.texts import say
from bot.db import session_scope
from bot.knowledge import KnowledgeBase
from bot.knowledge.learning import (
    LearningError,
    attach,
    audit_log,
    draft_entry,
    entry_stats,
    gap_clusters,
    learned,
)
from bot.policy import ServicePolicy

routes = web.RouteTableDef()
_KNOWLEDGE: dict[tuple[Path, int], KnowledgeBase] = {}


def _knowledge(policy: ServicePolicy) -> KnowledgeBase:
    """One knowledge base per console process (building its tokenizer takes a second); it reloads by
    itself."""
    key = (settings().kb_dir, id(policy))
    if key not in _KNOWLEDGE:
        _KNOWLEDGE[key] = KnowledgeBase(key[0], policy)
    return _KNOWLEDGE[key]


@routes.get("/kb")
async def kb_page(request: web.Request) -> web.Response:
    return _kb_page(request)


def _kb_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    console = console_of(request)
    kb = _knowledge(console.policy)
    with session_scope(console.engine) as session:
        kb.learn(learned(session))
        done = request.query.get("done")
        return render(
            request,
            "kb.html",
            status=status,
            clusters=gap_clusters(session, kb),
            entries=sorted(kb.entries, key=lambda entry: entry.id),
            stats=entry_stats(session, kb),
            audit=audit_log(session),
            error=error,
            done=say(f"done.kb_{done}") if done in ("attach", "draft") else None,
        )


@routes.post("/kb/attach")
async def kb_attach(request: web.Request) -> web.StreamResponse:
    return await _change(request, "attach")


@routes.post("/kb/draft")
async def kb_draft(request: web.Request) -> web.StreamResponse:
    return await _change(request, "draft")


async def _change(request: web.Request, action: str) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    if not login.is_manager:
        return error_page(request, 403, say("errors.manager_only"))
    form = await request.post()
    questions = [str(value) for value in form.getall("question", [])]
    kb = _knowledge(console.policy)
    try:
        with session_scope(console.engine) as session:
            if action == "attach":
                attach(
                    session, kb, str(form.get("faq_id", "")), questions, actor=login.actor, at=console.clock()
                )
            else:
                draft_entry(
                    session,
                    kb,
                    question=str(form.get("new_question", "")),
                    answer=str(form.get("new_answer", "")),
                    questions=questions,
                    actor=login.actor,
                    at=console.clock(),
                )
    except LearningError as refused:
        return _kb_page(request, status=400, error=str(refused))
    raise web.HTTPSeeOther(f"/kb?done={action}")
