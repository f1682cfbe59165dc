"""Prometheus metrics: request counts and latency per route, beside the domains' own counters
(readtoearn_reads_completed_total, readtoearn_beats_total: see reading/service.py).

Served at /metrics (text exposition) to whoever sends `Authorization: Bearer <metrics_token>`;
with no metrics_token set the route answers 404, as if absent. With several worker processes, point
PROMETHEUS_MULTIPROC_DIR at an empty directory shared by the workers, as prometheus-client
documents; each process then writes its samples there and /metrics adds them up.
"""

from __future__ import annotations

import hmac
import os
import time

from fastapi import FastAPI, HTTPException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.config import Settings
from readtoearn.errors import NotFound

REQUESTS = Counter(
    "readtoearn_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "readtoearn_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class MetricsMiddleware:
    """Count and time every request by its route template (never by raw path: no id leaks)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = _route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - began)


def _route_of(scope: Scope) -> str:
    # The router records the route it chose in the scope; its path is the template.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


def allowed(authorization: str, token: str) -> bool:
    """Whether an Authorization header carries the metrics token (compared in constant time)."""
    scheme, _, given = authorization.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode()
    )


def install(app: FastAPI) -> None:
    """Add the middleware and the /metrics route."""
    app.add_middleware(MetricsMiddleware)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        if not settings.metrics_token:
            raise NotFound("nothing lives at this address")
        if not allowed(request.headers.get("authorization", ""), settings.metrics_token):
            raise HTTPException(401, "send the metrics token", {"WWW-Authenticate": "Bearer"})
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = DEFAULT_REGISTRY
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
