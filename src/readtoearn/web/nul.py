"""NUL characters are refused at the door, in one place for every route.

No text the application keeps or looks up may hold U+0000: PostgreSQL refuses it in a string
(a `DataError`, which would be a 500), and no e-mail, name, category or form field needs it. So a
NUL in the path, the query string, a form field (URL-encoded, or a multipart field that is not a
file) or a JSON string is answered 400 `invalid_characters` before any route runs: JSON on the API,
the error page elsewhere.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.web.errors import error_response

CODE = "invalid_characters"
MESSAGE = "the request holds a NUL character (U+0000), which no field may contain"
# Bodies are read whole to be checked up to this size (larger ones are not forms nor API
# requests, whose limit is far smaller: they go through unchecked).
MAX_CHECKED_BODY = 1024 * 1024
_ENCODED_NUL = re.compile(rb"%00")
# \u0000 in a JSON string, unless its backslash is itself escaped ("\\u0000" is six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


def has_nul(data: bytes, *, encoded: bool = True) -> bool:
    """A raw NUL byte, or (when `encoded`) a percent-encoded one."""
    return b"\x00" in data or (encoded and _ENCODED_NUL.search(data) is not None)


def body_has_nul(content_type: str, body: bytes) -> bool:
    """Whether a form or JSON body carries a NUL in one of its text values."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return has_nul(body)
    if kind == "application/json" or kind.endswith("+json"):
        # The regex costs 50-80 us on a beat's body (its lookbehind is tried at every byte): it
        # runs only when the escape is there at all, which a plain substring test finds in 1 us.
        if b"\x00" in body:
            return True
        if b"\\u0000" not in body and b"\\U0000" not in body:
            return False
        return _JSON_NUL.search(body) is not None
    if kind == "multipart/form-data":
        match = _BOUNDARY.search(content_type)
        if not match:
            return False
        for part in body.split(b"--" + match.group(1).encode("latin-1")):
            headers, _, content = part.partition(b"\r\n\r\n")
            if b"filename=" not in headers.lower() and b"\x00" in content:
                return True
    return False


class NulGuard:
    """Answer 400 to a request with a NUL in its path, query string or form/JSON body."""

    CHECKED_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data", "json")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or has_nul(scope.get("query_string", b"")):
            await self._refuse(scope, receive, send)
            return
        content_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.decode("latin-1")
        if not any(kind in content_type.lower() for kind in self.CHECKED_BODIES):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= MAX_CHECKED_BODY:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, replay_body([], False, receive, message), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
        if not more and body_has_nul(content_type, b"".join(chunks)):
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, replay_body(chunks, more, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await error_response(request, 400, CODE, MESSAGE)(scope, receive, send)


def replay_body(
    chunks: list[bytes], more: bool, receive: Receive, pending: Message | None = None
) -> Receive:
    """A receive that hands back the body read so far, then the rest from the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": b"".join(chunks), "more_body": more}
        return await receive()

    return replay
