"""Dispatch suggestions: which engineers should take a ticket, best first, with the reasons a person can
check.

Ranked by, in order: knows the device type (kb/devices.yml, read from the ticket's device), stationed in the
region that serves the site (kb/policy.yml dispatch.served_from), on call right now (primary before backup),
tier 2 before the tier-3 experts, fewest open tickets. The service manager is never suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue, DeviceType
from bot.db.models import Engineer, Ticket
from bot.ops.calendar import BusinessCalendar
from bot.ops.staff import list_engineers, on_call
from bot.ops.texts import say
from bot.policy import Distance, ServicePolicy
from bot.tickets import OPEN_STATUSES


@dataclass(frozen=True)
class Suggestion:
    engineer: Engineer
    reasons: tuple[str, ...]
    skilled: bool
    in_region: bool
    duty: str | None  # "primary" or "backup" when on call for the ticket's region now
    open_tickets: int


def region_for(city: str | None, policy: ServicePolicy) -> str:
    """The station whose team serves a site: the station in that city, the configured one, else the
    default."""
    if city:
        for station in policy.value("service_area.station_cities"):
            if station in city:
                return str(station)
        for place, station in (policy.value("dispatch.served_from") or {}).items():
            if place in city:
                return str(station)
    return str(policy.value("dispatch.default_station"))


def device_type_of(ticket: Ticket, catalogue: Catalogue) -> DeviceType | None:
    return catalogue.type_in_text(ticket.device) if ticket.device else None


def open_tickets_by_engineer(session: Session) -> dict[int, int]:
    """How many open tickets each engineer holds."""
    rows = session.execute(
        select(Ticket.engineer_id, func.count(Ticket.id))
        .where(Ticket.engineer_id.is_not(None), Ticket.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Ticket.engineer_id)
    )
    return {engineer_id: count for engineer_id, count in rows}


def suggest(
    session: Session,
    ticket: Ticket,
    *,
    policy: ServicePolicy,
    catalogue: Catalogue,
    calendar: BusinessCalendar,
    at: datetime,
    limit: int | None = None,
) -> list[Suggestion]:
    """Engineers for this ticket, best first."""
    region = region_for(ticket.site_city, policy)
    same_city = policy.distance_for(ticket.site_city) is Distance.SAME_CITY
    device_type = device_type_of(ticket, catalogue)
    on_duty = {duty.engineer.id: duty.role for duty in on_call(session, region, at, calendar)}
    load = open_tickets_by_engineer(session)
    ranked = []
    for engineer in list_engineers(session, active_only=True):
        if engineer.is_manager:
            continue
        skilled = device_type is not None and device_type.id in engineer.skills
        in_region = region in engineer.regions
        reasons = []
        if device_type is None:
            reasons.append(say("reasons.type_unknown"))
        else:
            reasons.append(
                say("reasons.skilled" if skilled else "reasons.unskilled", device=device_type.name)
            )
        if in_region and same_city:
            reasons.append(say("reasons.same_city", region=region))
        elif in_region:
            city = ticket.site_city or say("reasons.this_area")
            reasons.append(say("reasons.covers", region=region, city=city))
        else:
            reasons.append(say("reasons.elsewhere", regions="、".join(engineer.regions)))
        if engineer.id in on_duty:
            primary = on_duty[engineer.id] == "primary"
            reasons.append(say("reasons.on_duty_primary" if primary else "reasons.on_duty_backup"))
        reasons.append(say("reasons.load", count=load.get(engineer.id, 0)))
        if engineer.tier == 3:
            reasons.append(say("reasons.tier3"))
        ranked.append(
            Suggestion(
                engineer,
                tuple(reasons),
                skilled,
                in_region,
                on_duty.get(engineer.id),
                load.get(engineer.id, 0),
            )
        )
    duty_rank = {"primary": 0, "backup": 1, None: 2}
    ranked.sort(
        key=lambda s: (
            not s.skilled,
            not s.in_region,
            duty_rank[s.duty],
            s.engineer.tier,
            s.open_tickets,
            s.engineer.id,
        )
    )
    return ranked[:limit] if limit else ranked
