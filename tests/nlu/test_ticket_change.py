"""Which messages are about changing a ticket of before, whatever the classifier ranked first."""

from __future__ import annotations

import pytest

from bot.nlu.ticket_change import asks_when_visited, changes_named_ticket, urges_a_ticket

FALLBACK_TIE = [{"name": "report_fault"}, {"name": "check_ticket"}, {"name": "inform"}]


@pytest.mark.parametrize(
    "text",
    [
        "SR202612070020 这张单子我补充一下，机器除了报错，开机的时候还有很响的咔咔声",
        "单号SR202612060019 跟工程师说一下 进门要登记",
        "SR 二零二六一二零六零零一九 不用来人了 已经好了",
    ],
)
def test_a_ticket_number_with_words_of_change_is_about_that_ticket(text: str) -> None:
    assert changes_named_ticket(text, FALLBACK_TIE)


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("SR202612070020 到哪一步了", FALLBACK_TIE),  # a status question: the classifier's to read
        ("补充一下，血球仪还报堵孔", FALLBACK_TIE),  # no ticket named: more words for the registration
        ("SR202612070020 补充一下 我要投诉 两天了没人来", [{"name": "complaint"}, {"name": "check_ticket"}]),
    ],
)
def test_other_messages_keep_their_intent(text: str, ranking: list[dict]) -> None:
    assert not changes_named_ticket(text, ranking)


@pytest.mark.parametrize(
    "text",
    ["好吧 麻烦给我们催一催 样本堆着呢", "都等一上午了 咋还没人过来", "能不能快点 主任在问"],
)
def test_urging_read_as_a_remark_is_about_the_callers_ticket(text: str) -> None:
    assert urges_a_ticket(text, [{"name": "out_of_scope"}, {"name": "check_ticket"}], [])


def test_urging_read_as_a_report_that_names_no_fault_is_about_the_callers_ticket() -> None:
    assert urges_a_ticket("可以快点吗 科室主任天天问", [{"name": "report_fault"}], [])


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("血球仪堵孔了 病房在催 快点", [{"name": "report_fault"}]),  # a new report, urgent
        ("能不能快点来人 加样针又撞了", [{"name": "report_fault"}]),  # a new fault, no device named
        ("两天了还没人来 我要投诉", [{"name": "complaint"}]),  # a complaint stays one
        ("对了急诊也等着呢，快点", [{"name": "inform"}]),  # a bare 快点 urges nothing of before
    ],
)
def test_urgency_in_other_messages_is_no_urging(text: str, ranking: list[dict]) -> None:
    assert not urges_a_ticket(text, ranking, [])


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("今天能到吗", "out_of_scope"),
        ("下午能来不", "deny"),
        ("明天上午能到不", "check_ticket"),
        ("那今儿下午来得了不", "out_of_scope"),
        ("师傅明天到不到", "inform"),
    ],
)
def test_when_someone_comes_read_as_nothing_more_specific_is_about_the_ticket(
    text: str, read_as: str
) -> None:
    assert asks_when_visited(text, [{"name": read_as}], [])


@pytest.mark.parametrize(
    ("text", "ranking", "entities"),
    [
        ("工程师多久能到", [{"name": "ask_question"}], []),  # the policy's deadline, for the knowledge base
        ("血球仪又堵了 今天能来人不", [{"name": "out_of_scope"}], []),  # a new fault
        ("生化仪今天能来人不", [{"name": "inform"}], [{"entity": "device", "value": "生化仪"}]),
        ("今天能约保养吗", [{"name": "request_maintenance"}], []),
    ],
)
def test_other_messages_about_a_visit_keep_their_intent(
    text: str, ranking: list[dict], entities: list[dict]
) -> None:
    assert not asks_when_visited(text, ranking, entities)
