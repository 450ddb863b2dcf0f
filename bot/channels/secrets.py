"""The channels' secrets and tuning values, from the environment through bot.config.channel_variable.

They come from environment variables. A channel's entry in credentials.yml may name them too (Rasa fills
`${VAR}` there from the environment); an empty entry (`bot.channels.wechat.WeChatInput: {}`) means "all from
the environment". A channel whose secrets are missing still starts, answers 503 and says why in the log:
without them it cannot check that a request really comes from the platform.

Required: WECHAT_TOKEN, WECHAT_APPID, WECHAT_APPSECRET (WeChat); TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
HOTLINE_PUBLIC_URL (SMS; voice needs the last two).
SMS sent by the hotline itself (late answers, proactive messages): TWILIO_SMS_NUMBER, our Twilio number; for
mainland numbers (+86) the domestic provider when ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET,
ALIYUN_SMS_SIGN_NAME and ALIYUN_SMS_TEMPLATE_CODE are set (ALIYUN_SMS_CONTENT_PARAM, default `content`).
Optional: WECHAT_AES_KEY (safe mode), HOTLINE_VOICE_NAME (default Polly.Zhiyu), HOTLINE_WECHAT_REPLY_SECONDS
(default 4), HOTLINE_WECHAT_MAX_AGE_SECONDS (default 300), HOTLINE_SMS_REPLY_SECONDS (default 10),
HOTLINE_VOICE_REPLY_SECONDS (default 8), HOTLINE_VOICE_HOLD_TRIES (default 3), HOTLINE_REDIS_URL (see
store.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import channel_variable

Credentials = Mapping[str, Any] | None


class ChannelNotConfigured(Exception):
    """Secrets that a channel needs are missing or malformed."""

    def __init__(
        self, channel: str, missing: list[str], meanwhile: str = "until then it answers 503"
    ) -> None:
        super().__init__(f"{channel} channel is not configured: set {', '.join(missing)}; {meanwhile}")


def _value(credentials: Credentials, key: str, env: str, default: str = "") -> str:
    given = (credentials or {}).get(key)
    return str(given) if given else channel_variable(env, default)


def _require(channel: str, values: dict[str, str], **meanwhile: str) -> None:
    missing = [env for env, value in values.items() if not value]
    if missing:
        raise ChannelNotConfigured(channel, missing, **meanwhile)


def _seconds(credentials: Credentials, key: str, env: str, default: str) -> float:
    return float(_value(credentials, key, env, default))


@dataclass(frozen=True)
class WeChatSecrets:
    token: str
    appid: str
    appsecret: str
    aes_key: str | None
    # WeChat waits 5 s and then retries; answer well before that, network time included.
    reply_seconds: float = 4.0
    # A signed request older (or newer) than this is a replay: WeChat calls within seconds of signing.
    max_age_seconds: float = 300.0

    @classmethod
    def load(cls, credentials: Credentials) -> WeChatSecrets:
        values = {
            "WECHAT_TOKEN": _value(credentials, "token", "WECHAT_TOKEN"),
            "WECHAT_APPID": _value(credentials, "appid", "WECHAT_APPID"),
            "WECHAT_APPSECRET": _value(credentials, "appsecret", "WECHAT_APPSECRET"),
        }
        _require("WeChat", values)
        aes_key = _value(credentials, "aes_key", "WECHAT_AES_KEY")
        if aes_key and len(aes_key) != 43:
            raise ChannelNotConfigured("WeChat", ["WECHAT_AES_KEY to the 43-character EncodingAESKey"])
        return cls(
            token=values["WECHAT_TOKEN"],
            appid=values["WECHAT_APPID"],
            appsecret=values["WECHAT_APPSECRET"],
            aes_key=aes_key or None,
            reply_seconds=_seconds(credentials, "reply_seconds", "HOTLINE_WECHAT_REPLY_SECONDS", "4"),
            max_age_seconds=_seconds(credentials, "max_age_seconds", "HOTLINE_WECHAT_MAX_AGE_SECONDS", "300"),
        )


@dataclass(frozen=True)
class TwilioSecrets:
    account_sid: str
    auth_token: str
    # The public base URL that Twilio calls and signs, e.g. https://hotline.example.com
    public_url: str
    # Twilio gives up on a webhook after 15 s; past this the SMS answer goes out through the REST API.
    reply_seconds: float = 10.0
    voice: str = "Polly.Zhiyu"
    # Our number, the sender of SMS that are not a webhook's reply (a late answer knows it from the request).
    sms_number: str = ""
    # A call waits this long for the bot before hearing 「请稍候」 (Twilio drops a webhook after 15 s) …
    voice_reply_seconds: float = 8.0
    # … and hears it at most this many times more, each time waiting as long again, before an apology.
    voice_hold_tries: int = 3

    @classmethod
    def load(cls, credentials: Credentials, channel: str, need_account_sid: bool = True) -> TwilioSecrets:
        values = {
            "TWILIO_AUTH_TOKEN": _value(credentials, "auth_token", "TWILIO_AUTH_TOKEN"),
            "HOTLINE_PUBLIC_URL": _value(credentials, "public_url", "HOTLINE_PUBLIC_URL"),
        }
        account_sid = _value(credentials, "account_sid", "TWILIO_ACCOUNT_SID")
        _require(channel, {"TWILIO_ACCOUNT_SID": account_sid, **values} if need_account_sid else values)
        return cls(
            account_sid=account_sid,
            auth_token=values["TWILIO_AUTH_TOKEN"],
            public_url=values["HOTLINE_PUBLIC_URL"].rstrip("/"),
            reply_seconds=_seconds(credentials, "reply_seconds", "HOTLINE_SMS_REPLY_SECONDS", "10"),
            voice=_value(credentials, "voice", "HOTLINE_VOICE_NAME", "Polly.Zhiyu"),
            sms_number=_value(credentials, "sms_number", "TWILIO_SMS_NUMBER"),
            voice_reply_seconds=_seconds(
                credentials, "voice_reply_seconds", "HOTLINE_VOICE_REPLY_SECONDS", "8"
            ),
            voice_hold_tries=int(_value(credentials, "voice_hold_tries", "HOTLINE_VOICE_HOLD_TRIES", "3")),
        )


@dataclass(frozen=True)
class AliyunSmsSecrets:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    content_param: str = "content"

    @classmethod
    def load(cls, credentials: Credentials) -> AliyunSmsSecrets | None:
        """The domestic SMS provider's settings; None when none is set (mainland numbers then go by
        Twilio)."""
        values = {
            "ALIYUN_SMS_ACCESS_KEY_ID": _value(
                credentials, "aliyun_access_key_id", "ALIYUN_SMS_ACCESS_KEY_ID"
            ),
            "ALIYUN_SMS_ACCESS_KEY_SECRET": _value(
                credentials, "aliyun_access_key_secret", "ALIYUN_SMS_ACCESS_KEY_SECRET"
            ),
            "ALIYUN_SMS_SIGN_NAME": _value(credentials, "aliyun_sign_name", "ALIYUN_SMS_SIGN_NAME"),
            "ALIYUN_SMS_TEMPLATE_CODE": _value(
                credentials, "aliyun_template_code", "ALIYUN_SMS_TEMPLATE_CODE"
            ),
        }
        if not any(values.values()):
            return None
        _require("Alibaba Cloud SMS", values, meanwhile="until then mainland numbers go through Twilio")
        return cls(
            access_key_id=values["ALIYUN_SMS_ACCESS_KEY_ID"],
            access_key_secret=values["ALIYUN_SMS_ACCESS_KEY_SECRET"],
            sign_name=values["ALIYUN_SMS_SIGN_NAME"],
            template_code=values["ALIYUN_SMS_TEMPLATE_CODE"],
            content_param=_value(credentials, "aliyun_content_param", "ALIYUN_SMS_CONTENT_PARAM", "content"),
        )
