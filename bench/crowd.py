"""The viral story: thousands of readers arrive within a minute, read, answer, and race.

Prepares a fresh database (bench/_crowd.py: a SQLite file, or with --pg a new PostgreSQL
schema) with a short article, a funded budget, the readers' bearer tokens and a reward of 50
units, starts the real server (`readtoearn serve --no-demo`; with --pg, `--workers 2` and open
reads in Redis), and lets Locust (bench/crowd_locustfile.py) bring the crowd: --readers users
spawned evenly over --arrival-s seconds, each one visit: open the article page, start a read
with a page-view token, beat every 5 s (READTOEARN_BEAT_INTERVAL_S, the minimum) until the end,
ask for the verdict, answer the quiz; one in ten races for the reward (Idempotency-Key); one in
twenty is a newcomer who signs up on the form and logs in for a token during the spike. A 503
is waited out (Retry-After) and sent again; so is a connection that died.

Prints requests/s and p50/p99 per route, the count of each answer (status and error code),
timeouts, then runs `readtoearn audit` and holds the clients' journal against the ledger, as
bench/crash.py does (the same code, in bench/_crowd.py). Exits 1 on a mismatch or a 5xx
other than 503.

Locust runs in a subprocess: it monkey-patches the standard library with gevent on import,
which this process (SQLAlchemy, psycopg, the server's subprocess) is better off without. It is
not a dependency of readtoearn: `.venv/bin/pip install locust` (2.x) first.

    .venv/bin/python bench/crowd.py [--readers 2000 --arrival-s 60 | --quick]
    .venv/bin/python bench/crowd.py --pg postgresql://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/15 [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_crowd.py, however we are run

import _crowd

LOCUSTFILE = Path(__file__).resolve().parent / "crowd_locustfile.py"


def figures_table(figures: dict[str, object]) -> list[str]:
    """Requests/s and p50/p99 per route over the load's duration, then the answers' counts."""
    latencies: dict[str, list[float]] = figures["latencies"]  # type: ignore[assignment]
    counts: dict[str, int] = figures["counts"]  # type: ignore[assignment]
    seconds = max(float(figures["last"]) - float(figures["first"]), 1e-9)  # type: ignore[arg-type]
    total = sum(len(v) for v in latencies.values())
    lines = [
        f"load: {figures['done']}/{figures['total']} visits over {seconds:.1f} s, "
        f"{total} answered requests, {total / seconds:.1f} req/s",
        f"{'route':<40} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for route in sorted(latencies):
        values = latencies[route]
        lines.append(
            f"{route:<40} {len(values):>8} {len(values) / seconds:>7.1f} "
            f"{_crowd.percentile(values, 0.5) * 1000:>8.1f} "
            f"{_crowd.percentile(values, 0.99) * 1000:>8.1f}"
        )
    lines.append("answers (route, status, code):")
    lines += [f"  {name:<56} {count:>7}" for name, count in sorted(counts.items())]
    timeouts = sum(n for name, n in counts.items() if name.endswith(" timeout"))
    died = sum(n for name, n in counts.items() if name.endswith((" died", " refused")))
    lines.append(f"timeouts: {timeouts}   connections died or refused: {died}")
    return lines


def run(args: argparse.Namespace, data: Path) -> int:
    """Prepare, serve, bring the crowd, then print, audit and compare; 0 when all agreed."""
    signups = round(args.readers * args.signups)
    workers = args.workers or (2 if args.pg else 1)
    began = time.monotonic()
    world = _crowd.prepare(
        data,
        readers=args.readers - signups,
        pg_url=args.pg,
        redis_url=args.redis,
        reward_stock=args.stock,
        reward_cost=10,
    )
    print(
        f"crowd: {args.readers} readers ({signups} sign up) over {args.arrival_s:.0f} s, "
        f"{world.backend}, {workers} worker(s), open reads in "
        f"{'Redis' if args.redis else 'memory'}; prepared in {time.monotonic() - began:.1f} s"
    )
    failed: list[str] = []
    try:
        with _crowd.running(world, workers=workers) as server:
            plan = {
                "url": server.url,
                "article_id": world.article_id,
                "article_path": world.article_path,
                "paragraphs": world.paragraphs,
                "reward_id": world.reward_id,
                "readers": [[r.id, r.email, r.bearer] for r in world.readers],
                "signups": signups,
                "racers": args.racers,
                "timeout_s": args.timeout_s,
                "limit_s": args.arrival_s + args.limit_s,
                "journal": str(data / "journal.jsonl"),
                "figures": str(data / "figures.json"),
            }
            (data / "plan.json").write_text(json.dumps(plan))
            rate = args.readers / max(args.arrival_s, 1.0)
            command = [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "--users", str(args.readers), "--spawn-rate", f"{rate:.3f}",
                "--run-time", f"{int(args.arrival_s + args.limit_s)}s",
                "--host", server.url, "--only-summary", "--loglevel", "WARNING",
                "--stop-timeout", "5", "--exit-code-on-error", "0",
            ]  # fmt: skip
            env = {**world.env, "RTE_CROWD_PLAN": str(data / "plan.json")}
            with (data / "locust.log").open("wb") as log:
                subprocess.run(
                    command,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=args.arrival_s + args.limit_s + 120,
                    check=False,
                )
            figures = json.loads((data / "figures.json").read_text())
            calls = _crowd.load_journal(data / "journal.jsonl")
            print("\n".join(figures_table(figures)))
            print(f"reads credited: {figures['credited']}")
            comparison = _crowd.compare(world, calls)
            status, output = _crowd.run_audit(world)
    finally:
        world.drop()
    print(comparison.render())
    print(f"audit: exit {status} {output.splitlines()[-1] if output else ''}")
    for name, count in figures["counts"].items():
        statuses = [word for word in name.split()[2:] if word.isdigit()]
        if statuses and statuses[0].startswith("5") and statuses[0] != "503":
            failed.append(f"{count} x {name}")
    if figures["done"] < figures["total"]:
        failed.append(f"only {figures['done']} of {figures['total']} visits ended")
    if status != 0:
        failed.append("the audit failed")
    failed += comparison.problems[:1]
    for problem in failed:
        print(f"PROBLEM {problem}")
    print("crowd: OK" if not failed and comparison.ok else "crowd: FAILED")
    return 0 if not failed and comparison.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--arrival-s", type=float, default=60.0, help="the arrivals' spread")
    parser.add_argument("--quick", action="store_true", help="300 readers over 20 s")
    parser.add_argument("--signups", type=float, default=0.05, help="share of newcomers")
    parser.add_argument("--racers", type=float, default=0.10, help="share racing for the reward")
    parser.add_argument("--stock", type=int, default=50, help="units of the reward")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="per request")
    parser.add_argument("--limit-s", type=float, default=120.0, help="after the last arrival")
    args = _crowd.parse_args(parser, argv)
    if args.quick:
        args.readers, args.arrival_s = 300, 20.0
    if shutil.which("locust", path=str(Path(sys.executable).parent)) is None:
        parser.error("Locust is not installed: .venv/bin/pip install locust")
    data = Path(tempfile.mkdtemp(prefix="rte-crowd-"))
    code = run(args, data)
    if args.keep or code:
        print(f"data, server and Locust logs, journal kept in {data}")
    else:
        shutil.rmtree(data, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
