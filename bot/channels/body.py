"""Request bodies read with a cap, before anything parses them.

Sanic would otherwise read up to REQUEST_MAX_SIZE (100 MB by default) into memory and the channels would parse
or HMAC all of it before the signature check. A webhook route declared with `stream=True` reads its body here:
a declared Content-Length above the cap is refused without reading a byte, a chunked body as soon as it passes
it.
"""

from __future__ import annotations

from sanic.request import Request

# A platform message (WeChat XML, a Twilio form) is a few KiB; this leaves room and refuses anything bigger.
MAX_WEBHOOK_BYTES = 64 * 1024


async def capped_body(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes | None:
    """The request body, or None when it is (or says it is) larger than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        return None
    if request.body or request.stream is None:  # a route without stream=True: Sanic has read the body already
        return request.body if len(request.body) <= limit else None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    request.body = b"".join(chunks)
    return request.body
