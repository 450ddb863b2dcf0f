"""A call-back at the time the caller asked for, to their extension; on a fixed clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.callbacks import callback_due, extension_in, requested_times, requested_window, with_extension

ZONE = "Asia/Shanghai"
MORNING = datetime(2026, 12, 6, 1, 19)  # 09:19 in Zhengzhou


@pytest.mark.parametrize(
    ("text", "earliest"),
    [
        ("下午三点以后让工程师给我回个电话", datetime(2026, 12, 6, 7, 0)),
        ("四点以后找个工程师给我回电话", datetime(2026, 12, 6, 8, 0)),
        ("明天上午九点以后给我回电话", datetime(2026, 12, 7, 1, 0)),
        ("下午两点半以后", datetime(2026, 12, 6, 6, 30)),
        ("晚上7点后回电", datetime(2026, 12, 6, 11, 0)),
        ("15:30以后都行", datetime(2026, 12, 6, 7, 30)),
    ],
)
def test_the_window_starts_when_the_caller_said(text: str, earliest: datetime) -> None:
    window = requested_window(text, MORNING, ZONE)
    assert window is not None and window.earliest == earliest and window.latest is None


def test_a_time_already_past_today_means_from_now() -> None:
    evening = datetime(2026, 12, 6, 9, 0)  # 17:00
    window = requested_window("下午三点以后", evening, ZONE)
    assert window is not None and window.earliest == evening


def test_a_deadline_named_by_the_caller_caps_the_promise() -> None:
    window = requested_window("下午五点前回个电话", MORNING, ZONE)
    assert window is not None and window.earliest == MORNING and window.latest == datetime(2026, 12, 6, 9, 0)
    assert callback_due(window, 30) == datetime(2026, 12, 6, 1, 49)
    later = requested_window("下午三点以后", MORNING, ZONE)
    assert later is not None and callback_due(later, 30) == datetime(2026, 12, 6, 7, 30)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("能不能下午三点到五点之间给我回电话", datetime(2026, 12, 6, 7, 0), datetime(2026, 12, 6, 9, 0)),
        ("3-5点打给我都行", datetime(2026, 12, 6, 7, 0), datetime(2026, 12, 6, 9, 0)),
        ("两点半至四点 这段时间我在", datetime(2026, 12, 6, 6, 30), datetime(2026, 12, 6, 8, 0)),
        ("十一点到一点之间联系我", datetime(2026, 12, 6, 3, 0), datetime(2026, 12, 6, 5, 0)),
        ("明天上午八点到十点回电", datetime(2026, 12, 7, 0, 0), datetime(2026, 12, 7, 2, 0)),
    ],
)
def test_a_range_is_the_window(text: str, earliest: datetime, latest: datetime) -> None:
    window = requested_window(text, MORNING, ZONE)
    assert window is not None and (window.earliest, window.latest) == (earliest, latest)
    assert callback_due(window, 30) <= latest


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("下午给我回个电话吧", datetime(2026, 12, 6, 5, 0), datetime(2026, 12, 6, 10, 0)),
        ("明天上午再打给我", datetime(2026, 12, 7, 0, 0), datetime(2026, 12, 7, 4, 0)),
        ("明天再联系我吧 今天下夜班", datetime(2026, 12, 7, 0, 0), None),
        ("晚上的时候回电", datetime(2026, 12, 6, 10, 0), datetime(2026, 12, 6, 13, 0)),
    ],
)
def test_a_part_of_the_day_is_the_window(text: str, earliest: datetime, latest: datetime | None) -> None:
    window = requested_window(text, MORNING, ZONE)
    assert window is not None and (window.earliest, window.latest) == (earliest, latest)


def test_a_range_already_over_today_is_tomorrow() -> None:
    evening = datetime(2026, 12, 6, 10, 0)  # 18:00
    window = requested_window("三点到五点之间回电", evening, ZONE)
    assert window is not None and window.earliest == datetime(2026, 12, 7, 7, 0)
    morning_part = requested_window("上午给我回电话", evening, ZONE)
    assert morning_part is not None and morning_part.earliest == datetime(2026, 12, 7, 0, 0)


def test_a_part_of_the_day_not_about_the_call_is_no_window() -> None:
    assert requested_window("下午打印的报告数值不对，回电话告诉我怎么办", MORNING, ZONE) is None


def test_no_time_named() -> None:
    assert requested_window("尽快回个电话", MORNING, ZONE) is None
    assert requested_window("电话 0379-64881234", MORNING, ZONE) is None


def test_extension() -> None:
    assert extension_in("0379-64881234 转 8021") == "8021"
    assert extension_in("分机号 6112") == "6112"
    assert extension_in("13912345678") is None
    assert with_extension("0379-64881234", "8021") == "0379-64881234 转8021"
    assert with_extension("13912345678", None) == "13912345678"


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("明早十点后再打给我", datetime(2026, 12, 7, 2, 0), None),  # 明早: tomorrow morning
        ("明晚七点以前都可以", MORNING, datetime(2026, 12, 7, 11, 0)),
        ("下班以后打给我吧", datetime(2026, 12, 6, 9, 30), None),  # the end of the working day
        ("四点钟以后回电", datetime(2026, 12, 6, 8, 0), None),
        ("明天下午打 我手机", datetime(2026, 12, 7, 5, 0), datetime(2026, 12, 7, 10, 0)),  # 打 alone
        ("后天中午休息的时候打给我", datetime(2026, 12, 8, 4, 0), datetime(2026, 12, 8, 6, 0)),
    ],
)
def test_short_and_spoken_forms_of_a_time(text: str, earliest: datetime, latest: datetime | None) -> None:
    window = requested_window(text, MORNING, ZONE)
    assert window is not None and (window.earliest, window.latest) == (earliest, latest)


def test_the_end_of_the_working_day_is_said_back_in_the_callers_words() -> None:
    window = requested_window("明天下班以后再打给我", MORNING, ZONE)
    assert window is not None and window.words == "明天下班以后"
    assert window.earliest == datetime(2026, 12, 7, 9, 30)


def test_a_day_alone_is_a_time_only_when_the_message_is_about_the_call_back() -> None:
    assert requested_window("后天上午吧", MORNING, ZONE) is None
    window = requested_window("后天上午吧", MORNING, ZONE, bare=True)
    assert window is not None and window.earliest == datetime(2026, 12, 8, 0, 0)
    assert requested_window("对 就那个时间", MORNING, ZONE, bare=True) is None
    assert requested_window("打印不出来", MORNING, ZONE, bare=True) is None


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("下周一到周三上午都行 座机0716-8342177", "下周一到周三上午都行"),
        ("就月底吧 大概七八个人 联系人许婧", "就月底吧 大概七八个人"),
        ("晚上八点以前打 手机一三九 零五七一 四八二六", "晚上八点以前打"),
        ("联系人许婧 电话13905714826", None),
        ("SR202612060012 还是那台", None),
    ],
)
def test_the_words_of_when_are_picked_from_a_contact_message(said: str, kept: str | None) -> None:
    assert requested_times(said) == kept
