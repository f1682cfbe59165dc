"""The site behind a publisher API key (`Authorization: Bearer rtk_…`), as a dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from readtoearn.db import Database
from readtoearn.sites import service as sites


def _secret(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _lookup(database: Database, secret: str | None, scope: sites.Scope) -> sites.Caller:
    with database.session() as session:
        return sites.authenticate_key(session, secret, scope)


def site_caller(scope: sites.Scope) -> Callable[[Request], Awaitable[sites.Caller]]:
    """A dependency: the calling site, whose key must have `scope` (401 or 403 otherwise).
    Checked in a short reading transaction of its own, before the route does any work."""

    async def caller(request: Request) -> sites.Caller:
        database: Database = request.app.state.db
        secret = _secret(request)
        async with database.admitted(write=False):
            return await run_in_threadpool(_lookup, database, secret, scope)

    return caller
