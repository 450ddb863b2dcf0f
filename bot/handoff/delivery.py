"""How a message from the agent (or a hand-off notice) reaches the caller on their own channel.

- web chat (and any REST client): the conversation's message log is the delivery; the page fetches it.
- WeChat: a customer-service message through the outbox, allowed only within 48 hours of the caller's last
  message; outside that window the agent is told and may send an SMS to the conversation's contact phone.
- SMS: through the outbox to the caller's number (the conversation's sender id).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Conversation, ConversationMessage
from bot.intake import normalise_phone
from bot.notify.outbox import enqueue
from bot.notify.transports import SMS, WECHAT, sms_number

WECHAT_CHANNEL = "wechat"
SMS_CHANNEL = "twilio_sms"
# WeChat lets an Official Account send customer-service messages for 48 hours after the user's last message.
WECHAT_WINDOW = timedelta(hours=48)


class OutsideWindow(Exception):
    """WeChat would refuse the message: the caller wrote last more than 48 hours ago. phone: where an SMS
    could go."""

    def __init__(self, phone: str | None) -> None:
        super().__init__("outside WeChat's 48-hour window")
        self.phone = phone


def within_wechat_window(conversation: Conversation, now: datetime) -> bool:
    return conversation.last_caller_at is not None and now - conversation.last_caller_at < WECHAT_WINDOW


def deliver(
    session: Session,
    conversation: Conversation,
    message: ConversationMessage,
    *,
    phone: str | None,
    now: datetime,
    by_sms: bool = False,
) -> str:
    """Send a logged message to the caller, in the session's transaction; returns the way it went (log,
    wechat, sms).

    Raises OutsideWindow for a WeChat conversation past the 48-hour window unless by_sms, which needs a phone.
    """
    key = f"handoff:{conversation.id}:{message.seq}"
    channel = conversation.channel
    if channel == WECHAT_CHANNEL and not by_sms:
        if not within_wechat_window(conversation, now):
            raise OutsideWindow(normalise_phone(phone) if phone else None)
        enqueue(
            session,
            channel=WECHAT,
            recipient=conversation.sender_id,
            text=message.text,
            dedupe_key=key,
            at=now,
        )
        return WECHAT
    if channel == SMS_CHANNEL or by_sms:
        recipient = conversation.sender_id if channel == SMS_CHANNEL else (normalise_phone(phone or "") or "")
        if not recipient:
            raise OutsideWindow(None)
        enqueue(
            session,
            channel=SMS,
            recipient=sms_number(recipient) or recipient,
            text=message.text,
            dedupe_key=key,
            at=now,
        )
        return SMS
    return "log"
