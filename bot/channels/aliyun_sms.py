"""Alibaba Cloud SMS (阿里云短信服务, dysmsapi SendSms) for mainland numbers.

Mainland carriers only deliver SMS sent under an approved signature (签名, shown as 【…】) and an approved
template with variables; free text is not allowed. The hotline's template carries the whole answer in one
variable (ALIYUN_SMS_CONTENT_PARAM, default `content`), e.g. a notification template 「${content}」 approved
for the account: check the account's limit on a variable's length before relying on it.

Requests are signed as Alibaba Cloud's RPC APIs document (signature version 1.0, HMAC-SHA1): every parameter
percent-encoded (RFC 3986, UTF-8), sorted by name, joined as a query string; StringToSign =
METHOD & %2F & percent(query); key = AccessKeySecret + "&"; Signature = base64(HMAC-SHA1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import quote

import aiohttp

from bot.channels.secrets import AliyunSmsSecrets
from bot.clock import utc_now

logger = logging.getLogger(__name__)

ALIYUN_SMS_API = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
MAINLAND_PREFIX = "+86"


class SmsRejected(Exception):
    """The provider refused a message (its code says why, e.g. isv.BUSINESS_LIMIT_CONTROL)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"Alibaba Cloud SMS refused the message: {code} {message}")


def percent(value: str) -> str:
    """RFC 3986 percent-encoding as Alibaba Cloud signs: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(value, safe="-_.~")


def aliyun_signature(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    """The `Signature` parameter's value (before the request's own URL encoding)."""
    query = "&".join(f"{percent(name)}={percent(params[name])}" for name in sorted(params))
    string_to_sign = f"{method}&{percent('/')}&{percent(query)}"
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def mainland_number(phone: str) -> str:
    """The 11-digit number the API takes for a mainland mobile given as +86…."""
    return phone[len(MAINLAND_PREFIX) :] if phone.startswith(MAINLAND_PREFIX) else phone


class AliyunSms:
    """Sends one SMS through SendSms; `sender` is not used (the signature name stands for the sender)."""

    def __init__(
        self,
        settings: AliyunSmsSecrets,
        api: str = ALIYUN_SMS_API,
        timeout_seconds: float = 10,
        clock: Callable[[], datetime] = utc_now,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._settings = settings
        self._api = api
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        # Naive UTC; the API refuses a Timestamp more than 15 minutes off, and a SignatureNonce seen before.
        self._clock = clock
        self._nonce = nonce

    def signed_params(self, to: str, body: str) -> dict[str, str]:
        settings = self._settings
        params = {
            "AccessKeyId": settings.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mainland_number(to),
            "RegionId": "cn-hangzhou",
            "SignName": settings.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": settings.template_code,
            "TemplateParam": json.dumps({settings.content_param: body}, ensure_ascii=False),
            "Timestamp": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        return {**params, "Signature": aliyun_signature(settings.access_key_secret, "POST", params)}

    async def send(self, to: str, body: str, sender: str) -> None:
        async with (
            aiohttp.ClientSession(timeout=self._timeout) as session,
            session.post(f"{self._api}/", data=self.signed_params(to, body)) as response,
        ):
            answer = await response.text()
        # Refusals come as JSON with a Code, on HTTP 4xx too; anything else is a gateway's error page.
        try:
            result = json.loads(answer)
        except ValueError:
            result = None
        if not isinstance(result, dict) or "Code" not in result:
            raise SmsRejected(f"HTTP {response.status}", answer[:200])
        if result["Code"] != "OK":
            raise SmsRejected(str(result["Code"]), str(result.get("Message", "")))
        logger.info("SMS to %s accepted by Alibaba Cloud (BizId %s)", to, result.get("BizId"))
