"""Sites, their allowed origins, their sign-in secrets and their publisher API keys.

An API key is `rtk_` and 43 random URL-safe characters, shown once and stored as its SHA-256.
Every change made by an operator is recorded in `site_actions` with who made it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts import trail
from readtoearn.accounts.models import User
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from readtoearn.sites.models import Scope, Site, SiteAction, SiteKey, SiteSecret

KEY_PREFIX = "rtk_"
MAX_ORIGINS = 50
MAX_KEY_LENGTH = 200
ALGORITHMS = ("HS256", "RS256", "ES256")
MIN_HS256_SECRET = 32
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def hash_key(secret: str) -> str:
    """The SHA-256 (hex) under which an API key is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_origin(value: str) -> str:
    """`scheme://host[:port]`, lower-cased, refusing paths, wildcards and other schemes."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"not an origin (https://host[:port]): {value!r}", code="invalid_origin")
    if parts.path or parts.query or parts.fragment or parts.username or "*" in text:
        raise InvalidInput(
            f"an origin has no path, wildcard or credentials: {value!r}", code="invalid_origin"
        )
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(f"not an origin: {value!r}", code="invalid_origin") from None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def origin_of(url: str) -> str | None:
    """The origin of a page's URL, or None when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        return normalise_origin(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}")
    except InvalidInput:
        return None


def _clean_origins(origins: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(normalise_origin(o) for o in origins if o.strip()))
    if not cleaned:
        raise InvalidInput("a site needs at least one allowed origin", code="invalid_origin")
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput(f"at most {MAX_ORIGINS} origins per site", code="invalid_origin")
    return cleaned


def record(session: Session, site: Site, actor: str, action: str, **detail: object) -> None:
    """Keep who did what to a site (never a secret). An operator's action (`operator:<email>`) or
    the command line's (`cli:…`) goes to the audit trail too; a publisher's API key's does not."""
    session.add(SiteAction(site_id=site.id, actor=actor[:200], action=action, detail=detail))
    kind, _, who = actor.partition(":")
    if kind in ("cli", "operator"):
        operator = None
        if kind == "operator":
            operator = session.scalar(select(User).where(User.email == who))
        trail.record_action(
            session, operator, f"sites.{action}", target=("site", site.id), after=dict(detail)
        )


# -- sites -------------------------------------------------------------------------------------


def create_site(
    session: Session, *, name: str, origins: list[str], actor: str, audience: str | None = None
) -> Site:
    """Register a publisher's site with the origins its pages are served from."""
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > 200:
        raise InvalidInput("a site needs a name of at most 200 characters", code="invalid_name")
    site = Site(name=clean_name, origins=_clean_origins(origins), audience=audience or None)
    session.add(site)
    session.flush()
    record(session, site, actor, "site.create", name=clean_name, origins=site.origins)
    return site


def set_origins(session: Session, site: Site, origins: list[str], *, actor: str) -> Site:
    """Replace a site's allowed origins."""
    site.origins = _clean_origins(origins)
    record(session, site, actor, "site.origins", origins=site.origins)
    return site


def get_site(session: Session, site_id: uuid.UUID | str) -> Site:
    """One site by id, or NotFound."""
    try:
        key = site_id if isinstance(site_id, uuid.UUID) else uuid.UUID(str(site_id))
    except ValueError:
        raise NotFound("no site has this id", code="site_not_found") from None
    site = session.get(Site, key)
    if site is None:
        raise NotFound("no site has this id", code="site_not_found")
    return site


def list_sites(session: Session) -> list[Site]:
    """Every site, oldest first."""
    return list(session.scalars(select(Site).order_by(Site.created_at, Site.id)))


def list_actions(session: Session, site: Site, *, limit: int = 50) -> list[SiteAction]:
    """What was done to a site, newest first."""
    query = select(SiteAction).where(SiteAction.site_id == site.id)
    return list(session.scalars(query.order_by(SiteAction.at.desc()).limit(limit)))


def is_allowed_origin(site: Site, origin: str | None) -> bool:
    """Whether a browser request from `origin` may act for this site."""
    if not origin:
        return False
    try:
        return normalise_origin(origin) in site.origins
    except InvalidInput:
        return False


# -- sign-in secrets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedSecret:
    row: SiteSecret
    # The new HS256 secret, shown once; None for a public key (the publisher keeps its private key).
    secret: str | None


def add_secret(
    session: Session,
    site: Site,
    *,
    actor: str,
    kid: str | None = None,
    algorithm: str = "HS256",
    material: str | None = None,
) -> AddedSecret:
    """A new key to check the site's sign-in tokens with: a random HS256 secret (or the one
    given), or an RS256/ES256 public key in PEM. Older keys keep working until revoked."""
    if algorithm not in ALGORITHMS:
        raise InvalidInput(f"the algorithm must be one of {', '.join(ALGORITHMS)}", code="bad_alg")
    kid = kid or secrets.token_hex(4)
    if not KID_PATTERN.match(kid):
        raise InvalidInput("a kid is 1-64 letters, digits, '.', '_' or '-'", code="invalid_kid")
    if session.scalar(
        select(SiteSecret.id).where(SiteSecret.site_id == site.id, SiteSecret.kid == kid)
    ):
        raise Conflict(f"the site already has a key {kid!r}", code="kid_taken")
    shown: str | None = None
    if algorithm == "HS256":
        shown = material or secrets.token_urlsafe(32)
        if len(shown) < MIN_HS256_SECRET:
            raise InvalidInput(
                f"an HS256 secret has at least {MIN_HS256_SECRET} characters", code="weak_secret"
            )
        value = shown
    else:
        value = _public_key(algorithm, material)
    row = SiteSecret(site_id=site.id, kid=kid, algorithm=algorithm, material=value)
    session.add(row)
    session.flush()
    record(session, site, actor, "secret.add", kid=kid, algorithm=algorithm)
    return AddedSecret(row=row, secret=shown)


def _public_key(algorithm: str, pem: str | None) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if not pem:
        raise InvalidInput(f"{algorithm} needs the site's public key (PEM)", code="invalid_key")
    try:
        key = load_pem_public_key(pem.strip().encode())
    except ValueError:
        raise InvalidInput("not a PEM public key", code="invalid_key") from None
    expected = rsa.RSAPublicKey if algorithm == "RS256" else ec.EllipticCurvePublicKey
    if not isinstance(key, expected):
        raise InvalidInput(f"this public key is not for {algorithm}", code="invalid_key")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise InvalidInput("an RSA key has at least 2048 bits", code="invalid_key")
    return pem.strip() + "\n"


def revoke_secret(session: Session, site: Site, kid: str, *, actor: str) -> SiteSecret:
    """Stop accepting tokens signed with one key."""
    row = session.scalar(
        select(SiteSecret).where(SiteSecret.site_id == site.id, SiteSecret.kid == kid)
    )
    if row is None:
        raise NotFound(f"the site has no key {kid!r}", code="kid_not_found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, site, actor, "secret.revoke", kid=kid)
    return row


def list_secrets(session: Session, site: Site) -> list[SiteSecret]:
    """A site's sign-in keys, oldest first (revoked ones included)."""
    query = select(SiteSecret).where(SiteSecret.site_id == site.id)
    return list(session.scalars(query.order_by(SiteSecret.created_at, SiteSecret.kid)))


def get_live_secret(session: Session, site: Site, kid: str | None) -> SiteSecret | None:
    """The unrevoked key with this kid, or the site's only unrevoked key when no kid is given."""
    live = select(SiteSecret).where(SiteSecret.site_id == site.id, SiteSecret.revoked_at.is_(None))
    if kid is not None:
        return session.scalar(live.where(SiteSecret.kid == kid))
    rows = list(session.scalars(live.limit(2)))
    return rows[0] if len(rows) == 1 else None


# -- publisher API keys ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    row: SiteKey
    key: str  # the secret itself: shown once, here only


def _scopes(scopes: list[str]) -> list[str]:
    known = {s.value for s in Scope}
    wrong = [s for s in scopes if s not in known]
    if wrong or not scopes:
        raise InvalidInput(f"scopes are some of {', '.join(sorted(known))}", code="invalid_scope")
    return sorted(set(scopes))


def create_key(
    session: Session, site: Site, *, scopes: list[str], actor: str, name: str = ""
) -> IssuedKey:
    """A new publisher API key for a site, limited to `scopes`; its secret is returned once."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = SiteKey(
        site_id=site.id,
        name=" ".join(name.split())[:120],
        prefix=secret[:12],
        key_hash=hash_key(secret),
        scopes=_scopes(scopes),
    )
    session.add(row)
    session.flush()
    record(session, site, actor, "key.create", key_id=str(row.id), scopes=row.scopes)
    return IssuedKey(row=row, key=secret)


def revoke_key(session: Session, site: Site, key_id: uuid.UUID | str, *, actor: str) -> SiteKey:
    """Revoke one of a site's API keys (at once, for every process)."""
    try:
        wanted = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
    except ValueError:
        raise NotFound("the site has no key with this id", code="key_not_found") from None
    row = session.get(SiteKey, wanted)
    if row is None or row.site_id != site.id:
        raise NotFound("the site has no key with this id", code="key_not_found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, site, actor, "key.revoke", key_id=str(row.id))
    return row


def list_keys(session: Session, site: Site) -> list[SiteKey]:
    """A site's API keys, oldest first (revoked ones included; never their secrets)."""
    query = select(SiteKey).where(SiteKey.site_id == site.id)
    return list(session.scalars(query.order_by(SiteKey.created_at, SiteKey.id)))


@dataclass(frozen=True)
class Caller:
    """A request made with a site's API key."""

    site: Site
    key: SiteKey


def authenticate_key(session: Session, secret: str | None, scope: Scope) -> Caller:
    """The site behind a live API key that has `scope`: Unauthorized for no key or a wrong,
    revoked one; Forbidden for a key without the scope."""
    if not secret or len(secret) > MAX_KEY_LENGTH or not secret.startswith(KEY_PREFIX):
        raise Unauthorized("send a site API key: Authorization: Bearer rtk_…", code="invalid_key")
    row = session.scalar(select(SiteKey).where(SiteKey.key_hash == hash_key(secret)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("this API key is unknown or revoked", code="invalid_key")
    if scope.value not in row.scopes:
        raise Forbidden(f"this API key lacks the {scope.value} scope", code="missing_scope")
    site = session.get(Site, row.site_id)
    if site is None:  # deleted under our feet
        raise Unauthorized("this API key is unknown or revoked", code="invalid_key")
    return Caller(site=site, key=row)
