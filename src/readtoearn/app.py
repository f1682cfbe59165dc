"""The application factory: nothing connects or reads files at import time."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from readtoearn import __version__
from readtoearn.accounts.email import make_email_backend
from readtoearn.accounts.ratelimit import check_rates
from readtoearn.articles.jobs import ImportJobs
from readtoearn.batch import GroupCommitter
from readtoearn.clock import Clock, SystemClock
from readtoearn.config import Settings, get_settings
from readtoearn.db import Database, make_engine
from readtoearn.fraud import programme, retention, timeouts
from readtoearn.fraud.notices import Notifier
from readtoearn.ledger import service as ledger
from readtoearn.quests import reminders as reminders_service
from readtoearn.reading import service as reading
from readtoearn.reading import views
from readtoearn.reading.live import LiveStore, make_live_store
from readtoearn.sites import worker as site_jobs
from readtoearn.web import cors, errors, metrics, openapi, security
from readtoearn.web.client import DeviceCookieMiddleware
from readtoearn.web.credentials import CredentialCache
from readtoearn.web.fastbeat import FastBeats
from readtoearn.web.limits import BodyLimit, InFlightLimit
from readtoearn.web.nul import NulGuard
from readtoearn.web.pagecache import PageCache
from readtoearn.web.routes import accounts as account_pages
from readtoearn.web.routes import (
    api_articles,
    api_auth,
    api_docs,
    api_embed,
    api_engagement,
    api_publisher,
    api_quests,
    api_reader,
    api_reads,
    api_rewards,
    api_summaries,
    api_wallet,
    appeals,
    engagement,
    feeds,
    health,
    operator_articles,
    operator_budget,
    operator_charts,
    operator_exports,
    operator_readers,
    operator_rewards,
    operator_rules,
    operator_sites,
    operator_trail,
    operator_trust,
    pages,
    quiz,
    reminders,
    rewards,
    search,
    sponsors,
    wallet,
)
from readtoearn.web.routes import operator as operator_pages
from readtoearn.web.routes import quests as quest_pages
from readtoearn.web.sessions import AccountsMiddleware

log = logging.getLogger(__name__)


async def _background_jobs(app: FastAPI, db: Database, clock: Clock, settings: Settings) -> None:
    """Keep things tidy without a cron: write the open reads that went idle to the database
    every little while, and run `ledger expire`, `review expire` and `review forget` at startup
    and every ledger_expire_every_s."""
    period = min(60.0, settings.reading_flush_idle_s / 2)
    next_expiry = time.monotonic()
    while True:
        if settings.ledger_expire_every_s and time.monotonic() >= next_expiry:
            next_expiry = time.monotonic() + settings.ledger_expire_every_s
            try:
                await run_in_threadpool(_expire_ledger, db, clock, settings)
            except Exception:  # retried at the next turn; the app carries on
                log.exception("voiding timed-out holds and expiring points failed")
            try:
                await run_in_threadpool(_trust_jobs, app, db, clock, settings)
            except Exception:  # retried at the next turn; the app carries on
                log.exception("expiring held reads and forgetting old sightings failed")
            try:
                await run_in_threadpool(_reminder_jobs, app, db, clock, settings)
            except Exception:  # retried at the next turn; the app carries on
                log.exception("sending reminders failed")
        await asyncio.sleep(period)
        try:
            idle_s = settings.reading_flush_idle_s
            await run_in_threadpool(reading.flush_idle, db, app.state.live, clock, idle_s=idle_s)
        except Exception:  # a failed sweep is retried at the next one; the app carries on
            log.exception("writing idle reads to the database failed")
        try:
            await run_in_threadpool(views.flush_views, db, app.state.views)
        except Exception:  # the counts are kept and written at the next sweep
            log.exception("writing page views to the database failed")


async def _follow_rules(app: FastAPI, db: Database, settings: Settings) -> None:
    """Take the programme's rules an operator stored through another worker process: each
    worker looks at the stored rules every rules_poll_s (a handful of rows)."""
    while True:
        await asyncio.sleep(settings.rules_poll_s)
        try:
            await run_in_threadpool(programme.load_rules, db, settings, app.state.locked_rules)
        except Exception:  # looked at again at the next turn; the app carries on
            log.exception("reloading the programme's rules failed")


def _expire_ledger(db: Database, clock: Clock, settings: Settings) -> None:
    """What `readtoearn ledger expire` does; safe to run in several workers at once."""
    now = clock.now()
    voided = ledger.run_in_transaction(db, lambda s: ledger.void_expired_pending(s, now))
    report = ledger.run_in_transaction(
        db, lambda s: ledger.expire(s, now, settings.points_expiry_days)
    )
    if voided or report.points:
        log.info("ledger: voided %d hold(s), expired %d point(s)", voided, report.points)


def _trust_jobs(app: FastAPI, db: Database, clock: Clock, settings: Settings) -> None:
    """What `readtoearn review expire` and `readtoearn review forget` do: held reads nobody
    decided are voided (their readers told), and devices and addresses past the retention are
    forgotten. Safe to run in several workers at once."""
    now = clock.now()
    backend = getattr(app.state, "email_backend", None) or make_email_backend(settings)
    app.state.email_backend = backend
    notifier = Notifier.of(settings, backend)
    expired = ledger.run_in_transaction(
        db,
        lambda s: timeouts.expire_held(s, now, settings.held_timeout_days, notifier=notifier),
    )
    purged = ledger.run_in_transaction(
        db, lambda s: retention.purge(s, now, settings.fraud_retention_days)
    )
    if expired.reads or purged.total:
        log.info("trust: %d held read(s) expired, %d row(s) forgotten", expired.reads, purged.total)


def _reminder_jobs(app: FastAPI, db: Database, clock: Clock, settings: Settings) -> None:
    """What `readtoearn reminders send` does: each reminder due goes once, even when several
    workers sweep at once."""
    backend = getattr(app.state, "email_backend", None) or make_email_backend(settings)
    app.state.email_backend = backend
    report = reminders_service.send_reminders(db, clock.now(), settings, backend)
    if report.total:
        log.info("reminders: %d e-mail(s) queued", report.total)


def _freeze_startup_objects() -> None:
    """What exists once the first app is up lives as long as the process: the garbage
    collector's full passes need not scan it again and again (they paused beats for tens of ms).
    Once per process: a test run starts hundreds of apps."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()


_FROZEN = False


def _size_thread_pool(db: Database) -> None:
    """Enough threads for every database slot plus the writer and some work without the
    database: the gate admits no more than that, so a thread is never waited for in vain."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, db.slots + 16)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the web application for some settings (read from the environment by default)."""
    settings = settings or get_settings()
    check_rates(settings)  # a mistyped rate is refused at startup, not at the first sign-up
    owns_database = database is None
    wait_s = settings.db_wait_s
    db = database or Database(
        make_engine(settings.resolved_database_url, wait_s=wait_s), wait_s=wait_s
    )
    # Two committers: one for work that moves points, whose batches take the budget's row lock
    # first (so they queue instead of deadlocking), and one for the rest (read starts, logins,
    # sign-ups), which need not wait for the budget.
    committer = GroupCommitter(
        db,
        max_batch=settings.group_commit_max,
        wait_s=wait_s,
        prelude=ledger.lock_programme_budget,
    )
    plain_committer = GroupCommitter(db, max_batch=settings.group_commit_max, wait_s=wait_s)

    the_clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _freeze_startup_objects()
        _size_thread_pool(db)
        # The rules an operator set in the console, before the first request reads them.
        await run_in_threadpool(programme.load_rules, db, settings, app.state.locked_rules)
        sweeper = asyncio.create_task(_background_jobs(app, db, the_clock, settings))
        rules_follower = (
            asyncio.create_task(_follow_rules(app, db, settings))
            if settings.rules_poll_s and db.background_work
            else None
        )
        # Webhook deliveries (a table-backed queue) and the sweep of used sign-in token ids.
        site_worker = (
            asyncio.create_task(site_jobs.run(db, settings, the_clock))
            if settings.webhook_poll_s and db.background_work
            else None
        )
        try:
            yield
        finally:
            sweeper.cancel()
            if rules_follower is not None:
                rules_follower.cancel()
            if site_worker is not None:
                site_worker.cancel()
            store: LiveStore = app.state.live
            if store.in_process:  # this process's open reads would die with it
                await run_in_threadpool(reading.flush_idle, db, store, the_clock, idle_s=None)
            try:  # the page views counted since the last sweep
                await run_in_threadpool(views.flush_views, db, app.state.views)
            except Exception:
                log.exception("writing page views to the database failed")
            await store.aclose()
            await run_in_threadpool(committer.close)
            await run_in_threadpool(plain_committer.close)
            if owns_database:
                db.dispose()

    app = FastAPI(
        title="readtoearn",
        version=__version__,
        description="Read to Earn for news publishers: public JSON API v1.",
        docs_url=None,  # served from the package's own copy of Swagger UI (routes/api_docs.py)
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
        # The app's metrics are Prometheus's (web/metrics.py); FastAPI's own OpenTelemetry hooks
        # would otherwise look for a configured provider on every request (about 8 us).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.locked_rules = programme.locked_rules(settings)
    app.state.db = db
    app.state.clock = the_clock
    app.state.committer = committer
    app.state.plain_committer = plain_committer
    app.state.live = make_live_store(settings)
    app.state.page_cache = PageCache(settings.page_cache_entries)
    app.state.views = views.ViewCounter()
    app.state.import_jobs = ImportJobs()  # the console's imports running in this process
    app.state.readers = CredentialCache(settings.beat_auth_cache_s)
    errors.install(app)
    cors.install(app, settings, db)
    # Inside the body limit and the accounts middleware (an error page needs its state).
    app.add_middleware(NulGuard)
    app.add_middleware(BodyLimit)
    metrics.install(app)
    security.install(app)
    app.add_middleware(AccountsMiddleware)
    app.add_middleware(DeviceCookieMiddleware, settings=settings)
    # Beats that need none of the page machinery are answered here, inside the lanes.
    app.add_middleware(FastBeats)
    # Outermost: a request over the cap is refused before any other work is done for it.
    app.add_middleware(InFlightLimit, max_in_flight=settings.max_in_flight)
    # The tracker's routes come first: routes are matched in order, and beats are the busiest.
    app.include_router(api_reads.router)
    if settings.bench_routes:
        app.include_router(api_reads.bench_router)
    pages.install(app, settings)
    # The article pages next: routes are tried one router after another, and theirs are the
    # busiest pages (no route shadows another: tests/web/test_route_order.py).
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("readtoearn.web", "static")]), name="static")
    app.include_router(health.router)
    app.include_router(api_articles.router)
    app.include_router(search.api_router)
    app.include_router(api_reader.router)
    app.include_router(api_publisher.router)
    app.include_router(api_embed.router)
    app.include_router(api_auth.router)
    app.include_router(api_wallet.router)
    app.include_router(api_summaries.router)
    app.include_router(api_rewards.router)
    app.include_router(api_engagement.router)
    app.include_router(api_quests.router)
    app.include_router(account_pages.router)
    app.include_router(account_pages.email_router)
    app.include_router(wallet.router)
    app.include_router(engagement.router)
    app.include_router(reminders.router)
    app.include_router(quiz.router)
    app.include_router(rewards.router)
    app.include_router(quest_pages.router)
    app.include_router(sponsors.router)
    app.include_router(operator_pages.router)
    app.include_router(operator_pages.api_router)
    app.include_router(operator_trust.router)
    app.include_router(operator_sites.router)
    app.include_router(operator_trust.api_router)
    app.include_router(operator_trail.router)
    app.include_router(operator_trail.api_router)
    app.include_router(operator_rewards.router)
    app.include_router(operator_rewards.images_router)
    app.include_router(operator_readers.router)
    app.include_router(operator_budget.router)
    app.include_router(operator_exports.router)
    app.include_router(operator_charts.router)
    app.include_router(operator_rules.router)
    app.include_router(operator_articles.router)
    app.include_router(api_docs.router)
    app.include_router(appeals.router)
    app.include_router(appeals.api_router)
    app.include_router(feeds.router)
    app.include_router(search.router)
    openapi.install(app)
    return app
