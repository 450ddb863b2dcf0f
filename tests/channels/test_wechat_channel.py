"""The WeChat channel, driven the way WeChat's servers drive it."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET

import pytest
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.channels.secrets import WeChatSecrets
from bot.channels.store import MemoryStore
from bot.channels.texts import say
from bot.channels.wechat import WeChatInput
from bot.db import session_scope
from bot.identity import caller_of, device_token, identity_secret
from bot.platforms.wechat_api import AccessTokenCache, AiohttpJson, CustomerService, WeChatApiError
from bot.platforms.wechat_crypto import InvalidEncryptedMessage, WeChatCrypto
from bot.platforms.wechat_xml import UnreadableXml, parse_message
from tests.channels.platform_fakes import (
    FakeBot,
    FakeWeChatApi,
    eventually,
    serve,
    tencent_decrypt,
    tencent_encrypt,
    wechat_sign,
)
from tests.channels.wechat_requests import (
    NOW,
    SAMPLE_APPID,
    SAMPLE_ENCRYPT,
    SAMPLE_KEY,
    SAMPLE_MSG_SIGNATURE,
    SAMPLE_NONCE,
    SAMPLE_TIMESTAMP,
    SAMPLE_TOKEN,
    TOKEN,
    WEBHOOK,
    envelope,
    event_xml,
    make_channel,
    message_xml,
    post,
    reply_fields,
    safe_mode_query,
    signed,
)

# --- signatures
# ----------------------------------------------------------------------------------------------


def test_published_url_signature_vector_is_what_the_test_computes() -> None:
    assert wechat_sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"


@pytest.mark.anyio
async def test_url_verification_returns_echostr_for_the_published_vector() -> None:
    async with serve(make_channel(), FakeBot()) as client:
        query = {
            "signature": "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff",
            "timestamp": "1410685589",
            "nonce": "test",
            "echostr": "5838479218127813673",
        }
        answer = await client.get(WEBHOOK, query)
        assert (answer.status, answer.body) == (200, "5838479218127813673")
        forged = await client.get(WEBHOOK, {**query, "signature": "0" * 40})
        assert forged.status == 403


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"signature": "0" * 40, "timestamp": "1410685589", "nonce": "test"},
        {**signed(), "nonce": "other"},
        signed(token="not-our-token"),
    ],
    ids=["missing", "forged", "tampered-nonce", "other-token"],
)
@pytest.mark.anyio
async def test_bad_signature_is_refused_and_never_reaches_the_bot(query: dict[str, str]) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await post(client, message_xml(), query)
    assert answer.status == 403
    assert bot.received == []


# --- plain mode
# ----------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_text_message_is_answered_passively() -> None:
    bot = FakeBot(replies=[{"text": "请提供设备序列号。"}])
    async with serve(make_channel(), bot) as client:
        fields = reply_fields(await post(client, message_xml("血球仪开机报警", openid="oNURSE")))
    assert fields["ToUserName"] == "oNURSE" and fields["FromUserName"] == "gh_hotline"
    assert (fields["MsgType"], fields["Content"]) == ("text", "请提供设备序列号。")
    [message] = bot.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "血球仪开机报警",
        "oNURSE",
        "wechat",
    )
    assert message.metadata == {"openid": "oNURSE"}
    assert message.message_id == "6054768590064713728"


@pytest.mark.anyio
async def test_several_bot_messages_are_merged_into_one_passive_reply() -> None:
    bot = FakeBot(replies=[{"text": "已为您登记。"}, {"text": "工单号 GD20240501001。"}])
    api = FakeWeChatApi()
    async with serve(make_channel(api=api), bot) as client:
        fields = reply_fields(await post(client, message_xml()))
    assert fields["Content"] == "已为您登记。\n\n工单号 GD20240501001。"
    assert api.sent == []


@pytest.mark.anyio
async def test_cdata_terminator_and_ampersand_in_a_reply_survive() -> None:
    tricky = "代码 a]]>b & <c> ]]]]>"
    async with serve(make_channel(), FakeBot(replies=[{"text": tricky}])) as client:
        answer = await post(client, message_xml())
    fields = reply_fields(answer)
    assert fields["Content"] == tricky
    assert list(fields) == [
        "ToUserName",
        "FromUserName",
        "CreateTime",
        "MsgType",
        "Content",
    ]  # nothing injected


@pytest.mark.anyio
async def test_buttons_become_numbered_choices_and_a_number_picks_one() -> None:
    buttons = [
        {"title": "生化分析仪", "payload": "/inform_device"},
        {"title": "血球仪", "payload": '/inform{"d":"血球仪"}'},
    ]
    bot = FakeBot(replies=[{"text": "请选择设备类型：", "buttons": buttons}])
    async with serve(make_channel(), bot) as client:
        shown = reply_fields(await post(client, message_xml("报修", msg_id="1")))["Content"]
        await post(client, message_xml("２", msg_id="2"))  # a full-width digit, as Chinese keyboards type it
    assert "1. 生化分析仪" in shown and "2. 血球仪" in shown
    assert bot.texts == ["报修", '/inform{"d":"血球仪"}']


@pytest.mark.anyio
async def test_long_answer_is_split_first_part_passive_rest_by_customer_service() -> None:
    sentence = "请先关闭电源，等待三十秒后重新开机，观察屏幕上是否仍有报警提示。"
    long_answer = sentence * 40  # about 4,000 bytes
    api = FakeWeChatApi()
    async with serve(make_channel(api=api), FakeBot(replies=[{"text": long_answer}])) as client:
        passive = reply_fields(await post(client, message_xml()))["Content"]
        await eventually(lambda: len(api.contents) >= 1)
    parts = [passive, *api.contents]
    assert all(0 < len(part.encode()) <= 2000 for part in parts)
    assert "".join(parts) == long_answer
    assert all(part.endswith("。") for part in parts)  # cut at sentence ends


# --- hardened XML
# --------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>oUSER1</FromUserName><MsgType>text</MsgType>"
    b"<Content>&lol3;</Content><MsgId>7</MsgId></xml>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>oUSER1</FromUserName><MsgType>text</MsgType>"
    b"<Content>&xxe;</Content><MsgId>8</MsgId></xml>"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">%remote;]>'
    b"<xml><FromUserName>oUSER1</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>"
)


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, XXE, PARAMETER_ENTITY], ids=["entity-expansion", "xxe", "parameter-entity"]
)
@pytest.mark.anyio
async def test_entity_declarations_are_refused_without_expansion(body: bytes) -> None:
    with pytest.raises(UnreadableXml):
        parse_message(body)

    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await post(client, body)
    assert answer.status == 400
    assert "root:" not in answer.body and "lollol" not in answer.body
    assert bot.received == []


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><Content>unclosed",
        b"",
        b"not xml at all",
        b"<xml></wrong>",
        "<xml>\u00e9</xml>".encode("latin-1"),
    ],
)
@pytest.mark.anyio
async def test_malformed_xml_is_a_400_not_a_crash(body: bytes) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await post(client, body)
    assert answer.status == 400
    assert bot.received == []


def test_control_characters_that_wechat_passes_through_do_not_break_parsing() -> None:
    fields = parse_message(message_xml("屏幕\x1d显示E03"))
    assert fields["Content"] == "屏幕显示E03"


# --- safe mode (AES)
# -----------------------------------------------------------------------------------------


def test_tencent_sample_decrypts_to_abcdtet() -> None:
    assert wechat_sign(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE
    crypto = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)
    fields = parse_message(crypto.decrypt(SAMPLE_ENCRYPT).encode())
    assert fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"
    assert crypto.signature(SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE


def test_encryption_pads_to_32_bytes_and_the_reference_decrypts_it() -> None:
    crypto = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)
    # 16 + 4 + 26 + 18 = 64 bytes: a whole multiple of 32 still gets a full block of padding
    for message in ["中文回复，包含多字节字符。", "x" * 26, ""]:
        opened = tencent_decrypt(SAMPLE_KEY, crypto.encrypt(message))
        assert (opened.message, opened.appid) == (message, SAMPLE_APPID)
        assert opened.padded_length % 32 == 0 and 1 <= opened.pad <= 32
    assert tencent_decrypt(SAMPLE_KEY, crypto.encrypt("x" * 26)).pad == 32


def test_a_message_for_another_appid_is_refused() -> None:
    other = tencent_encrypt(SAMPLE_KEY, "wxSOMEONEELSE00000", "<xml></xml>")
    with pytest.raises(InvalidEncryptedMessage):
        WeChatCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID).decrypt(other)


@pytest.mark.anyio
async def test_safe_mode_tencent_sample_through_the_webhook_with_an_encrypted_reply() -> None:
    bot = FakeBot(replies=[{"text": "您好，请问有什么可以帮您？ ]]> &"}])
    channel = make_channel(token=SAMPLE_TOKEN, aes_key=SAMPLE_KEY, now=SAMPLE_TIMESTAMP)
    async with serve(channel, bot) as client:
        query = safe_mode_query(SAMPLE_ENCRYPT)
        assert query["msg_signature"] == SAMPLE_MSG_SIGNATURE
        answer = await client.post(WEBHOOK, envelope(SAMPLE_ENCRYPT), query)
    [message] = bot.received
    assert (message.text, message.sender_id) == ("abcdteT", "oyORnuP8q7ou2gfYjqLzSIWZf0rs")
    sealed = reply_fields(answer)
    assert sealed["MsgSignature"] == wechat_sign(
        SAMPLE_TOKEN, sealed["TimeStamp"], sealed["Nonce"], sealed["Encrypt"]
    )
    opened = tencent_decrypt(SAMPLE_KEY, sealed["Encrypt"])
    assert opened.appid == SAMPLE_APPID and opened.padded_length % 32 == 0
    inner = {child.tag: child.text for child in ET.fromstring(opened.message)}
    assert inner["Content"] == "您好，请问有什么可以帮您？ ]]> &"
    assert inner["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


@pytest.mark.anyio
async def test_safe_mode_with_a_bad_msg_signature_is_refused() -> None:
    bot = FakeBot()
    async with serve(
        make_channel(token=SAMPLE_TOKEN, aes_key=SAMPLE_KEY, now=SAMPLE_TIMESTAMP), bot
    ) as client:
        query = {**safe_mode_query(SAMPLE_ENCRYPT), "msg_signature": "0" * 40}
        answer = await client.post(WEBHOOK, envelope(SAMPLE_ENCRYPT), query)
    assert answer.status == 403
    assert bot.received == []


# --- replay protection --------------------------------------------------------------------------------------

WINDOW = 300  # seconds, the default of HOTLINE_WECHAT_MAX_AGE_SECONDS


def at(offset: int) -> str:
    """A timestamp `offset` seconds from the test server's clock."""
    return str(int(NOW) + offset)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(0, True), (-(WINDOW - 1), True), (WINDOW - 1, True), (-(WINDOW + 1), False), (WINDOW + 1, False)],
    ids=["now", "old-but-inside", "ahead-but-inside", "too-old", "too-far-ahead"],
)
@pytest.mark.anyio
async def test_a_correctly_signed_plain_message_outside_the_window_is_refused(
    offset: int, accepted: bool
) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await post(client, message_xml(), signed(timestamp=at(offset)))
    if accepted:
        assert reply_fields(answer)["Content"] == "好的，已收到。"
        assert bot.texts == ["血球仪开机报警"]
    else:
        assert answer.status == 403 and "window" in answer.body
        assert bot.received == []


@pytest.mark.parametrize(("offset", "status"), [(-60, 200), (-(WINDOW + 60), 403), (WINDOW + 60, 403)])
@pytest.mark.anyio
async def test_a_replayed_safe_mode_message_is_refused_though_both_signatures_are_right(
    offset: int, status: int
) -> None:
    encrypted = tencent_encrypt(
        SAMPLE_KEY, SAMPLE_APPID, message_xml("离心机转速不稳", msg_id="501").decode()
    )
    bot = FakeBot()
    async with serve(make_channel(token=SAMPLE_TOKEN, aes_key=SAMPLE_KEY), bot) as client:
        answer = await client.post(
            WEBHOOK, envelope(encrypted), safe_mode_query(encrypted, timestamp=at(offset))
        )
    assert answer.status == status
    assert bot.texts == (["离心机转速不稳"] if status == 200 else [])


@pytest.mark.anyio
async def test_url_verification_with_a_stale_timestamp_is_refused() -> None:
    async with serve(make_channel(), FakeBot()) as client:
        stale = await client.get(WEBHOOK, {**signed(timestamp=at(-3600)), "echostr": "42"})
        fresh = await client.get(WEBHOOK, {**signed(timestamp=at(-10)), "echostr": "42"})
    assert stale.status == 403 and "42" not in stale.body
    assert (fresh.status, fresh.body) == (200, "42")


@pytest.mark.parametrize("timestamp", ["", "soon", "-5", "1410685589.5"])
@pytest.mark.anyio
async def test_a_signed_request_without_a_whole_number_timestamp_is_refused(timestamp: str) -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        answer = await post(client, message_xml(), signed(timestamp=timestamp))
    assert answer.status == 403
    assert bot.received == []


@pytest.mark.anyio
async def test_the_window_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APPID", SAMPLE_APPID)
    monkeypatch.setenv("WECHAT_APPSECRET", "secret")
    monkeypatch.delenv("WECHAT_AES_KEY", raising=False)
    monkeypatch.setenv("HOTLINE_WECHAT_MAX_AGE_SECONDS", "60")
    settings = WeChatSecrets.load({})
    assert settings.max_age_seconds == 60
    bot = FakeBot()
    channel = WeChatInput(settings, store=MemoryStore(), http=FakeWeChatApi(), clock=lambda: float(NOW))
    async with serve(channel, bot) as client:
        inside = await post(client, message_xml(msg_id="601"), signed(timestamp=at(-59)))
        outside = await post(client, message_xml(msg_id="602"), signed(timestamp=at(-61)))
    assert (inside.status, outside.status) == (200, 403)
    assert len(bot.received) == 1


# --- voice and events
# ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_voice_with_recognition_goes_to_the_bot_and_without_it_asks_to_type() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        heard = message_xml(
            "", msg_id="21", MsgType="voice", MediaId="m1", Format="amr", Recognition="生化仪报警了"
        )
        await post(client, heard.replace(b"<Content><![CDATA[]]></Content>", b""))
        unheard = message_xml("", msg_id="22", MsgType="voice", MediaId="m2", Format="amr")
        asked = reply_fields(await post(client, unheard))["Content"]
    assert bot.texts == ["生化仪报警了"]
    assert asked == say("wechat.voice_unrecognised") and "打字" in asked


@pytest.mark.anyio
async def test_follow_gets_welcome_and_menu_and_menu_click_becomes_an_intent() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        welcome = reply_fields(await post(client, event_xml("subscribe")))["Content"]
        await post(client, message_xml("0", msg_id="31"))  # a number from the welcome's menu
        await post(client, event_xml("CLICK", "REPORT_FAULT", create_time="1409735701"))
        await post(client, event_xml("CLICK", "CHECK_TICKET", create_time="1409735702"))
        unsubscribed = await post(client, event_xml("unsubscribe", create_time="1409735703"))
    assert say("wechat.welcome") in welcome and "1. 报修" in welcome and "0. 人工服务" in welcome
    assert bot.texts == ["/request_human", "/report_fault", "/check_ticket"]
    assert unsubscribed.body == "success"


@pytest.mark.anyio
async def test_a_device_labels_qr_scene_names_the_device_for_the_next_messages_not_the_hospital(
    database: Engine,
) -> None:
    label = device_token(identity_secret(), "KR23060142")
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        followed = reply_fields(await post(client, event_xml("subscribe", f"qrscene_{label}")))["Content"]
        await post(client, message_xml("开机报温度异常", msg_id="51"))
        scanned = await post(client, event_xml("SCAN", label, openid="oUSER2", create_time="1409735701"))
        await post(client, message_xml("还是报警", msg_id="52", openid="oUSER2"))
        forged = await post(client, event_xml("subscribe", "qrscene_KR23060142.0000", openid="oUSER3"))
        await post(client, message_xml("你好", msg_id="53", openid="oUSER3"))
    assert "KR-2000（序列号 KR23060142）" in followed and "嘉禾" not in followed and "检验科" not in followed
    assert "KR23060142" in reply_fields(scanned)["Content"]
    assert [m.metadata for m in bot.received] == [
        {"openid": "oUSER1", "device_serial": "KR23060142"},
        {"openid": "oUSER2", "device_serial": "KR23060142"},
        {"openid": "oUSER3"},  # a scene we did not sign: the plain welcome, no device
    ]
    assert say("wechat.welcome") in reply_fields(forged)["Content"]
    with session_scope(database) as session:
        assert not caller_of(session, "wechat", "oUSER1", None).verified  # a label proves no hospital


@pytest.mark.anyio
async def test_unsupported_message_types_get_a_polite_answer() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        image = message_xml("", msg_id="41", MsgType="image", PicUrl="http://x/y.jpg")
        answer = reply_fields(await post(client, image))["Content"]
    assert answer == say("wechat.unsupported")
    assert bot.received == []


# --- retries and the 5-second rule
# ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_same_msgid_three_times_one_while_running_is_one_turn_with_one_reply() -> None:
    bot = FakeBot(replies=[{"text": "已登记，工单号 GD001。"}], delay=0.3)
    async with serve(make_channel(reply_seconds=2.0), bot) as client:
        first = asyncio.ensure_future(post(client, message_xml(msg_id="99")))
        await asyncio.sleep(0.1)
        second = await post(client, message_xml(msg_id="99"))  # arrives while the first is running
        third = await post(client, message_xml(msg_id="99"))
        replies = [reply_fields(answer)["Content"] for answer in (await first, second, third)]
    assert len(bot.received) == 1
    assert replies == ["已登记，工单号 GD001。"] * 3


@pytest.mark.anyio
async def test_event_retries_are_deduplicated_by_sender_and_create_time() -> None:
    bot = FakeBot()
    async with serve(make_channel(), bot) as client:
        for _ in range(3):
            await post(client, event_xml("CLICK", "ASK_QUESTION", create_time="1409735800"))
        await post(client, event_xml("CLICK", "ASK_QUESTION", openid="oOTHER", create_time="1409735800"))
    assert bot.texts == ["/ask_question", "/ask_question"]


@pytest.mark.anyio
async def test_slow_bot_gets_success_in_time_then_one_customer_service_message() -> None:
    bot = FakeBot(replies=[{"text": "查询结果：工单 GD002 工程师已出发。"}], delay=0.6)
    api = FakeWeChatApi()
    async with serve(make_channel(reply_seconds=0.2, api=api), bot) as client:
        started = time.monotonic()
        answer = await post(client, message_xml(msg_id="77", openid="oSLOW"))
        elapsed = time.monotonic() - started
        retry = await post(client, message_xml(msg_id="77", openid="oSLOW"))
        await eventually(lambda: len(api.sent) == 1)
        await asyncio.sleep(0.1)
    assert (answer.status, answer.body) == (200, "success") and elapsed < 0.5
    assert retry.body == "success"
    assert len(bot.received) == 1
    assert api.sent == [
        (
            "TOKEN-1",
            {
                "touser": "oSLOW",
                "msgtype": "text",
                "text": {"content": "查询结果：工单 GD002 工程师已出发。"},
            },
        )
    ]


# --- customer-service API and access_token
# -------------------------------------------------------------------


@pytest.mark.parametrize("errcode", [40001, 42001])
@pytest.mark.anyio
async def test_access_token_is_refreshed_once_when_wechat_rejects_it(errcode: int) -> None:
    api = FakeWeChatApi(errors=[errcode])
    service = CustomerService(api, AccessTokenCache(api, MemoryStore(), SAMPLE_APPID, "secret"))
    await service.send_text("oUSER1", "您好")
    assert api.tokens_issued == 2
    assert api.sent == [("TOKEN-2", {"touser": "oUSER1", "msgtype": "text", "text": {"content": "您好"}})]


@pytest.mark.anyio
async def test_access_token_is_cached_and_shared_by_workers_using_one_store() -> None:
    api, store = FakeWeChatApi(), MemoryStore()
    worker_a = CustomerService(api, AccessTokenCache(api, store, SAMPLE_APPID, "secret"))
    worker_b = CustomerService(api, AccessTokenCache(api, store, SAMPLE_APPID, "secret"))
    await worker_a.send_text("oUSER1", "一")
    await worker_b.send_text("oUSER1", "二")
    assert api.tokens_issued == 1
    # Worker A refreshes after 40001; worker B, told the old token is bad, takes A's new one.
    api.errors = [40001]
    await worker_a.send_text("oUSER1", "三")
    b_tokens = AccessTokenCache(api, store, SAMPLE_APPID, "secret")
    assert await b_tokens.refresh("TOKEN-1") == "TOKEN-2"
    assert api.tokens_issued == 2


@pytest.mark.parametrize("errcode", [45015, 45047])
@pytest.mark.anyio
async def test_window_and_quota_errors_are_reported_not_retried(errcode: int) -> None:
    api = FakeWeChatApi(errors=[errcode])
    service = CustomerService(api, AccessTokenCache(api, MemoryStore(), SAMPLE_APPID, "secret"))
    with pytest.raises(WeChatApiError) as raised:
        await service.send_text("oUSER1", "您好")
    assert raised.value.errcode == errcode and api.sent == []


# --- configuration
# -------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_unconfigured_channel_starts_and_answers_503(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_AES_KEY"):
        monkeypatch.delenv(name, raising=False)

    bot = FakeBot()
    channel = WeChatInput.from_credentials({})
    async with serve(channel, bot) as client:
        assert (await client.get(WEBHOOK, signed())).status == 503
        assert (await post(client, message_xml())).status == 503
    assert bot.received == []
    assert "WECHAT_TOKEN" in caplog.text and "503" in caplog.text


def test_settings_come_from_the_environment_when_the_credentials_entry_is_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "env-token")
    monkeypatch.setenv("WECHAT_APPID", "wxENV")
    monkeypatch.setenv("WECHAT_APPSECRET", "env-secret")
    monkeypatch.setenv("WECHAT_AES_KEY", SAMPLE_KEY)
    empty_entries: list[dict[str, str] | None] = [None, {}]
    for entry in empty_entries:
        channel = WeChatInput.from_credentials(entry)
        assert isinstance(channel, WeChatInput) and channel.settings is not None
        assert (channel.settings.token, channel.settings.appid, channel.settings.aes_key) == (
            "env-token",
            "wxENV",
            SAMPLE_KEY,
        )
    named = WeChatInput.from_credentials({"token": "entry-token"})
    assert (
        isinstance(named, WeChatInput)
        and named.settings is not None
        and named.settings.token == "entry-token"
    )
    monkeypatch.setenv("WECHAT_AES_KEY", "too-short")
    broken = WeChatInput.from_credentials({})
    assert isinstance(broken, WeChatInput) and broken.settings is None


@pytest.mark.anyio
async def test_http_client_sends_chinese_as_utf8_and_reads_json_labelled_text_plain() -> None:
    """Against a local stand-in for api.weixin.qq.com on 127.0.0.1: the real HTTP path, no network."""
    received: list[bytes] = []

    async def token(request: web.Request) -> web.Response:
        assert request.query["appid"] == SAMPLE_APPID
        return web.Response(
            text='{"access_token": "LOCAL-TOKEN", "expires_in": 7200}', content_type="text/plain"
        )

    async def custom_send(request: web.Request) -> web.Response:
        assert request.query["access_token"] == "LOCAL-TOKEN"
        received.append(await request.read())
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    app = web.Application()
    app.add_routes([web.get("/cgi-bin/token", token), web.post("/cgi-bin/message/custom/send", custom_send)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        api = f"http://127.0.0.1:{port}"
        http = AiohttpJson(timeout_seconds=5)
        service = CustomerService(
            http, AccessTokenCache(http, MemoryStore(), SAMPLE_APPID, "secret", api=api), api=api
        )
        await service.send_text("oUSER1", "工程师已出发")
    finally:
        await runner.cleanup()
    [body] = received
    assert "工程师已出发".encode() in body and b"\\u" not in body
