"""The tracker's beats, answered in front of the page machinery.

Beats are most of a worker's requests (one every beat interval from every open page), and on the
way to the beat route each crossed middleware written for pages (the device cookie, sessions and
CSRF), the request-body guards, FastAPI's exception layer, router and request handler: about as
much CPU as the beat itself. This door, just inside the admission lanes (web/limits.py), answers
the common beat itself:

    POST /api/v1/reads/{read_id}/beats, a JSON body with its Content-Length within the API's
    limit, no NUL anywhere, from a credential the worker checked in the last few seconds.

Such a beat still gets what the page middleware would have given it: CORS (the same class and
the same sites' origins), the security headers, the request metrics under the route's template,
and every error answered by the app's own exception handlers (the same status, code and body).
Anything else (no or unknown credential, a chunked or oversized body, a NUL, another method, a
path the router would treat otherwise) goes the ordinary way, untouched or with its body handed
on as it was read, and is answered by the route in web/routes/api_reads.py exactly as before.

With READTOEARN_BENCH_ROUTES on, the door also answers bench/beats.py's no-op at NOOP_PATH the
same way, minus the beat itself (no credential, no store): the baseline a beat's cost is measured
against.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.reading import service as reading
from readtoearn.web import cors, metrics, security
from readtoearn.web.credentials import bearer, session_cookie
from readtoearn.web.limits import API_MAX_BODY
from readtoearn.web.nul import body_has_nul, has_nul, replay_body
from readtoearn.web.routes import api_reads
from readtoearn.web.sessions import SESSION_COOKIE

PREFIX = "/api/v1/reads/"
SUFFIX = "/beats"
ROUTE_PATH = PREFIX + "{read_id}" + SUFFIX
# bench/beats.py's baseline at the door: a beat-shaped body answered here with the same work as a
# beat (CORS, security headers, metrics, the body parsed by the beat's model) and nothing of the
# beat itself; only where the app has its route (READTOEARN_BENCH_ROUTES).
NOOP_PATH = "/api/v1/_bench/door-noop"
Handler = Callable[[Request, Exception], Awaitable[Any]]


def read_id_of(scope: Scope) -> str | None:
    """The read id of a beat's path, or None for any other path (or one the router would
    match differently: an empty id, a slash inside it, an app mounted under a prefix)."""
    path: str = scope["path"]
    if not (path.startswith(PREFIX) and path.endswith(SUFFIX)) or scope.get("root_path"):
        return None
    read_id = path[len(PREFIX) : -len(SUFFIX)]
    if not read_id or "/" in read_id or "\x00" in read_id:
        return None
    return read_id


def credential_in(headers: dict[bytes, bytes]) -> str | None:
    """The credential, as web.credentials.credential_of reads it, or None when the ordinary way
    must answer (no credential, or an Authorization header that is not a bearer token: 401)."""
    header = headers.get(b"authorization")
    if header is not None:
        scheme, _, token = header.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return bearer(token.strip())
    cookie = headers.get(b"cookie")
    if cookie is None:
        return None
    secret = cookie_parser(cookie.decode("latin-1")).get(SESSION_COOKIE)
    return session_cookie(secret) if secret else None


class FastBeats:
    """Pure ASGI: beats that need nothing of the page machinery are answered here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._door: ASGIApp | None = None
        self._route: APIRoute | None = None
        self._noop_route: APIRoute | None = None
        self._cors: cors.SiteCORSMiddleware
        # Per path the door answers: the counter of its 200s and its latency histogram.
        self._counted: dict[str, tuple[Any, Any]] = {}
        self._secure: list[tuple[bytes, bytes]] = []

    def _build(self, fastapi_app: FastAPI) -> ASGIApp:
        """The middleware an error needs, in the app's order, around its handler; and what an
        accepted beat's answer carries, worked out once."""
        state = fastapi_app.state
        self._cors = cors.SiteCORSMiddleware(
            self._error, fixed=list(state.settings.cors_origins), sites=state.site_origins
        )
        # The routes as the router puts them in the scope (the app's own list holds the included
        # routers, not their routes), so that the metrics count refusals under their templates.
        self._route = _route(api_reads.router, ROUTE_PATH)
        if state.settings.bench_routes:
            self._noop_route = _route(api_reads.bench_router, NOOP_PATH)
        self._counted = {
            path: (
                metrics.REQUESTS.labels("POST", path, "200"),
                metrics.LATENCY.labels("POST", path),
            )
            for path in (ROUTE_PATH, NOOP_PATH)
        }
        self._secure = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security.headers_for(PREFIX, "application/json").items()
        ]
        return security.SecurityHeadersMiddleware(metrics.MetricsMiddleware(self._cors))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        if scope["type"] != "http" or scope["method"] != "POST" or app is None:
            await self.app(scope, receive, send)
            return
        if self._door is None:
            self._door = self._build(app)
        read_id = read_id_of(scope)
        if read_id is None and not (
            self._noop_route is not None
            and scope["path"] == NOOP_PATH
            and not scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        length = headers.get(b"content-length", b"")
        media = headers.get(b"content-type", b"application/json").split(b";")[0].strip().lower()
        credential = None if read_id is None else credential_in(headers)
        reader_id = None if credential is None else app.state.readers.get(credential)
        if (
            not length.isdigit()
            or int(length) > API_MAX_BODY
            or b"transfer-encoding" in headers
            or (media != b"application/json" and not media.endswith(b"+json"))
            or has_nul(scope.get("query_string", b""))
            or (read_id is not None and reader_id is None)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, replay_body(chunks, False, receive, message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body_has_nul(media.decode("latin-1"), body):
            await self.app(scope, replay_body(chunks, False, receive), send)
            return
        began = time.perf_counter()
        origin = headers.get(b"origin")
        if origin is not None and app.state.site_origins.stale:
            await cors.refresh(app.state.site_origins)
        try:
            if read_id is None:  # the benchmark's no-op: the body parsed, nothing else
                answer = _noop(body)
            else:
                answer = api_reads.beat_body(
                    await _record(app.state, read_id, credential or "", reader_id, body)
                )
        except Exception as exc:
            # Answered through the same middleware as on the route, by the app's handlers.
            error_scope = {
                **scope,
                "route": self._route if read_id is not None else self._noop_route,
                "path_params": {} if read_id is None else {"read_id": read_id},
                "readtoearn.beat_error": exc,
            }
            await self._door(error_scope, receive, send)
            return
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(answer)).encode()),
                (b"content-type", b"application/json"),
            ],
        }
        # What CORSMiddleware.send, then SecurityHeadersMiddleware, add on the route's answer.
        if origin is None:
            start["headers"].append((b"vary", b"Origin"))
        else:
            await self._cors.send(start, send=_kept, request_headers=Headers(scope=scope))
        present = {name for name, _ in start["headers"]}
        start["headers"].extend(h for h in self._secure if h[0] not in present)
        await send(start)
        await send({"type": "http.response.body", "body": answer})
        ok, latency = self._counted[NOOP_PATH if read_id is None else ROUTE_PATH]
        ok.inc()
        latency.observe(time.perf_counter() - began)

    async def _error(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A refused beat's answer: the handler the app's exception layer would have called."""
        exc: Exception = scope["readtoearn.beat_error"]
        handler = _handler_for(scope["app"], exc)
        if handler is None:
            raise exc  # the server-error layer answers 500 and logs it, as on any route
        response = await handler(Request(scope, receive), exc)
        await response(scope, receive, send)


async def _record(
    state: Any, read_id: str, credential: str, reader_id: uuid.UUID | None, body: bytes
) -> reading.BeatResult:
    """What the route does (api_reads.beat) once the body is read, for the reader the door
    found the credential to be (None: the thread path looks it up again)."""
    beat = api_reads._beat_of(api_reads._validated_beat(body, "application/json"))
    if reader_id is not None:
        # NeedsDatabase: nothing changed; the read is loaded from the database below.
        with contextlib.suppress(reading.NeedsDatabase):
            return await reading.record_beat_async(
                state.live, state.settings, state.clock,
                reader_id=reader_id, read_id=read_id, beat=beat,
            )  # fmt: skip
    async with state.db.admitted(write=False):
        result: reading.BeatResult = await run_in_threadpool(
            api_reads._beat_in_thread, state, credential, read_id, beat
        )
    return result


def _route(router: APIRouter, path: str) -> APIRoute:
    return next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)


def _noop(body: bytes) -> bytes:
    """What the no-op route at NOOP_PATH does once the body is read."""
    return api_reads.noop_body(api_reads._validated_beat(body, "application/json"))


async def _kept(message: Message) -> None:
    """CORSMiddleware.send's onward call: the message it changed is sent by the caller."""


def _handler_for(app: FastAPI, exc: Exception) -> Handler | None:
    """The handler the app's exception layer would call (nearest class first); None for what
    reaches the server-error layer (an unexpected exception: a 500, logged, as on any route)."""
    handlers: dict[Any, Handler] = app.exception_handlers  # type: ignore[assignment]
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        handler = handlers.get(kind)
        if handler is not None:
            return handler
    return None
