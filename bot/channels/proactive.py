"""Messages the bot sends on its own: Rasa's trigger_intent API and reminders.

`POST /conversations/{id}/trigger_intent?output_channel=wechat` (or twilio_sms) asks the channel for its
`get_output_channel()`, which sends through the platform's API: WeChat customer-service messages, SMS through
the SMS transport. A reminder is different: Rasa keeps the output channel of the message during which it was
set, and uses it when the reminder fires. The channels therefore hand Rasa a `TurnOutput`: it collects the
turn's messages for the webhook's answer and, once the turn is over, passes anything later on to the platform.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

logger = logging.getLogger(__name__)


class TurnOutput(CollectingOutputChannel):
    def __init__(self, later: OutputChannel | None) -> None:
        super().__init__()
        self._later = later
        self._turn_over = False

    def finish(self) -> None:
        """The turn's answer is taken; what comes now (a reminder) goes through the platform."""
        self._turn_over = True

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if not self._turn_over:
            await super().send_response(recipient_id, message)
        elif self._later is not None:
            await self._later.send_response(recipient_id, message)
        else:
            logger.error("no way to reach %s after the turn; message not sent: %s", recipient_id, message)
