"""Security headers on every response, and a strict Content-Security-Policy on HTML pages."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline scripts or styles anywhere: pages load one stylesheet and images from 'self' or https.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' https: data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HTML_RESPONSE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}
# The interactive API docs (routes/api_docs.py, Swagger UI from a package, nothing from a CDN)
# keep their own rules: Swagger UI sets inline styles as it draws.
EXEMPT_PREFIXES = ("/api/docs",)


def headers_for(path: str, content_type: str) -> dict[str, str]:
    """The security headers a response on this path with this content type must carry."""
    headers = dict(EVERY_RESPONSE)
    if content_type.startswith("text/html") and not path.startswith(EXEMPT_PREFIXES):
        headers.update(HTML_RESPONSE)
    return headers


def apply(response: Response, path: str) -> Response:
    """Set the headers on a response built outside the middleware (the 500 page)."""
    for key, value in headers_for(path, response.headers.get("content-type", "")).items():
        response.headers.setdefault(key, value)
    return response


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: cheaper than BaseHTTPMiddleware, and it never buffers bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in headers_for(path, headers.get("content-type", "")).items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Add the middleware to an app."""
    app.add_middleware(SecurityHeadersMiddleware)
