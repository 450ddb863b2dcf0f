"""`check_ticket` for a message that names a ticket and changes it (「SR202612070020 这张单子我补充一下…」,
「SR… 不用来人了」), urges the caller's ticket (「帮我催一下」), or asks only when someone comes
(「今天能到吗」「下午能来不」: the classifier read them as out of scope or could not place them).

The classifier spreads such a message over a new report (its fault words), a status question (its number),
cancel and the rest, and the bot would offer a menu or, in the middle of an intake, cancel the intake instead
of the ticket. The number and a word of change decide it: action_check_ticket hands the change to
bot/ticket_changes.py, which records it on that ticket and tells tier 2. A complaint or a hazard keeps its
intent (the complaint names its ticket itself; safety comes first).
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.context import asks_about_visit
from bot.intake import find_ticket_number
from bot.nlu.rule_component import RuleComponent, decide_intent
from bot.ticket_changes import changes_a_ticket, wants_hurry

TICKET_INTENT = "check_ticket"
_KEEPS_ITS_INTENT = frozenset({"complaint", "report_hazard", "rate_service"})
# What an urging message may have been read as and still be about a ticket: nothing more specific.
_VAGUE = frozenset({"out_of_scope", "inform", "ask_question", "affirm", "deny", "check_ticket", "thank"})


def changes_named_ticket(text: str, ranking: list[dict]) -> bool:
    """A ticket number and words that cancel it or add to it, and no complaint, hazard or rating read."""
    best = ranking[0].get("name") if ranking else None
    return best not in _KEEPS_ITS_INTENT and find_ticket_number(text) is not None and changes_a_ticket(text)


# What a fault sounds like (「又撞了」「报警」「不出结果」): urging said with it is a new report in a hurry.
_FAULT_CUES = re.compile(
    r"报警|报错|错误|故障|异常|失败|坏|堵|漏|撞|卡|停|黑屏|死机|不(?:亮|转|动|出|准|工作|开机|显示|吸)"
    r"|[A-Za-z]{1,3}-?\d{2,}"
)


def urges_a_ticket(text: str, ranking: list[dict], entities: list[dict]) -> bool:
    """「那行 帮我催一下」「怎么还没人来」, read as nothing more specific than a remark or a question — or
    as a fault report that names no device and no fault (「能不能快点 主任一直在问」): the caller's ticket is
    urged (the action finds which, or looks their tickets up)."""
    best = ranking[0].get("name") if ranking else None
    bare_report = (
        best == "report_fault"
        and not any(e.get("entity") in ("device", "serial_number") for e in entities)
        and not _FAULT_CUES.search(text)
    )
    return (best in _VAGUE or bare_report) and wants_hurry(text)


# What a question about a ticket's visit may have been read as: not a question for the knowledge base
# (「工程师多久能到」 asked with no ticket is the policy's deadline), nor a request or a report.
_VISIT_READ_AS = frozenset({"out_of_scope", "affirm", "deny", "inform", "thank", "check_ticket"})


def asks_when_visited(text: str, ranking: list[dict], entities: list[dict]) -> bool:
    """「今天能到吗」「下午能来不」「明天上午能到不」, read as nothing more specific: when the engineer of the
    caller's ticket comes (the action answers it from the ticket looked up, else the caller's tickets). A new
    fault said with it (「血球仪又堵了 今天能来人不」) is a report."""
    best = ranking[0].get("name") if ranking else None
    about_a_device = any(e.get("entity") in ("device", "serial_number") for e in entities)
    return (
        best in _VISIT_READ_AS
        and asks_about_visit(text)
        and not about_a_device
        and not _FAULT_CUES.search(text)
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TicketChangeIntent(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            ranking = message.get(INTENT_RANKING_KEY) or []
            entities = message.get(ENTITIES) or []
            if not text or not (
                changes_named_ticket(text, ranking)
                or urges_a_ticket(text, ranking, entities)
                or asks_when_visited(text, ranking, entities)
            ):
                continue
            decide_intent(message, TICKET_INTENT)
        return messages
