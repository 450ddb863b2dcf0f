"""Severity, urgency and the deadlines of the service policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.policy import Distance, PolicyError, current_policy, load_policy
from bot.triage import Severity, assess, current_rules, deadlines_for

RECEIVED = datetime(2026, 11, 21, 14, 0)


@pytest.mark.parametrize(
    ("description", "severity"),
    [
        ("打印机没纸了", Severity.GENERAL),
        ("开机报温度异常", Severity.COMPLEX),
        ("加样针堵了", Severity.COMPLEX),
        ("每个样本都报计数时间过长 结果出不来", Severity.COMPLEX),
        ("主板烧了，冒烟", Severity.MAJOR),
        ("完全不能用，多个模块报警", Severity.MAJOR),
    ],
)
def test_severity_from_the_description(description: str, severity: Severity) -> None:
    assert assess(current_rules(), description, None).severity is severity


@pytest.mark.parametrize(
    ("impact", "urgent"),
    [
        ("急诊样本在等", True),
        ("病人在排队", True),
        ("设备停机了，全停", True),
        ("不急，有备用机", False),
        ("不影响临床", False),
        ("部分项目做不了", False),
        # counts and piles in the caller's words (kb/triage.yml patterns)
        ("已经压了二十多个了", True),
        ("十几个病人等着呢", True),
        ("排了一个故障", False),
        # queues, piles, delays, stopped work and results to redo, in the caller's words
        ("门诊血常规都排着队呢", True),
        ("门诊尿常规做不了 病人排起在等", True),
        ("门诊生化全压着", True),
        ("今天的生化报告全部要延迟", True),
        ("铅和镉都测不了", True),
        ("上午门诊生化停着", True),
        ("今天的肝功都得复查", True),
        ("仪器显示屏卡着不动", False),
        ("结果偏高一点，不急", False),
        ("门诊尿常规暂时改手工做 不算太急", False),
        ("病人还能等", False),
        ("病人不能等", True),
        ("下周出结果也行", False),
        ("门诊生化出报告推迟咯 不过病人等得起 不算好急", False),
        # dialect: a section stopped, people or samples waiting (西南官话 停起/等到起, 东北话 搁那压着)
        ("血常规全部停到起了 病房的血都等倒起", True),
        ("门诊尿检停起的", True),
        ("标本搁那压着呢", True),
        ("急诊的生化都压住了", True),  # 粤语、客家话: 住 for 着
        ("样本架全卡住了", False),  # a fault, not samples waiting
        ("这个急得很", True),
        # not urgent, said in so many words, also in dialect
        ("没得好急 下个礼拜也行", False),
        ("不慌 你们慢慢来", False),
        ("周五出报告都可以", False),
        # 挺急/蛮急/可急了 and children called 娃娃, a result due today or tomorrow; 不是特别急 is not urgent
        ("这批样本蛮急的", True),
        ("门诊那边可急了", True),
        ("好几个娃娃的血常规没出", True),
        ("下午就要出结果 手术要用", True),
        ("不是特别急 这周修好就行", False),
        ("也不算挺急", False),
        ("科里还有一台备用的顶着", False),
        # 压起 (湘语: 压着), doctors calling to hurry it; results due only next week
        ("病房的生化全压起了", True),
        ("临床一直打电话来催", True),
        ("这些样本下个礼拜才出报告", False),
        # a clinic that has nothing else to turn to; doctors hurrying it 一个劲儿
        ("重症那边做血气就只能靠这台", True),
        ("病房护士一个劲儿地催", True),
        # children waiting, in other words; a children's hospital's name is no child waiting
        ("儿科病房好多小朋友等着查血", True),
        ("患儿的尿常规都没出", True),
        ("新生儿科的宝宝等着测胆红素", True),
        ("宜昌市妇女儿童医院检验科，结果偏高一点", False),
        # the work goes on elsewhere or the samples wait safely: no longer urgent
        ("而家冇咁急啦，冇那么急了", False),
        ("门诊的标本已经转到二院那台机子上测了", False),
        ("甲功的血样可以先放冷藏，明早再做", False),
        # the work itself waiting
        ("病房送的血培养在等", True),
        ("门诊的尿常规都等着呢", True),
        ("今天的核酸都出不来，发热门诊在等", True),
        # tests an operation waits for; work of another kind said waiting or piling up
        ("明早两台手术的术前凝血做不出来", True),
        ("配血的样本也在等", True),
        ("急查的生化压着", True),
        # nobody waits, said with the waiting word denied
        ("门诊的先改手工做了，患者没有在等", False),
        ("没有病人在等 下午来都行", False),
    ],
)
def test_urgency_from_the_clinical_impact(impact: str, urgent: bool) -> None:
    assert assess(current_rules(), "报错", impact).urgent is urgent


@pytest.mark.parametrize(
    ("city", "distance", "hours"),
    [
        ("郑州", Distance.SAME_CITY, 3),
        ("开封", Distance.OTHER_CITY, 24),
        ("栾川", Distance.REMOTE, 48),
        (None, Distance.OTHER_CITY, 24),
    ],
)
def test_onsite_deadline_by_distance(city: str | None, distance: Distance, hours: int) -> None:
    policy = current_policy()
    assert policy.distance_for(city) is distance
    triage = assess(current_rules(), "报错", None)
    deadlines = deadlines_for(policy, triage, distance, RECEIVED)
    assert deadlines.response_due == RECEIVED + timedelta(hours=1)
    assert deadlines.onsite_due == RECEIVED + timedelta(hours=hours)


def test_complex_gets_a_plan_and_major_a_repair_deadline() -> None:
    policy = current_policy()
    complex_ = deadlines_for(policy, assess(current_rules(), "报错E05", None), Distance.SAME_CITY, RECEIVED)
    assert complex_.plan_due == RECEIVED + timedelta(hours=48) and complex_.repair_due is None
    major = deadlines_for(policy, assess(current_rules(), "主板烧了", None), Distance.SAME_CITY, RECEIVED)
    assert major.repair_due == RECEIVED + timedelta(hours=72)
    general = deadlines_for(policy, assess(current_rules(), "屏幕有点暗", None), Distance.SAME_CITY, RECEIVED)
    assert general.plan_due is None and general.repair_due is None


def test_a_contract_with_other_terms_changes_one_file(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "kb" / "policy.yml").read_text(encoding="utf-8")
    (tmp_path / "policy.yml").write_text(text.replace("same_city: 3", "same_city: 2"), encoding="utf-8")
    policy = load_policy(tmp_path / "policy.yml")
    assert policy.onsite_within(Distance.SAME_CITY) == timedelta(hours=2)
    assert policy.render("同城{deadlines.onsite_hours.same_city}小时到场") == "同城2小时到场"


def test_a_template_naming_a_missing_value_is_an_error() -> None:
    with pytest.raises(PolicyError, match="no value 'deadlines.nope'"):
        current_policy().render("{deadlines.nope}")
