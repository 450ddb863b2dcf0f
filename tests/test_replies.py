"""What a caller is told when a booking is made: the day they asked for is said back."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.db.models import Ticket
from bot.policy import current_policy
from bot.replies import request_created
from bot.tickets import TicketKind


@pytest.mark.parametrize(
    ("kind", "said", "wanted"),
    [
        (
            TicketKind.MAINTENANCE,
            "GF23070519这台想约下礼拜三上午来保养",
            "您希望的时间（下礼拜三上午）已记在单上",
        ),
        (
            TicketKind.TRAINING,
            "新来两个进修生 想12月15号下午培训一下",
            "您希望的时间（12月15号下午）已记在单上",
        ),
        (TicketKind.MAINTENANCE, "血球仪该保养了 你们看着安排", None),
    ],
)
def test_a_booking_says_back_the_day_asked_for(kind: TicketKind, said: str, wanted: str | None) -> None:
    ticket = Ticket(
        number="SR202612080001", kind=kind, description=said, response_due=datetime(2026, 12, 8, 3)
    )
    told = request_created(ticket, current_policy())
    assert "SR202612080001" in told
    if wanted:
        assert wanted in told
    else:
        assert "您希望的时间" not in told
