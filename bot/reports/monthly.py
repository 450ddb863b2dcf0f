"""The monthly quality report: what tier 1 reports to the manager each month (DOMAIN.md "Quality metrics").

Every number counts the tickets *reported* in the month (local time, the policy's zone), judged as of `now` by
the rules of metrics.py; satisfaction counts the scores given in the month; SLA breaches are those the
worker's sweep recorded for deadlines falling in the month.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Rating, SlaAlert, Ticket, TicketEvent
from bot.incidents import ESCALATED_EVENT, SAFETY_EVENT, adverse_events
from bot.ops import texts as ops_texts
from bot.ops.calendar import BusinessCalendar
from bot.ops.dispatch import region_for
from bot.policy import ServicePolicy
from bot.reports.charts import bar_chart
from bot.reports.config import ReportError
from bot.reports.metrics import (
    Share,
    arrival_on_time,
    complaint_answered,
    complaint_contacted,
    dispatch_on_time,
    fault_resolved,
    first_status,
    fixed_by_guided_check,
    mean_score,
    remote_resolution,
    response_on_time,
    score_counts,
    utc_midnight,
)
from bot.reports.rendering import template_environment
from bot.reports.texts import labels, say
from bot.safety import current_safety_rules
from bot.tickets import KIND_LABELS, TicketKind, TicketStatus

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    first_day: date
    last_day: date
    generated_at: datetime
    tickets: int
    tickets_by_kind: dict[str, int]
    faults: int
    response: Share
    dispatch: Share
    arrival: Share
    resolution: Share
    remote: Share
    avoided: int
    score_counts: dict[int, int]
    satisfaction_mean: float | None
    below_review: Share
    review_below: int
    complaints: int
    complaints_contacted: Share
    complaints_answered: Share
    breaches: int
    breaches_by_clock: list[tuple[str, int]]
    breaches_by_region: list[tuple[str, int]]
    breaches_by_engineer: list[tuple[str, int]]
    # Safety (bot/incidents.py): tickets reported as or escalated to a safety incident, and the adverse events
    # recorded in the month with their reporting deadlines.
    safety_incidents: int
    adverse_events: list[AdverseEventLine]


@dataclass(frozen=True)
class AdverseEventLine:
    number: str
    category: str
    what_happened: str
    device: str
    lot_numbers: str
    outcome: str
    reporter: str
    report_due: datetime
    reported_at: datetime | None


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ReportError(say("errors.bad_month", month=text))
    return int(match.group(1)), int(match.group(2))


def month_bounds(year: int, month: int, zone: str) -> tuple[datetime, datetime]:
    """The month's first and the next month's first local midnight, as naive UTC."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return utc_midnight(date(year, month, 1), zone), utc_midnight(following, zone)


def monthly_report(
    session: Session, month: str, *, policy: ServicePolicy, calendar: BusinessCalendar, now: datetime
) -> MonthlyReport:
    year, number = parse_month(month)
    start, end = month_bounds(year, number, policy.timezone)
    tickets = list(
        session.execute(
            select(Ticket)
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .options(selectinload(Ticket.events), selectinload(Ticket.engineer))
            .order_by(Ticket.id)
        ).scalars()
    )
    events = {ticket.id: list(ticket.events) for ticket in tickets}
    faults = [t for t in tickets if t.kind == TicketKind.FAULT.value]
    complaints = [t for t in tickets if t.kind == TicketKind.COMPLAINT.value]

    review_below = int(policy.value("satisfaction.review_below"))
    scale_max = int(policy.value("satisfaction.scale_max"))
    scores = list(
        session.execute(
            select(Rating.score).where(Rating.created_at >= start, Rating.created_at < end)
        ).scalars()
    )

    by_clock, by_region, by_engineer = _breaches(session, start, end, policy)
    kinds = Counter(t.kind for t in tickets)
    return MonthlyReport(
        month=f"{year:04d}-{number:02d}",
        first_day=date(year, number, 1),
        last_day=(date(year + (number == 12), number % 12 + 1, 1) - timedelta(days=1)),
        generated_at=now,
        tickets=len(tickets),
        tickets_by_kind={kind.value: kinds[kind.value] for kind in TicketKind if kinds[kind.value]},
        faults=len(faults),
        response=Share.of(response_on_time(t, now) for t in tickets),
        dispatch=Share.of(dispatch_on_time(t, events[t.id], now, policy, calendar) for t in faults),
        arrival=Share.of(arrival_on_time(t, events[t.id], now) for t in faults),
        resolution=Share.of(fault_resolved(t) for t in faults),
        remote=Share.of(remote_resolution(t) for t in faults),
        avoided=sum(1 for t in faults if fault_resolved(t) and fixed_by_guided_check(t)),
        score_counts=score_counts(scores, scale_max),
        satisfaction_mean=mean_score(scores),
        below_review=Share(sum(1 for s in scores if s < review_below), len(scores)),
        review_below=review_below,
        complaints=len(complaints),
        complaints_contacted=Share.of(complaint_contacted(t, now) for t in complaints),
        complaints_answered=Share.of(
            complaint_answered(t, events[t.id], now, policy, calendar) for t in complaints
        ),
        breaches=sum(n for _, n in by_clock),
        breaches_by_clock=by_clock,
        breaches_by_region=by_region,
        breaches_by_engineer=by_engineer,
        safety_incidents=_safety_incidents(session, start, end),
        adverse_events=_adverse_events(session, start, end),
    )


def _safety_incidents(session: Session, start: datetime, end: datetime) -> int:
    """Tickets that became safety incidents in the month: reported as one, or escalated to one."""
    kinds = (SAFETY_EVENT, ESCALATED_EVENT)
    return len(
        set(
            session.execute(
                select(TicketEvent.ticket_id).where(
                    TicketEvent.kind.in_(kinds), TicketEvent.at >= start, TicketEvent.at < end
                )
            ).scalars()
        )
    )


def _adverse_events(session: Session, start: datetime, end: datetime) -> list[AdverseEventLine]:
    labels = current_safety_rules().adverse_event_labels
    return [
        AdverseEventLine(
            number=event.ticket.number,
            category=labels[event.category],
            what_happened=event.what_happened,
            device=" ".join(filter(None, [event.device, event.serial_number])) or "—",
            lot_numbers=event.lot_numbers or "—",
            outcome=event.outcome or "—",
            reporter=event.reporter or "—",
            report_due=event.report_due,
            reported_at=event.reported_at,
        )
        for event in adverse_events(session, since=start, until=end)
    ]


def _breaches(
    session: Session, start: datetime, end: datetime, policy: ServicePolicy
) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    """Breaches recorded by the sweep for deadlines in the month, by clock, by region (the station serving the
    site) and by engineer: the ticket's engineer when it had been dispatched by the deadline, else
    unassigned."""
    rows = session.execute(
        select(SlaAlert, Ticket)
        .join(Ticket, SlaAlert.ticket_id == Ticket.id)
        .where(SlaAlert.kind == "breach", SlaAlert.due_at >= start, SlaAlert.due_at < end)
        .options(selectinload(Ticket.events), selectinload(Ticket.engineer))
    ).all()
    unassigned = say("unassigned")
    by_clock: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    by_engineer: Counter[str] = Counter()
    for alert, ticket in rows:
        by_clock[ops_texts.say(f"clocks.{alert.clock}")] += 1
        by_region[region_for(ticket.site_city, policy)] += 1
        first_dispatch = first_status(list(ticket.events), TicketStatus.DISPATCHED.value)
        held = ticket.engineer is not None and first_dispatch is not None and first_dispatch <= alert.due_at
        by_engineer[ticket.engineer.name if held else unassigned] += 1

    def ranked(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    return ranked(by_clock), ranked(by_region), ranked(by_engineer)


def render_markdown(report: MonthlyReport, policy: ServicePolicy) -> str:
    return (
        template_environment(policy.timezone)
        .get_template("monthly.md")
        .render(report=report, **_context(report, policy))
    )


def render_html(report: MonthlyReport, policy: ServicePolicy) -> str:
    chart_labels = labels("chart_labels")
    rate_keys = ["response", "dispatch", "arrival", "resolution", "remote", "complaints_answered"]
    rates = [
        report.response,
        report.dispatch,
        report.arrival,
        report.resolution,
        report.remote,
        report.complaints_answered,
    ]
    charts = {
        "rates": bar_chart(
            chart_labels["rates_title"],
            [chart_labels[k] for k in rate_keys],
            [s.percent for s in rates],
            unit="%",
            max_value=100,
        ),
        "scores": bar_chart(
            chart_labels["scores_title"],
            [f"{s}分" for s in report.score_counts],
            list(report.score_counts.values()),
        ),
    }
    if report.breaches_by_region:
        charts["regions"] = bar_chart(
            chart_labels["regions_title"],
            [name for name, _ in report.breaches_by_region],
            [n for _, n in report.breaches_by_region],
        )
    if report.breaches_by_engineer:
        charts["engineers"] = bar_chart(
            chart_labels["engineers_title"],
            [name for name, _ in report.breaches_by_engineer],
            [n for _, n in report.breaches_by_engineer],
            horizontal=True,
        )
    return (
        template_environment(policy.timezone)
        .get_template("monthly.html")
        .render(report=report, charts=charts, **_context(report, policy))
    )


def _context(report: MonthlyReport, policy: ServicePolicy) -> dict[str, object]:
    return {
        "kind_labels": {kind.value: label for kind, label in KIND_LABELS.items()},
        "handoff_minutes": policy.value("deadlines.handoff_minutes"),
        "answer_days": policy.value("deadlines.complaint_answer_working_days"),
    }
