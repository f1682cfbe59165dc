"""The application factory: nothing connects or reads files at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from readtoearn import __version__
from readtoearn.clock import Clock, SystemClock
from readtoearn.config import Settings, get_settings
from readtoearn.db import Database, make_engine
from readtoearn.web import errors, metrics, security
from readtoearn.web.limits import BodyLimit
from readtoearn.web.routes import accounts as account_pages
from readtoearn.web.routes import (
    api_articles,
    api_auth,
    api_reads,
    api_rewards,
    api_summaries,
    api_wallet,
    health,
    pages,
    quiz,
    rewards,
    wallet,
)
from readtoearn.web.routes import operator as operator_pages
from readtoearn.web.sessions import AccountsMiddleware


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the web application for some settings (read from the environment by default)."""
    settings = settings or get_settings()
    owns_database = database is None
    db = database or Database(make_engine(settings.resolved_database_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_database:
            db.dispose()

    app = FastAPI(
        title="readtoearn",
        version=__version__,
        description="Read to Earn for news publishers: public JSON API v1.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock or SystemClock()
    errors.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    app.add_middleware(BodyLimit)
    metrics.install(app)
    security.install(app)
    app.add_middleware(AccountsMiddleware)
    pages.install(app, settings)
    app.mount("/static", StaticFiles(packages=[("readtoearn.web", "static")]), name="static")
    app.include_router(health.router)
    app.include_router(api_articles.router)
    app.include_router(api_auth.router)
    app.include_router(api_reads.router)
    if settings.bench_routes:
        app.include_router(api_reads.bench_router)
    app.include_router(api_wallet.router)
    app.include_router(api_summaries.router)
    app.include_router(api_rewards.router)
    app.include_router(account_pages.router)
    app.include_router(wallet.router)
    app.include_router(quiz.router)
    app.include_router(rewards.router)
    app.include_router(operator_pages.router)
    app.include_router(operator_pages.api_router)
    app.include_router(pages.router)
    return app
