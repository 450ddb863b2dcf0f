"""The tier-2 fixtures (demo team, fake SMS, pager) for the safety tests."""

from tests.ops.conftest import calendar, pager, sms

__all__ = ["calendar", "pager", "sms"]
