"""The ledger's CSV export: peak memory of the streamed export against loading it whole, in the
same run, on the same database.

Ours: `fraud.exports.stream_csv` (pages of 2,000 rows, each read in a short transaction and
written out as CSV at once), its chunks consumed and dropped as a response sends them. Baseline:
the straightforward export, every transfer loaded with one query, then written to one CSV
string. Both produce the same bytes (checked). Peak memory is Python's own allocations
(tracemalloc) while each runs; the time of each is printed too.

Then the real endpoint, `GET /operator/exports/ledger.csv` with an operator's session, its body
read chunk by chunk and dropped, twice:
- in this process, through the whole app (Starlette's TestClient streams the body as the app
  sends it): Python's peak allocations while the body is drained, against the baseline above;
- from a uvicorn server in a subprocess, over HTTP: the server's peak resident memory while it
  sends the file (VmHWM, reset through /proc/<pid>/clear_refs after a warm-up request) against its
  resident memory just before (VmRSS); beside it, for a baseline measured the same way, a fresh
  process that loads the same export whole (the baseline above), its VmHWM against its VmRSS
  before.

    .venv/bin/python bench/exports.py                # 100,000 transfers on SQLite
    .venv/bin/python bench/exports.py --rows 20000   # quicker
    .venv/bin/python bench/exports.py --pg postgresql://postgres@127.0.0.1:5432/test

Prints rows, megabytes at peak and seconds for each side, and the ratio baseline/ours of the peaks.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from readtoearn import migrations
from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.app import create_app
from readtoearn.config import Settings, normalise_database_url
from readtoearn.db import Database, make_engine
from readtoearn.fraud import exports
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import Transfer, TransferCode
from readtoearn.web.sessions import SESSION_COOKIE

READERS = 200
BATCH = 1000
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
EXPORT = "/operator/exports/ledger.csv"
# A warm-up request: the same route, its plan and its first query, and no row (a day to come).
WARM_UP = f"{EXPORT}?since=2999-01-01"


def fill(database: Database, rows: int) -> None:
    """`rows` transfers: one funding, then credits from the budget to a few hundred wallets."""
    with database.session(write=True) as session:
        ledger.fund_budget(session, rows * 10, ledger.transfer_id("bench-funding"))
        users = [User(email=f"r{n}@bench.example", display_name=f"r{n}") for n in range(READERS)]
        session.add_all(users)
        session.flush()
        wallets = [ledger.get_or_create_wallet(session, u.id) for u in users]
        budget = ledger.programme_budget(session)
    made = 1
    while made < rows:
        size = min(BATCH, rows - made)
        specs = [
            TransferSpec(
                id=uuid.uuid4(),
                debit_account_id=budget,
                credit_account_id=wallets[(made + i) % READERS],
                amount=1 + (made + i) % 7,
                code=TransferCode.READ_REWARD,
                metadata={"read_id": str(uuid.uuid4())},
            )
            for i in range(size)
        ]
        with database.session(write=True) as session:
            results = ledger.create_transfers(session, specs)
            assert all(r.ok for r in results)
        made += size


def streamed(database: Database) -> bytes:
    size, tail = 0, b""
    for chunk in exports.stream_csv(database, "ledger", exports.ExportFilter()):
        data = chunk.encode()
        size += len(data)
        tail = data[-64:] or tail  # kept only to compare the ends
    return f"{size}:".encode() + tail


def whole(database: Database) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with database.session() as session:
        transfers = session.scalars(select(Transfer).order_by(Transfer.created_at, Transfer.id))
        everything = list(transfers)
        writer.writerow(exports._ledger_plan(None).header)
        row = exports._ledger_plan(None).row
        for t in everything:
            writer.writerow([exports._cell(v) for v in row(t)])
    data = buffer.getvalue().encode()
    return f"{len(data)}:".encode() + data[-64:]


def measure(run: Callable[[Database], bytes], database: Database) -> tuple[float, float, bytes]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    out = run(database)
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, seconds, out


def pg_schema_url(pg_url: str, schema: str) -> str:
    """The URL of a PostgreSQL database whose tables live in one schema (libpq's options)."""
    separator = "&" if "?" in pg_url else "?"
    return f"{pg_url}{separator}options=-csearch_path%3D{schema}"


def server_settings(data_dir: Path, url: str) -> Settings:
    """The app's settings for the bench's database, with no job of its own in the background."""
    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key=SECRET,
        ledger_expire_every_s=0,
        webhook_poll_s=0,
    )


def operator_session(database: Database, settings: Settings) -> str:
    """An operator and the secret of a browser session of theirs (the cookie)."""
    with database.session(write=True) as session:
        boss = accounts.create_user(
            session, settings, email="boss@bench.example", password=None, is_operator=True
        )
        return accounts.start_session(session, settings, boss)


def drain(response: httpx.Response) -> int:
    """Read a streamed body chunk by chunk, keeping none; returns its size."""
    assert response.status_code == 200, response.status_code
    return sum(len(chunk) for chunk in response.iter_raw())


def through_the_app(
    database: Database, settings: Settings, cookie: str
) -> tuple[float, float, int]:
    """Python's peak allocations while the endpoint's body is drained in this process."""
    with TestClient(create_app(settings, database=database)) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        with client.stream("GET", WARM_UP) as warm:
            drain(warm)
        tracemalloc.start()
        tracemalloc.reset_peak()
        start = time.perf_counter()
        with client.stream("GET", EXPORT) as response:
            size = drain(response)
        seconds = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1e6, seconds, size


def memory_mb(pid: int | str, field: str) -> float:
    """A field of /proc/<pid>/status in megabytes (VmRSS: resident now, VmHWM: at peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise KeyError(field)


def reset_peak(pid: int | str) -> None:
    """Start VmHWM again from the resident memory of now (Linux 4.0 and later)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def through_a_server(settings: Settings, cookie: str) -> dict[str, float]:
    """The export drained over HTTP from a uvicorn worker: its resident memory before, at peak."""
    port = free_port()
    env = {
        **os.environ,
        "READTOEARN_DATA_DIR": str(settings.data_dir),
        "READTOEARN_DATABASE_URL": settings.database_url,
        "READTOEARN_SECRET_KEY": SECRET,
        "READTOEARN_LEDGER_EXPIRE_EVERY_S": "0",
        "READTOEARN_WEBHOOK_POLL_S": "0",
    }
    command = [
        sys.executable, "-m", "uvicorn", "readtoearn.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 30 s")
            time.sleep(0.1)
        with httpx.Client(base_url=base, cookies={SESSION_COOKIE: cookie}, timeout=300) as client:
            with client.stream("GET", WARM_UP) as warm:
                drain(warm)
            time.sleep(0.5)  # the warm-up's last allocations settle
            before = memory_mb(server.pid, "VmRSS")
            reset_peak(server.pid)
            start = time.perf_counter()
            with client.stream("GET", EXPORT) as response:
                size = drain(response)
            seconds = time.perf_counter() - start
            peak = memory_mb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "bytes": size,
        "before_mb": before,
        "peak_mb": peak,
        "growth_mb": peak - before,
        "seconds": seconds,
    }


def whole_in_a_process(url: str) -> dict[str, float]:
    """The baseline measured as the server is: a fresh process loads the export whole."""
    out = subprocess.run(
        [sys.executable, __file__, "--whole-rss", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def report_whole_rss(url: str) -> None:
    """Child mode: the baseline's export once the database is open and warm, its RSS growth."""
    database = Database(make_engine(url))
    with database.session() as session:
        session.scalars(select(Transfer).limit(1)).all()  # connected, mapped, compiled
    before = memory_mb("self", "VmRSS")
    reset_peak("self")
    whole(database)
    peak = memory_mb("self", "VmHWM")
    database.dispose()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "growth_mb": peak - before}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("READTOEARN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--whole-rss", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.whole_rss:
        report_whole_rss(args.whole_rss)
        return
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        schema = f"bench_exports_{uuid.uuid4().hex[:8]}"
        if args.pg:
            url = normalise_database_url(args.pg)
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        else:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'exports.sqlite3'}")
        database = Database(engine)
        try:
            migrations.upgrade(engine)
            start = time.perf_counter()
            fill(database, args.rows)
            print(f"filled {args.rows} transfers in {time.perf_counter() - start:.1f} s")
            base_mb, base_s, base_out = measure(whole, database)
            ours_mb, ours_s, ours_out = measure(streamed, database)
            assert ours_out == base_out, "both exports write the same bytes"
            print(f"baseline (loaded whole): peak {base_mb:8.1f} MB  {base_s:6.2f} s")
            print(f"ours (streamed pages):   peak {ours_mb:8.1f} MB  {ours_s:6.2f} s")
            print(f"ratio peak baseline/ours={base_mb / ours_mb:.1f}")
            url = str(engine.url.render_as_string(hide_password=False))
            if args.pg:
                url = pg_schema_url(url, schema)
            settings = server_settings(Path(tmp), url)
            cookie = operator_session(database, settings)
            app_mb, app_s, app_size = through_the_app(database, settings, cookie)
            assert app_size == int(base_out.split(b":")[0]), "the endpoint sends the same bytes"
            print(
                f"the endpoint, in process:  peak {app_mb:8.1f} MB  {app_s:6.2f} s"
                f"  (ratio baseline/endpoint={base_mb / app_mb:.1f}; {app_size / 1e6:.1f} MB sent)"
            )
            database.dispose()
            served = through_a_server(settings, cookie)
            assert served["bytes"] == app_size, "the server sends the same bytes"
            loaded = whole_in_a_process(url)
            print(
                f"uvicorn server, over HTTP: RSS before {served['before_mb']:6.1f} MB, peak "
                f"{served['peak_mb']:6.1f} MB, growth {served['growth_mb']:6.1f} MB"
                f"  {served['seconds']:6.2f} s"
            )
            print(
                f"baseline, a fresh process loading it whole: RSS before "
                f"{loaded['before_mb']:6.1f} MB, peak {loaded['peak_mb']:6.1f} MB, growth "
                f"{loaded['growth_mb']:6.1f} MB"
            )
            ratio = loaded["growth_mb"] / max(served["growth_mb"], 0.1)
            print(f"ratio RSS growth baseline/server={ratio:.1f}")
        finally:
            database.dispose()
            if args.pg:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
