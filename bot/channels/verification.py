"""「验证 13912345678」 and the six-digit answer, on the text channels (web chat, WeChat): a caller proves a
phone.

Handled before the message reaches Rasa, so codes never enter the conversation's tracker or the ticket
transcripts. The work is bot/identity.py's; the database calls run off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import utc_now
from bot.db import session_scope
from bot.db.models import IdentityCode
from bot.identity import CodeOutcome, caller_of, confirm_code, masked, send_code
from bot.notify.outbox import session_sms_sender
from bot.ops.after_hours import page_confirmed
from bot.policy import current_policy
from bot.texts import say

logger = logging.getLogger(__name__)
_ASK = re.compile(r"^\s*(?:验证|绑定|验证身份|绑定手机)(?:手机号?|号码)?\s*[:：]?\s*([\d\s\-+]{11,20})\s*$")
_CODE = re.compile(r"^\s*(?:验证码)?\s*[:：]?\s*(\d{4,8})\s*$")


def _answer(channel: str, sender_id: str, said: str) -> str | None:
    policy = current_policy()
    now = utc_now()
    hotline = policy.hotline_phone
    asked = _ASK.match(said)
    with session_scope() as session:
        if asked:
            outcome = send_code(
                session,
                sender_id,
                asked.group(1),
                now=now,
                policy=policy,
                send_sms=session_sms_sender(session),
                code_text=lambda code, minutes: say("identity.code_sms", code=code, minutes=str(minutes)),
            )
            if outcome is CodeOutcome.SENT:
                phone = session.get(IdentityCode, sender_id).phone
                minutes = str(policy.value("caller_identity.code_minutes"))
                return say("identity.code_sent", masked=masked(phone), minutes=minutes)
            return say(f"identity.{outcome.value}", hotline=hotline)
        code = _CODE.match(said)
        if code is None or session.get(IdentityCode, sender_id) is None:
            return None  # not about verification: the bot answers it
        outcome = confirm_code(session, sender_id, channel, code.group(1), now=now, policy=policy)
        if outcome is CodeOutcome.VERIFIED:
            caller = caller_of(session, channel, sender_id, None)
            assert caller.phone is not None
            if page_confirmed(session, sender_id, caller.phone, now):  # a held urgent ticket's code
                minutes = str(policy.value("paging.after_hours_callback_minutes"))
                return say("identity.page_confirmed", minutes=minutes)
            hospitals = caller.hospitals
            return say("identity.verified", hospitals="、".join(sorted(hospitals)))
        return say(f"identity.{outcome.value}", hotline=hotline)


def logged_as(said: str) -> str:
    """A verification message as a conversation log keeps it: a code as dots, never its digits."""
    return "●" * len(said.strip()) if _CODE.match(said) else said


def about_verification(said: str) -> bool:
    """Whether the message asks for a code (「验证 139…」) or may be one (digits only): it is looked at here
    first."""
    return bool(_ASK.match(said) or _CODE.match(said))


async def verification_reply(channel: str, sender_id: str, said: str) -> str | None:
    """The answer when the message asks for or gives a code; None when it is for the bot."""
    if not about_verification(said):
        return None
    try:
        return await asyncio.get_running_loop().run_in_executor(
            None, partial(_answer, channel, sender_id, said)
        )
    except SQLAlchemyError:
        # The database is down: the bot answers the message (a code cannot be checked now; the caller may
        # retry).
        logger.exception("verification unavailable for %s", sender_id)
        return None
