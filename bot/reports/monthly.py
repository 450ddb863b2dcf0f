"""The monthly quality report: what tier 1 reports to the manager each month (DOMAIN.md "Quality metrics").

Every number counts the tickets *reported* in the month (local time, the policy's zone), judged as of `now`: a
deadline still running is left out rather than guessed; satisfaction counts the scores given in the month; SLA
breaches are those the worker's sweep recorded for deadlines falling in the month.

    response on time      first response by response_due (the bot's own remote fix answers at once)
    dispatch on time      an engineer assigned within deadlines.handoff_minutes
    arrival on time       an engineer on site by onsite_due
    resolution rate       fault tickets resolved or closed, of those not cancelled
    remote resolution     of the resolved, fixed without a visit: by the bot's guided check (no ticket for tier 2:
                          "avoided") or by an engineer on the phone
    complaints            contacted by response_due, answered by deadlines.complaint_answer_working_days

A dispatch or arrival made unnecessary by a resolution (or cancellation) before its deadline is not counted; one
that never came and whose deadline passed is late. First times are read from the audit log, so a re-assignment
or a second visit does not hide a late first one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Rating, SlaAlert, Ticket, TicketEvent
from bot.ops.calendar import BusinessCalendar
from bot.ops.dispatch import region_for
from bot.ops.sla import deadline_after
from bot.ops.texts import ops_text
from bot.policy import ServicePolicy
from bot.reports.charts import bar_chart, cjk_font
from bot.reports.rendering import template_environment
from bot.reports.settings import report_settings
from bot.tickets import KIND_LABELS, TicketKind, TicketStatus

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
RESOLVED = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)


@dataclass(frozen=True)
class Share:
    """hits out of total; percent is None when there was nothing to measure."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.hits / self.total, 1) if self.total else None


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


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise report_settings().error("bad_month", month=text)
    return int(match.group(1)), int(match.group(2))


def month_bounds(year: int, month: int, zone: str) -> tuple[datetime, datetime]:
    """The month's first and the next month's first local midnight, as naive UTC."""
    following = (year + 1, 1) if month == 12 else (year, month + 1)

    def utc_midnight(y: int, m: int) -> datetime:
        local = datetime.combine(date(y, m, 1), time(), tzinfo=ZoneInfo(zone))
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    return utc_midnight(year, month), utc_midnight(*following)


def _first(events: list[TicketEvent], *statuses: str) -> datetime | None:
    return min((e.at for e in events if e.kind == "status" and e.to_status in statuses), default=None)


def _on_time(done_at: datetime | None, stopped_at: datetime | None, due: datetime, now: datetime) -> bool | None:
    """Whether a step came by its deadline; None when not counted (still running, or not needed after all)."""
    if done_at is not None and (stopped_at is None or done_at <= stopped_at):
        return done_at <= due
    if stopped_at is not None:
        return None if stopped_at <= due else False
    return False if now > due else None


def _share(results: list[bool | None]) -> Share:
    counted = [r for r in results if r is not None]
    return Share(sum(counted), len(counted))


def monthly_report(session: Session, month: str, *, policy: ServicePolicy, calendar: BusinessCalendar,
                   now: datetime) -> MonthlyReport:
    year, number = parse_month(month)
    start, end = month_bounds(year, number, policy.timezone)
    tickets = list(session.execute(
        select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
        .options(selectinload(Ticket.events), selectinload(Ticket.engineer)).order_by(Ticket.id)
    ).scalars())

    response, dispatch, arrival, contacted, answered = [], [], [], [], []
    faults = resolved = remote = avoided = complaints = 0
    for ticket in tickets:
        events = list(ticket.events)
        guided = "remote_resolved" in (ticket.flags or [])
        stopped = _first(events, TicketStatus.RESOLVED.value, TicketStatus.CANCELLED.value)
        if ticket.response_due is not None:
            responded = ticket.created_at if guided else ticket.first_response_at
            response.append(_on_time(responded, None, ticket.response_due, now))
        if ticket.kind == TicketKind.FAULT.value:
            faults += 1
            if ticket.status in RESOLVED:
                resolved += 1
                remote += bool(ticket.resolved_remotely) or guided
                avoided += guided
            if guided:
                continue  # fixed during the intake: nobody to dispatch or send
            handoff_due = deadline_after(ticket.created_at, "deadlines.handoff_minutes", policy, calendar)
            dispatch.append(_on_time(_first(events, TicketStatus.DISPATCHED.value), stopped, handoff_due, now))
            if ticket.onsite_due is not None:
                arrival.append(_on_time(_first(events, TicketStatus.ON_SITE.value), stopped, ticket.onsite_due, now))
        elif ticket.kind == TicketKind.COMPLAINT.value:
            complaints += 1
            if ticket.response_due is not None:
                contacted.append(_on_time(ticket.first_response_at, None, ticket.response_due, now))
            answer_due = deadline_after(ticket.created_at, "deadlines.complaint_answer_working_days", policy, calendar)
            answered.append(_on_time(_first(events, TicketStatus.RESOLVED.value), None, answer_due, now))
    cancelled_faults = sum(1 for t in tickets if t.kind == TicketKind.FAULT.value
                           and t.status == TicketStatus.CANCELLED.value)

    review_below = int(policy.value("satisfaction.review_below"))
    scale_max = int(policy.value("satisfaction.scale_max"))
    scores = list(session.execute(
        select(Rating.score).where(Rating.created_at >= start, Rating.created_at < end)
    ).scalars())
    score_counts = Counter(scores)

    by_clock, by_region, by_engineer = _breaches(session, start, end, policy)
    kinds = Counter(t.kind for t in tickets)
    return MonthlyReport(
        month=f"{year:04d}-{number:02d}",
        first_day=date(year, number, 1),
        last_day=(date(year + (number == 12), number % 12 + 1, 1) - timedelta(days=1)),
        generated_at=now,
        tickets=len(tickets),
        tickets_by_kind={kind.value: kinds[kind.value] for kind in TicketKind if kinds[kind.value]},
        faults=faults,
        response=_share(response),
        dispatch=_share(dispatch),
        arrival=_share(arrival),
        resolution=Share(resolved, faults - cancelled_faults),
        remote=Share(remote, resolved),
        avoided=avoided,
        score_counts={score: score_counts[score] for score in range(1, scale_max + 1)},
        satisfaction_mean=round(sum(scores) / len(scores), 2) if scores else None,
        below_review=Share(sum(1 for s in scores if s < review_below), len(scores)),
        review_below=review_below,
        complaints=complaints,
        complaints_contacted=_share(contacted),
        complaints_answered=_share(answered),
        breaches=sum(n for _, n in by_clock),
        breaches_by_clock=by_clock,
        breaches_by_region=by_region,
        breaches_by_engineer=by_engineer,
    )


def _breaches(session: Session, start: datetime, end: datetime, policy: ServicePolicy
              ) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    """Breaches recorded by the sweep for deadlines in the month, by clock, by region (the station serving the
    site) and by engineer: the ticket's engineer when it had been dispatched by the deadline, else unassigned."""
    rows = session.execute(
        select(SlaAlert, Ticket).join(Ticket, SlaAlert.ticket_id == Ticket.id)
        .where(SlaAlert.kind == "breach", SlaAlert.due_at >= start, SlaAlert.due_at < end)
        .options(selectinload(Ticket.events), selectinload(Ticket.engineer))
    ).all()
    unassigned = report_settings().unassigned
    by_clock: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    by_engineer: Counter[str] = Counter()
    for alert, ticket in rows:
        by_clock[ops_text(f"clocks.{alert.clock}")] += 1
        by_region[region_for(ticket.site_city, policy)] += 1
        first_dispatch = _first(list(ticket.events), TicketStatus.DISPATCHED.value)
        held = ticket.engineer is not None and first_dispatch is not None and first_dispatch <= alert.due_at
        by_engineer[ticket.engineer.name if held else unassigned] += 1

    def ranked(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    return ranked(by_clock), ranked(by_region), ranked(by_engineer)


def render_markdown(report: MonthlyReport, policy: ServicePolicy) -> str:
    return template_environment(policy.timezone).get_template("monthly.md").render(
        report=report, **_context(report, policy))


def render_html(report: MonthlyReport, policy: ServicePolicy) -> str:
    labels = report_settings().chart_labels
    rate_keys = ["response", "dispatch", "arrival", "resolution", "remote", "complaints_answered"]
    rates = [report.response, report.dispatch, report.arrival, report.resolution, report.remote,
             report.complaints_answered]
    charts = {
        "rates": bar_chart(labels["rates_title"], [labels[k] for k in rate_keys], [s.percent for s in rates],
                           max_value=100),
        "scores": bar_chart(labels["scores_title"], [{"zh": f"{s}分", "en": str(s)} for s in report.score_counts],
                            list(report.score_counts.values())),
    }
    if report.breaches_by_region:
        charts["regions"] = bar_chart(labels["regions_title"], _named(report.breaches_by_region),
                                      [n for _, n in report.breaches_by_region])
    if report.breaches_by_engineer:
        charts["engineers"] = bar_chart(labels["engineers_title"], _named(report.breaches_by_engineer),
                                        [n for _, n in report.breaches_by_engineer], horizontal=True)
    return template_environment(policy.timezone).get_template("monthly.html").render(
        report=report, charts=charts, ascii_charts=cjk_font() is None, **_context(report, policy))


def _named(rows: list[tuple[str, int]]) -> list[dict[str, str]]:
    """Labels for names (regions, engineers): the name, or its row number in the table without a Chinese font."""
    return [{"zh": name, "en": f"#{index}"} for index, (name, _) in enumerate(rows, start=1)]


def _context(report: MonthlyReport, policy: ServicePolicy) -> dict[str, object]:
    return {
        "kind_labels": {kind.value: label for kind, label in KIND_LABELS.items()},
        "handoff_minutes": policy.value("deadlines.handoff_minutes"),
        "answer_days": policy.value("deadlines.complaint_answer_working_days"),
    }
