"""The console's 会话 view: the hand-off queue, 接入 (one agent per conversation), live messages both ways, a
ticket from the conversation, a knowledge-base answer into the reply, and 结束 (back to the bot). The domain
is bot.handoff.conversations; this module checks the form, calls it and renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.clock import local_text
from bot.console import texts as console_texts
from bot.console.kb import _knowledge as knowledge_base
from bot.console.pages import Console, Login, console_of, login_of, render
from bot.db import session_scope
from bot.db.models import ConversationMessage, Handoff
from bot.handoff.config import HandoffConfig
from bot.handoff.conversations import (
    HandoffError,
    Status,
    caller_phone,
    claim,
    hand_back,
    messages_after,
    place_of,
    registration_of,
    reply,
    transcript_of,
    waiting,
    with_agents,
)
from bot.handoff.delivery import OutsideWindow, within_wechat_window
from bot.handoff.texts import say
from bot.handoff.watch import SeqWatcher, last_seqs_reader
from bot.journal import ticket_journal
from bot.knowledge.base import Verdict
from bot.ops import lifecycle
from bot.submission import submit_ticket
from bot.tickets import (
    KIND_LABELS,
    OPEN_STATUSES,
    Origin,
    Registration,
    TicketKind,
    find_ticket,
    tickets_for_caller,
)

routes = web.RouteTableDef()

LONG_POLL_SECONDS = 15.0


@dataclass(frozen=True)
class Row:
    """A hand-off as the console shows it."""

    handoff: Handoff
    fields: dict[str, Any]
    transcript: list[dict[str, Any]]
    tickets: list[Any]
    waited_minutes: int
    position: int | None


def _row(session: Session, handoff: Handoff, console: Console, now: datetime) -> Row:
    snapshot = handoff.snapshot or {}
    fields = snapshot.get("fields") or {}
    tickets = [
        t
        for t in tickets_for_caller(
            session, sender_id=handoff.conversation.sender_id, phone=caller_phone(handoff), limit=10
        )
        if t.status in {s.value for s in OPEN_STATUSES}
    ]
    handoff_config = HandoffConfig.of(console.policy)
    field_labels = console_texts.labels("caller_fields")
    position = (
        place_of(session, handoff, handoff_config, now).position
        if handoff.status == Status.WAITING.value
        else None
    )
    return Row(
        handoff,
        {field_labels.get(k, k): v for k, v in fields.items()},
        list(snapshot.get("transcript") or []),
        tickets,
        int((now - handoff.queued_at).total_seconds() // 60),
        position,
    )


def _message_json(message: ConversationMessage, zone: str) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "author": message.author,
        "agent": message.agent_name,
        "text": message.text,
        "at": local_text(message.created_at, zone),
    }


def _handoff_id(request: web.Request) -> int:
    try:
        return int(request.match_info["handoff_id"])
    except ValueError as error:
        raise web.HTTPNotFound() from error


@routes.get("/conversations")
async def conversations_page(request: web.Request) -> web.Response:
    return _list_page(request)


def _list_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    console, now = console_of(request), console_of(request).clock()
    with session_scope(console.engine) as session:
        queue = [_row(session, h, console, now) for h in waiting(session)]
        active = [_row(session, h, console, now) for h in with_agents(session)]
        return render(
            request,
            "conversations.html",
            status=status,
            error=error,
            queue=queue,
            active=active,
            channel_labels=console_texts.labels("channels"),
            reason_label=lambda r: say(f"reasons.{r}"),
        )


@routes.get("/conversations/queue.json")
async def queue_json(request: web.Request) -> web.Response:
    """What the list page polls: it reloads when the queue or the agents' conversations change."""
    console = console_of(request)
    with session_scope(console.engine) as session:
        ids = [h.id for h in waiting(session)] + [-h.id for h in with_agents(session)]
    return web.json_response({"ids": ids})


@routes.post("/conversations/{handoff_id}/claim")
async def claim_conversation(request: web.Request) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    handoff_id = _handoff_id(request)
    try:
        with session_scope(console.engine) as session:
            claim(
                session, handoff_id, user_id=login.user_id, agent_name=login.display_name, at=console.clock()
            )
    except HandoffError as refused:
        return _list_page(request, status=refused.status, error=str(refused))
    raise web.HTTPSeeOther(f"/conversations/{handoff_id}")


@routes.get("/conversations/{handoff_id}")
async def conversation_page(request: web.Request) -> web.Response:
    return _conversation_page(request, _handoff_id(request))


def _conversation_page(
    request: web.Request,
    handoff_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> web.Response:
    console, login = console_of(request), login_of(request)
    now = console.clock()
    with session_scope(console.engine) as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise web.HTTPNotFound()
        row = _row(session, handoff, console, now)
        conversation = handoff.conversation
        live = [
            _message_json(m, console.policy.timezone)
            for m in messages_after(session, conversation.id, handoff.queued_seq)
        ]
        return render(
            request,
            "conversation.html",
            status=status,
            error=error,
            done=done or request.query.get("done"),
            row=row,
            conversation=conversation,
            live=live,
            mine=handoff.status == Status.WITH_AGENT.value and handoff.agent_user_id == login.user_id,
            wechat_window_closed=conversation.channel == "wechat"
            and not within_wechat_window(conversation, now),
            channel_labels=console_texts.labels("channels"),
            reason_label=lambda r: say(f"reasons.{r}"),
            end_label=lambda r: say(f"end_reasons.{r}") if r else "",
            kinds=[k.value for k in TicketKind],
        )


@routes.get("/conversations/{handoff_id}/messages")
async def conversation_messages(request: web.Request) -> web.Response:
    """The conversation's messages after ?after=N, waiting up to 15 s for one (long poll)."""
    console = console_of(request)
    handoff_id = _handoff_id(request)
    try:
        after = int(request.query.get("after", "0"))
        wait = min(LONG_POLL_SECONDS, max(0.0, float(request.query.get("wait", LONG_POLL_SECONDS))))
    except ValueError as error:
        raise web.HTTPBadRequest() from error
    found, state, conversation_id, after = _live(console, handoff_id, after)
    if not found and wait:
        await _watcher(console).wait_beyond(conversation_id, after, wait)
        found, state, _, _ = _live(console, handoff_id, after)
    return web.json_response({"messages": found, "status": state})


def _live(console: Console, handoff_id: int, after: int) -> tuple[list[dict[str, Any]], str, int, int]:
    """The messages of the hand-off after `after` (at the earliest those since it was queued), its status, its
    conversation and the number read from."""
    with session_scope(console.engine) as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise web.HTTPNotFound()
        after = max(after, handoff.queued_seq)
        found = [
            _message_json(m, console.policy.timezone)
            for m in messages_after(session, handoff.conversation_id, after)
        ]
        return found, handoff.status, handoff.conversation_id, after


_WATCHERS: dict[Engine, SeqWatcher] = {}


def _watcher(console: Console) -> SeqWatcher:
    # One per database in this process: all the open conversation pages share one query.
    if console.engine not in _WATCHERS:
        _WATCHERS[console.engine] = SeqWatcher(last_seqs_reader(console.engine))
    return _WATCHERS[console.engine]


@routes.post("/conversations/{handoff_id}/reply")
async def reply_to_caller(request: web.Request) -> web.Response:
    console, login = console_of(request), login_of(request)
    form = await request.post()
    said = str(form.get("text") or "")
    by_sms = form.get("by_sms") == "1"
    try:
        with session_scope(console.engine) as session:
            message = reply(
                session,
                _handoff_id(request),
                user_id=login.user_id,
                said=said,
                at=console.clock(),
                by_sms=by_sms,
            )
            return web.json_response({"ok": True, "seq": message.seq})
    except OutsideWindow as closed:
        error = (
            say("agent.outside_window", phone=closed.phone)
            if closed.phone
            else say("agent.outside_window_no_phone")
        )
        return web.json_response({"ok": False, "error": error, "sms": bool(closed.phone)}, status=409)
    except HandoffError as refused:
        return web.json_response({"ok": False, "error": str(refused)}, status=refused.status)


@routes.post("/conversations/{handoff_id}/end")
async def end_conversation(request: web.Request) -> web.StreamResponse:
    console, login = console_of(request), login_of(request)
    handoff_id = _handoff_id(request)
    try:
        with session_scope(console.engine) as session:
            hand_back(session, handoff_id, user_id=login.user_id, by=login.actor, at=console.clock())
    except HandoffError as refused:
        return _conversation_page(request, handoff_id, status=refused.status, error=str(refused))
    raise web.HTTPSeeOther("/conversations")


@routes.get("/conversations/{handoff_id}/kb")
async def knowledge_answer(request: web.Request) -> web.Response:
    """The knowledge base's best answers to the agent's question, to put into the reply."""
    question = request.query.get("q", "").strip()
    kb = knowledge_base(console_of(request).policy)  # the 知识库 page's, shared in this process
    answer = kb.ask(question, k=3) if question else None
    if answer is None or answer.verdict is Verdict.NONE:
        return web.json_response({"answers": [], "error": say("agent.no_answer")})
    return web.json_response({"answers": [{"question": h.question, "answer": h.answer} for h in answer.hits]})


@routes.post("/conversations/{handoff_id}/ticket")
async def ticket_from_conversation(request: web.Request) -> web.StreamResponse:
    """A new ticket with the conversation's registration and transcript, or a note on an existing one; either
    way the ticket's audit log gets who took the conversation over, when, and what was said."""
    console, login = console_of(request), login_of(request)
    handoff_id = _handoff_id(request)
    form = await request.post()
    now = console.clock()
    number = str(form.get("number") or "").strip().upper()
    with session_scope(console.engine) as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise web.HTTPNotFound()
        if number and find_ticket(session, number) is None:
            return _conversation_page(
                request, handoff_id, status=400, error=say("agent.no_ticket", number=number)
            )
        kind, registration = _kind_and_registration(handoff, form)
        origin = Origin(
            handoff.conversation.channel, handoff.conversation.sender_id, transcript_of(session, handoff)
        )
    done = say("agent.ticket_noted", number=number)
    if not number:
        # Exactly once per conversation and kind; journaled like the bot's own tickets if the database is
        # down.
        submitted = submit_ticket(
            kind,
            registration,
            report_id=f"handoff-{handoff_id}-{kind.value}",
            origin=origin,
            received_at=now,
            journal=ticket_journal(),
            policy=console.policy,
            engine=console.engine,
        )
        if submitted.number is None:
            return _conversation_page(
                request, handoff_id, status=503, error=console_texts.say("errors.server_error")
            )
        number, done = submitted.number, say("agent.ticket_created", number=submitted.number)
    with session_scope(console.engine) as session:
        handoff = session.get(Handoff, handoff_id)
        if find_ticket(session, number) is not None:  # a journaled ticket gets its note when it is stored
            note = _transcript_note(session, handoff, login, console.policy.timezone)
            lifecycle.add_note(session, number, note, actor=login.actor, at=now)
        handoff.ticket_number = number
    return _conversation_page(request, handoff_id, done=done)


def _kind_and_registration(handoff: Handoff, form: Any) -> tuple[TicketKind, Registration]:
    snapshot = handoff.snapshot or {}
    kind_value = str(form.get("kind") or TicketKind.CALLBACK.value)
    kind = TicketKind(kind_value) if kind_value in {k.value for k in TicketKind} else TicketKind.CALLBACK
    description = str(form.get("description") or "").strip() or snapshot.get("request") or KIND_LABELS[kind]
    return kind, registration_of(handoff, description)


def _transcript_note(session: Session, handoff: Handoff, login: Login, zone: str) -> str:
    """Who took the conversation over and when, and what was said with them: the ticket's audit log keeps
    it."""
    lines = [
        f"{m.agent_name or say('authors.' + m.author)}：{m.text}"
        for m in messages_after(session, handoff.conversation_id, handoff.queued_seq)
    ]
    return say(
        "agent.transcript_note",
        agent=handoff.agent_name or login.display_name,
        start=local_text(handoff.claimed_at or handoff.queued_at, zone),
        lines="\n".join(lines),
    )
