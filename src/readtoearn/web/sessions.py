"""Browser sessions on the web side: the cookies, the middleware that puts the signed-in user on
`request.state.user`, and the shared rate limiter and e-mail backend of an app."""

from __future__ import annotations

import asyncio
import threading
from http.cookies import SimpleCookie
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.accounts import service as accounts
from readtoearn.accounts.email import EmailBackend, make_email_backend
from readtoearn.accounts.models import User
from readtoearn.accounts.ratelimit import RateLimiter, make_rate_limiter
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Busy
from readtoearn.web import client, csrf
from readtoearn.web.errors import busy_response
from readtoearn.web.i18n import LANG_COOKIE

SESSION_COOKIE = csrf.SESSION_COOKIE
SKIPPED_PREFIXES = ("/api/", "/static/")
_lock = threading.Lock()


def secure_cookies(settings: Settings) -> bool:
    """Cookies carry the Secure flag when the site is served over HTTPS."""
    return settings.base_url.lower().startswith("https://")


def set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    """Hand the browser its session secret: HttpOnly, SameSite=Lax, Secure on HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


def set_language_cookie(response: Response, settings: Settings, language: str) -> None:
    """Remember the reader's interface language (read by web.i18n.negotiate)."""
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=365 * 86400,
        path="/",
        samesite="lax",
        secure=secure_cookies(settings),
    )


def _cookie_header(name: str, value: str, settings: Settings, *, max_age: int) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "lax"
    morsel["max-age"] = max_age
    if secure_cookies(settings):
        morsel["secure"] = True
    return morsel.OutputString()


class AccountsMiddleware:
    """For pages (not /api/ or /static/): make sure the browser has a CSRF cookie, put the
    token for forms on `request.state.csrf_token`, and the signed-in user (or None) on
    `request.state.user`. A dead session cookie is cleared."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIPPED_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = scope["app"].state.settings
        secret_key = settings.resolved_secret_key
        cookies = request.cookies
        set_cookies: list[str] = []

        csrf_cookie = cookies.get(csrf.CSRF_COOKIE, "")
        if not csrf.well_formed(csrf_cookie):
            csrf_cookie = csrf.new_cookie_value()
            # The pages every visitor shares hold no form, and a shared cache must not keep a
            # cookie: the browser gets this one on the first page with a form (web/pagecache.py).
            if not client.is_shared_page(scope["path"], cookies):
                set_cookies.append(
                    _cookie_header(csrf.CSRF_COOKIE, csrf_cookie, settings, max_age=csrf.MAX_AGE)
                )
        user: User | None = None
        session_secret = cookies.get(SESSION_COOKIE)
        if session_secret:
            database: Database = scope["app"].state.db
            try:
                async with database.admitted(write=False):
                    user = await run_in_threadpool(_load_user, database, session_secret)
            except Busy:
                await busy_response(request)(scope, receive, send)
                return
            if user is None:
                set_cookies.append(_cookie_header(SESSION_COOKIE, "", settings, max_age=0))
                session_secret = None  # cleared: the form comes back without it
        request.state.user = user
        # Bound to the session the form will come back with (web/csrf.py).
        request.state.csrf_token = csrf.token_for(secret_key, csrf_cookie, session_secret or "")

        if not set_cookies:
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for value in set_cookies:
                    headers.append("set-cookie", value)
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def _load_user(database: Database, secret: str) -> User | None:
    with database.session() as session:
        return accounts.get_session_user(session, secret)


# -- per-app services --------------------------------------------------------------------------


def _per_app(request: Request, name: str, make: Any) -> Any:
    state = request.app.state
    value = getattr(state, name, None)
    if value is None:
        with _lock:
            value = getattr(state, name, None)
            if value is None:
                value = make(state.settings)
                setattr(state, name, value)
    return value


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's login limiter (in process, or Redis when redis_url is set)."""
    limiter: RateLimiter = _per_app(request, "rate_limiter", make_rate_limiter)
    return limiter


def get_email_backend(request: Request) -> EmailBackend:
    """The app's e-mail backend (outbox folder, or SMTP when smtp_host is set)."""
    backend: EmailBackend = _per_app(request, "email_backend", make_email_backend)
    return backend


async def check_login(
    request: Request, limiter: RateLimiter, *, email: str, password: str
) -> accounts.CheckedLogin:
    """Limits, user and password checked in a reading transaction (argon2 runs in a thread):
    a crowd of logins never holds the database's writer while it hashes. Every login, page or
    API, counts against rate_limit_login for its address group first; an address with failures
    past login_pow_after waits a little more at each attempt (on the event loop, holding no
    thread nor connection)."""
    database: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    ip = client.client_ip(request, settings)
    group = client.address_group(ip, settings) or "unknown"
    device = client.request_device(request, settings)
    backend = get_email_backend(request)

    def check() -> accounts.CheckedLogin:
        with database.session() as session:
            return accounts.check_login(
                session,
                settings,
                limiter,
                email=email,
                password=password,
                ip=ip,
                device=device,
                backend=backend,
            )

    # Counted before the database is asked for anything: a refusal costs it nothing.
    await run_in_threadpool(limiter.limit, settings.rate_limit_login, "login", group)
    failures = await run_in_threadpool(accounts.login_failures, settings, limiter, email)
    delay = accounts.login_slowdown_s(settings, failures)
    if delay:
        await asyncio.sleep(delay)
    async with database.admitted(write=False):
        return await run_in_threadpool(check)


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
EmailBackendDep = Annotated[EmailBackend, Depends(get_email_backend)]
