"""The worker behind `hotline worker`: periodic jobs (the SLA sweep, …) run every few seconds with the real
clock.

The loop is deliberately small: each job gets `now`, opens its own transaction, and a job that fails (the
database away for a moment) is logged and tried again on the next round instead of stopping the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.clock import utc_now
from bot.db import session_scope
from bot.ops.calendar import BusinessCalendar
from bot.ops.paging import SendSms
from bot.ops.sla import sweep
from bot.policy import ServicePolicy

logger = logging.getLogger(__name__)

Job = Callable[[datetime], None]


def run_every(
    jobs: Mapping[str, Job],
    *,
    interval_seconds: float,
    stop: threading.Event,
    clock: Callable[[], datetime] = utc_now,
    rounds: int | None = None,
) -> int:
    """Run every job, wait, repeat until `stop` is set (or `rounds` rounds ran); returns the rounds run."""
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        now = clock()
        for name, job in jobs.items():
            try:
                job(now)
            except Exception:
                logger.exception("worker job %s failed; it runs again in %s s", name, interval_seconds)
        done += 1
        if rounds is None or done < rounds:
            stop.wait(interval_seconds)
    return done


def sla_sweep_job(
    engine: Engine | None,
    *,
    policy: ServicePolicy,
    calendar: BusinessCalendar,
    catalogue: Catalogue,
    sender_for: Callable[[Session], SendSms],
) -> Job:
    """One SLA sweep per call, in one transaction; `sender_for(session)` gives the SMS sender of that
    transaction, so a page and its SMS are stored together or not at all."""

    def job(now: datetime) -> None:
        with session_scope(engine) as session:
            report = sweep(session, now, policy, calendar, sender_for(session), catalogue=catalogue)
        if report:
            logger.info(
                "SLA sweep: %d warning(s) %s, %d breach(es) %s, %d page(s) %s",
                len(report.warnings),
                report.warnings,
                len(report.breaches),
                report.breaches,
                len(report.pages),
                report.pages,
            )

    return job
