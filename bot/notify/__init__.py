"""Messages from the hotline to hospitals and engineers.

outbox.py     enqueue (in the caller's transaction), deliver_due (the worker's pass), list and retry
transports.py SMS and WeChat delivery, built from the channels' settings
notices.py    the hospital's notices when its ticket moves (the lifecycle hook notify_status_change)
"""

from bot.notify.notices import EngineerContact, notify_report_ready, notify_status_change
from bot.notify.outbox import DeliveryReport, deliver_due, enqueue, session_sms_sender, sms_sender

__all__ = [
    "DeliveryReport",
    "EngineerContact",
    "deliver_due",
    "enqueue",
    "notify_report_ready",
    "notify_status_change",
    "session_sms_sender",
    "sms_sender",
]
