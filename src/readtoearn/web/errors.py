"""Every error becomes a clear answer: JSON {"error": {...}} on the API, a page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from readtoearn import errors
from readtoearn.db import is_retryable

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.ReadToEarnError], int] = {
    errors.NotFound: 404,
    errors.InvalidInput: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.Unprocessable: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def wants_json(request: Request) -> bool:
    """API paths answer JSON; so does any client that asks for it over HTML."""
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> Response:
    """The one shape every error takes."""
    if wants_json(request):
        body: dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            body["details"] = details
        return JSONResponse({"error": body}, status_code=status)
    render = getattr(request.app.state, "render_error", None)
    if render is not None:
        return render(request, status, message)
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p>", status_code=status)


def busy_response(request: Request) -> Response:
    """503 busy with Retry-After: nothing was done, the same request can be sent again."""
    response = error_response(request, 503, errors.Busy.code, errors.BUSY_MESSAGE)
    response.headers["Retry-After"] = str(errors.Busy.retry_after_s)
    return response


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (the router names only its first match's:
    POST and DELETE on /api/v1/auth/token are two routes)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


def status_of(exc: errors.ReadToEarnError) -> int:
    """The HTTP status of a domain error (its nearest mapped class)."""
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


def headers_of(exc: errors.ReadToEarnError) -> dict[str, str]:
    """The headers an error's answer carries: Retry-After when waiting is what it asks for."""
    if isinstance(exc, errors.Unavailable):
        return {"Retry-After": str(getattr(exc, "retry_after_s", 1))}
    if isinstance(exc, errors.RateLimited) and exc.retry_after_s:
        return {"Retry-After": str(exc.retry_after_s)}
    return {}


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(errors.ReadToEarnError)
    async def _domain(request: Request, exc: errors.ReadToEarnError) -> Response:
        response = error_response(request, status_of(exc), exc.code, exc.message)
        response.headers.update(headers_of(exc))
        return response

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, exc: PoolTimeout) -> Response:
        # No connection within db_wait_s: nothing was done, the request can be sent again.
        log.warning("no database connection in time on %s %s", request.method, request.url.path)
        return busy_response(request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"location": list(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        first = details[0] if details else {"location": [], "message": "invalid request"}
        where = ".".join(str(p) for p in first["location"][1:]) or "request"
        message = f"{where}: {first['message']}"
        return error_response(request, 422, "invalid", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = CODE_BY_STATUS.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "nothing lives at this address"
        response = error_response(request, exc.status_code, code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        # A deadlock, a serialization failure or a locked SQLite file: the transaction was rolled
        # back whole, so the same request (with the same Idempotency-Key) can simply be sent again.
        if is_retryable(exc):
            log.warning("busy database on %s %s", request.method, request.url.path)
            return busy_response(request)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal", "something went wrong on our side")
