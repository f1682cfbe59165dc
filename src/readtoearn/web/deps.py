"""Request dependencies, as Annotated aliases that read like prose."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from readtoearn.accounts import roles
from readtoearn.accounts.models import User
from readtoearn.batch import GroupCommitter
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Forbidden, InvalidInput
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


@asynccontextmanager
async def _request_session(database: Database, *, write: bool) -> AsyncIterator[Session]:
    """Admitted on the event loop first (no thread is held while the request waits: see
    Database), then one transaction, committed before the response leaves or rolled back whole."""
    async with database.admitted(write=write):
        session = database.open(write=write)
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(database.abandon, session)
            raise
        # Shielded: the gate must not open again while the commit is still running.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(database.finish, session)


# For a route that opens its transaction only when it needs one (the cached pages).
request_session = _request_session


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, reading or writing by the method."""
    write = request.method not in SAFE_METHODS
    async with _request_session(request.app.state.db, write=write) as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A writing transaction even for a GET (one that may cache what it computes)."""
    async with _request_session(request.app.state.db, write=True) as session:
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
    return _reader_of(request, session, credential)


def _lookup_reader(database: Database, request: Request, credential: str) -> User | None:
    with database.session() as session:
        return _reader_of(request, session, credential)


def _reader_of(request: Request, session: Session, credential: str) -> User | None:
    user = user_of(session, credential)
    if user is None:
        if credential.startswith("bearer:"):
            raise HTTPException(
                401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
            )
        return None
    request.app.state.readers.put(credential, user.id)
    return user


async def get_reader_alone(request: Request) -> User | None:
    """The reader, looked up in a short reading transaction of its own, for routes whose work
    goes to the group committer rather than the request's transaction (the User is detached:
    read its fields, never change it)."""
    credential = credential_of(request)
    if credential is None:
        return None
    database: Database = request.app.state.db
    async with database.admitted(write=False):
        return await run_in_threadpool(_lookup_reader, database, request, credential)


async def get_current_reader(request: Request, reader: OptionalReader) -> User:
    """The signed-in reader: 401 on the API, a redirect to the login page elsewhere."""
    return _required(request, reader)


async def get_current_reader_alone(
    request: Request, reader: Annotated[User | None, Depends(get_reader_alone)]
) -> User:
    """The signed-in reader, for work handed to the group committer (see get_reader_alone)."""
    return _required(request, reader)


def _required(request: Request, reader: User | None) -> User:
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


async def get_current_operator_alone(
    reader: Annotated[User, Depends(get_current_reader_alone)],
) -> User:
    """The signed-in operator, for work handed to the group committer."""
    if not reader.is_operator:
        raise Forbidden("operators only", code="operators_only")
    return reader


def _role_check(area: roles.Area) -> Callable[..., Awaitable[User]]:
    async def check(request: Request, reader: CurrentReader) -> User:
        if not reader.is_operator:
            raise Forbidden("operators only", code="operators_only")
        if not roles.may(reader, area):
            raise Forbidden(
                f"your role ({roles.role_of(reader)}) does not open this part of the console",
                code="role_forbidden",
            )
        # The console's navigation shows only what the role opens.
        request.state.console_areas = roles.areas_of(reader)
        return reader

    check.__name__ = f"operator_for_{area}"
    return check


def _role_check_alone(area: roles.Area) -> Callable[..., Awaitable[User]]:
    async def check(
        request: Request, reader: Annotated[User, Depends(get_current_reader_alone)]
    ) -> User:
        if not roles.may(reader, area):
            code = "operators_only" if not reader.is_operator else "role_forbidden"
            raise Forbidden("your role does not open this part of the console", code=code)
        request.state.console_areas = roles.areas_of(reader)
        return reader

    check.__name__ = f"operator_alone_for_{area}"
    return check


# One check per part of the console (accounts/roles.py says which role opens which): every
# operator route depends on exactly one of these, and a test walks the routes to prove it.
ROLE_CHECKS = {area: _role_check(area) for area in roles.Area}
DashboardOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.DASHBOARD])]
ArticlesOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.ARTICLES])]
ReadersOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.READERS])]
ReviewsOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.REVIEWS])]
RewardsOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.REWARDS])]
BudgetOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.BUDGET])]
RulesOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.RULES])]
ExportsOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.EXPORTS])]
TrailOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.TRAIL])]
TeamOperator = Annotated[User, Depends(ROLE_CHECKS[roles.Area.TEAM])]
# The same, the operator looked up in a short reading transaction of their own, for routes whose
# work writes in transactions of its own (the group committer; an import's job row).
ROLE_CHECKS_ALONE = {
    area: _role_check_alone(area) for area in (roles.Area.BUDGET, roles.Area.ARTICLES)
}
BudgetOperatorAlone = Annotated[User, Depends(ROLE_CHECKS_ALONE[roles.Area.BUDGET])]
ArticlesOperatorAlone = Annotated[User, Depends(ROLE_CHECKS_ALONE[roles.Area.ARTICLES])]


async def get_committer(request: Request) -> GroupCommitter:
    """The group committer for work that moves points (its batches lock the budget first)."""
    committer: GroupCommitter = request.app.state.committer
    return committer


async def get_plain_committer(request: Request) -> GroupCommitter:
    """The group committer for work that moves no points (read starts, logins, sign-ups)."""
    committer: GroupCommitter = request.app.state.plain_committer
    return committer


OptionalReader = Annotated[User | None, Depends(get_optional_reader)]
CurrentReader = Annotated[User, Depends(get_current_reader)]
CurrentOperator = Annotated[User, Depends(get_current_operator)]


async def get_idempotency_key(
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> str:
    """The request's Idempotency-Key header, which money-moving routes require."""
    if not idempotency_key:
        raise InvalidInput(
            "send an Idempotency-Key header (a new random value per request, the same one "
            "when retrying)",
            code="idempotency_key_missing",
        )
    return idempotency_key


IdempotencyKey = Annotated[str, Depends(get_idempotency_key)]
# For routes whose work goes to the group committer (their reader comes from a session of its own).
ReaderAlone = Annotated[User, Depends(get_current_reader_alone)]
OperatorAlone = Annotated[User, Depends(get_current_operator_alone)]
CommitterDep = Annotated[GroupCommitter, Depends(get_committer)]
PlainCommitterDep = Annotated[GroupCommitter, Depends(get_plain_committer)]
