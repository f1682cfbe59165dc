"""CORS that follows the sites' allowed origins (and the global `cors_origins` setting).

The origins of every registered site are read from the database at most every
`ORIGINS_TTL_S` seconds, in the thread pool, only when a request carries an Origin header; a site
created or changed on the command line is honoured within that time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.sites import service as sites

log = logging.getLogger(__name__)
ORIGINS_TTL_S = 5.0


class SiteOrigins:
    """The set of origins allowed by some site, remembered for a few seconds."""

    def __init__(self, load: Callable[[], set[str]], ttl_s: float = ORIGINS_TTL_S) -> None:
        self._load = load
        self._ttl = ttl_s
        self._origins: frozenset[str] = frozenset()
        self._expires = 0.0

    @property
    def stale(self) -> bool:
        return time.monotonic() >= self._expires

    def refresh(self) -> None:
        self._origins = frozenset(self._load())
        self._expires = time.monotonic() + self._ttl

    def forget(self) -> None:
        """Read the origins again at the next request (a site was changed in this process)."""
        self._expires = 0.0

    def __contains__(self, origin: object) -> bool:
        return origin in self._origins


async def refresh(sites: SiteOrigins) -> None:
    """Read the sites' origins again (in the thread pool), or keep the last ones known."""
    try:
        await run_in_threadpool(sites.refresh)
    except Exception:  # the database is busy or away: keep the origins known so far
        log.warning("reading the sites' origins failed; keeping the last ones known")


class SiteCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with the sites' origins added to the configured ones."""

    def __init__(self, app: ASGIApp, *, fixed: list[str], sites: SiteOrigins) -> None:
        super().__init__(
            app,
            allow_origins=fixed,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Altcha"],
            max_age=600,
        )
        self.sites = sites

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.sites.stale and "origin" in Headers(scope=scope):
            await refresh(self.sites)
        await super().__call__(scope, receive, send)

    def is_allowed_origin(self, origin: str) -> bool:
        return super().is_allowed_origin(origin) or origin in self.sites


def install(app: FastAPI, settings: Settings, database: Database) -> None:
    """CORS for the configured origins and every site's; `app.state.site_origins` is the cache."""

    def load() -> set[str]:
        with database.session() as session:
            return sites.list_all_origins(session)

    app.state.site_origins = SiteOrigins(load)
    app.add_middleware(
        SiteCORSMiddleware, fixed=list(settings.cors_origins), sites=app.state.site_origins
    )
