"""The outbox's and the journal's periodic jobs, in the shape `hotline worker` runs (bot/ops/worker.py):
job(now)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.db import SessionFactory
from bot.journal import ReplayReport, replay_journal
from bot.notify.outbox import DeliveryReport, deliver_due, delivery_config
from bot.notify.transports import Transport, build_transports

logger = logging.getLogger(__name__)

Job = Callable[[datetime], None]


def journal_replay_job(factory: SessionFactory) -> Job:
    """Stores tickets journaled while the database was down, once it is back."""

    def job(now: datetime) -> None:
        report: ReplayReport = replay_journal(factory)
        if report.replayed:
            logger.info("journal: %d ticket(s) stored: %s", len(report.replayed), ", ".join(report.replayed))

    return job


def outbox_delivery_job(factory: SessionFactory) -> Job:
    """One delivery pass per call, on an event loop of its own that lives as long as the job, so the
    transports' clients (the WeChat token in Redis) stay on the loop they were made on."""
    loop = asyncio.new_event_loop()
    transports: dict[str, Transport] = {}
    built = False

    async def one_pass(now: datetime) -> DeliveryReport:
        nonlocal built
        if not built:
            transports.update(build_transports(delivery_config().max_parts))
            built = True
        return await deliver_due(factory, transports, now)

    def job(now: datetime) -> None:
        report = loop.run_until_complete(one_pass(now))
        if report.sent or report.retried or report.dead or report.rerouted:
            logger.info(
                "outbox: %d sent, %d to retry, %d dead, %d by SMS instead of WeChat",
                len(report.sent),
                len(report.retried),
                len(report.dead),
                len(report.rerouted),
            )

    return job
