"""The ledger's CSV export: peak memory of the streamed export against loading it whole, in the
same run, on the same database.

Ours: `fraud.exports.stream_csv` (pages of 2,000 rows, each read in a short transaction and
written out as CSV at once), its chunks consumed and dropped as a response sends them. Baseline:
the straightforward export, every transfer loaded with one query, then written to one CSV
string. Both produce the same bytes (checked). Peak memory is Python's own allocations
(tracemalloc) while each runs; the time of each is printed too.

    .venv/bin/python bench/exports.py                # 100,000 transfers on SQLite
    .venv/bin/python bench/exports.py --rows 20000   # quicker
    .venv/bin/python bench/exports.py --pg postgresql://postgres@127.0.0.1:5432/test

Prints rows, megabytes at peak and seconds for each side, and the ratio baseline/ours of the peaks.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select, text

from readtoearn import migrations
from readtoearn.accounts.models import User
from readtoearn.config import normalise_database_url
from readtoearn.db import Database, make_engine
from readtoearn.fraud import exports
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import Transfer, TransferCode

READERS = 200
BATCH = 1000


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("READTOEARN_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
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
        finally:
            database.dispose()
            if args.pg:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
