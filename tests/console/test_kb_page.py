"""The manager's 知识库 page: missed questions grouped, attached to an entry or drafted into one, and the bot
answers them at once (the action's knowledge base, as a running bot has it, learns without a restart)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.db.models import KbAudit
from tests.support import GAP_QUESTIONS, Console, answer_to

pytestmark = pytest.mark.anyio


async def test_a_gap_attached_to_an_entry_answers_at_once(
    console: Console, database: Engine, domain: dict[str, Any]
) -> None:
    for question in GAP_QUESTIONS:
        verdict, said = await answer_to(question, domain)
        assert verdict == "other" and "没有准确答案" in said and "转人工" in said
    await console.login("zhang")
    status, page = await console.get("/kb")
    assert status == 200 and all(question in page for question in GAP_QUESTIONS)
    # The page's form posts every question of the group under one name.
    form = [("csrf_token", console.csrf), ("faq_id", "reports.service_report")]
    response = await console.client.post(
        "/kb/attach", data=form + [("question", q) for q in GAP_QUESTIONS], allow_redirects=False
    )
    assert response.status == 303
    for question in GAP_QUESTIONS:
        verdict, said = await answer_to(question, domain)
        assert verdict == "answer" and "维修服务报告" in said
    status, page = await console.get("/kb?done=attach")
    assert "已归入该条目" in page and "console:zhang" in page and "没有待处理的问题" in page
    with session_scope(database) as session:
        assert session.query(KbAudit).filter_by(action="attach").count() == 1


async def test_an_engineer_may_look_but_not_change(console: Console) -> None:
    await console.login("li")
    status, page = await console.get("/kb")
    assert status == 200 and "归入，立即生效" not in page
    status, page = await console.post(
        "/kb/attach", faq_id="reports.service_report", question="维修单能盖章吗"
    )
    assert status == 403 and "主管权限" in page


async def test_a_draft_without_an_answer_is_refused_politely(console: Console) -> None:
    await console.login("zhang")
    status, page = await console.post(
        "/kb/draft", new_question="能开发票吗", new_answer=" ", question="能开发票吗"
    )
    assert status == 400 and "新条目需要标准问题和答案" in page
