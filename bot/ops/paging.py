"""The paging ladder (kb/policy.yml paging.ladder): SMS pages in turn until an engineer accepts the ticket.

    assigned engineer (or the region's on-call engineer) → on-call backup → a tier-3 expert → the service
    manager

Each assignment of a ticket starts a new round (Ticket.dispatch_round); round 0 is a ticket nobody was
assigned yet, paged because it is urgent after hours or its dispatch deadline passed. A round's pages are rows
of `pages`, one per step at most (a unique key), so a second sweep or a second worker never pages twice;
within a round nobody is paged twice either. Accepting the ticket (bot.ops.lifecycle) acknowledges the round's
pages and stops the ladder. SMS go through an injected `send_sms(phone, text, dedupe_key)` (the durable outbox
in production).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.db.models import Engineer, Page, Ticket
from bot.ops.calendar import BusinessCalendar
from bot.ops.dispatch import Suggestion, region_for, suggest
from bot.ops.lifecycle import TicketNotFound
from bot.ops.staff import on_call
from bot.ops.texts import say
from bot.policy import ServicePolicy
from bot.tickets import TicketStatus, find_ticket

SendSms = Callable[[str, str, str], None]

# Once a ticket is in one of these states, an engineer has it: nobody needs paging.
ANSWERED = (
    TicketStatus.ACCEPTED,
    TicketStatus.EN_ROUTE,
    TicketStatus.ON_SITE,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
    TicketStatus.CANCELLED,
)
TARGETS = ("assigned", "backup", "tier3", "manager")


@dataclass(frozen=True)
class LadderStep:
    page: str
    after: timedelta


@dataclass(frozen=True)
class Pager:
    """What paging needs besides the session: the policy, calendar and catalogue, and how to send an SMS."""

    policy: ServicePolicy
    calendar: BusinessCalendar
    catalogue: Catalogue
    send_sms: SendSms


def ladder(policy: ServicePolicy) -> list[LadderStep]:
    steps = []
    for item in policy.value("paging.ladder"):
        if item["page"] not in TARGETS:
            raise ValueError(f"paging.ladder: unknown step {item['page']!r} (one of {', '.join(TARGETS)})")
        steps.append(LadderStep(item["page"], timedelta(minutes=float(item.get("after_minutes", 0)))))
    return steps


def round_pages(session: Session, ticket: Ticket) -> list[Page]:
    """The pages of the ticket's current assignment round, in ladder order."""
    return list(
        session.execute(
            select(Page)
            .where(Page.ticket_id == ticket.id, Page.round == (ticket.dispatch_round or 0))
            .order_by(Page.step)
        ).scalars()
    )


def is_answered(ticket: Ticket, pages: list[Page]) -> bool:
    return TicketStatus(ticket.status) in ANSWERED or any(p.acknowledged_at for p in pages)


def page_on_call(
    session: Session, number: str, *, at: datetime, pager: Pager, reason: str = "after_hours"
) -> Page | None:
    """Start the ladder for a ticket now (an urgent fault after hours): the assigned or on-call engineer is
    paged.

    Returns the page, or None when the ladder already runs or the ticket is already taken.
    """
    ticket = find_ticket(session, number)
    if ticket is None:
        raise TicketNotFound(say("errors.ticket_not_found", number=number))
    pages = round_pages(session, ticket)
    if pages or is_answered(ticket, pages):
        return None
    return _page_next(session, ticket, pages, at=at, pager=pager, reason=reason)


def page_steps_now(
    session: Session, ticket: Ticket, steps: list[str], *, at: datetime, pager: Pager, reason: str, text: str
) -> list[Page]:
    """Page these ladder steps together, now, whatever the hour and whoever has the ticket (a safety incident:
    the on-call engineer and the manager at once). Steps already paged in this round are not paged again."""
    pages = round_pages(session, ticket)
    paged = {p.engineer_id for p in pages}
    done = {p.step for p in pages}
    sent = []
    for index, step in enumerate(ladder(pager.policy)):
        if step.page not in steps or index in done:
            continue
        engineer = _target(session, ticket, step.page, paged, at=at, pager=pager)
        if engineer is None:
            continue
        page = _send(session, ticket, engineer, index, pages, at=at, pager=pager, reason=reason, text=text)
        if page is not None:
            sent.append(page)
            paged.add(engineer.id)
    return sent


def escalate(session: Session, ticket: Ticket, *, at: datetime, pager: Pager, reason: str) -> Page | None:
    """A deadline passed: page the next step now, without waiting (starting the ladder if it has not
    started)."""
    if TicketStatus(ticket.status) in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED):
        return None
    # Even an accepted ticket goes up the ladder when it breaches (not on site in time): past its own
    # engineer.
    return _page_next(
        session, ticket, round_pages(session, ticket), at=at, pager=pager, reason=reason, skip_assigned=True
    )


def advance(session: Session, ticket: Ticket, *, at: datetime, pager: Pager) -> Page | None:
    """The ladder's own timer: page an assigned ticket's engineer, and the next step when nobody accepted in
    time."""
    pages = round_pages(session, ticket)
    if is_answered(ticket, pages):
        return None
    if not pages:
        # A dispatched ticket's engineer is paged at once; an unassigned ticket waits for page_on_call or a
        # breach.
        if TicketStatus(ticket.status) is not TicketStatus.DISPATCHED:
            return None
        return _page_next(session, ticket, pages, at=at, pager=pager, reason="dispatch")
    steps = ladder(pager.policy)
    last = pages[-1]
    if last.step + 1 >= len(steps) or at < last.sent_at + steps[last.step + 1].after:
        return None
    return _page_next(session, ticket, pages, at=at, pager=pager, reason="no_answer")


def _page_next(
    session: Session,
    ticket: Ticket,
    pages: list[Page],
    *,
    at: datetime,
    pager: Pager,
    reason: str,
    skip_assigned: bool = False,
) -> Page | None:
    """Page the first later step that has someone not yet paged in this round; None when the ladder is done.

    `skip_assigned`: an escalation goes past the ticket's own engineer even when the ladder has not started.
    """
    steps = ladder(pager.policy)
    paged = {p.engineer_id for p in pages}
    first = pages[-1].step + 1 if pages else 0
    if skip_assigned and ticket.engineer_id is not None:
        paged.add(ticket.engineer_id)
    for index in range(first, len(steps)):
        engineer = _target(session, ticket, steps[index].page, paged, at=at, pager=pager)
        if engineer is not None:
            return _send(session, ticket, engineer, index, pages, at=at, pager=pager, reason=reason)
    return None


def _target(
    session: Session, ticket: Ticket, step: str, paged: set[int], *, at: datetime, pager: Pager
) -> Engineer | None:
    region = region_for(ticket.site_city, pager.policy)
    duty = on_call(session, region, at, pager.calendar)
    candidates: list[Engineer] = []
    if step == "assigned":
        if ticket.engineer is not None and ticket.engineer.active:
            candidates = [ticket.engineer]
        else:
            candidates = [d.engineer for d in duty if d.role == "primary"]
    elif step == "backup":
        candidates = [d.engineer for d in duty if d.role == "backup"]
        candidates += [
            s.engineer for s in _suggestions(session, ticket, at, pager) if s.in_region and s.skilled
        ]
    elif step == "tier3":
        candidates = [s.engineer for s in _suggestions(session, ticket, at, pager) if s.engineer.tier == 3]
    elif step == "manager":
        candidates = list(
            session.execute(
                select(Engineer)
                .where(Engineer.is_manager.is_(True), Engineer.active.is_(True))
                .order_by(Engineer.id)
            ).scalars()
        )
    return next((e for e in candidates if e.id not in paged), None)


def _suggestions(session: Session, ticket: Ticket, at: datetime, pager: Pager) -> list[Suggestion]:
    return suggest(
        session, ticket, policy=pager.policy, catalogue=pager.catalogue, calendar=pager.calendar, at=at
    )


def _send(
    session: Session,
    ticket: Ticket,
    engineer: Engineer,
    step: int,
    pages: list[Page],
    *,
    at: datetime,
    pager: Pager,
    reason: str,
    text: str | None = None,
) -> Page | None:
    page = Page(
        ticket_id=ticket.id,
        engineer_id=engineer.id,
        round=ticket.dispatch_round or 0,
        step=step,
        reason=reason,
        sent_at=at,
    )
    try:
        with session.begin_nested():
            session.add(page)
            session.flush()
    except IntegrityError:
        return None  # another worker paged this step at the same moment
    dedupe_key = f"page:{ticket.number}:{page.round}:{step}"
    pager.send_sms(engineer.phone, text or _page_text(ticket, step, pages, reason, pager), dedupe_key)
    return page


def _page_text(ticket: Ticket, step: int, pages: list[Page], reason: str, pager: Pager) -> str:
    fields = {
        "number": ticket.number,
        "hospital": ticket.hospital or "",
        "department": ticket.department or "",
        "device": ticket.device or "设备",
        "description": _short(ticket.description or "故障", 30),
    }
    if step == 0:
        return say("sms.page", urgent=say("sms.urgent") if ticket.urgent else "", **fields)
    if ticket.engineer is not None:
        holder = ticket.engineer.name
    else:
        holder = pages[0].engineer.name if pages else say("sms.no_engineer")
    return say("sms.page_escalated", engineer=holder, reason=_reason_text(reason, step, pager), **fields)


def _reason_text(reason: str, step: int, pager: Pager) -> str:
    if reason.startswith("breach:"):
        return say("sms.reason_breach", clock=say("clocks." + reason.removeprefix("breach:")))
    waited = ladder(pager.policy)[step].after
    return say("sms.reason_no_answer", minutes=int(waited.total_seconds() // 60))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
