"""Safety first over the running bot (`hotline serve`), on REST, WeChat, SMS and voice: every hazard class
answered with its instruction first, at every point of a conversation; the incident's ticket at top severity
with its flags, the on-call engineer and the manager paged, an open ticket on the device escalated (never a
plain note)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import requests

from bot.channels.twilio_voice import read_codes_aloud
from bot.platforms.splitting import SMS_PART, ucs2_length
from bot.safety import current_safety_rules
from tests.support import (
    CHANNEL_SECRETS,
    HOTLINE,
    RunningBot,
    rest_conversation,
    rest_session,
    twilio_post,
    voice,
    wechat,
)

pytestmark = pytest.mark.slow

Say = Callable[[str], str]
RULES = current_safety_rules()
MANAGER = "+8613800000999"  # kb/demo/staff.yml, as the outbox addresses it
# One message per hazard class, as a caller would say it (not from the held-out or tuning sets).
FIRST_WORDS = {
    "gas": "原子吸收那屋乙炔味特别冲 是不是气瓶漏了",
    "smoke_fire": "生化仪电源那块在冒烟 一股焦糊味",
    "electric": "插座那边一直打火花 啪啪的响",
    "liquid_electronics": "纯水机的水漏进仪器里面了 流到电路板上",
    "biohazard": "样本架翻了 血溅得到处都是",
    "broken_glass": "采血管在台面上摔碎了 玻璃渣上有血",
    "person_hurt": "技师的手被样本针扎伤了 在流血",
    "overheating": "仪器侧面烫手 摸都不敢摸",
    "clinical_risk": "钾的结果全偏高 报告已经发出去了",
}
_counter = itertools.count(1)


def rest(base: str, session: str) -> Say:
    """A web chat caller in a session the bot issued (tests/support.py rest_session)."""

    def say(words: str) -> str:
        replies = requests.post(
            f"{base}/webhooks/rest/webhook", json={"sender": session, "message": words}, timeout=90
        ).json()
        return "\n".join(reply.get("text", "") for reply in replies)

    return say


_LABEL = re.compile(r"^\(\d+/\d+\)")


def sms(base: str, phone: str) -> Say:
    """The SMS caller reads the parts one after the other; the first part must hold the whole instruction."""
    count = itertools.count()

    def say(words: str) -> str:
        form = [("MessageSid", f"SMsafety{phone}{next(count)}"), ("From", phone), ("To", "+18005551212")]
        answer = twilio_post(
            base,
            "/webhooks/twilio_sms/webhook",
            [*form, ("Body", words)],
            CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"],
        )
        assert answer.status_code == 200, answer.text
        parts = [message.text or "" for message in ET.fromstring(answer.text).iter("Message")]
        assert all(ucs2_length(part) <= 70 for part in parts) and (
            len(parts) == 1 or all(ucs2_length(p) <= SMS_PART for p in parts)
        )
        instructions = [h.instruction for h in RULES.hazards if h.instruction in "".join(parts)]
        for instruction in instructions:  # never cut across two SMS
            assert instruction in parts[0], parts
        return "\n".join(_LABEL.sub("", part) for part in parts)

    return say


def asked(reply: str, questions: dict[str, str]) -> str:
    """The answer to the question the reply ends with: of the keywords, the one said last."""
    said = {keyword: reply.rfind(keyword) for keyword in questions}
    keyword = max(said, key=lambda k: said[k])
    if said[keyword] < 0:
        pytest.fail(f"unexpected question: {reply}")
    return questions[keyword]


_TOO_FAST = re.compile(r"您发消息有点快，请稍等(\d+)秒")


def patient(say: Say) -> Say:
    """A caller who, told to slow down (bot/channels/limits.yml: a whole intake in seconds is faster than
    anyone types), waits as asked and says it again."""

    def again(words: str) -> str:
        for _ in range(5):
            reply = say(words)
            wait = _TOO_FAST.search(reply)
            if wait is None:
                return reply
            time.sleep(int(wait.group(1)) + 0.5)
        return reply

    return again


def caller(channel: str, base: str) -> tuple[Say, str]:
    """A new caller on the channel: how they talk to the bot, and their sender id."""
    say, sender = _caller(channel, base)
    return patient(say), sender


def _caller(channel: str, base: str) -> tuple[Say, str]:
    n = next(_counter)
    phone = f"+86139{n:08d}"
    if channel == "rest":
        session = rest_session(base)
        return rest(base, session), rest_conversation(session)
    if channel == "wechat":
        return wechat(base, f"oSafety{n:06d}"), f"oSafety{n:06d}"
    if channel == "twilio_sms":
        return sms(base, phone), phone
    call = f"CAsafety{n:06d}"
    return voice(base, call, phone), call


def first_step(hazard: str) -> str:
    """The instruction's first step: 「安全提示：1.关闭气瓶总阀」."""
    return RULES.hazard(hazard).instruction.split("；")[0]


def heard(channel: str, text: str) -> str:
    """A text as the caller gets it: on the phone, codes are read out one character at a time."""
    return read_codes_aloud(text) if channel == "twilio_voice" else text


def outbox(bot: RunningBot) -> list[dict[str, str]]:
    out = subprocess.run(
        [HOTLINE, "outbox", "list", "--json", "--limit", "1000"],
        env=bot.env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr  # what the CLI said, should it ever fail here (seen once in CI)
    return list(json.loads(out.stdout))


def ticket_of(bot: RunningBot, number: str) -> dict[str, object]:
    [ticket] = [t for t in bot.tickets() if t["number"] == number]
    return ticket


CHANNELS = ["rest", "wechat", "twilio_sms", "twilio_voice"]


@pytest.mark.parametrize("hazard", list(FIRST_WORDS))
@pytest.mark.parametrize("channel", CHANNELS)
def test_the_first_reply_to_a_hazard_is_its_instruction(
    running_bot: RunningBot, channel: str, hazard: str
) -> None:
    say, _ = caller(channel, running_bot.base_url)
    reply = say(FIRST_WORDS[hazard])
    assert reply.startswith(first_step(hazard)), reply
    assert RULES.hazard(hazard).instruction in reply  # verbatim, whole


def complete_incident(say: Say, serial: str, phone: str, first: str) -> str:
    """Answer safety_form's few questions until the ticket is there; returns the last reply."""
    reply = first
    answers = {
        "安全吗": "人都没事 都出来了",
        "哪台设备": f"序列号{serial}",
        "序列号吗": serial,
        "哪家医院": "郑州市嘉禾医院检验科二楼",
    }
    for _ in range(6):
        if "工单号" in reply or "已有工单" in reply or "最高级别" in reply:
            return reply
        reply = say(asked(reply, {**answers, "能打通的电话": phone}))
    pytest.fail(f"no ticket after six answers: {reply}")


def fault_intake_to_readback(say: Say, serial: str, phone: str) -> str:
    reply = say("检验科的KR-2000生化仪样本针撞针了 要报修")
    answers = {
        "要试试吗": "不用",
        "序列号": serial,
        "医院": "郑州市嘉禾医院",
        "科室": "检验科",
        "地址": "郑州市金水区嘉禾路88号",
        "称呼": "王敏",
        "姓名": "王敏",
        "电话": phone,
        "影响": "部分项目做不了",
    }
    for _ in range(12):
        if "以上信息对吗" in reply:
            return reply
        reply = say(asked(reply, answers))
    pytest.fail(f"no read-back: {reply}")


POINTS = ["mid_form", "guided_check", "read_back", "after_ticket", "open_ticket"]
# Each (channel, point) gets a hazard class in turn, so that every class is tried at some point of a
# conversation.
HAZARD_AT = dict(zip(itertools.product(CHANNELS, POINTS), itertools.cycle(FIRST_WORDS)))


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_hazard_at_any_point_comes_first_and_becomes_a_top_severity_incident(
    running_bot: RunningBot, channel: str, point: str
) -> None:
    bot = running_bot
    hazard = HAZARD_AT[(channel, point)]
    n = next(_counter)
    serial, phone = f"ZS{26000000 + n}", f"1371234{n:04d}"
    say, sender = caller(channel, bot.base_url)
    earlier: str | None = None
    if point == "mid_form":
        reply = say("检验科的KR-2000生化仪样本针撞针了 要报修")
        assert "序列号" in (say("不用") if "要试试吗" in reply else reply)
    elif point == "guided_check":
        assert "要试试吗" in say("我们检验科生化仪的打印机打不出来了")
        assert "第1步" in say("好 试试")
    elif point == "read_back":
        fault_intake_to_readback(say, serial, phone)
    elif point == "after_ticket":
        fault_intake_to_readback(say, serial, phone)
        assert "工单号" in say("对")
        earlier = next(t["number"] for t in bot.tickets() if t["sender_id"] == sender)
    elif point == "open_ticket":
        other, _ = caller("rest", bot.base_url)  # someone else reported this device earlier
        fault_intake_to_readback(other, serial, phone)
        assert "工单号" in other("对")
        earlier = next(t["number"] for t in bot.tickets() if t["serial_number"] == serial)

    reply = say(FIRST_WORDS[hazard])
    assert reply.startswith(first_step(hazard)), reply
    final = complete_incident(say, serial, phone, reply)
    mine = [t for t in bot.tickets() if t["serial_number"] == serial or t["sender_id"] == sender]
    incident = next(t for t in mine if t["severity"] == "safety")
    if point == "open_ticket":
        # Someone else's ticket: escalated and paged, its number and existence not told (bot/identity.py).
        assert heard(channel, str(incident["number"])) not in final and "已有工单" not in final
        assert "最高级别" in final
    else:
        assert heard(channel, str(incident["number"])) in final
    assert incident["urgent"] is True
    assert ("clinical_risk" if hazard == "clinical_risk" else "safety_incident") in incident["flags"]
    if earlier is not None:  # the device's open ticket (this caller's or another's) is escalated
        assert incident["number"] == earlier and ("已有工单" in final) == (point == "after_ticket")
        kinds = [event["kind"] for event in incident["events"]]  # type: ignore[index]
        assert "safety_escalated" in kinds and "note" not in kinds
        assert len([t for t in bot.tickets() if t["serial_number"] == serial]) == 1
    else:
        assert incident["number"] != earlier
    pages = [m for m in outbox(bot) if incident["number"] in m["text"] and "【安全事件】" in m["text"]]
    assert MANAGER in [m["recipient"] for m in pages] and len(pages) == 2


@pytest.mark.parametrize("channel", ["rest", "twilio_voice"])
def test_the_instruction_is_repeated_on_request(running_bot: RunningBot, channel: str) -> None:
    say, _ = caller(channel, running_bot.base_url)
    instruction = RULES.hazard("gas").instruction
    assert say(FIRST_WORDS["gas"]).startswith(first_step("gas"))
    assert say("没听清 再说一遍").startswith(instruction)  # in the middle of the safety questions
    complete_incident(say, f"ZR{27000000 + next(_counter)}", "13712340000", say("都没事"))
    assert say("再说一遍").startswith(instruction)  # after the ticket too


@pytest.mark.parametrize(
    "words",
    [
        "质控品说明书里写着易燃 这个要怎么存放",
        "上次冒烟那个单子修好了吗",
        "试剂要避光防火吗",
        "生化仪开机一直报温度异常 急诊样本在等",
        "乙炔气瓶一瓶大概能用多久",
    ],
)
def test_ordinary_faults_and_questions_that_mention_a_hazard_word_do_not_alarm(
    running_bot: RunningBot, words: str
) -> None:
    say, _ = caller("rest", running_bot.base_url)
    reply = say(words)
    assert not any(hazard.instruction in reply for hazard in RULES.hazards), reply
    assert "安全提示" not in reply and "临床风险提示" not in reply
