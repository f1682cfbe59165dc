"""Who holds a credential, remembered for a few seconds: for the tracker's beat route only.

Every other route checks the session or token in the database on every request. A beat comes
every 12 s from every open page, so its route trusts an answer it got a few seconds ago
(`beat_auth_cache_s`, 10 s by default). Logging out or revoking a token forgets the credential in
this process at once; other worker processes stop accepting its beats within that time.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid

from fastapi import HTTPException, Request

from readtoearn.accounts import service as accounts
from readtoearn.db import Database
from readtoearn.web.sessions import SESSION_COOKIE

MAX_ENTRIES = 100_000


def credential_of(request: Request) -> str | None:
    """The request's credential ("bearer:…" or "session:…"), or None when it carries none.

    An Authorization header that is not a bearer token is a 401, never anonymous.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
            )
        return "bearer:" + token.strip()
    secret = request.cookies.get(SESSION_COOKIE)
    return "session:" + secret if secret else None


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
    kind, _, secret = credential.partition(":")
    with database.session() as session:
        if kind == "bearer":
            user = accounts.get_token_user(session, secret)
        else:
            user = accounts.get_session_user(session, secret)
    if user is None:
        message = "invalid or expired token" if kind == "bearer" else "log in first"
        raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
    cache.put(credential, user.id)
    return user.id
