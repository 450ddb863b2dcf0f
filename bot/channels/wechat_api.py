"""The WeChat server API the channel calls: access_token and customer-service messages (客服消息).

Customer-service messages carry answers that missed the 5-second window for a passive reply. They may be sent
for 48 hours after a user's message, a few per message (5 for a text message, 3 within a minute of a menu
click or a follow).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp

from bot.channels.store import SharedStore

logger = logging.getLogger(__name__)

WECHAT_API = "https://api.weixin.qq.com"
# invalid credential, invalid access_token, access_token expired: fetch a new token and try once more
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
ERROR_MEANINGS = {
    45015: "the 48-hour window after the user's last message is closed",
    45047: "no more customer-service messages allowed for the user's last message",
    48001: "the account has no customer-service message permission",
}


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        self.errcode = errcode
        meaning = ERROR_MEANINGS.get(errcode)
        super().__init__(f"WeChat API error {errcode}: {errmsg}" + (f" ({meaning})" if meaning else ""))


class JsonHttp(Protocol):
    """The two HTTP calls the WeChat API needs; tests give a fake."""

    async def get_json(self, url: str, params: Mapping[str, str]) -> dict[str, Any]: ...

    async def post_json(
        self, url: str, params: Mapping[str, str], body: Mapping[str, Any]
    ) -> dict[str, Any]: ...


class AiohttpJson:
    def __init__(self, timeout_seconds: float = 10) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def get_json(self, url: str, params: Mapping[str, str]) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession(timeout=self._timeout) as session,
            session.get(url, params=dict(params)) as response,
        ):
            response.raise_for_status()
            # WeChat labels its JSON text/plain at times.
            return dict(await response.json(content_type=None))

    async def post_json(self, url: str, params: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
        # WeChat shows \uXXXX escapes literally in some messages: send the UTF-8 characters themselves.
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        async with (
            aiohttp.ClientSession(timeout=self._timeout) as session,
            session.post(url, params=dict(params), data=data, headers=headers) as response,
        ):
            response.raise_for_status()
            return dict(await response.json(content_type=None))


class AccessTokenCache:
    """The account's access_token, kept in the shared store so that every bot process uses the same one.

    Fetching a new token makes the previous one expire within minutes; processes must not each fetch their
    own.
    """

    def __init__(
        self, http: JsonHttp, store: SharedStore, appid: str, appsecret: str, api: str = WECHAT_API
    ) -> None:
        self._http = http
        self._store = store
        self._appid = appid
        self._appsecret = appsecret
        self._api = api
        self._key = f"wechat:access_token:{appid}"

    async def token(self) -> str:
        return await self._store.get(self._key) or await self._fetch()

    async def refresh(self, rejected: str) -> str:
        """A token to use instead of one WeChat rejected; another process may have fetched it already."""
        current = await self._store.get(self._key)
        if current and current != rejected:
            return current
        return await self._fetch()

    async def _fetch(self) -> str:
        result = await self._http.get_json(
            f"{self._api}/cgi-bin/token",
            {"grant_type": "client_credential", "appid": self._appid, "secret": self._appsecret},
        )
        token = result.get("access_token")
        if not token:
            raise WeChatApiError(int(result.get("errcode", -1)), str(result.get("errmsg", "no access_token")))
        # Renew five minutes early, so a token is never used in its last moments.
        ttl = max(60, int(result.get("expires_in", 7200)) - 300)
        await self._store.put(self._key, str(token), ttl)
        return str(token)


class CustomerService:
    """Sends customer-service text messages (客服消息)."""

    def __init__(self, http: JsonHttp, tokens: AccessTokenCache, api: str = WECHAT_API) -> None:
        self._http = http
        self._tokens = tokens
        self._api = api

    async def send_text(self, openid: str, content: str) -> None:
        token = await self._tokens.token()
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in (1, 2):
            result = await self._http.post_json(
                f"{self._api}/cgi-bin/message/custom/send", {"access_token": token}, body
            )
            errcode = int(result.get("errcode", 0))
            if errcode == 0:
                return
            if errcode in TOKEN_ERRORS and attempt == 1:
                logger.info("WeChat rejected the access_token (%s); fetching a new one", errcode)
                token = await self._tokens.refresh(token)
                continue
            raise WeChatApiError(errcode, str(result.get("errmsg", "")))
