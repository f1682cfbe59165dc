"""Readers signed in by their site's JWT (PyJWT): HS256 with a shared secret by default, RS256 or
ES256 with a registered public key.

The token names its key by `kid` (optional when the site has exactly one live key). It must carry
`exp`, at most `sso_max_lifetime_s` ahead, and `sub` (or `user.id`); `email` and `name` (or
`user.email`, `user.name`/`user.username`) fill the reader in. A `jti` makes it single use: seen
ones are kept until the token expires. `aud` must be the site's audience when it has one. The
reader is created at first sight, linked to the site by the site's own user id, and updated
later from the claims.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import ApiToken, User
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from readtoearn.sites.models import SeenToken, Site, SiteReader
from readtoearn.sites.registry import ALGORITHMS, get_live_secret, get_site, is_allowed_origin

log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 8192
LEEWAY_S = 30  # clocks of two servers disagree a little
READER_TOKEN_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Identity:
    """What a verified token says about the reader."""

    external_id: str
    email: str | None
    name: str | None
    email_verified: bool
    language: str | None
    jti: str | None
    expires_at: datetime


def _refused(message: str, code: str) -> Unauthorized:
    return Unauthorized(message, code=code)


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def verify_token(
    session: Session, settings: Settings, site: Site, token: str, now: datetime
) -> Identity:
    """The identity in a token signed by one of the site's live keys; Unauthorized otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise _refused("the sign-in token is missing or too long", "invalid_token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise _refused("the sign-in token is not a JWT", "invalid_token") from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise _refused(f"sign-in tokens are signed with {', '.join(ALGORITHMS)}", "bad_alg")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise _refused("the token's kid must be a string", "unknown_kid")
    key = get_live_secret(session, site, kid)
    if key is None:
        message = "no live key of this site has this kid" if kid else "the token must name its kid"
        raise _refused(message, "unknown_kid")
    if key.algorithm != algorithm:
        raise _refused(f"the key {key.kid!r} signs with {key.algorithm}", "bad_alg")
    try:
        # Times are checked below against the app's clock, like every other expiry here.
        claims = jwt.decode(
            token,
            key.material,
            algorithms=[key.algorithm],
            audience=site.audience,
            options={
                "require": ["exp"],
                "verify_aud": site.audience is not None,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise _refused("the sign-in token is for another audience", "wrong_audience") from None
    except jwt.MissingRequiredClaimError as exc:
        code = "wrong_audience" if exc.claim == "aud" else "invalid_token"
        raise _refused(f"the sign-in token is refused: {exc}", code) from None
    except jwt.InvalidTokenError as exc:
        raise _refused(f"the sign-in token is refused: {exc}", "invalid_token") from None
    expires_at = _check_times(settings, claims, now)
    return _identity(claims, expires_at)


def _time(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refused(f"{name} must be a Unix time in seconds", "invalid_token")
    return float(value)


def _check_times(settings: Settings, claims: dict[str, Any], now: datetime) -> datetime:
    at = now.timestamp()
    exp = _time(claims, "exp")
    assert exp is not None  # required by the decoder
    if exp <= at - LEEWAY_S:
        raise _refused("the sign-in token has expired", "token_expired")
    if exp - at > settings.sso_max_lifetime_s + LEEWAY_S:
        raise _refused(
            f"a sign-in token must expire within {settings.sso_max_lifetime_s} seconds",
            "token_too_long",
        )
    for name in ("iat", "nbf"):
        moment = _time(claims, name)
        if moment is not None and moment > at + LEEWAY_S:
            raise _refused(f"the sign-in token's {name} is in the future", "invalid_token")
    return datetime.fromtimestamp(exp, tz=UTC)


def _identity(claims: dict[str, Any], expires_at: datetime) -> Identity:
    nested = claims.get("user")
    user: dict[str, Any] = nested if isinstance(nested, dict) else {}
    external_id = _text(claims.get("sub"), 200) or _text(user.get("id"), 200)
    if external_id is None:
        raise _refused("the token needs sub (or user.id): the site's user id", "invalid_token")
    name = _text(claims.get("name"), 120) or _text(user.get("name") or user.get("username"), 120)
    jti = claims.get("jti")
    if jti is not None and (not isinstance(jti, str) or not 0 < len(jti) <= 200):
        raise _refused("jti must be a string of at most 200 characters", "invalid_token")
    language = claims.get("language")
    return Identity(
        external_id=external_id,
        email=_text(claims.get("email"), 254) or _text(user.get("email"), 254),
        name=name,
        email_verified=claims.get("email_verified") is True,
        language=language if language in accounts.LANGUAGES else None,
        jti=jti,
        expires_at=expires_at,
    )


def _use_once(session: Session, site: Site, identity: Identity) -> None:
    if identity.jti is None:
        return
    try:
        with session.begin_nested():
            session.add(
                SeenToken(site_id=site.id, jti=identity.jti, expires_at=identity.expires_at)
            )
            session.flush()
    except IntegrityError:
        raise _refused("this sign-in token was used already", "token_replayed") from None


def link_reader(
    session: Session,
    settings: Settings,
    site: Site,
    identity: Identity,
    now: datetime,
    *,
    signup_address: str | None = None,
) -> User:
    """The reader the site knows by this id: created at first sight, updated from the claims."""
    link = session.scalar(
        select(SiteReader).where(
            SiteReader.site_id == site.id, SiteReader.external_id == identity.external_id
        )
    )
    if link is None:
        if identity.email is None:
            raise InvalidInput("a new reader's token needs their email", code="invalid_token")
        try:
            user = accounts.create_user(
                session,
                settings,
                email=identity.email,
                password=None,
                display_name=identity.name or "",
                language=identity.language,
                email_verified=identity.email_verified,
                signup_address=signup_address,
            )
        except Conflict:
            # Never take over an account that joined by itself (or through another site).
            raise Conflict(
                "this e-mail already has an account here: the reader must link it themselves",
                code="email_taken",
            ) from None
        session.add(SiteReader(site_id=site.id, external_id=identity.external_id, user_id=user.id))
        session.flush()
        return user
    user = accounts.get_user(session, link.user_id)
    if not user.is_active:
        raise Forbidden("this account is disabled", code="account_disabled")
    link.last_seen_at = now
    if identity.name and identity.name != user.display_name:
        user.display_name = identity.name
    _update_email(session, user, identity, now)
    return user


def _update_email(session: Session, user: User, identity: Identity, now: datetime) -> None:
    if identity.email is None:
        return
    try:
        address = accounts.normalise_email(identity.email)
    except InvalidInput:
        return
    if address != user.email:
        taken = session.scalar(select(User.id).where(User.email == address))
        if taken is not None:
            return  # another account's address: keep the one on record
        user.email = address
        user.email_verified_at = now if identity.email_verified else None
    elif identity.email_verified and user.email_verified_at is None:
        user.email_verified_at = now


def sign_in(
    session: Session,
    settings: Settings,
    site: Site,
    token: str,
    now: datetime,
    *,
    signup_address: str | None = None,
) -> User:
    """Verify a site's token (once, when it has a jti) and return its reader."""
    identity = verify_token(session, settings, site, token, now)
    _use_once(session, site, identity)
    user = link_reader(session, settings, site, identity, now, signup_address=signup_address)
    user.last_login_at = now
    return user


def forget_seen_tokens(session: Session, now: datetime) -> int:
    """Drop the jti of tokens that have expired (they would be refused anyway)."""
    result = session.execute(delete(SeenToken).where(SeenToken.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


def sign_in_reader(
    session: Session,
    settings: Settings,
    clock: Clock,
    site_id: str,
    token: str,
    *,
    origin: str | None = None,
    address: str | None = None,
) -> accounts.IssuedToken:
    """POST /api/v1/sites/{id}/sign-in: a bearer token for the reader of a site's token. From a
    browser (an Origin header), the page must be on one of the site's origins."""
    site = get_site(session, site_id)
    if origin is not None and not is_allowed_origin(site, origin):
        raise Forbidden(
            f"the origin {origin} is not allowed for this site", code="origin_not_allowed"
        )
    user = sign_in(session, settings, site, token, clock.now(), signup_address=address)
    return issue_reader_token(session, settings, user)


def issue_reader_token(session: Session, settings: Settings, user: User) -> accounts.IssuedToken:
    """A bearer token for a reader signed in by their site, for READER_TOKEN_LIFETIME at most:
    each page view of the site signs them in again, so it need not last for weeks."""
    issued = accounts.issue_api_token(session, settings, user, source="sso")
    expires_at = min(issued.expires_at, utcnow() + READER_TOKEN_LIFETIME)
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == accounts.hash_secret(issued.token))
        .values(expires_at=expires_at)
    )
    return accounts.IssuedToken(token=issued.token, expires_at=expires_at, user=user)
