"""Account pages: join, log in and out, profile, e-mail confirmation, password change and
reset."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.accounts.ratelimit import RateLimiter
from readtoearn.config import Settings
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import freezes
from readtoearn.ledger.models import ENTRY_LABELS
from readtoearn.quests import dashboard, engagement
from readtoearn.rewards import service as rewards
from readtoearn.web.client import request_address, request_device
from readtoearn.web.credentials import session_cookie
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    CurrentReader,
    OptionalReader,
    PlainCommitterDep,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.errors import headers_of, status_of
from readtoearn.web.sessions import (
    SESSION_COOKIE,
    EmailBackendDep,
    RateLimiterDep,
    check_login,
    clear_session_cookie,
    set_language_cookie,
    set_session_cookie,
)
from readtoearn.web.templating import render
from readtoearn.web.trust import POW_FIELD, address_key, agate

router = APIRouter(prefix="/account", include_in_schema=False)
# The confirmation link of the e-mail, short and at the root: {base_url}/verify-email?token=...
email_router = APIRouter(include_in_schema=False)

DEFAULT_NEXT = "/account"
LANGUAGE_CHOICES = (("en", "English"), ("fr", "Français"))
RESET_SENT = (
    "If an account exists for this address, we have sent it a link to choose a new password. "
    "The link works once, within the hour."
)
PASSWORD_CHANGED = "Your password has been changed. Log in with the new one."  # noqa: S105
PASSWORDS_DIFFER = "the two new passwords differ"
JOINED = (
    "Thank you! We have sent a message to this address. If you have just joined, log in with "
    "your new password to start reading; the link in the message confirms your address."
)
VERIFICATION_SENT = "We have sent you a new confirmation link: check your inbox."

FormText = Annotated[str, Form(max_length=2000)]
NextParam = Annotated[str, Query(alias="next", max_length=2000)]


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """A local path to go to after logging in; anything that could leave the site is refused."""
    if not value:
        return default
    value = value.strip()
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return render(request, f"accounts/{template}", context, status_code=status_code)


def _redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _login_redirect(request: Request) -> RedirectResponse:
    return _redirect("/account/login?next=" + quote(request.url.path, safe=""))


# -- joining -----------------------------------------------------------------------------------


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, settings: SettingsDep, next_: NextParam = "") -> HTMLResponse:
    return _page(
        request,
        "signup.html",
        {
            "next": safe_next(next_),
            "values": {"language": settings.default_language},
            "languages": LANGUAGE_CHOICES,
        },
    )


@router.post("/signup", response_class=HTMLResponse)
async def signup(
    request: Request,
    _csrf: CsrfChecked,
    committer: PlainCommitterDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    limiter: RateLimiterDep,
    email: FormText = "",
    password: FormText = "",
    display_name: FormText = "",
    language: FormText = "",
    altcha: Annotated[str, Form(alias=POW_FIELD, max_length=8000)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    target = safe_next(next_)
    address = address_key(request)
    try:
        # The cheap refusals first (rate, proof of work), then the slow part (argon2), both
        # outside any writing transaction.
        await agate(request, [(settings.rate_limit_signup, ("signup", address))], proof=altcha)
        password_hash = await run_in_threadpool(
            accounts.prepare_password, settings, password, email=email, display_name=display_name
        )
        joined = await committer.run(
            lambda s: accounts.sign_up(
                s,
                settings,
                email=email,
                password=password,
                display_name=display_name,
                language=language or None,
                password_hash=password_hash,
                signup_address=request_address(request, settings),
                device=request_device(request, settings),
                limiter=limiter,
            )
        )
    except ReadToEarnError as exc:
        values = {"email": email, "display_name": display_name, "language": language}
        context = {"next": target, "values": values, "languages": LANGUAGE_CHOICES}
        page = _page(request, "signup.html", {**context, "error": exc.message}, status_of(exc))
        page.headers.update(headers_of(exc))
        return page
    # Sent once the account is committed, outside the shared commit (SMTP may be slow); a mail
    # that cannot leave now is sent again from the account page.
    if joined.message is not None:
        await run_in_threadpool(accounts.send_email, backend, joined.message)
    # The same answer whether the address was new or had an account (whose owner was told by
    # e-mail): the joiner logs in with their password next.
    return _redirect("/account/login?joined=1&next=" + quote(target, safe=""))


# -- logging in and out ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    next_: NextParam = "",
    reset: Annotated[str, Query(max_length=10)] = "",
    joined: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    notice = PASSWORD_CHANGED if reset == "done" else JOINED if joined else None
    return _page(request, "login.html", {"next": safe_next(next_), "notice": notice})


def _needs_proof(settings: Settings, limiter: RateLimiter, email: str) -> bool:
    """Whether a login for this address must carry a proof of work (login_pow_after)."""
    return accounts.login_failures(settings, limiter, email) >= settings.login_pow_after


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    _csrf: CsrfChecked,
    committer: PlainCommitterDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    email: FormText = "",
    password: FormText = "",
    altcha: Annotated[str, Form(alias=POW_FIELD, max_length=8000)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    target = safe_next(next_)
    previous = request.cookies.get(SESSION_COOKIE)
    device = request_device(request, settings)
    try:
        # After a few failures for the address, a proof of work too (the API always asks one).
        if await run_in_threadpool(_needs_proof, settings, limiter, email):
            await agate(request, [], proof=altcha)
        # The password is checked outside any writing transaction; the session shares a commit.
        checked = await check_login(request, limiter, email=email, password=password)
        user, secret = await committer.run(
            lambda s: accounts.open_session(
                s, settings, checked, previous_session=previous, device=device
            )
        )
    except ReadToEarnError as exc:
        needs_proof = await run_in_threadpool(_needs_proof, settings, limiter, email)
        context = {"next": target, "email": email, "error": exc.message, "pow": needs_proof}
        page = _page(request, "login.html", context, status_of(exc))
        page.headers.update(headers_of(exc))
        return page
    response = _redirect(target)
    set_session_cookie(response, settings, secret)
    set_language_cookie(response, settings, user.language)
    return response


@router.post("/logout")
def logout(request: Request, _csrf: CsrfChecked, session: SessionDep, settings: SettingsDep):
    secret = request.cookies.get(SESSION_COOKIE)
    accounts.end_session(session, secret)
    request.app.state.readers.forget(session_cookie(secret) if secret else None)
    response = _redirect("/")
    clear_session_cookie(response, settings)
    return response


# -- the reader's own pages --------------------------------------------------------------------


def _profile(
    request: Request,
    session: Session,
    reader: User,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    premium_until = rewards.get_premium_until(session, reader.id)
    settings: Settings = request.app.state.settings
    now = request.app.state.clock.now()
    context = {
        "dashboard": dashboard.get_dashboard(session, settings, reader.id, now=now),
        "sources": dashboard.SOURCES,
        "source_labels": dashboard.SOURCE_LABELS,
        "entry_labels": ENTRY_LABELS,
        "reader": reader,
        "languages": dict(LANGUAGE_CHOICES),
        "premium_until": premium_until,
        "email_verified": accounts.is_email_verified(reader),
        # The daily check-in and the streak (quests/_checkin.html), and the time zone, opt-in
        # and pseudonym (quests/_preferences.html).
        "streak": engagement.get_streak(session, reader.id, now, settings),
        "preferences": engagement.get_preferences(session, reader.id),
        "time_zones": engagement.list_time_zones(),
        # A frozen reader is told why (accounts/_frozen.html).
        "freeze": freezes.get_freeze(session, reader.id),
        **(extra or {}),
    }
    return _page(request, "profile.html", context, status_code)


@router.get("", response_class=HTMLResponse)
def profile(request: Request, reader: CurrentReader, session: SessionDep) -> HTMLResponse:
    return _profile(request, session, reader)


@router.post("/verify-email", response_class=HTMLResponse)
def resend_verification(
    request: Request,
    _csrf: CsrfChecked,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    limiter: RateLimiterDep,
) -> Response:
    try:
        sent = accounts.request_email_verification(session, settings, backend, limiter, reader)
    except ReadToEarnError as exc:
        page = _profile(request, session, reader, {"error": exc.message}, status_of(exc))
        page.headers.update(headers_of(exc))
        return page
    if not sent:  # verified already
        return _redirect("/account")
    return _profile(request, session, reader, {"notice": VERIFICATION_SENT})


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, reader: OptionalReader) -> Response:
    if reader is None:
        return _login_redirect(request)
    return _page(request, "password.html", {})


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    reader: OptionalReader,
    current_password: FormText = "",
    new_password: FormText = "",
    new_password_again: FormText = "",
) -> Response:
    if reader is None:
        return _login_redirect(request)
    if new_password != new_password_again:
        return _page(request, "password.html", {"error": PASSWORDS_DIFFER}, 400)
    try:
        accounts.change_password(
            session,
            settings,
            reader,
            current=current_password,
            new=new_password,
            keep_session=request.cookies.get(SESSION_COOKIE),
        )
    except ReadToEarnError as exc:
        return _page(request, "password.html", {"error": exc.message}, status_of(exc))
    return _page(request, "password.html", {"done": True})


# -- password reset ----------------------------------------------------------------------------


@router.get("/reset", response_class=HTMLResponse)
def reset_request_form(request: Request) -> HTMLResponse:
    return _page(request, "reset_request.html", {})


@router.post("/reset", response_class=HTMLResponse)
def reset_request(
    request: Request,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    limiter: RateLimiterDep,
    email: FormText = "",
) -> HTMLResponse:
    try:
        accounts.request_password_reset(session, settings, backend, limiter, email=email)
    except ReadToEarnError as exc:
        context = {"email": email, "error": exc.message}
        return _page(request, "reset_request.html", context, status_of(exc))
    return _page(request, "reset_request.html", {"sent": RESET_SENT})


def _no_referrer(response: Response) -> Response:
    # The page's address holds a secret (reset or confirmation link): never send it elsewhere.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, session: SessionDep) -> Response:
    try:
        accounts.check_reset_token(session, token)
    except ReadToEarnError as exc:
        page = _page(request, "reset_form.html", {"invalid": exc.message}, status_of(exc))
        return _no_referrer(page)
    return _no_referrer(_page(request, "reset_form.html", {}))


@router.post("/reset/{token}", response_class=HTMLResponse)
def reset_password(
    request: Request,
    token: str,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    new_password: FormText = "",
    new_password_again: FormText = "",
) -> Response:
    if new_password != new_password_again:
        return _no_referrer(_page(request, "reset_form.html", {"error": PASSWORDS_DIFFER}, 400))
    try:
        accounts.reset_password(session, settings, token, new_password)
    except ReadToEarnError as exc:
        key = "invalid" if exc.code == "invalid_reset" else "error"
        return _no_referrer(_page(request, "reset_form.html", {key: exc.message}, status_of(exc)))
    response = _redirect("/account/login?reset=done")
    clear_session_cookie(response, settings)
    return _no_referrer(response)


# -- e-mail confirmation -----------------------------------------------------------------------
# Following the link only shows a page: the address is confirmed by its button (a POST), so the
# mail scanners that fetch every link of a message do not use it up.

TokenParam = Annotated[str, Query(max_length=200)]


@email_router.get("/verify-email", response_class=HTMLResponse)
def verify_email_form(request: Request, session: SessionDep, token: TokenParam = "") -> Response:
    try:
        accounts.check_email_verification(session, token)
    except ReadToEarnError as exc:
        page = _page(request, "verify_email.html", {"invalid": exc.message}, status_of(exc))
        return _no_referrer(page)
    return _no_referrer(_page(request, "verify_email.html", {"token": token}))


@email_router.post("/verify-email", response_class=HTMLResponse)
def verify_email(
    request: Request,
    _csrf: CsrfChecked,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        user = accounts.verify_email(session, token)
    except ReadToEarnError as exc:
        page = _page(request, "verify_email.html", {"invalid": exc.message}, status_of(exc))
        return _no_referrer(page)
    return _no_referrer(_page(request, "verify_email.html", {"verified": user.email}))
