"""Request dependencies, as Annotated aliases that read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Forbidden
from readtoearn.reading.live import LiveStore
from readtoearn.web.credentials import credential_of, user_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Trivial dependencies are `async def`: FastAPI runs sync ones in the thread pool, a hop each.
async def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


async def get_live_store(request: Request) -> LiveStore:
    return request.app.state.live


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response leaves, rolled back on error."""
    database: Database = request.app.state.db
    with database.session(write=request.method not in SAFE_METHODS) as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_write_session(request: Request) -> Iterator[Session]:
    """A writing transaction even for a GET (one that may cache what it computes)."""
    database: Database = request.app.state.db
    with database.session(write=True) as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
LiveStoreDep = Annotated[LiveStore, Depends(get_live_store)]


def get_optional_reader(request: Request, session: SessionDep) -> User | None:
    """The reader of a bearer token (API clients) or of the session cookie (browsers), or None.

    A bearer token that is malformed, unknown, expired or revoked is a 401, never anonymous. The
    answer is remembered for the tracker's beats (web/credentials.py).
    """
    credential = credential_of(request)
    if credential is None:
        return None
    user = user_of(session, credential)
    if user is None:
        if credential.startswith("bearer:"):
            raise HTTPException(
                401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
            )
        return None
    request.app.state.readers.put(credential, user.id)
    return user


async def get_current_reader(request: Request, reader: OptionalReader) -> User:
    """The signed-in reader: 401 on the API, a redirect to the login page elsewhere."""
    if reader is not None:
        return reader
    if request.url.path.startswith("/api/"):
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/account/login?next=" + quote(target, safe="")
    raise HTTPException(303, "log in first", headers={"Location": location})


async def get_current_operator(reader: CurrentReader) -> User:
    """The signed-in reader, who must be an operator (403 otherwise)."""
    if not reader.is_operator:
        raise Forbidden("operators only", code="operators_only")
    return reader


OptionalReader = Annotated[User | None, Depends(get_optional_reader)]
CurrentReader = Annotated[User, Depends(get_current_reader)]
CurrentOperator = Annotated[User, Depends(get_current_operator)]
