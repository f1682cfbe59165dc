"""Shared fixtures: a real database (SQLite; PostgreSQL when configured), rolled back per test."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as datetime_time
from pathlib import Path
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from readtoearn import migrations
from readtoearn.app import create_app
from readtoearn.clock import ManualClock
from readtoearn.config import Settings, normalise_database_url
from readtoearn.db import Database, make_engine

# The trust gates (docs/fraud.md) are on by default; most tests prove something else, with many
# readers on one address and one test client, so the suite turns them off here, in the environment
# (live servers in subprocesses inherit it), and the tests of each gate turn theirs back on.
TRUST_GATES_OFF = {
    "READTOEARN_POW_ENABLED": "false",
    "READTOEARN_REDEEM_REQUIRE_VERIFIED_EMAIL": "false",
    "READTOEARN_REDEEM_MIN_ACCOUNT_DAYS": "0",
    "READTOEARN_REDEEM_MIN_READ_DAYS": "0",
    "READTOEARN_REDEEM_REVIEW_ABOVE_POINTS": "0",
    "READTOEARN_RATE_LIMIT_SIGNUP": "100000/minute",
    "READTOEARN_RATE_LIMIT_LOGIN": "100000/minute",
    "READTOEARN_RATE_LIMIT_TOKEN": "100000/minute",
    "READTOEARN_RATE_LIMIT_START_READ": "100000/minute",
    "READTOEARN_RATE_LIMIT_REDEEM": "100000/minute",
    "READTOEARN_FRAUD_ACCOUNTS_PER_DEVICE": "1000",
    "READTOEARN_FRAUD_READS_PER_DEVICE_PER_DAY": "100000",
    "READTOEARN_FRAUD_READS_PER_ADDRESS_PER_DAY": "100000",
    "READTOEARN_FRAUD_READERS_PER_ADDRESS_PER_DAY": "100000",
    "READTOEARN_FRAUD_SIGNUPS_PER_ADDRESS_PER_HOUR": "100000",
    "READTOEARN_FRAUD_LOCKSTEP_WINDOW_S": "0",
    "READTOEARN_QUIZ_MAX_WPM": "0",
    "READTOEARN_LOGIN_SLOWDOWN_S": "0",
}
for _name, _value in TRUST_GATES_OFF.items():
    os.environ.setdefault(_name, _value)

PG_URL = os.environ.get("READTOEARN_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("READTOEARN_TEST_REDIS_URL", "")
SECRET = "test-secret-key-that-is-long-enough-0123456789"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Examples are judged on what they compute, never on how long one took: a garbage collection in
# a long run is not a failure (speed is measured in bench/).
hypothesis.settings.register_profile("readtoearn", deadline=None)
hypothesis.settings.load_profile("readtoearn")

# A test marked real_day stamps records with the real time and reads them back by day (UTC, or
# the zones the marker names); one that ran across a midnight would find them split over two
# days, and so would one in the first minutes of a day whose records are made some minutes back
# (tests.unit.fraud.factories.make_read starts a read five minutes before it ends). From
# `before_s` before a midnight (two minutes, or as long as the test moves its own clock ahead)
# to six minutes after, such a test waits until six minutes past, once a night at most.
REAL_DAY_BEFORE_S = 120.0
REAL_DAY_AFTER_S = 360.0


def midnight_wait_s(now: datetime, before_s: float = REAL_DAY_BEFORE_S) -> float:
    """How long a real_day test starting at `now` (aware, in its zone) waits: until
    REAL_DAY_AFTER_S past midnight when within `before_s` before one or REAL_DAY_AFTER_S after
    one, else not at all."""
    since = now - datetime.combine(now.date(), datetime_time(), now.tzinfo)
    until = datetime.combine(now.date() + timedelta(days=1), datetime_time(), now.tzinfo) - now
    if until.total_seconds() < before_s:
        return until.total_seconds() + REAL_DAY_AFTER_S
    if since.total_seconds() < REAL_DAY_AFTER_S:
        return REAL_DAY_AFTER_S - since.total_seconds()
    return 0.0


def wait_past_midnight(zone: str = "UTC", before_s: float = REAL_DAY_BEFORE_S) -> None:
    wait = midnight_wait_s(datetime.now(ZoneInfo(zone)), before_s)
    if wait > 0:
        time.sleep(wait)


def _real_day_before_s(marker: pytest.Mark) -> float:
    return float(marker.kwargs.get("before_s", REAL_DAY_BEFORE_S))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The wait counts in the test's time limit (pytest-timeout covers fixtures): room for it.
    for item in items:
        day = item.get_closest_marker("real_day")
        if day is None:
            continue
        marked = item.get_closest_marker("timeout")
        limit = float(marked.args[0] if marked and marked.args else item.config.getini("timeout"))
        item.add_marker(pytest.mark.timeout(limit + _real_day_before_s(day) + REAL_DAY_AFTER_S))


@pytest.fixture(autouse=True)
def _clear_of_midnight(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("real_day")
    if marker is not None:
        for zone in marker.args or ("UTC",):
            wait_past_midnight(zone, _real_day_before_s(marker))


def postgres_engine(schema: str) -> Engine:
    """An engine on the test PostgreSQL server whose tables live in their own schema."""
    url = normalise_database_url(PG_URL)
    admin = make_engine(url, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def drop_postgres_schema(engine: Engine, schema: str) -> None:
    engine.dispose()
    admin = make_engine(normalise_database_url(PG_URL), pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database for the whole run: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL: READTOEARN_TEST_DATABASE_URL is not set")
        schema = f"rte_test_{uuid.uuid4().hex[:12]}"
        pg = postgres_engine(schema)
        migrations.upgrade(pg)
        yield pg
        drop_postgres_schema(pg, schema)
        return
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    lite = make_engine(f"sqlite:///{path}")
    migrations.upgrade(lite)
    yield lite
    lite.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committing_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database of the module's own whose transactions really commit (concurrency
    tests: every thread opens its own connection)."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL: READTOEARN_TEST_DATABASE_URL is not set")
        schema = f"rte_commit_{uuid.uuid4().hex[:10]}"
        pg = postgres_engine(schema)
        migrations.upgrade(pg)
        yield Database(pg)
        drop_postgres_schema(pg, schema)
        return
    path = tmp_path_factory.mktemp("committing") / "db.sqlite3"
    lite = make_engine(f"sqlite:///{path}")
    migrations.upgrade(lite)
    yield Database(lite)
    lite.dispose()


class RolledBackDatabase(Database):
    """A Database whose every session joins one outer transaction that the test rolls back."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        super().__init__(engine, sessions=factory)

    def dispose(self) -> None:  # the engine belongs to the run, not the app
        pass


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def database(engine: Engine, connection: Connection) -> Database:
    return RolledBackDatabase(engine, connection)


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction (flushes are visible, nothing is kept)."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Cheap argon2 parameters: the tests prove the rules, not the cost of hashing.
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        # The tests' apps share the test's connection: no job of their own in the background.
        ledger_expire_every_s=0,
        webhook_poll_s=0,
    )


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so."""
    return ManualClock()


@pytest.fixture
def app(settings: Settings, database: Database, clock: ManualClock):  # type: ignore[no-untyped-def]
    return create_app(settings, database=database, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client
