"""The ticket lifecycle of tier 2: who may move a ticket where, with every change in the audit log.

    new → dispatched (engineer assigned) → accepted → en_route (ETA) → on_site → resolved → closed (customer
    confirmed) cancelled from any step before on site; reopened from resolved or closed, then dispatched
    again.

Every public function takes the ticket number, the `actor` (who did it: "console:wang", "cli", an engineer's
phone) and an optional `at` (naive UTC; the real clock by default), works inside the caller's session and
transaction, and raises an `OpsError` whose message is one polite Chinese sentence for the person who asked.
`notify(session, ticket, new_status)` is called after a successful status change in the same transaction (the
customer notices are enqueued there, so they are stored exactly when the change is).

A change is a compare-and-set on the ticket's status (and a row lock on PostgreSQL), so two people pressing
「接单」 at once make one change; the second is told the ticket was just changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import local_text, utc_now
from bot.db.models import Engineer, Page, Ticket, TicketEvent, TicketPart
from bot.errors import Refused
from bot.ops.texts import say
from bot.policy import current_policy
from bot.tickets import STATUS_LABELS, TicketStatus

Notify = Callable[[Session, Ticket, TicketStatus], None]

S = TicketStatus
# Where each state may go. Re-assigning (→ dispatched) is allowed until the engineer is on site.
TRANSITIONS: dict[TicketStatus, tuple[TicketStatus, ...]] = {
    S.NEW: (S.DISPATCHED, S.RESOLVED, S.CANCELLED),
    S.DISPATCHED: (S.DISPATCHED, S.ACCEPTED, S.CANCELLED),
    S.ACCEPTED: (S.DISPATCHED, S.EN_ROUTE, S.ON_SITE, S.RESOLVED, S.CANCELLED),
    S.EN_ROUTE: (S.DISPATCHED, S.ON_SITE, S.CANCELLED),
    S.ON_SITE: (S.RESOLVED,),
    S.RESOLVED: (S.CLOSED, S.REOPENED),
    S.CLOSED: (S.REOPENED,),
    S.CANCELLED: (),
    S.REOPENED: (S.DISPATCHED, S.ACCEPTED, S.RESOLVED, S.CANCELLED),
}
# The details each target state takes (besides `note`).
DETAILS: dict[TicketStatus, frozenset[str]] = {
    S.DISPATCHED: frozenset({"engineer_id", "eta"}),
    S.ACCEPTED: frozenset({"eta"}),
    S.EN_ROUTE: frozenset({"eta"}),
    S.RESOLVED: frozenset({"cause", "actions", "parts", "remote"}),
}
ETA_STATUSES = (S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.REOPENED)


REPORT_SENT = "report_sent"


class OpsError(Refused):
    """A refused operation on a ticket or the team."""


class TicketNotFound(OpsError):
    pass


class IllegalTransition(OpsError):
    status = 409  # the ticket is not in a state that allows it

    def __init__(self, message: str, *, current: TicketStatus, target: TicketStatus) -> None:
        super().__init__(message)
        self.current = current
        self.target = target


class MissingDetails(OpsError):
    pass


class ConcurrentChange(OpsError):
    status = 409  # someone else changed the ticket first


@dataclass(frozen=True)
class PartUsed:
    """A replaced spare part: its model code and how many."""

    model: str
    quantity: int
    description: str | None = None


def allowed_transitions(ticket: Ticket) -> tuple[TicketStatus, ...]:
    """The states this ticket may go to now, e.g. for the console's buttons."""
    return TRANSITIONS[TicketStatus(ticket.status)]


def transition(
    session: Session,
    number: str,
    to: TicketStatus | str,
    *,
    actor: str,
    note: str | None = None,
    notify: Notify | None = None,
    at: datetime | None = None,
    **details: Any,
) -> Ticket:
    """Move a ticket to `to`, with the details that state needs:

    dispatched: engineer_id (required), eta · accepted, en_route: eta · resolved: cause, actions, remote
    (required), parts (list of PartUsed) · cancelled, reopened: note (the reason, required).
    """
    target = TicketStatus(to)
    unknown = set(details) - DETAILS.get(target, frozenset())
    if unknown:
        raise TypeError(f"transition to {target.value} takes no {sorted(unknown)}")
    at = at or utc_now()
    ticket = _locked_ticket(session, number)
    current = TicketStatus(ticket.status)
    if target not in TRANSITIONS[current]:
        raise _illegal(ticket, current, target)
    if target in (S.CANCELLED, S.REOPENED) and not (note and note.strip()):
        action = "cancel" if target is S.CANCELLED else "reopen"
        raise MissingDetails(say("errors.note_required", action=say(f"actions.{action}")))
    apply = _APPLY.get(target)
    change_note = apply(session, ticket, at, note, details) if apply else note
    _compare_and_set(session, ticket, current, target, at)
    if target is S.ACCEPTED:
        # Acceptance answers every page about the ticket: the ladder stops.
        session.execute(
            update(Page)
            .where(Page.ticket_id == ticket.id, Page.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by=actor)
        )
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=at,
            actor=actor,
            kind="status",
            from_status=current.value,
            to_status=target.value,
            note=change_note,
        )
    )
    session.flush()
    if notify is not None:
        notify(session, ticket, target)
    return ticket


def assign(
    session: Session,
    number: str,
    engineer_id: int,
    *,
    actor: str,
    eta: datetime | None = None,
    note: str | None = None,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Dispatch (or re-dispatch) the ticket to an engineer; the paging ladder then pages them."""
    return transition(
        session,
        number,
        S.DISPATCHED,
        actor=actor,
        note=note,
        notify=notify,
        at=at,
        engineer_id=engineer_id,
        eta=eta,
    )


def accept(
    session: Session,
    number: str,
    *,
    actor: str,
    eta: datetime | None = None,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The assigned engineer takes the ticket; this acknowledges every page sent about it."""
    return transition(session, number, S.ACCEPTED, actor=actor, notify=notify, at=at, eta=eta)


def resolve(
    session: Session,
    number: str,
    *,
    actor: str,
    cause: str,
    actions: str,
    parts: Sequence[PartUsed],
    remote: bool,
    note: str | None = None,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Record the repair: cause, actions taken, parts replaced, and whether it was done remotely or on
    site."""
    return transition(
        session,
        number,
        S.RESOLVED,
        actor=actor,
        note=note,
        notify=notify,
        at=at,
        cause=cause,
        actions=actions,
        parts=list(parts),
        remote=remote,
    )


def close(
    session: Session,
    number: str,
    *,
    actor: str,
    note: str | None = None,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The customer confirmed the repair."""
    return transition(session, number, S.CLOSED, actor=actor, note=note, notify=notify, at=at)


def cancel(
    session: Session,
    number: str,
    *,
    actor: str,
    reason: str,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    return transition(session, number, S.CANCELLED, actor=actor, note=reason, notify=notify, at=at)


def reopen(
    session: Session,
    number: str,
    *,
    actor: str,
    reason: str,
    notify: Notify | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The fault came back (or the customer did not confirm): the ticket is open again and needs
    dispatching."""
    return transition(session, number, S.REOPENED, actor=actor, note=reason, notify=notify, at=at)


def set_eta(
    session: Session, number: str, eta: datetime, *, actor: str, at: datetime | None = None
) -> Ticket:
    """Change the engineer's expected arrival time (naive UTC) without changing the status."""
    at = at or utc_now()
    ticket = _locked_ticket(session, number)
    current = TicketStatus(ticket.status)
    if current not in ETA_STATUSES:
        raise OpsError(say("errors.eta_not_allowed", number=ticket.number, current=STATUS_LABELS[current]))
    _check_eta(eta, at)
    ticket.eta = eta
    ticket.updated_at = at
    session.add(TicketEvent(ticket_id=ticket.id, at=at, actor=actor, kind="eta", note=_eta_note(eta)))
    session.flush()
    return ticket


def add_note(
    session: Session, number: str, note: str, *, actor: str, at: datetime | None = None
) -> TicketEvent:
    """A note from tier 2 on the ticket (a call made, a part ordered)."""
    return _audited_note(session, number, "note", note, actor=actor, at=at)


def record_plan(
    session: Session, number: str, plan: str, *, actor: str, at: datetime | None = None
) -> TicketEvent:
    """The repair plan agreed for a complex or major fault; it stops the plan clock."""
    return _audited_note(session, number, "plan", plan, actor=actor, at=at)


def send_service_report(
    session: Session,
    number: str,
    *,
    actor: str,
    at: datetime | None = None,
    notify_report: Callable[[Session, Ticket, int], None] | None = None,
) -> TicketEvent:
    """The 《维修服务报告》 of a resolved repair goes to the hospital: recorded once (it stops the
    service-report clock), with `notify_report(session, ticket, event_id)` telling the contact; a second send
    changes nothing."""
    at = at or utc_now()
    ticket = _locked_ticket(session, number)
    if TicketStatus(ticket.status) not in (S.RESOLVED, S.CLOSED):
        raise OpsError(
            say(
                "errors.report_not_ready",
                number=ticket.number,
                current=STATUS_LABELS[TicketStatus(ticket.status)],
            )
        )
    sent = next((event for event in ticket.events if event.kind == REPORT_SENT), None)
    if sent is not None:
        return sent
    event = TicketEvent(ticket_id=ticket.id, at=at, actor=actor, kind=REPORT_SENT, note=say("report_sent"))
    session.add(event)
    ticket.updated_at = at
    session.flush()
    if notify_report is not None:
        notify_report(session, ticket, event.id)
    return event


def _audited_note(
    session: Session, number: str, kind: str, text: str, *, actor: str, at: datetime | None
) -> TicketEvent:
    if not text.strip():
        raise OpsError(say("errors.empty_note"))
    at = at or utc_now()
    ticket = _locked_ticket(session, number)
    event = TicketEvent(ticket_id=ticket.id, at=at, actor=actor, kind=kind, note=text.strip())
    session.add(event)
    # A person writing on the ticket has responded to it.
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    ticket.updated_at = at
    session.flush()
    return event


# --- what each target state records
# --------------------------------------------------------------------------


def _dispatch(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str:
    engineer_id = details.get("engineer_id")
    if engineer_id is None:
        raise MissingDetails(say("errors.use_assign"))
    engineer = session.get(Engineer, engineer_id)
    if engineer is None:
        raise OpsError(say("errors.engineer_not_found", engineer=engineer_id))
    if not engineer.active:
        raise OpsError(say("errors.engineer_inactive", name=engineer.name))
    if engineer.is_manager:
        raise OpsError(say("errors.engineer_is_manager", name=engineer.name))
    eta = details.get("eta")
    if eta is not None:
        _check_eta(eta, at)
    ticket.engineer_id = engineer.id
    ticket.dispatch_round = (ticket.dispatch_round or 0) + 1
    ticket.dispatched_at = at
    ticket.accepted_at = None
    ticket.eta = eta
    parts = [say("log.assigned", name=engineer.name, phone=engineer.phone)]
    if eta is not None:
        parts.append(_eta_note(eta))
    return _joined(parts, note)


def _accept(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str | None:
    if ticket.engineer_id is None:
        raise MissingDetails(say("errors.not_assigned", number=ticket.number))
    eta = details.get("eta")
    if eta is not None:
        _check_eta(eta, at)
        ticket.eta = eta
    ticket.accepted_at = at
    return _joined([_eta_note(eta)] if eta else [], note)


def _en_route(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str | None:
    eta = details.get("eta")
    if eta is not None:
        _check_eta(eta, at)
        ticket.eta = eta
    return _joined([_eta_note(eta)] if eta else [], note)


def _on_site(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str | None:
    ticket.arrived_at = at
    return note


def _resolve(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str:
    cause = str(details.get("cause") or "").strip()
    actions = str(details.get("actions") or "").strip()
    remote = details.get("remote")
    missing = [
        say(f"resolution_fields.{name}")
        for name, value in (("cause", cause), ("actions", actions))
        if not value
    ]
    if missing:
        raise MissingDetails(say("errors.missing_resolution", missing=say("log.and").join(missing)))
    if not isinstance(remote, bool):
        raise TypeError("resolve needs remote=True or remote=False")
    parts: list[PartUsed] = list(details.get("parts") or [])
    for part in parts:
        if not part.model.strip() or not isinstance(part.quantity, int) or part.quantity < 1:
            raise MissingDetails(say("errors.bad_part", part=f"{part.model}×{part.quantity}"))
    ticket.resolution_cause = cause
    ticket.resolution_actions = actions
    ticket.resolved_remotely = remote
    ticket.resolved_at = at
    for part in parts:
        session.add(
            TicketPart(
                ticket_id=ticket.id,
                part_model=part.model.strip(),
                quantity=part.quantity,
                description=part.description,
                replaced_at=at,
            )
        )
    summary = [
        say("log.cause", cause=cause),
        say("log.actions", actions=actions),
        say("log.remote" if remote else "log.on_site"),
    ]
    if parts:
        summary.append(say("log.parts", parts="、".join(f"{p.model.strip()}×{p.quantity}" for p in parts)))
    return _joined(summary, note)


def _close(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str | None:
    ticket.closed_at = at
    return note


def _reopen(
    session: Session, ticket: Ticket, at: datetime, note: str | None, details: dict[str, Any]
) -> str | None:
    # The earlier resolution stays in the audit log (its "resolved" event); the ticket is unresolved again.
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.resolution_cause = None
    ticket.resolution_actions = None
    ticket.resolved_remotely = None
    return note


_APPLY: dict[TicketStatus, Callable[[Session, Ticket, datetime, str | None, dict[str, Any]], str | None]] = {
    S.DISPATCHED: _dispatch,
    S.ACCEPTED: _accept,
    S.EN_ROUTE: _en_route,
    S.ON_SITE: _on_site,
    S.RESOLVED: _resolve,
    S.CLOSED: _close,
    S.REOPENED: _reopen,
}


# --- helpers
# ---------------------------------------------------------------------------------------------------


def _locked_ticket(session: Session, number: str) -> Ticket:
    ticket = session.execute(
        select(Ticket)
        .where(Ticket.number == number.strip().upper())
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(say("errors.ticket_not_found", number=number.strip()))
    return ticket


def _compare_and_set(
    session: Session, ticket: Ticket, current: TicketStatus, target: TicketStatus, at: datetime
) -> None:
    changed = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == current.value)
        .values(status=target.value, updated_at=at)
        .execution_options(synchronize_session="evaluate")
    )
    if changed.rowcount != 1:
        raise ConcurrentChange(say("errors.changed_meanwhile", number=ticket.number))


def _illegal(ticket: Ticket, current: TicketStatus, target: TicketStatus) -> IllegalTransition:
    allowed = [STATUS_LABELS[s] for s in TRANSITIONS[current] if s is not current]
    hint = (
        say("errors.hint_allowed", allowed="、".join(f"「{a}」" for a in allowed))
        if allowed
        else say("errors.hint_final")
    )
    message = say(
        "errors.illegal_transition",
        number=ticket.number,
        current=STATUS_LABELS[current],
        target=STATUS_LABELS[target],
        hint=hint,
    )
    return IllegalTransition(message, current=current, target=target)


def _check_eta(eta: datetime, at: datetime) -> None:
    if eta < at:
        raise OpsError(say("errors.eta_in_past"))


def _eta_note(eta: datetime) -> str:
    return say("log.eta", eta=local_text(eta, current_policy().timezone))


def _joined(parts: list[str], note: str | None) -> str:
    if note and note.strip():
        parts = [*parts, note.strip()]
    return "；".join(parts)
