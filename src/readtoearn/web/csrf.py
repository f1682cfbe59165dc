"""CSRF protection for forms: a signed double-submit token, bound to the session.

The browser holds a random value in an HttpOnly cookie; every form carries
HMAC-SHA256(secret_key, value and the session cookie) in a hidden `csrf_token` field (or an
`X-CSRF-Token` header for scripts). Another site can make the browser send the cookie, but cannot
read it nor compute the signature, so it cannot forge the field; and a pair of cookie and token
taken from another browser (planted through a sibling subdomain, say) is worth nothing with this
browser's session. Logging in or out changes the session, so forms from before need a reload.

Pages get the token as `request.state.csrf_token`; templates include
`accounts/_csrf.html` inside each form. POST routes depend on `CsrfChecked`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Annotated

from fastapi import Depends, Request

from readtoearn.config import Settings
from readtoearn.errors import Forbidden

CSRF_COOKIE = "rte_csrf"
SESSION_COOKIE = "rte_session"  # web.sessions' cookie (imported from there it would be a cycle)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_AGE = 30 * 86400
_COOKIE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
FAILED = "This form has expired or did not come from this site. Reload the page and try again."


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def well_formed(value: str) -> bool:
    return bool(_COOKIE_SHAPE.match(value))


def token_for(secret_key: str, cookie_value: str, session: str = "") -> str:
    """The form token that matches a cookie value and a session cookie ("" when none)."""
    message = b"csrf|" + cookie_value.encode() + b"|" + session.encode("utf-8", "replace")
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_valid(
    secret_key: str, cookie_value: str | None, token: str | None, session: str = ""
) -> bool:
    """Whether a submitted token matches the cookie and the session (in constant time)."""
    if not cookie_value or not token or not well_formed(cookie_value):
        return False
    expected = token_for(secret_key, cookie_value, session)
    return hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace"))


async def check_csrf(request: Request) -> None:
    """Refuse (403) an unsafe request whose form field or header does not match the cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    settings: Settings = request.app.state.settings
    session = request.cookies.get(SESSION_COOKIE, "")
    if not is_valid(settings.resolved_secret_key, request.cookies.get(CSRF_COOKIE), token, session):
        raise Forbidden(FAILED, code="csrf_failed")


CsrfChecked = Annotated[None, Depends(check_csrf)]
