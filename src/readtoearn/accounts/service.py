"""Accounts: joining, logging in and out, sessions, API tokens, password change and reset,
e-mail verification and integrators' sign-in.

Every secret handed out (session cookie, bearer token, reset or verification link) is
`secrets.token_urlsafe(32)`; only its SHA-256 is stored, so a copy of the database lets nobody in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts import passwords
from readtoearn.accounts.email import EmailBackend, OutgoingEmail, letter
from readtoearn.accounts.models import (
    ApiToken,
    EmailVerification,
    PasswordReset,
    User,
    UserSession,
)
from readtoearn.accounts.ratelimit import RateLimiter
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import (
    Busy,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from readtoearn.fraud import sightings
from readtoearn.fraud.models import SightingKind
from readtoearn.ledger import service as ledger

log = logging.getLogger(__name__)

LANGUAGES = ("en", "fr")
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 120
MAX_TOKEN_LENGTH = 200
RESET_TTL = timedelta(hours=1)
RESET_REQUESTS_PER_HOUR = 5
VERIFICATION_REQUESTS_PER_HOUR = 3
JOIN_NOTICES_PER_HOUR = 3
ASSERTION_MAX_LIFETIME = timedelta(hours=1)
BAD_CREDENTIALS = "wrong e-mail or password"
TOO_MANY_ATTEMPTS = (
    "too many failed login attempts: wait a few minutes before trying again, or log in from a "
    "device you have used here before"
)
MAX_LOGIN_SLOWDOWN_S = 5.0
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


# -- small helpers -----------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh random secret for a cookie, a bearer token or a link."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_email(email: str) -> str:
    """Strip and lower-case an address, refusing what cannot be one."""
    value = email.strip().lower()
    if not value:
        raise InvalidInput("an e-mail address is required", code="invalid_email")
    if len(value) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(value):
        raise InvalidInput("this does not look like an e-mail address", code="invalid_email")
    return value


def _clean_name(display_name: str, email: str) -> str:
    name = " ".join(display_name.split())
    if not name:
        name = email.partition("@")[0]
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"the display name must be at most {MAX_NAME_LENGTH} characters", code="invalid_name"
        )
    return name[:MAX_NAME_LENGTH]


def _clean_language(language: str | None, settings: Settings) -> str:
    if not language:
        return settings.default_language
    if language not in LANGUAGES:
        raise InvalidInput("the language must be 'en' or 'fr'", code="invalid_language")
    return language


def _valid(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and expires_at > now


# -- users -------------------------------------------------------------------------------------


def create_user(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    language: str | None = None,
    is_operator: bool = False,
    external_id: str | None = None,
    password_hash: str | None = None,
    email_verified: bool = False,
    signup_address: str | None = None,
) -> User:
    """Create a reader (or an operator); `password=None` makes one who cannot log in by password.
    `password_hash` is the password's hash when it was computed beforehand, outside the
    transaction (`passwords.hash_password`: tens of milliseconds of CPU). `email_verified` when
    whoever creates the account vouches for the address (an operator, an integrator);
    `signup_address` is the keyed hash of the address group it was created from.

    Raises InvalidInput for a bad address, name, language or weak password, Conflict when the
    e-mail (or the integrator's id) is already taken.
    """
    address = normalise_email(email)
    name = _clean_name(display_name, address)
    lang = _clean_language(language, settings)
    if password is not None:
        passwords.check_strength(password, email=address, display_name=name)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict("an account with this e-mail already exists", code="email_taken")
    user = User(
        email=address,
        display_name=name,
        language=lang,
        password_hash=(password_hash or passwords.hash_password(settings, password))
        if password
        else None,
        is_operator=is_operator,
        external_id=external_id,
        email_verified_at=utcnow() if email_verified else None,
        signup_address=signup_address,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # Another request took the address between the check and the insert.
        raise Conflict("an account with this e-mail already exists", code="email_taken") from None
    # Every way of joining (signup page, CLI, integrator exchange) comes through here, so each
    # reader gets exactly one points wallet, in the same transaction as the account.
    ledger.get_or_create_wallet(session, user.id)
    return user


def prepare_password(
    settings: Settings, password: str, *, email: str, display_name: str = ""
) -> str:
    """A new password checked for strength and hashed: the slow part of joining, to run before
    the writing transaction (then `sign_up(..., password_hash=...)`)."""
    address = normalise_email(email)
    passwords.check_strength(
        password, email=address, display_name=_clean_name(display_name, address)
    )
    return passwords.hash_password(settings, password)


def register_reader(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str = "",
    language: str | None = None,
    password_hash: str | None = None,
    signup_address: str | None = None,
) -> User:
    """A reader joins the programme with an e-mail and a password; returns the new User."""
    return create_user(
        session,
        settings,
        email=email,
        password=password,
        display_name=display_name,
        language=language,
        password_hash=password_hash,
        signup_address=signup_address,
    )


def get_user(session: Session, user_id: uuid.UUID | str) -> User:
    """One user by id, or NotFound."""
    try:
        key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        raise NotFound("no such user") from None
    user = session.get(User, key)
    if user is None:
        raise NotFound("no such user")
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    """A user by address (normalised), or None."""
    address = email.strip().lower()
    return session.scalar(select(User).where(User.email == address))


def list_users(session: Session, *, limit: int = 1000, offset: int = 0) -> list[User]:
    """Users, oldest first."""
    query = select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
    return list(session.scalars(query))


# -- logging in --------------------------------------------------------------------------------


def _login_keys(email: str, ip: str | None) -> tuple[str, str | None]:
    # Hashed so the limiter's store (Redis) never holds readers' addresses.
    email_key = "login:email:" + hash_secret(email.strip().lower())[:32]
    return email_key, (f"login:ip:{ip}" if ip else None)


def login_failures(settings: Settings, limiter: RateLimiter, email: str) -> int:
    """The failed logins of an address in the current window (what the slow-down, the proof of
    work and the lockout go by)."""
    return limiter.count(_login_keys(email, None)[0], settings.login_window_s)


def login_slowdown_s(settings: Settings, failures: int) -> float:
    """How long an attempt on an address waits before its password is checked: nothing for the
    first login_pow_after failures, then login_slowdown_s more for each, at most
    MAX_LOGIN_SLOWDOWN_S."""
    beyond = failures - settings.login_pow_after
    if beyond < 0:
        return 0.0
    return min(MAX_LOGIN_SLOWDOWN_S, settings.login_slowdown_s * (beyond + 1))


def is_known_device(session: Session, user_id: uuid.UUID, device: str | None) -> bool:
    """Whether an account was seen on a device before (sign-up, login, read, redemption)."""
    return user_id in sightings.accounts_on(session, SightingKind.DEVICE, device)


LOCKED_TEXT = {
    "en": (
        "Too many failed logins on your account",
        "Hello {name},\n\nSomeone has tried many wrong passwords on your {site} account, so we "
        "have paused logins with it for {minutes} minutes.\nYou can still log in with your "
        "password from a device you have used with {site} before.\nIf it was not you, nothing is "
        "lost: your password was not found. If you fear it may be guessed, choose a new one:\n\n"
        "{link}\n",
    ),
    "fr": (
        "Trop de connexions échouées sur votre compte",
        "Bonjour {name},\n\nQuelqu'un a essayé de nombreux mots de passe erronés sur votre "
        "compte {site} : nous avons suspendu les connexions pour {minutes} minutes.\nVous pouvez "
        "toujours vous connecter avec votre mot de passe depuis un appareil déjà utilisé sur "
        "{site}.\nSi ce n'était pas vous, rien n'est perdu : votre mot de passe n'a pas été "
        "trouvé. Si vous craignez qu'il soit deviné, choisissez-en un nouveau :\n\n{link}\n",
    ),
}


def lockout_email(settings: Settings, user: User) -> OutgoingEmail:
    """The message that tells an account's owner that logins with it are paused."""
    link = f"{settings.base_url.rstrip('/')}/account/reset"
    minutes = max(1, settings.login_window_s // 60)
    return letter(settings, user, LOCKED_TEXT, link=link, minutes=minutes)


@dataclass(frozen=True)
class CheckedLogin:
    """Credentials found right, before anything is written (see `check_login`)."""

    user_id: uuid.UUID
    hash_seen: str
    new_hash: str | None  # the password hashed again with today's parameters, when they changed


def check_login(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    ip: str | None = None,
    device: str | None = None,
    backend: EmailBackend | None = None,
) -> CheckedLogin:
    """The half of a login that only reads: the limits, the user, the password (argon2, the slow
    part). Unauthorized for an unknown e-mail and a wrong password alike, in about the same time;
    RateLimited after too many failures. Run it outside a writing transaction, then
    `complete_login` in one: a crowd of logins then never holds SQLite's one writer while
    hashing.

    Every attempt is counted before its password is checked, in the same atomic step that says
    whether it is over the limit: of any number of simultaneous attempts on one address, at most
    login_max_attempts get their password checked. Past that the address is locked for the rest
    of the window, except from a device the account was seen on (`device`, the keyed hash of the
    device cookie), whose attempts have a count of their own: whoever knows an address cannot
    lock its owner out. The attempt that starts a lockout e-mails the owner (through `backend`),
    once. A success clears the address's count (unless it is locked) and gives its attempt back
    to the client's (only failures count there).
    """
    window = settings.login_window_s
    email_key, ip_key = _login_keys(email, ip)
    attempts = limiter.hit(email_key, window)
    locked = attempts > settings.login_max_attempts
    user = get_user_by_email(session, email)
    device_key = None
    if locked:
        if attempts == settings.login_max_attempts + 1 and user is not None and backend:
            send_email(backend, lockout_email(settings, user))
        if user is None or not is_known_device(session, user.id, device):
            raise RateLimited(
                TOO_MANY_ATTEMPTS,
                code="too_many_attempts",
                retry_after_s=limiter.retry_after(email_key),
            )
        device_key = f"{email_key}:device:{device}"
        if limiter.hit(device_key, window) > settings.login_max_attempts:
            raise RateLimited(
                TOO_MANY_ATTEMPTS,
                code="too_many_attempts",
                retry_after_s=limiter.retry_after(device_key),
            )
    if ip_key and limiter.hit(ip_key, window) > settings.login_max_attempts_per_ip:
        raise RateLimited(
            TOO_MANY_ATTEMPTS, code="too_many_attempts", retry_after_s=limiter.retry_after(ip_key)
        )
    try:
        ok = passwords.verify_password(settings, user.password_hash if user else None, password)
    except Busy:
        # Not checked: the attempt is given back (a busy server costs the owner no attempt).
        for key in (device_key, ip_key) if locked else (email_key, ip_key):
            if key:
                limiter.give_back(key, window)
        raise
    if not ok or user is None or not user.is_active or user.password_hash is None:
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    limiter.reset(device_key or email_key)
    if ip_key:
        limiter.give_back(ip_key, window)
    new_hash = None
    if passwords.needs_rehash(settings, user.password_hash):
        with suppress(Busy):  # done at a later login, when the server is less busy
            new_hash = passwords.hash_password(settings, password)
    return CheckedLogin(user.id, user.password_hash, new_hash)


def complete_login(session: Session, checked: CheckedLogin) -> User:
    """The writing half of a login: the user as checked (Unauthorized if the password changed or
    the account was closed in between), the new hash, the time of the login."""
    user = session.get(User, checked.user_id)
    if user is None or not user.is_active or user.password_hash != checked.hash_seen:
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    if checked.new_hash:
        user.password_hash = checked.new_hash
    user.last_login_at = utcnow()
    return user


def authenticate(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    ip: str | None = None,
) -> User:
    """The user these credentials belong to, or Unauthorized (the same answer for an unknown
    e-mail and a wrong password, in about the same time). Too many failures → RateLimited.

    Rehashes the password when the hashing parameters have changed since it was set.
    """
    checked = check_login(session, settings, limiter, email=email, password=password, ip=ip)
    return complete_login(session, checked)


# -- browser sessions --------------------------------------------------------------------------


def start_session(session: Session, settings: Settings, user: User) -> str:
    """Open a browser session; returns the secret for the cookie (stored only as a hash)."""
    secret = new_secret()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_secret(secret),
            expires_at=utcnow() + timedelta(days=settings.session_days),
        )
    )
    session.flush()
    return secret


def sign_up(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str = "",
    language: str | None = None,
    password_hash: str | None = None,
    signup_address: str | None = None,
    device: str | None = None,
    limiter: RateLimiter | None = None,
) -> Joined:
    """Join: the new reader and the verification e-mail to send once the transaction has
    committed (`send_email`). The joiner then logs in with their password.

    An address that already has an account gets no new one and no error either: its owner is
    e-mailed instead (at most JOIN_NOTICES_PER_HOUR an hour when a `limiter` is given), so the
    answer is the same whether or not the address has an account and the form tells nobody who
    has one."""
    try:
        user = register_reader(
            session,
            settings,
            email=email,
            password=password,
            display_name=display_name,
            language=language,
            password_hash=password_hash,
            signup_address=signup_address,
        )
    except Conflict as exc:
        owner = get_user_by_email(session, email) if exc.code == "email_taken" else None
        if owner is None:
            raise
        key = "join-notice:" + hash_secret(owner.email)[:32]
        if not owner.is_active or (limiter and limiter.hit(key, 3600) > JOIN_NOTICES_PER_HOUR):
            return Joined(None, None)
        return Joined(None, already_joined_email(settings, owner))
    if device:  # the device it joined from is one its owner is known by
        sightings.record(session, user.id, sightings.Seen(device=device), utcnow())
    return Joined(user, start_email_verification(session, settings, user))


@dataclass(frozen=True)
class Joined:
    """What joining did: the new account (None when the address had one already) and the e-mail
    to send, a confirmation link or a word to the address's owner (None: nothing to send)."""

    user: User | None
    message: OutgoingEmail | None


ALREADY_JOINED_TEXT = {
    "en": (
        "You already have an account",
        "Hello {name},\n\nSomeone (perhaps you) tried to join {site} with this address, which "
        "already has an account. Nothing has changed.\n\nIf it was you, log in here:\n{login}\n"
        "\nForgotten your password? Choose a new one here:\n{reset}\n\nIf it was not you, ignore "
        "this message.\n",
    ),
    "fr": (
        "Vous avez déjà un compte",
        "Bonjour {name},\n\nQuelqu'un (vous, peut-être) a essayé de s'inscrire sur {site} avec "
        "cette adresse, qui a déjà un compte. Rien n'a changé.\n\nSi c'était vous, connectez-vous "
        "ici :\n{login}\n\nMot de passe oublié ? Choisissez-en un nouveau ici :\n{reset}\n\n"
        "Si ce n'était pas vous, ignorez ce message.\n",
    ),
}


def already_joined_email(settings: Settings, user: User) -> OutgoingEmail:
    """The message that tells an account's owner that someone tried to join with their address."""
    base = settings.base_url.rstrip("/")
    return letter(
        settings,
        user,
        ALREADY_JOINED_TEXT,
        login=f"{base}/account/login",
        reset=f"{base}/account/reset",
    )


def log_in(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    ip: str | None = None,
    previous_session: str | None = None,
) -> tuple[User, str]:
    """Check credentials and open a fresh session, in one transaction (the web routes run the
    two halves apart: `check_login`, then `open_session`)."""
    checked = check_login(session, settings, limiter, email=email, password=password, ip=ip)
    return open_session(session, settings, checked, previous_session=previous_session)


def open_session(
    session: Session,
    settings: Settings,
    checked: CheckedLogin,
    *,
    previous_session: str | None = None,
    device: str | None = None,
) -> tuple[User, str]:
    """Complete a checked login and open a fresh session (the previous one, if any, is ended, so
    a session secret planted before login is worth nothing after it). `device`, the keyed hash of
    the browser's device cookie, is noted as one of the account's known devices."""
    user = complete_login(session, checked)
    end_session(session, previous_session)
    if device:
        sightings.record(session, user.id, sightings.Seen(device=device), utcnow())
    return user, start_session(session, settings, user)


def _session_row(session: Session, secret: str | None) -> UserSession | None:
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(select(UserSession).where(UserSession.token_hash == hash_secret(secret)))


def _live_user(
    session: Session, credential: type[UserSession] | type[ApiToken], secret: str | None
) -> User | None:
    """The active user behind a live (unexpired, unrevoked) session or token secret."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    query = (
        select(User)
        .join(credential, credential.user_id == User.id)
        .where(
            credential.token_hash == hash_secret(secret),
            credential.revoked_at.is_(None),
            credential.expires_at > utcnow(),
            User.is_active.is_(True),
        )
    )
    return session.scalar(query)


def get_session_user(session: Session, secret: str | None) -> User | None:
    """The user of a live session cookie, or None (unknown, expired, revoked, or deactivated)."""
    return _live_user(session, UserSession, secret)


def end_session(session: Session, secret: str | None) -> None:
    """Revoke the session a cookie names (logging out); unknown cookies are ignored."""
    row = _session_row(session, secret)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_sessions(session: Session, user: User, *, keep: str | None = None) -> int:
    """Revoke every live session of a user except the one whose secret is `keep`."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep:
        query = query.where(UserSession.token_hash != hash_secret(keep))
    result = session.execute(query.values(revoked_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def change_password(
    session: Session,
    settings: Settings,
    user: User,
    *,
    current: str,
    new: str,
    keep_session: str | None = None,
) -> None:
    """Change a password after checking the current one; every other session is revoked."""
    if not passwords.verify_password(settings, user.password_hash, current):
        raise Unauthorized("the current password is wrong", code="bad_credentials")
    passwords.check_strength(new, email=user.email, display_name=user.display_name)
    if secrets.compare_digest(current.encode(), new.encode()):
        raise InvalidInput(
            "the new password must differ from the current one", code="same_password"
        )
    user.password_hash = passwords.hash_password(settings, new)
    revoke_sessions(session, user, keep=keep_session)


# -- API tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token as handed to the client: the secret itself is shown once, here only."""

    token: str
    expires_at: datetime
    user: User


def issue_api_token(
    session: Session, settings: Settings, user: User, *, source: str = "password"
) -> IssuedToken:
    """A new bearer token for a user, valid for `api_token_days`."""
    secret = new_secret()
    expires_at = utcnow() + timedelta(days=settings.api_token_days)
    session.add(
        ApiToken(
            user_id=user.id, token_hash=hash_secret(secret), source=source, expires_at=expires_at
        )
    )
    session.flush()
    return IssuedToken(token=secret, expires_at=expires_at, user=user)


def login_for_token(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    ip: str | None = None,
) -> IssuedToken:
    """Credentials in, bearer token out, in one transaction (POST /api/v1/auth/token runs the two
    halves apart: `check_login`, then `token_for_login`)."""
    checked = check_login(session, settings, limiter, email=email, password=password, ip=ip)
    return token_for_login(session, settings, checked)


def token_for_login(session: Session, settings: Settings, checked: CheckedLogin) -> IssuedToken:
    """Complete a checked login with a bearer token."""
    return issue_api_token(session, settings, complete_login(session, checked))


def _token_row(session: Session, secret: str | None) -> ApiToken | None:
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))


def get_token_user(session: Session, secret: str | None) -> User | None:
    """The user of a live bearer token, or None (unknown, expired, revoked, or deactivated)."""
    return _live_user(session, ApiToken, secret)


def revoke_api_token(session: Session, secret: str | None) -> None:
    """Revoke a live bearer token, or Unauthorized when it is not one."""
    row = _token_row(session, secret)
    if row is None or not _valid(row.expires_at, row.revoked_at, utcnow()):
        raise Unauthorized("invalid or expired token", code="invalid_token")
    row.revoked_at = utcnow()


def revoke_api_tokens(session: Session, user: User) -> int:
    """Revoke every live bearer token of a user."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- password reset ----------------------------------------------------------------------------

RESET_TEXT = {
    "en": (
        "Reset your password",
        "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your {site} "
        "account.\nChoose a new one here within the hour:\n\n{link}\n\nIf it was not you, ignore "
        "this message: your password stays as it is.\n",
    ),
    "fr": (
        "Réinitialiser votre mot de passe",
        "Bonjour {name},\n\nQuelqu'un (vous, nous l'espérons) a demandé à réinitialiser le mot "
        "de passe de votre compte {site}.\nChoisissez-en un nouveau ici dans l'heure :\n\n{link}\n"
        "\nSi ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas.\n",
    ),
}


def request_password_reset(
    session: Session,
    settings: Settings,
    backend: EmailBackend,
    limiter: RateLimiter,
    *,
    email: str,
) -> None:
    """E-mail a single-use reset link (1 h) when the address has an account.

    Says nothing either way, so the form cannot be used to learn who has an account; at most
    RESET_REQUESTS_PER_HOUR messages per address and hour.
    """
    address = normalise_email(email)
    user = get_user_by_email(session, address)
    if user is None or not user.is_active:
        return
    if limiter.hit("reset:" + hash_secret(address)[:32], 3600) > RESET_REQUESTS_PER_HOUR:
        return
    secret = new_secret()
    session.add(
        PasswordReset(
            user_id=user.id, token_hash=hash_secret(secret), expires_at=utcnow() + RESET_TTL
        )
    )
    session.flush()
    link = f"{settings.base_url.rstrip('/')}/account/reset/{secret}"
    backend.send(letter(settings, user, RESET_TEXT, link=link))


def check_reset_token(session: Session, secret: str) -> PasswordReset:
    """The live reset request a link names, or InvalidInput (unknown, used or expired)."""
    row = (
        session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_secret(secret)))
        if secret and len(secret) <= MAX_TOKEN_LENGTH
        else None
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidInput(
            "this reset link is invalid or has expired: ask for a new one", code="invalid_reset"
        )
    return row


def reset_password(session: Session, settings: Settings, secret: str, new: str) -> User:
    """Set a new password through a reset link; the link and every session die with it."""
    row = check_reset_token(session, secret)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise InvalidInput(
            "this reset link is invalid or has expired: ask for a new one", code="invalid_reset"
        )
    passwords.check_strength(new, email=user.email, display_name=user.display_name)
    now = utcnow()
    # Mark it used with a guarded update, so two concurrent uses cannot both succeed.
    used = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if not getattr(used, "rowcount", 0):
        raise InvalidInput(
            "this reset link is invalid or has expired: ask for a new one", code="invalid_reset"
        )
    # Any other outstanding link for this user dies too.
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = passwords.hash_password(settings, new)
    revoke_sessions(session, user)
    revoke_api_tokens(session, user)
    return user


# -- e-mail verification ----------------------------------------------------------------------

VERIFY_TEXT = {
    "en": (
        "Confirm your e-mail address",
        "Hello {name},\n\nWelcome to {site}! Confirm that this address is yours by opening this "
        "link within {days} days and pressing the button on the page:\n\n{link}\n\nYou can earn "
        "points straight away; rewards are redeemed once the address is confirmed.\nIf you did not "
        "join {site}, ignore this message.\n",
    ),
    "fr": (
        "Confirmez votre adresse e-mail",
        "Bonjour {name},\n\nBienvenue sur {site} ! Confirmez que cette adresse est la vôtre en "
        "ouvrant ce lien d'ici {days} jours et en appuyant sur le bouton de la page :\n\n{link}\n"
        "\nVous pouvez gagner des points dès maintenant ; les récompenses s'obtiennent une fois "
        "l'adresse confirmée.\nSi vous ne vous êtes pas inscrit sur {site}, ignorez ce message.\n",
    ),
}
INVALID_VERIFICATION = "this confirmation link is invalid or has expired: ask for a new one"
TOO_MANY_VERIFICATIONS = (
    "we have sent several confirmation e-mails already: wait before asking again"
)
EMAIL_UNAVAILABLE = "we could not send the e-mail just now: try again in a few minutes"


def is_email_verified(user: User) -> bool:
    """Whether the reader has shown they receive mail at their address (or it was vouched for)."""
    return user.email_verified_at is not None


def start_email_verification(session: Session, settings: Settings, user: User) -> OutgoingEmail:
    """A new single-use confirmation link for a reader's address (valid email_verification_days),
    as the message to send once the transaction has committed (`send_email`)."""
    secret = new_secret()
    days = settings.email_verification_days
    session.add(
        EmailVerification(
            user_id=user.id,
            token_hash=hash_secret(secret),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    session.flush()
    link = f"{settings.base_url.rstrip('/')}/verify-email?token={secret}"
    return letter(settings, user, VERIFY_TEXT, link=link, days=days)


def request_email_verification(
    session: Session,
    settings: Settings,
    backend: EmailBackend,
    limiter: RateLimiter,
    user: User,
) -> bool:
    """E-mail a new confirmation link to a reader who asks again; False when the address is
    verified already. RateLimited past VERIFICATION_REQUESTS_PER_HOUR an hour, Unavailable when
    the mail cannot leave."""
    if is_email_verified(user):
        return False
    key = f"verify:{user.id}"
    if limiter.hit(key, 3600) > VERIFICATION_REQUESTS_PER_HOUR:
        raise RateLimited(
            TOO_MANY_VERIFICATIONS, code="too_many_emails", retry_after_s=limiter.retry_after(key)
        )
    if not send_email(backend, start_email_verification(session, settings, user)):
        raise Unavailable(EMAIL_UNAVAILABLE, code="email_unavailable")
    return True


def send_email(backend: EmailBackend, message: OutgoingEmail) -> bool:
    """Deliver a message; False (and a log line, without the message) when the backend cannot."""
    try:
        backend.send(message)
    except OSError as exc:
        log.warning("could not send an e-mail (%s)", type(exc).__name__)
        return False
    return True


def check_email_verification(session: Session, secret: str) -> EmailVerification:
    """The live confirmation link a token names, or InvalidInput (unknown, used or expired)."""
    row = (
        session.scalar(
            select(EmailVerification).where(EmailVerification.token_hash == hash_secret(secret))
        )
        if secret and len(secret) <= MAX_TOKEN_LENGTH
        else None
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidInput(INVALID_VERIFICATION, code="invalid_verification")
    return row


def verify_email(session: Session, secret: str) -> User:
    """Confirm a reader's address through their link; the link (and any older one) is used up."""
    row = check_email_verification(session, secret)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise InvalidInput(INVALID_VERIFICATION, code="invalid_verification")
    now = utcnow()
    # A guarded update, so two concurrent uses of one link cannot both count.
    used = session.execute(
        update(EmailVerification)
        .where(EmailVerification.id == row.id, EmailVerification.used_at.is_(None))
        .values(used_at=now)
    )
    if not getattr(used, "rowcount", 0):
        raise InvalidInput(INVALID_VERIFICATION, code="invalid_verification")
    session.execute(
        update(EmailVerification)
        .where(EmailVerification.user_id == user.id, EmailVerification.used_at.is_(None))
        .values(used_at=now)
    )
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


# -- integrators' sign-in ----------------------------------------------------------------------


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_assertion(secret: str, claims: dict[str, Any]) -> str:
    """An integrator's assertion: base64url(JSON claims) "." base64url(HMAC-SHA256)."""
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64encode(signature)}"


def _verify_assertion(settings: Settings, assertion: str) -> dict[str, Any]:
    invalid = Unauthorized("invalid assertion", code="invalid_assertion")
    payload, dot, signature = assertion.strip().partition(".")
    if not dot or not payload or not signature or len(assertion) > 8192:
        raise invalid
    expected = hmac.new(
        settings.integrator_secret.encode(), payload.encode("ascii", "replace"), hashlib.sha256
    ).digest()
    try:
        given = _b64decode(signature)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not hmac.compare_digest(expected, given):
        raise invalid
    try:
        claims = json.loads(_b64decode(payload))
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "the assertion's payload is not JSON", code="invalid_assertion"
        ) from None
    if not isinstance(claims, dict):
        raise InvalidInput("the assertion's payload must be an object", code="invalid_assertion")
    return claims


def exchange_assertion(
    session: Session, settings: Settings, assertion: str, *, signup_address: str | None = None
) -> IssuedToken:
    """Trade an integrator's signed assertion for a reader token, creating the reader the first
    time their `sub` is seen. The same assertion may be used again until it expires. A claim
    `email_verified: true` vouches for the reader's address (when it is the one on record)."""
    if not settings.integrator_secret:
        raise Forbidden("integrator sign-in is not enabled on this site", code="exchange_disabled")
    claims = _verify_assertion(settings, assertion)
    exp, sub, email = claims.get("exp"), claims.get("sub"), claims.get("email")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidInput("exp must be a Unix time in seconds", code="invalid_assertion")
    now = utcnow()
    expires = datetime.fromtimestamp(exp, tz=UTC)
    if expires <= now:
        raise Unauthorized("the assertion has expired", code="assertion_expired")
    if expires > now + ASSERTION_MAX_LIFETIME:
        raise Unauthorized("the assertion must expire within an hour", code="assertion_too_long")
    if not isinstance(sub, str | int) or isinstance(sub, bool) or not str(sub).strip():
        raise InvalidInput("sub must be the integrator's user id", code="invalid_assertion")
    external_id = str(sub).strip()[:200]
    user = session.scalar(select(User).where(User.external_id == external_id))
    if user is None:
        if not isinstance(email, str):
            raise InvalidInput("email is required for a new reader", code="invalid_assertion")
        name = claims.get("name")
        language = claims.get("language")
        user = create_user(
            session,
            settings,
            email=email,
            password=None,
            display_name=name if isinstance(name, str) else "",
            language=language if isinstance(language, str) and language in LANGUAGES else None,
            external_id=external_id,
            email_verified=claims.get("email_verified") is True,
            signup_address=signup_address,
        )
    elif not user.is_active:
        raise Forbidden("this account is disabled", code="account_disabled")
    elif (
        claims.get("email_verified") is True
        and user.email_verified_at is None
        and isinstance(email, str)
        and email.strip().lower() == user.email
    ):
        user.email_verified_at = now
    user.last_login_at = now
    return issue_api_token(session, settings, user, source="exchange")
