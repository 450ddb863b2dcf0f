"""A registration written out with its field names (「医院 …，科室 …，电话 …，故障 …」) is a fault report, and
so is a message that asks for a repair in so many words (「…病理科 打印机连不上 报修 不用排查」,
「…一直报钠电极斜率超限…你们赶紧派人」).

Such a message is long and full of names and numbers, so the n-gram classifier spreads its probability over
inform, report_fault and the rest and the bot would offer a menu (issue 12, D3). Three or more field names,
one of them the fault, make it a report whatever the classifier thought; 报修 said as a request (not asked
about: 「报修流程是怎样的」) makes it one when the classifier read it as a report it was unsure of, as details
or as nothing (inform, deny, out of scope) and ranked report_fault among its first three (never over cancel
or a complaint). So does a message that gives four kinds of the registration's details (hospital, department,
person, phone, device, serial, the fault's words) without a ticket number, when the classifier had the report
in view: an unlabelled report (「我们是南漳县人民医院检验科，原子吸收AA-6800序列号AA25020914，空心阴极灯点
不亮…联系人龚伟电话139…」) reads as details (inform) just as often. Runs after the entity extractors (it
counts their entities) and before the FallbackClassifier.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import fields
from bot.intake import find_ticket_number, normalise_phone, normalise_serial
from bot.intake_commands import LABELS
from bot.nlu.colloquial import spelled_codes
from bot.nlu.rule_component import RuleComponent, decide_intent

REPORT_INTENT = "report_fault"
MIN_LABELS = 3
_FAULT_LABELS = frozenset(label for label, field in LABELS.items() if field == "fault_description")
# A field name at the start of the text or after a separator, followed by its value.
_LABEL = re.compile(
    r"(?:^|[，,；;。\s：:])(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")\s*(?:是|为)?[：:\s]",
    re.IGNORECASE,
)


_ASKS_FOR_REPAIR = re.compile(
    r"(?<![不别消])(?:报修|报秀|报个修|报一下修|派人|派个人|派工程师|来修|上门修)(?!了|过|的|后|以后|之后|单)"
)
# Asking about repairs, a repair asked for before, or a ticket: not asking for one now.
_ABOUT_REPAIRS = re.compile(
    r"[吗么？?]|怎么|怎样|如何|多久|多长|几天|流程|费用|收费|多少|什么|哪|能不能|可不可以|是不是|已经|SR\s*\d",
    re.IGNORECASE,
)
_SHORTLIST = 3
# 「你好 报修」: a greeting before the request is read as one too
_MAY_BE_A_REPORT = frozenset({"report_fault", "inform", "deny", "out_of_scope", "greet"})


def labelled_fields(text: str) -> set[str]:
    """The registration field names the text uses as labels."""
    return {match.group(1) for match in _LABEL.finditer(text)}


def is_labelled_report(text: str) -> bool:
    """Three field names with the fault's, or four of the caller's details written out with their names (the
    fault said without its name: 「…序列号KR23110456 反映盘温度到不了37度 联系人覃丽 电话139… 地址…」)."""
    labels = labelled_fields(text)
    fields = {LABELS.get(label, LABELS.get(label.upper())) for label in labels}
    if len(fields) >= MIN_LABELS and bool(labels & _FAULT_LABELS):
        return True
    glued = {LABELS[m.group(1)] for m in _GLUED_LABEL.finditer(text)}
    return len(fields | glued) >= _DETAILS_ALONE


# A field name stuck to its value after a space or a comma (「联系人覃丽」「电话1390…」「地址常德市…」).
_GLUED_LABEL = re.compile(
    r"(?:^|[，,；;。\s])(联系人|电话|手机|地址|序列号|科室)(?=[\u4e00-\u9fffA-Za-z0-9])"
)
_DETAILS_ALONE = 4


def asks_for_repair(text: str, ranking: list[dict]) -> bool:
    """The classifier read a report unsure of it, details or nothing (inform, deny, out of scope) and had the
    report in view."""
    ranked = [r.get("name") for r in ranking[:_SHORTLIST]]
    return bool(ranked) and ranked[0] in _MAY_BE_A_REPORT and REPORT_INTENT in ranked and names_a_repair(text)


def names_a_repair(text: str) -> bool:
    """报修 (派人, 来修) said as a request, not asked about."""
    return bool(_ASKS_FOR_REPAIR.search(text)) and not _ABOUT_REPAIRS.search(text)


_DETAILS = frozenset({"hospital", "department", "person", "phone", "device", "serial_number"})
_DETAIL_KINDS = 4
# A ticket of before, by its number or without it (「单号不记得了 我是…医院检验科的 电话… 姓闵」 says who
# rates or asks): who the caller is, not a new report.
_TICKET_OF_BEFORE = re.compile(r"单号|工单|单子|那张单|那个单")


def _read_by_the_intake(text: str) -> set[str]:
    """The hospital and department the intake's own readers find where the entity extractors found none
    (「随州市曾都区编钟医院检验科 尿沉渣UA-720 …」), phones and serials, and the fault's words
    (「…石墨管一加热就报错E-41 血铅做不了 有二十来个小孩的样本在等着」: where, which device and what is
    wrong is a report)."""
    found = {"hospital"} if fields.hospital(text) else set()
    found |= {"fault"} if fields.says_a_fault(text) else set()
    # a phone or a serial read out (「手机号幺三六洞…」「序列号C F二三幺幺…」), which no extractor tags
    spoken = spelled_codes(text)
    found |= {"phone"} if normalise_phone(spoken) else set()
    found |= {"serial_number"} if normalise_serial(spoken) else set()
    return found | ({"department"} if fields.department_in(text) else set())


def gives_a_whole_report(text: str, entities: list[dict], ranking: list[dict]) -> bool:
    """Four kinds of a registration's details, no ticket named (that is about a ticket of before), and the
    classifier read a report, details or nothing with the report in view; or five kinds and no question
    (「…医院 检验科 我是…聂春燕 血球仪HX-H30 序列号… 一直报负压异常…」 read as a warranty question)."""
    kinds = ({e.get("entity") for e in entities} & _DETAILS) | _read_by_the_intake(text)
    ranked = [r.get("name") for r in ranking[:_SHORTLIST]]
    if len(kinds) < _DETAIL_KINDS or find_ticket_number(text) is not None or _TICKET_OF_BEFORE.search(text):
        return False
    in_view = bool(ranked) and ranked[0] in _MAY_BE_A_REPORT and REPORT_INTENT in ranked
    return in_view or (len(kinds) > _DETAIL_KINDS and not _ABOUT_REPAIRS.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LabelledReportClassifier(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            ranking = message.get(INTENT_RANKING_KEY) or []
            entities = message.get(ENTITIES) or []
            if not text or not (
                is_labelled_report(text)
                or asks_for_repair(text, ranking)
                or gives_a_whole_report(text, entities, ranking)
            ):
                continue
            decide_intent(message, REPORT_INTENT)
        return messages
