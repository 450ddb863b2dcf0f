"""Hazard recognition (bot/safety.py, kb/safety/): hazards from the words, mentions and negations not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.channels.splitting import sms_parts
from bot.channels.twilio_sms import part_number
from bot.safety import ADVERSE_EVENT, CLINICAL_RISK, SAFETY_INCIDENT, current_safety_rules

HERE = Path(__file__).parent
DEV = yaml.safe_load((HERE / "dev_hazards.yml").read_text(encoding="utf-8"))
HELDOUT = yaml.safe_load((HERE / "heldout_hazards.yml").read_text(encoding="utf-8"))
RULES = current_safety_rules()
CLASSES = {hazard.id for hazard in RULES.hazards}


@pytest.mark.parametrize("item", DEV["hazards"], ids=lambda item: item["text"][:20])
def test_a_hazard_of_the_tuning_set_is_recognised_as_its_class(item: dict[str, str]) -> None:
    finding = RULES.recognise(item["text"])
    assert finding is not None and finding.hazard.id == item["hazard"]


@pytest.mark.parametrize("item", DEV["near_misses"], ids=lambda item: item["text"][:20])
def test_a_near_miss_of_the_tuning_set_is_no_alarm(item: dict[str, str]) -> None:
    assert RULES.recognise(item["text"]) is None


def test_the_held_out_set_has_every_class_and_meets_the_goal() -> None:
    """Recall 1.0 on real hazards, false alarms at most 2 % (bench/safety_recall.py prints the details)."""
    assert {item["hazard"] for item in HELDOUT["hazards"]} == CLASSES
    assert len(HELDOUT["hazards"]) + len(HELDOUT["near_misses"]) >= 80
    missed = [item["text"] for item in HELDOUT["hazards"] if RULES.recognise(item["text"]) is None]
    alarms = [item["text"] for item in HELDOUT["near_misses"] if RULES.recognise(item["text"]) is not None]
    assert missed == []
    assert len(alarms) <= 0.02 * len(HELDOUT["near_misses"]), alarms


@pytest.mark.parametrize(
    ("text", "hazard"),
    [
        ("上次修好了，现在又冒烟了", "smoke_fire"),  # a past ticket named, but it is happening now
        ("乙块味好重", "gas"),  # a typo listed in gas.yml
        ("仪器冒眼了", "smoke_fire"),  # a speech-recognition homophone
    ],
)
def test_typos_homophones_and_present_cues_still_alarm(text: str, hazard: str) -> None:
    finding = RULES.recognise(text)
    assert finding is not None and finding.hazard.id == hazard


@pytest.mark.parametrize(
    "text", ["没有冒烟，也没有味道，就是开不了机", "外壳不烫", "现场没有人受伤", "一直点不着火"]
)
def test_a_negated_hazard_word_is_no_alarm(text: str) -> None:
    assert RULES.recognise(text) is None


def test_flags_say_safety_clinical_risk_and_harm() -> None:
    shock = RULES.recognise("同事碰了机壳被电到了，手还在抖，还被划伤了")
    assert shock is not None and shock.hazard.id == "electric"
    assert set(shock.flags) == {SAFETY_INCIDENT, ADVERSE_EVENT}
    released = RULES.recognise("质控失控了，报告已经发出去了")
    assert released is not None and released.flags == [CLINICAL_RISK]


def test_an_answer_about_people_tells_harm_from_none() -> None:
    assert RULES.harmed("有个同事手被划伤了")
    assert not RULES.harmed("都安全，没有人受伤")


@pytest.mark.parametrize("hazard", RULES.hazards, ids=lambda hazard: hazard.id)
def test_every_instruction_is_the_whole_first_sms_segment(hazard) -> None:  # type: ignore[no-untyped-def]
    """On SMS the instruction fits the first segment, whatever follows it in the same reply."""
    reply = f"{hazard.instruction}\n现场人员都安全吗？有没有人受伤或不舒服？\n是哪台设备？有序列号最好。"
    first = sms_parts(reply, 5, "……", part_number)[0]
    assert hazard.instruction in first
    assert hazard.instruction.count("1.") == 1 and "2." in hazard.instruction  # ordered steps


def test_the_caller_can_ask_to_hear_it_again() -> None:
    assert RULES.asks_repeat("没听清 再说一遍")
    assert not RULES.asks_repeat("都安全")
