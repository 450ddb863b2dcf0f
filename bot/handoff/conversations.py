"""Live hand-off (人机协同): a conversation goes from the bot to the waiting queue, to one agent, and back.

    bot ──enqueue──▶ waiting ──claim (one agent, compare-and-set)──▶ with_agent ──hand_back / idle──▶ bot
                       └──call-back chosen, nobody in time, desk closed──▶ bot (call-back ticket)

All state is in the database, so every bot instance, worker and console sees the same: a caller's message that
arrives at any instance while an agent has the conversation goes to the agent, never to the bot. Messages are
numbered per conversation under the conversation's row lock, so readers that ask for "after N" miss none and
see none twice.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import Conversation, ConversationMessage, Handoff
from bot.errors import Refused
from bot.handoff.config import HandoffConfig
from bot.handoff.delivery import OutsideWindow, deliver
from bot.handoff.texts import say
from bot.tickets import Registration


class Status(str, Enum):
    WAITING = "waiting"
    WITH_AGENT = "with_agent"
    ENDED = "ended"


OPEN = (Status.WAITING.value, Status.WITH_AGENT.value)

CALLER, BOT, AGENT, SYSTEM = "caller", "bot", "agent", "system"


class HandoffError(Refused):
    """A hand-off step refused (someone else was quicker, or the conversation moved on); str() is the Chinese
    sentence for the agent."""

    status = 409


class AlreadyTaken(HandoffError):
    pass


class NotYours(HandoffError):
    pass


@dataclass(frozen=True)
class QueuePlace:
    position: int
    minutes: int


@dataclass(frozen=True)
class Gate:
    """What becomes of a caller's message: the bot answers it (bot), it waits for an agent (waiting, with the
    place), an agent has it (agent), or it was a repeat already stored (duplicate)."""

    route: str
    place: QueuePlace | None = None


# --- conversations and their messages
# ---------------------------------------------------------------------------


def conversation_for(session: Session, sender_id: str, channel: str, at: datetime) -> Conversation:
    """The conversation of this sender, created on first use (safely when two instances do it at once)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Conversation)
        .values(sender_id=sender_id, channel=channel, last_seq=0, created_at=at)
        .on_conflict_do_nothing(index_elements=["sender_id"])
    )
    return session.execute(select(Conversation).where(Conversation.sender_id == sender_id)).scalar_one()


def find_conversation(session: Session, sender_id: str) -> Conversation | None:
    return session.execute(
        select(Conversation).where(Conversation.sender_id == sender_id)
    ).scalar_one_or_none()


def _lock(session: Session, conversation_id: int) -> Conversation:
    """The conversation's row lock. Every writer takes it first (then the hand-off's row), so two writers
    never wait for each other crosswise; and it orders the message numbers."""
    return session.execute(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    ).scalar_one()


def append(
    session: Session,
    conversation: Conversation,
    author: str,
    said: str,
    at: datetime,
    *,
    buttons: list[dict[str, Any]] | None = None,
    agent_name: str | None = None,
    external_id: str | None = None,
) -> ConversationMessage | None:
    """Add a message with the conversation's next number; None when external_id was stored before (a
    retry)."""
    # The row lock orders the numbers: a second writer waits here until the first has committed.
    locked = _lock(session, conversation.id)
    session.refresh(locked)
    if external_id is not None:
        seen = session.execute(
            select(ConversationMessage.id).where(
                ConversationMessage.conversation_id == locked.id,
                ConversationMessage.external_id == external_id,
            )
        ).first()
        if seen:
            return None
    locked.last_seq += 1
    if author == CALLER:
        locked.last_caller_at = at
    message = ConversationMessage(
        conversation_id=locked.id,
        seq=locked.last_seq,
        author=author,
        agent_name=agent_name,
        text=said,
        buttons=buttons or [],
        external_id=external_id,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def messages_after(
    session: Session, conversation_id: int, after: int, limit: int = 200
) -> list[ConversationMessage]:
    query = (
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id, ConversationMessage.seq > after)
        .order_by(ConversationMessage.seq)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


# --- the queue
# --------------------------------------------------------------------------------------------------


def open_handoff(session: Session, conversation_id: int) -> Handoff | None:
    query = select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN))
    return session.execute(query.order_by(Handoff.id.desc()).limit(1)).scalar_one_or_none()


def waiting(session: Session) -> list[Handoff]:
    """The queue, oldest first."""
    query = (
        select(Handoff).where(Handoff.status == Status.WAITING.value).order_by(Handoff.queued_at, Handoff.id)
    )
    return list(session.execute(query).scalars())


def with_agents(session: Session) -> list[Handoff]:
    query = select(Handoff).where(Handoff.status == Status.WITH_AGENT.value).order_by(Handoff.claimed_at)
    return list(session.execute(query).scalars())


def wait_minutes(session: Session, config: HandoffConfig) -> float:
    """The median time from queue to pick-up over the last `recent` hand-offs an agent picked up."""
    query = (
        select(Handoff.queued_at, Handoff.claimed_at)
        .where(Handoff.claimed_at.is_not(None))
        .order_by(Handoff.claimed_at.desc())
        .limit(config.recent)
    )
    waits = [(claimed - queued).total_seconds() / 60 for queued, claimed in session.execute(query)]
    return statistics.median(waits) if waits else float(config.default_estimate_minutes)


def place_of(session: Session, handoff: Handoff, config: HandoffConfig, now: datetime) -> QueuePlace:
    """Where a waiting caller is in the queue and how long they will likely still wait (at least a minute)."""
    ahead = session.execute(
        select(func.count(Handoff.id)).where(
            Handoff.status == Status.WAITING.value,
            (Handoff.queued_at < handoff.queued_at)
            | ((Handoff.queued_at == handoff.queued_at) & (Handoff.id < handoff.id)),
        )
    ).scalar_one()
    position = int(ahead) + 1
    # Each caller ahead is a typical pick-up in turn; what this caller already waited counts off their own.
    waited = (now - handoff.queued_at).total_seconds() / 60
    minutes = max(1, math.ceil(wait_minutes(session, config) * position - waited))
    return QueuePlace(position, minutes)


def enqueue(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    reason: str,
    snapshot: dict[str, Any],
    config: HandoffConfig,
    at: datetime,
) -> tuple[Handoff, QueuePlace]:
    """Put the conversation in the queue (once: a second request while waiting or with an agent keeps its
    place)."""
    conversation = _lock(session, conversation_for(session, sender_id, channel, at).id)
    handoff = open_handoff(session, conversation.id)
    if handoff is None:
        session.refresh(conversation)
        handoff = Handoff(
            conversation_id=conversation.id,
            status=Status.WAITING.value,
            reason=reason,
            queued_at=at,
            queued_seq=conversation.last_seq,
            snapshot=snapshot,
            last_activity_at=at,
        )
        session.add(handoff)
        session.flush()
    return handoff, place_of(session, handoff, config, at)


def gate_caller_message(
    session: Session,
    *,
    sender_id: str,
    said: str,
    external_id: str | None,
    config: HandoffConfig,
    at: datetime,
) -> Gate:
    """A caller's message before the bot sees it: logged in the conversation (when there is one), and
    routed."""
    conversation = find_conversation(session, sender_id)
    if conversation is None:
        return Gate("bot")
    if append(session, conversation, CALLER, said, at, external_id=external_id) is None:
        return Gate("duplicate")
    handoff = open_handoff(session, conversation.id)
    if handoff is None:
        return Gate("bot")
    if handoff.status == Status.WAITING.value:
        return Gate("waiting", place_of(session, handoff, config, at))
    handoff.last_activity_at = at
    return Gate("agent")


def leave_queue(
    session: Session, sender_id: str, *, reason: str, at: datetime, ticket_number: str | None = None
) -> bool:
    """The caller took a call-back instead of waiting: out of the queue. False when they were not waiting."""
    conversation = find_conversation(session, sender_id)
    handoff = open_handoff(session, _lock(session, conversation.id).id) if conversation else None
    if handoff is None or handoff.status != Status.WAITING.value:
        return False
    _end(handoff, by="caller", reason=reason, at=at)
    handoff.ticket_number = ticket_number
    return True


# --- the agent's side
# --------------------------------------------------------------------------------------------


def claim(session: Session, handoff_id: int, *, user_id: int, agent_name: str, at: datetime) -> Handoff:
    """接入: the agent takes a waiting conversation. Compare-and-set on the status, so of two agents (on two
    consoles) clicking at once exactly one gets it; the other is told who has it."""
    taken = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == Status.WAITING.value)
        .values(
            status=Status.WITH_AGENT.value,
            agent_user_id=user_id,
            agent_name=agent_name,
            claimed_at=at,
            last_activity_at=at,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    handoff = session.get(Handoff, handoff_id, populate_existing=True)
    assert handoff is not None
    if taken != 1:
        if handoff.status == Status.WITH_AGENT.value:
            raise AlreadyTaken(say("agent.already_taken", agent=handoff.agent_name))
        raise HandoffError(say("agent.not_waiting", status=say(f"end_reasons.{handoff.end_reason}")))
    _tell_or_skip(session, handoff, say("claimed", agent=agent_name), at)
    return handoff


def _mine(session: Session, handoff_id: int, user_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is not None:
        _lock(session, handoff.conversation_id)
        session.refresh(handoff, with_for_update=True)
    if handoff is None or handoff.status != Status.WITH_AGENT.value:
        raise HandoffError(say("agent.not_with_agent"))
    if handoff.agent_user_id != user_id:
        raise NotYours(say("agent.not_yours", agent=handoff.agent_name))
    return handoff


def reply(
    session: Session, handoff_id: int, *, user_id: int, said: str, at: datetime, by_sms: bool = False
) -> ConversationMessage:
    """The agent's message to the caller, on the caller's channel. Raises OutsideWindow (WeChat, 48 hours)."""
    said = said.strip()
    if not said:
        raise HandoffError(say("agent.empty_reply"))
    handoff = _mine(session, handoff_id, user_id)
    handoff.last_activity_at = at
    return tell_caller(session, handoff, AGENT, said, at, by_sms=by_sms)


def hand_back(session: Session, handoff_id: int, *, user_id: int, by: str, at: datetime) -> Handoff:
    """结束: the agent gives the conversation back to the bot, which greets the caller again."""
    handoff = _mine(session, handoff_id, user_id)
    _end(handoff, by=by, reason="agent", at=at)
    _tell_or_skip(session, handoff, say("handed_back"), at)
    return handoff


def tell_caller(
    session: Session, handoff: Handoff, author: str, said: str, at: datetime, *, by_sms: bool = False
) -> ConversationMessage:
    """Log a message in the conversation and send it on the caller's channel, in one transaction."""
    conversation = handoff.conversation
    message = append(
        session, conversation, author, said, at, agent_name=handoff.agent_name if author == AGENT else None
    )
    assert message is not None  # only caller messages carry an external id
    deliver(session, conversation, message, phone=caller_phone(handoff), now=at, by_sms=by_sms)
    return message


def _tell_or_skip(session: Session, handoff: Handoff, said: str, at: datetime) -> None:
    """A notice for the caller: by SMS when WeChat's window closed and there is a phone; else only in the
    log."""
    conversation = handoff.conversation
    message = append(session, conversation, SYSTEM, said, at)
    assert message is not None
    try:
        deliver(session, conversation, message, phone=caller_phone(handoff), now=at)
    except OutsideWindow as closed:
        if closed.phone:
            deliver(session, conversation, message, phone=closed.phone, now=at, by_sms=True)


def registration_of(handoff: Handoff, description: str | None) -> Registration:
    """The registration fields the bot had collected when it queued the caller, for a ticket made from
    them."""
    fields = (handoff.snapshot or {}).get("fields") or {}
    return Registration(
        hospital=fields.get("hospital"),
        department=fields.get("department"),
        contact_person=fields.get("contact_person"),
        contact_phone=fields.get("contact_phone"),
        device=fields.get("device"),
        serial_number=fields.get("serial_number"),
        site_address=fields.get("site_address"),
        description=description,
    )


def transcript_of(session: Session, handoff: Handoff) -> list[dict[str, Any]]:
    """The whole conversation as a ticket keeps it: the bot's part before the queue, then the log since."""
    later = [
        {"role": "user" if m.author == CALLER else "bot", "text": m.text, "at": m.created_at.timestamp()}
        for m in messages_after(session, handoff.conversation_id, handoff.queued_seq)
    ]
    return list((handoff.snapshot or {}).get("transcript") or []) + later


def caller_phone(handoff: Handoff) -> str | None:
    fields = (handoff.snapshot or {}).get("fields") or {}
    return fields.get("contact_phone")


def _end(handoff: Handoff, *, by: str, reason: str, at: datetime) -> None:
    handoff.status = Status.ENDED.value
    handoff.ended_at = at
    handoff.ended_by = by
    handoff.end_reason = reason


# --- the worker's sweep
# -------------------------------------------------------------------------------------------


def overdue(session: Session, now: datetime, config: HandoffConfig, *, desk_open: bool) -> list[Handoff]:
    """Callers waiting past the policy's limit, or all waiting callers once the desk has closed."""
    return [h for h in waiting(session) if not desk_open or now - h.queued_at >= config.wait_limit]


def give_up_waiting(
    session: Session, handoff_id: int, *, ticket_number: str | None, said: str, desk_open: bool, at: datetime
) -> bool:
    """Nobody picked the caller up: out of the queue, told about their call-back. False if an agent took them
    meanwhile (their call-back ticket then stays for the agent to close or keep)."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        return False
    _lock(session, handoff.conversation_id)
    session.refresh(handoff)
    if handoff.status != Status.WAITING.value:
        return False
    _end(handoff, by="worker", reason="no_agent" if desk_open else "desk_closed", at=at)
    handoff.ticket_number = ticket_number
    _tell_or_skip(session, handoff, said, at)
    return True


def end_idle(session: Session, now: datetime, config: HandoffConfig) -> list[int]:
    """Conversations nobody wrote in for the policy's idle time go back to the bot, which says so."""
    ended = []
    for handoff in with_agents(session):
        if now - handoff.last_activity_at < config.idle:
            continue
        _lock(session, handoff.conversation_id)
        session.refresh(handoff)
        if handoff.status != Status.WITH_AGENT.value or now - handoff.last_activity_at < config.idle:
            continue
        _end(handoff, by="worker", reason="idle", at=now)
        _tell_or_skip(session, handoff, say("idle_handed_back"), now)
        ended.append(handoff.id)
    return ended
