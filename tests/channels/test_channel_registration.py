"""The channels as `rasa run --credentials credentials.yml` loads and mounts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_voice import TwilioVoiceInput
from bot.channels.wechat import WeChatInput
from tests.channels.platform_fakes import FakeBot, serve

CREDENTIALS = """\
bot.channels.wechat.WeChatInput: {}
bot.channels.twilio_sms.TwilioSmsInput:
bot.channels.twilio_voice.TwilioVoiceInput: {}
"""
SECRETS = (
    "WECHAT_TOKEN",
    "WECHAT_APPID",
    "WECHAT_APPSECRET",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "HOTLINE_PUBLIC_URL",
)


@pytest.mark.parametrize("configured", [True, False], ids=["env-set", "env-absent"])
@pytest.mark.anyio
async def test_credentials_yml_entries_load_and_mount_under_webhooks(
    configured: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRETS:
        if configured:
            monkeypatch.setenv(
                name, "https://hotline.example.com" if name == "HOTLINE_PUBLIC_URL" else f"x-{name}"
            )
        else:
            monkeypatch.delenv(name, raising=False)
    # Imported here: rasa.core.run pulls in TensorFlow, many seconds that only this test needs.
    from rasa.core.run import create_http_input_channels

    credentials = tmp_path / "credentials.yml"
    credentials.write_text(CREDENTIALS)
    channels = create_http_input_channels(None, str(credentials))
    assert [type(channel) for channel in channels] == [WeChatInput, TwilioSmsInput, TwilioVoiceInput]

    async with serve(channels, FakeBot()) as client:
        for name in ("wechat", "twilio_sms", "twilio_voice"):
            health = await client.get(f"/webhooks/{name}/")
            assert health.status == 200
            assert ('"ok"' in health.body) is configured
            webhook = await client.post(f"/webhooks/{name}/webhook", b"")
            assert webhook.status == (403 if configured else 503)
