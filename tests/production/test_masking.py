"""Masked logs: what a log line keeps and what it never shows."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

import bot.app.logging
from bot.app.cli import main
from bot.app.logging import MaskingFilter, install_masking, secrets_from_environment


@pytest.fixture
def masking() -> MaskingFilter:
    return MaskingFilter(["wx-app-secret-value"])


@pytest.mark.parametrize(
    ("line", "hidden", "kept"),
    [
        ("电话13912345678", "13912345678", "*******5678"),
        ("call +86 139-1234-5678 now", "139-1234", "5678"),
        ("SMS to +8613800138000 failed", "13800138000", "0138000"[-4:]),
        ("座机0371-65551234", "65551234", "1234"),
        ("全角１３９１２３４５６７８", "１３９１２３４５６７８", "５６７８"),
        ("联系王先生和欧阳女士，张老师也在", "王先生", "先生"),
        ("postgresql://hotline:pa55-word@db/hotline", "pa55-word", "postgresql://hotline:***@db"),
        ("GET /cgi-bin/token?appid=wx1&secret=abcdef123", "abcdef123", "appid=wx1"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "eyJhbGciOi", "Authorization: Bearer ***"),
        ("password='hunter22'", "hunter22", "password="),
        ("config loaded with wx-app-secret-value", "wx-app-secret-value", "config loaded with ***"),
    ],
)
def test_personal_data_and_secrets_are_masked(
    masking: MaskingFilter, line: str, hidden: str, kept: str
) -> None:
    masked = masking.mask(line)
    assert hidden not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "line",
    [
        "serial KR23060142 on ticket SR202611220001",
        "device KI24050311, model KR-2000",
        "took 1732243200.125 s at 1700000000000 ms",
        "hotline 400-800-6626",
        "token_text=生化仪 entity=device",
    ],
)
def test_serials_ticket_numbers_and_times_stay(masking: MaskingFilter, line: str) -> None:
    assert masking.mask(line) == line


def test_a_name_given_as_person_or_contact_person_is_masked_there_and_in_every_later_line(
    masking: MaskingFilter,
) -> None:
    parsed = masking.mask(
        "Received user message '王敏' with entities [{'entity': 'person', 'start': 0, 'end': 2, 'value': '王"
        "敏'}]"
    )
    slot = masking.mask('{"slots": {"contact_person": "李建国", "hospital": "郑州市嘉禾医院"}}')
    assert "王敏" not in parsed and "李建国" not in slot and "郑州市嘉禾医院" in slot
    assert masking.mask("caller 王敏 confirmed; 李建国 too") == "caller ** confirmed; *** too"
    assert "李建国" not in masking.mask("SlotSet(key: contact_person, value: 李建国)")


@pytest.mark.parametrize(
    "line",
    [
        '{"parse_data_text": "王敏", "parse_data_entities":'
        " []}",  # the answer to 「怎么称呼您？」, not tagged by the NLU
        "Received user message '王敏' with intent inform",
        "text: 联系人是王敏，电话稍后给",
        "text: 我姓王敏",
    ],
)
def test_a_name_the_nlu_did_not_tag_is_masked_too(masking: MaskingFilter, line: str) -> None:
    assert "王敏" not in masking.mask(line)
    assert masking.mask("later 王敏 again") == "later ** again"


def test_a_names_value_none_is_not_remembered(masking: MaskingFilter) -> None:
    masking.mask('{"contact_person": "None"}')
    assert masking.mask("None of the slots") == "None of the slots"


def test_secret_environment_values_are_found_by_name_and_url_passwords() -> None:
    found = secrets_from_environment(
        {
            "WECHAT_APPSECRET": "s1-value",
            "TWILIO_AUTH_TOKEN": "t1-value",
            "ALIYUN_SMS_ACCESS_KEY_SECRET": "a1",
            "HOTLINE_DATABASE_URL": "postgresql://u:dbpass@h/db",
            "HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "WECHAT_APPID": "wx-public",
        }
    )
    assert set(found) == {"s1-value", "t1-value", "a1", "dbpass"}


@pytest.fixture
def restore_record_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    factory, make_record = logging.getLogRecordFactory(), logging.Logger.makeRecord
    monkeypatch.setattr(bot.app.logging, "_installed", None)
    yield
    logging.setLogRecordFactory(factory)
    logging.Logger.makeRecord = make_record  # type: ignore[method-assign]


def test_installed_masking_covers_every_handler_arguments_and_tracebacks(
    restore_record_factory: None,
) -> None:
    install_masking(MaskingFilter())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # added after installation, as Rasa and Sanic add theirs
    logger = logging.getLogger("hotline-test-masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("SMS to %s failed for %s", "+8613800138000", "KR23060142")
        try:
            raise ValueError("duplicate contact_phone 13912345678")
        except ValueError:
            logger.exception("insert failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "13800138000" not in output and "13912345678" not in output
    assert "KR23060142" in output and "Traceback" in output and "*******5678" in output


@pytest.mark.parametrize(
    "line",
    [
        "text: 我手机是一三九一二三四五六七八",
        "text: 幺三九 一二三四 五六七八",
        "phone 139 12 34 56 78 given",
        "phone 139.1234.5678 given",
    ],
)
def test_phones_written_out_or_grouped_oddly_are_masked(masking: MaskingFilter, line: str) -> None:
    masked = masking.mask(line)
    assert not any(part in masked for part in ("一三九一", "139 12", "139.1234", "幺三九 一二"))
    assert masked.endswith(("五六七八", "5678 given", "56 78 given"))


def test_a_caller_cannot_blank_ordinary_words_out_of_the_logs(masking: MaskingFilter) -> None:
    masking.mask("Received user message '我是工单号' with intent inform")
    masking.mask("text: 我叫序列号")
    assert masking.mask("ticket 工单号 SR202611220001 序列号 KR23060142") == (
        "ticket 工单号 SR202611220001 序列号 KR23060142"
    )


def test_many_remembered_names_are_masked_in_one_pass() -> None:
    masking = MaskingFilter()
    for n in range(3000):
        masking.mask(f'{{"contact_person": "王{chr(0x4E00 + n)}"}}')
    assert masking.mask("王一 and 王丁 and 王七x") == "** and ** and **x"


def test_a_one_shot_command_writes_a_masked_log_too(
    database: object, restore_record_factory: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only the servers: `hotline tickets …` and the other commands log phones when they send notices."""
    assert main(["tickets", "list", "--phone", "13912345678"]) == 0
    logging.getLogger("bot.notify").warning("SMS to %s failed", "13912345678")
    assert "13912345678" not in caplog.text and "5678" in caplog.text


def test_a_line_break_in_a_callers_words_cannot_forge_a_log_line(restore_record_factory: None) -> None:
    install_masking(MaskingFilter())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(request)s"))
    logger = logging.getLogger("hotline-test-forging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "user said %s", "你好\nERROR ticket SR1 deleted", extra={"request": "GET /?phone=13912345678\nX"}
        )
    finally:
        logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    assert "\\nERROR ticket SR1 deleted" in line and "13912345678" not in line
