"""Limits at the door: a huge body is refused before it is read into memory, and a worker that
already holds as many requests as it should answers 503 at once."""

from __future__ import annotations

import json

from prometheus_client import Counter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.web.errors import busy_response

API_MAX_BODY = 64 * 1024
REFUSED_AT_THE_DOOR = Counter(
    "readtoearn_refused_in_flight_total",
    "Requests answered 503 at once because the worker had max_in_flight requests in hand",
    ["lane"],
)


class BodyLimit:
    """Answer 413 to API requests whose body is larger than the limit, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int = API_MAX_BODY, prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        if declared is None and scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            # A body of unknown size (chunked) is read here, up to the limit: had the route's
            # parser met the limit, it would have turned it into a 400.
            await self._read_then_serve(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _read_then_serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"the request body is larger than {self.max_bytes // 1024} kB",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class InFlightLimit:
    """Admission at the door: past `max_in_flight` requests being served by this worker, answer
    503 busy with Retry-After at once, before any work, rather than pile requests up (a fast
    refusal is what lets the tracker and the pages back off and come back).

    Three lanes, each with its own cap: the tracker's beats (cheap, on the event loop, the bulk
    of the traffic), reading requests (pages, GET on the API) and writing ones (which may queue
    for the database's writer). A crowd of writers waiting their turn then turns away neither the
    beats of readers already reading (a lost beat is lost reading time) nor the pages of readers
    arriving. Health and metrics are always answered, so a busy worker is not mistaken for a dead
    one."""

    EXEMPT = frozenset({"/healthz", "/metrics"})
    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = {"beats": 0, "reads": 0, "writes": 0}

    def lane(self, scope: Scope) -> str:
        path = scope.get("path", "")
        if path.endswith("/beats") and path.startswith("/api/v1/reads/"):
            return "beats"
        return "reads" if scope.get("method") in self.SAFE else "writes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        lane = self.lane(scope)
        if self.in_flight[lane] >= self.max_in_flight:
            REFUSED_AT_THE_DOOR.labels(lane).inc()
            await busy_response(Request(scope, receive))(scope, receive, send)
            return
        self.in_flight[lane] += 1  # one event loop per worker: no lock needed
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight[lane] -= 1
