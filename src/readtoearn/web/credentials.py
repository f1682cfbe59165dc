"""A request's credential (a bearer token or the session cookie), and who holds it.

Every route checks the credential in the database on every request and remembers the answer for
a few seconds (`beat_auth_cache_s`, 10 s by default); only the tracker's beat route, which comes
every 12 s from every open page, trusts what was remembered. Logging out or revoking a token
forgets the credential in this process at once; other worker processes stop accepting its beats
within that time.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.db import Database
from readtoearn.web.sessions import SESSION_COOKIE

MAX_ENTRIES = 100_000


def bearer(token: str) -> str:
    return "bearer:" + token


def session_cookie(secret: str) -> str:
    return "session:" + secret


def credential_of(request: Request) -> str | None:
    """The request's credential ("bearer:…" or "session:…"), or None when it carries none.

    An Authorization header that is not a bearer token is a 401, never anonymous.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _refused("bearer:")
        return bearer(token.strip())
    secret = request.cookies.get(SESSION_COOKIE)
    return session_cookie(secret) if secret else None


def user_of(session: Session, credential: str) -> User | None:
    """The active user behind a live credential, or None."""
    kind, _, secret = credential.partition(":")
    if kind == "bearer":
        return accounts.get_token_user(session, secret)
    return accounts.get_session_user(session, secret)


def _refused(credential: str) -> HTTPException:
    message = "invalid or expired token" if credential.startswith("bearer:") else "log in first"
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


class CredentialCache:
    """Credential -> user id, for `ttl_s` seconds; keyed by a digest, never the secret itself."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[uuid.UUID, float]] = {}

    @staticmethod
    def _key(credential: str) -> bytes:
        return hashlib.blake2b(credential.encode("utf-8", "surrogatepass"), digest_size=20).digest()

    def get(self, credential: str | None) -> uuid.UUID | None:
        if not credential or self._ttl <= 0:
            return None
        entry = self._entries.get(self._key(credential))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, credential: str, user_id: uuid.UUID) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[self._key(credential)] = (user_id, time.monotonic() + self._ttl)

    def forget(self, credential: str | None) -> None:
        if credential:
            with self._lock:
                self._entries.pop(self._key(credential), None)


def reader_of(database: Database, cache: CredentialCache, credential: str) -> uuid.UUID:
    """The reader behind a credential, checked in the database (and remembered a few seconds);
    401 when it is unknown, expired or revoked."""
    with database.session() as session:
        user = user_of(session, credential)
    if user is None:
        raise _refused(credential)
    cache.put(credential, user.id)
    return user.id
