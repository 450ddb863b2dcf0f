"""Replies to a guide step in a caller's own words (issue 12 item 5): an observation is a step done, 「还是…」
is not solved, a reading is compared with its set value, a new error code or 「派工程师吧」 leaves the
walk, a question is answered and the walk stays on its step."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase
from bot.knowledge.answers import Answers
from bot.knowledge.guidance import (
    GuideLibrary,
    GuideProgress,
    Outcome,
    Reading,
    StepReply,
    new_error_code,
    reading_in,
)
from bot.numerals import chinese_number
from bot.policy import load_policy


@pytest.fixture(scope="module")
def lib() -> GuideLibrary:
    return GuideLibrary(PROJECT_ROOT / "kb")


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ("屋里其他电器都有电", Outcome.NO),
        ("线都插紧了", Outcome.NO),
        ("冲洗液定标液都有", Outcome.NO),
        ("都开了，还是黑屏", Outcome.NO),
        ("插好了 还是不中", Outcome.NO),
        ("灯亮了，好了", Outcome.YES),
        ("重启了一下 现在能用了", Outcome.YES),
        ("这一步做不了", Outcome.SKIP),
        ("我们没接UPS", Outcome.SKIP),
        ("柜子后面够不着", Outcome.SKIP),
        # 插好了: plugged in properly, not fixed
        ("停电倒没有 别的插排上台灯是亮的 电源线我也插好了", Outcome.NO),
        ("盖子装好了", Outcome.NO),
        ("电源开关在柜子后头 柜子里全是试剂 一个人挪不开 这个步骤我做不了", Outcome.SKIP),
        ("插排上的灯是亮的 线也接好了", Outcome.NO),
        # a step that cannot be done, in the caller's words
        ("配电箱钥匙在后勤那 今天后勤没人 这步我没法弄", Outcome.SKIP),
        ("电工今天休息 叫不来 这一步只能先放着", Outcome.SKIP),
        ("开关在机器背面 我们这里没人能够到", Outcome.SKIP),
        ("机器后面的开关被柜子挡了 根本摸不着", Outcome.SKIP),
        ("找了半天 没看见有什么开关", Outcome.SKIP),
        ("关了又开 还是开不了机", Outcome.NO),  # what the device does not do is the outcome
    ],
)
def test_natural_replies(lib: GuideLibrary, reply: str, outcome: Outcome) -> None:
    read = lib.read_reply(reply)
    assert read.outcome is outcome and not read.wants_engineer and read.new_code is None


@pytest.mark.parametrize("reply", ["嗯", "你说什么"])
def test_a_reply_that_says_nothing_is_unclear(lib: GuideLibrary, reply: str) -> None:
    read = lib.read_reply(reply)
    assert read.outcome is None and not read.wait


@pytest.mark.parametrize(
    "reply", ["稍等", "等一下 我去看看", "我去查一下设置", "还在弄呢", "您稍等，我找找开关"]
)
def test_a_caller_still_doing_the_step_is_waited_for(lib: GuideLibrary, reply: str) -> None:
    read = lib.read_reply(reply)
    assert read.wait and read.outcome is None and not read.wants_engineer


@pytest.mark.parametrize(
    ("reply", "outcome"), [("等一下，好了好了", Outcome.YES), ("稍等…还是不行", Outcome.NO)]
)
def test_an_outcome_after_a_wait_word_is_the_outcome(lib: GuideLibrary, reply: str, outcome: Outcome) -> None:
    read = lib.read_reply(reply)
    assert read.outcome is outcome and not read.wait


@pytest.mark.parametrize(
    "reply", ["机器卡住了我不敢再弄了，直接派工程师吧", "还是派个人来看吧", "你们工程师过来看看吧", "别试了"]
)
def test_asking_for_an_engineer_leaves_the_walk(lib: GuideLibrary, reply: str) -> None:
    assert lib.read_reply(reply).wants_engineer


@pytest.mark.parametrize(
    "reply", ["好 继续", "行，下一步吧", "嗯 接着来", "中 往下走", "可以 接着做", "好的 然后呢", "OK next"]
)
def test_an_agreement_asking_for_the_next_step_goes_on(
    lib: GuideLibrary, answers: Answers, reply: str
) -> None:
    # The step was done and was not the fix: the walk goes on to the next step, nothing is asked.
    read = read_with_questions(lib, answers, reply)
    assert read.outcome is Outcome.NO and not read.wants_engineer and not read.question


def test_a_clause_still_doing_the_step_does_not_go_on(lib: GuideLibrary) -> None:
    assert lib.read_reply("我继续弄").outcome is None


@pytest.mark.parametrize("reply", ["啱 提交", "行 提交吧", "好 直接报上去", "嗯 交上去"])
def test_an_agreement_with_a_word_of_submitting_leaves_the_walk(lib: GuideLibrary, reply: str) -> None:
    assert lib.read_reply(reply).wants_engineer


@pytest.mark.parametrize(
    "reply",
    [
        "按你说的重启了一下 现在能正常进样了",
        "照你讲的冲了一遍 这下可以出结果了",
        "弄好了 谢谢啊 不用来人了",
        "谢谢 不用派工程师过来了",
        "清了一下 已经能开机了",
        "用通针捅了一下 重新测了一个 钠一百四 氯一百零二 正常了",
    ],
)
def test_a_fix_told_in_a_sentence_is_solved(lib: GuideLibrary, answers: Answers, reply: str) -> None:
    read = read_with_questions(lib, answers, reply)
    assert read.outcome is Outcome.YES and not read.wants_engineer


@pytest.mark.parametrize("reply", ["只能等了", "还是不能进样", "重启了 还是不能正常出结果"])
def test_a_device_that_still_fails_is_not_solved(lib: GuideLibrary, reply: str) -> None:
    assert lib.read_reply(reply).outcome is not Outcome.YES


@pytest.mark.parametrize("reply", ["直接派人吧，多久能到", "能不能派个工程师上门", "赶紧派人来吧"])
def test_a_request_for_an_engineer_put_as_a_question_still_leaves_the_walk(
    lib: GuideLibrary, answers: Answers, reply: str
) -> None:
    assert read_with_questions(lib, answers, reply).wants_engineer


def test_a_new_error_code_mid_step(lib: GuideLibrary) -> None:
    read = lib.read_reply("做到一半仪器报了个 E-302 液路压力异常，卡住了")
    assert read.new_code == "E-302" and read.outcome is None
    assert new_error_code("跳出来一个 err 118") == "ERR118"
    assert new_error_code("序列号是KR23060142") is None  # a serial is no error code
    assert new_error_code("E-302") is None  # a code with nothing said about it is ambiguous
    # However it came up on the screen; the device's model is no alarm.
    assert new_error_code("正冲洗着 屏上又蹦出个E417 负压不足 机器停了") == "E417"
    assert new_error_code("刚做完 又冒出来一个 E-215 废液满") == "E-215"
    assert new_error_code("BC-5390屏幕上一直这样") is None


@pytest.mark.parametrize(
    ("reply", "alarm"),
    [
        ("冲到一半，机器又报了个清洗液不足", "清洗液不足"),
        ("刚才又跳出一个警告：试剂针碰撞", "试剂针碰撞"),
        ("弄的时候又出了个新报警 说是负压异常 动不了了", "负压异常"),
    ],
)
def test_a_new_alarm_said_in_words_mid_step(lib: GuideLibrary, reply: str, alarm: str) -> None:
    read = lib.read_reply(reply, "", lib.guide("hematology.clog"))
    assert read.new_alarm == alarm and read.outcome is None


@pytest.mark.parametrize(
    "reply",
    [
        "又报堵孔了",  # the guide's own alarm
        "又出现同样的报警",
        "做完又试了一次还是不行",
        "又来了",
        "又出了个问题，屏幕黑了",
        "又显示正常了",
        "又提示了一下就没了",
    ],
)
def test_no_new_alarm_is_named(lib: GuideLibrary, reply: str) -> None:
    assert lib.read_reply(reply, "", lib.guide("hematology.clog")).new_alarm is None


def test_a_new_alarm_dealt_with_is_solved(lib: GuideLibrary) -> None:
    read = lib.read_reply("中间又报了清洗液不足，换了一桶就好了", "", lib.guide("hematology.clog"))
    assert read.outcome is Outcome.YES and read.new_alarm is None


def test_a_new_alarm_goes_to_the_step_that_checks_it(lib: GuideLibrary) -> None:
    walk = GuideProgress.start(lib.guide("hematology.clog"))
    assert walk.step_for("清洗液不足") == 2  # the step that looks at the reagents
    assert walk.step_for("负压异常") is None  # no step checks it: an engineer
    moved = walk.skip_to(2)
    assert moved.number == 2 and moved.outcomes == (Outcome.SKIP,)
    assert moved.answer(Outcome.NO).step_for("溶血剂不足") is None  # its step is behind


def test_a_reading_is_compared_with_its_set_value(lib: GuideLibrary) -> None:
    read = lib.read_reply("反应盘显示三十四度多，设定是三十七")
    assert read.outcome is Outcome.NO and read.reading == Reading(34, 37, "度")
    assert "低了3度" in lib.reading_said(Reading(34, 37, "度"))
    assert "一致" in lib.reading_said(Reading(8, 8, "度"))
    assert reading_in("显示35.2度 设定37度") == Reading(35.2, 37, "度")
    assert reading_in("看了 屏幕上是三十五度一 设定三十七度") == Reading(35.1, 37, "度")  # 度一: .1
    assert reading_in("温度不对") is None


@pytest.mark.parametrize("reply", ["后面风扇在转的 滤网上灰蛮厚 我拿下来吹干净又装回去了", "探头泡了十分钟"])
def test_what_was_seen_or_done_at_a_step_goes_on_to_the_next(lib: GuideLibrary, reply: str) -> None:
    assert lib.read_reply(reply).outcome is Outcome.NO


@pytest.mark.parametrize(
    ("text", "number"),
    [("三十四", 34), ("三十五点二", 35.2), ("十二", 12), ("8", 8), ("一百二十", 120), ("八", 8)],
)
def test_numbers_as_said(text: str, number: float) -> None:
    assert chinese_number(text) == number


# --- a question asked at a step (issue 12: leaving a flow works)
# ------------------------------------------------------------------


@pytest.fixture(scope="module")
def answers() -> Answers:
    policy = load_policy(PROJECT_ROOT / "kb" / "policy.yml")
    return Answers(KnowledgeBase(PROJECT_ROOT / "kb", policy), policy)


def read_with_questions(lib: GuideLibrary, answers: Answers, reply: str) -> StepReply:
    return lib.read_reply(reply, answers.asking_part(reply))


@pytest.mark.parametrize(
    "reply",
    [
        "这个要收费吗",
        "工程师多久能到",
        "保修还在吗",
        "冲洗液在哪个柜子里",
        "这一步会不会把样本弄丢",  # 不会 inside 会不会 is no 「做不了」
        "要不要先关机再做",
        "我们这台买了四年了，还保修吗",
        "要是还不行工程师多久来",  # an outcome supposed, not stated
        "还是不行的话怎么办",
        "你们这个上门要钱不",  # about the visit, asking for no one now
        "工程师上门一般几点到",
    ],
)
def test_a_question_at_a_step_is_no_step_reply(lib: GuideLibrary, answers: Answers, reply: str) -> None:
    read = read_with_questions(lib, answers, reply)
    assert read.outcome is None and not read.wait and not read.wants_engineer
    assert read.question == reply  # the whole message: its story belongs to the question


@pytest.mark.parametrize(
    ("reply", "outcome", "question"),
    [
        ("还是报错，要不要重启", Outcome.NO, "要不要重启"),
        ("还是不行，工程师多久能到", Outcome.NO, "工程师多久能到"),
        ("好了，这个要收费吗", Outcome.YES, "这个要收费吗"),
        ("没反应怎么办", Outcome.NO, ""),  # the question is about the outcome it states
        ("现在可以开机了", Outcome.YES, ""),
    ],
)
def test_a_step_reply_with_a_question_is_a_step_reply(
    lib: GuideLibrary, answers: Answers, reply: str, outcome: Outcome, question: str
) -> None:
    read = read_with_questions(lib, answers, reply)
    assert read.outcome is outcome and read.question == question


@pytest.mark.parametrize(
    "reply",
    [
        "嗯屋里有电的电脑都开着呢",
        "线都看了插得好好的就是一点反应都没有",
        "没有凝块",
        "别的都有电",
        "没啥变化",
        "屏幕显示什么都没有",
    ],
)
def test_a_statement_with_a_word_of_asking_is_still_a_step_reply(
    lib: GuideLibrary, answers: Answers, reply: str
) -> None:
    read = read_with_questions(lib, answers, reply)
    assert read.outcome is Outcome.NO and read.question == ""
