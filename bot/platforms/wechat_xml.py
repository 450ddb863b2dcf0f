"""WeChat's XML, read without trusting it and written without letting text break out of CDATA.

Reading uses expat directly and refuses any DOCTYPE or entity declaration, so neither external entities (XXE)
nor nested entity expansion ("billion laughs") can happen; WeChat never sends a DOCTYPE. defusedxml is not a
dependency of this project: this refusal is what it would do for us.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from xml.parsers import expat

MAX_BODY_BYTES = 64 * 1024
# Characters XML 1.0 does not allow. WeChat has been seen to pass some control characters that users typed
# straight into its XML, which a strict parser would then reject; outgoing text must not contain them either.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ILLEGAL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnreadableXml(ValueError):
    """Malformed, oversized or unsafe XML."""


def _refuse(*_: Any) -> NoReturn:
    raise UnreadableXml("DOCTYPE and entity declarations are refused")


def parse_message(body: bytes) -> dict[str, str]:
    """The fields of a WeChat message: the text of each child of the root element."""
    if len(body) > MAX_BODY_BYTES:
        raise UnreadableXml("message too large")
    parser = expat.ParserCreate(encoding="utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    fields: dict[str, str] = {}
    path: list[str] = []
    chunks: list[str] = []

    def start(name: str, _attributes: dict[str, str]) -> None:
        path.append(name)
        chunks.clear()

    def end(name: str) -> None:
        if len(path) == 2:  # a direct child of <xml>; nested elements (e.g. ScanCodeInfo) are not needed
            fields[name] = "".join(chunks)
        path.pop()
        chunks.clear()

    def characters(data: str) -> None:
        if len(path) == 2:
            chunks.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(_XML_ILLEGAL_BYTES.sub(b"", body), True)
    except expat.ExpatError as error:
        raise UnreadableXml(f"malformed XML: {error}") from error
    return fields


def cdata(value: str) -> str:
    """A CDATA section holding any text: "]]>" is split across two sections so it cannot end the first."""
    return "<![CDATA[" + _XML_ILLEGAL.sub("", value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, create_time: int, content: str) -> str:
    """A passive text reply (被动回复文本消息)."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypted: str, signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode envelope around an encrypted reply."""
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
