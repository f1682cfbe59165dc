"""Tracker beats per second, against two no-op endpoints of the same app, in one run.

Starts `uvicorn readtoearn.app:create_app --factory` in a subprocess (one worker, no access log)
on a fresh database (SQLite by default; PostgreSQL with --pg URL), with many readers, each holding a
bearer token and an open read. Open reads live in the server's memory, or in Redis with
--redis URL (as with several workers). Then, from this process, every reader sends beats one
after the other (each beat carries the token the previous answer gave), all readers at once:
- door:     POST /api/v1/_bench/door-noop, answered where most beats are (web/fastbeat.py, the
  door inside the admission lanes) with the same work as any beat there (CORS with the sites'
  origins, security headers, request metrics, the body parsed by the beat's pydantic model, an
  answer of a beat's size) and nothing of the beat itself (no credential, no store): the
  baseline of the target (issue #17);
- noop:     POST /api/v1/_bench/noop, an ordinary FastAPI route behind the whole middleware stack
  that parses the same body and does nothing else (the baseline before the door; kept so that
  older figures can be compared);
- beats:    POST /api/v1/reads/{id}/beats (credential, chain check and signature, the rules, a
  compare-and-set in the store of open reads; the database is written when the read ends).
Prints req/s and p50/p99 latency for each (with wrk on Linux, also the server's CPU per request
from /proc), both ratios and the concurrent readers per core (beats/s x the beat interval, and
by the worker's CPU per beat: what one whole core would carry); the last line is
`ratio beats/noop=… (no-op at the door; … behind the stack)`. The load comes from wrk
(`apt-get install wrk`: one connection per reader, tokens chained in Lua) when it is installed,
else from an httpx client in this process (which then weighs on the result).

    .venv/bin/python bench/beats.py [--readers 64] [--seconds 10] [--pg postgresql://...]
        [--redis redis://127.0.0.1:6379/14]

With RTE_DEBUG=1 in the environment, wrk prints every answer that was not a success.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from readtoearn import migrations
from readtoearn.accounts import service as accounts
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from readtoearn.ledger import service as ledger

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PARAGRAPH = (
    "The board approved a plan worth up to $50bn on Tuesday, after a funding round that could "
    "value the group at $830bn; about 16,000 jobs could follow in the fourth quarter of 2026."
)


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"{self.name:<8} {self.rate:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({len(self.latencies)} ok, {self.failed} failed)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(settings: Settings, readers: int) -> tuple[list[tuple[str, str]], str]:
    """Migrate, add an article and readers with tokens; returns (bearer, read_id) pairs."""
    database = Database(make_engine(settings.resolved_database_url))
    migrations.upgrade(database.engine)
    with database.session(write=True) as session:
        html = "".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(40))
        article = articles.save_article(
            session,
            ArticleDraft(title="A long read for the benchmark", html=html, language="en"),
            settings,
        ).article
        ledger.fund_budget(session, 10**9, ledger.transfer_id("bench-funding"))
        bearers = []
        for i in range(readers):
            user = accounts.create_user(
                session, settings, email=f"bench{i}@example.org", password=None
            )
            bearers.append(accounts.issue_api_token(session, settings, user).token)
        article_id = str(article.id)
    database.dispose()
    return [(bearer, "") for bearer in bearers], article_id


async def start_reads(
    client: httpx.AsyncClient, bearers: list[tuple[str, str]], article_id: str
) -> list[dict[str, str]]:
    states = []
    for bearer, _ in bearers:
        response = await client.post(
            "/api/v1/reads",
            json={"article_id": article_id},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        response.raise_for_status()
        body = response.json()
        states.append(
            {"bearer": bearer, "read": body["read_id"], "token": body["token"], "seq": body["seq"]}
        )
    return states


def beat_body(state: dict[str, object]) -> dict[str, object]:
    return {
        "token": state["token"],
        "seq": state["seq"],
        "active_ms": 12_000,
        "scroll_max": 0.1,
        "paragraphs_seen": [],
        "visible": True,
        "focused": True,
        "events": {"scroll": 3, "wheel": 2},
        "viewport_h": 900,
        "document_h": 9000,
    }


PATHS = {"noop": "/api/v1/_bench/noop", "door": "/api/v1/_bench/door-noop"}


async def run_phase(
    client: httpx.AsyncClient, states: list[dict[str, object]], name: str, seconds: float
) -> Phase:
    phase = Phase(name)
    stop = time.perf_counter() + seconds

    async def reader(state: dict[str, object]) -> None:
        headers = {"Authorization": f"Bearer {state['bearer']}"}
        url = PATHS.get(name) or f"/api/v1/reads/{state['read']}/beats"
        while time.perf_counter() < stop:
            began = time.perf_counter()
            response = await client.post(url, json=beat_body(state), headers=headers)
            elapsed = time.perf_counter() - began
            if response.status_code in (200, 204):
                phase.latencies.append(elapsed)
                if name != "noop":  # the door's no-op sends the token back, as a beat's next
                    state["token"] = response.json()["token"]
                if name == "beats":
                    state["seq"] = int(str(state["seq"])) + 1
            else:
                phase.failed += 1

    began = time.perf_counter()
    await asyncio.gather(*(reader(s) for s in states))
    phase.seconds = time.perf_counter() - began
    return phase


async def drive(url: str, bearers: list[tuple[str, str]], article_id: str, seconds: float) -> None:
    limits = httpx.Limits(max_connections=len(bearers), max_keepalive_connections=len(bearers))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        states: list[dict[str, object]] = [
            dict(s) for s in await start_reads(client, bearers, article_id)
        ]
        await run_phase(client, states, "noop", 1.0)  # warm-up
        await run_phase(client, states, "door", 1.0)
        noop = await run_phase(client, states, "noop", seconds)
        door = await run_phase(client, states, "door", seconds)
        beats = await run_phase(client, states, "beats", seconds)
    for phase in (noop, door, beats):
        print(phase.line())
    print(readers_per_core(beats.rate))
    print(ratios(beats.rate, door.rate, noop.rate))


WRK_SCRIPT = r"""
-- One connection per thread; each thread is one reader chaining its own tokens.
local readers = dofile(os.getenv("RTE_READERS"))
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  local r = readers[index]
  bearer, read_id, token, seq = r[1], r[2], r[3], r[4]
  mode = os.getenv("RTE_MODE")
end
function request()
  local body = string.format(
    '{"token":"%s","seq":%d,"active_ms":12000,"scroll_max":0.1,"paragraphs_seen":[],' ..
    '"visible":true,"focused":true,"events":{"scroll":3,"wheel":2},' ..
    '"viewport_h":900,"document_h":9000}', token, seq)
  local path = (mode == "noop" and "/api/v1/_bench/noop")
    or (mode == "door" and "/api/v1/_bench/door-noop")
    or ("/api/v1/reads/" .. read_id .. "/beats")
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. bearer}, body)
end
function response(status, headers, body)
  if status >= 300 and os.getenv("RTE_DEBUG") then io.write(status, " ", body, "\n") end
  -- The door's no-op sends the token back: the same work for wrk as a beat's answer.
  if mode ~= "noop" and status == 200 then
    token = string.match(body, '"token":"([^"]+)"')
    if mode == "beats" then seq = seq + 1 end
  end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000, 0))
end
"""


def run_wrk(
    url: str, n: int, mode: str, seconds: float, tmp: Path, server_pid: int | None = None
) -> tuple[int, float, float, float, int, float]:
    """One wrk run: (requests, seconds, p50 ms, p99 ms, errors, the server's CPU seconds)."""
    env = {**os.environ, "RTE_READERS": str(tmp / "readers.lua"), "RTE_MODE": mode}
    before = server_cpu_s(server_pid)
    out = subprocess.run(
        ["wrk", "-t", str(n), "-c", str(n), "-d", f"{seconds:.0f}s", "--latency",
         "-s", str(tmp / "beats.lua"), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = server_cpu_s(server_pid) - before
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    done, errors, duration, p50, p99, _ = line.split()[1:]
    return int(done), float(duration), float(p50), float(p99), int(errors), cpu


def server_cpu_s(pid: int | None) -> float:
    """CPU seconds (user and system, all threads) the server process has used; 0.0 where
    /proc cannot tell (not Linux)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive_wrk(
    url: str,
    bearers: list[tuple[str, str]],
    article_id: str,
    seconds: float,
    tmp: Path,
    server_pid: int | None = None,
) -> None:
    """Drive the server with wrk (a C load generator): the client costs almost nothing.

    The machine's speed drifts over a run, so the endpoints take turns: several rounds of the
    no-op behind the stack, the no-op at the door, then beats, `seconds` in all for each. Before
    each round the readers resume their reads (as the tracker does after a reload), since wrk
    stops with beats in flight.
    """
    (tmp / "beats.lua").write_text(WRK_SCRIPT)
    rounds = max(1, min(4, int(seconds // 2)))
    share = seconds / rounds
    runs: dict[str, list[tuple[int, float, float, float, int, float]]] = {
        "noop": [],
        "door": [],
        "beats": [],
    }
    for index in range(rounds + 1):  # round 0 warms the server up and is not counted
        states = asyncio.run(open_reads(url, bearers, article_id))
        table = ",".join(
            f'{{"{s["bearer"]}","{s["read"]}","{s["token"]}",{s["seq"]}}}' for s in states
        )
        (tmp / "readers.lua").write_text(f"return {{{table}}}")
        for mode in runs:
            result = run_wrk(url, len(states), mode, max(share, 1.0), tmp, server_pid)
            if index:
                runs[mode].append(result)
    rates: dict[str, float] = {}
    cpu_us: dict[str, float] = {}
    for mode, results in runs.items():
        rates[mode] = sum(r[0] for r in results) / sum(r[1] for r in results)
        p50 = statistics.median(r[2] for r in results)
        p99 = max(r[3] for r in results)
        errors = sum(r[4] for r in results)
        cpu_us[mode] = sum(r[5] for r in results) / max(1, sum(r[0] for r in results)) * 1e6
        cpu = f", server CPU {cpu_us[mode]:.0f} us a request" if cpu_us[mode] else ""
        print(
            f"{mode:<8} {rates[mode]:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({errors} errors{cpu})"
        )
    for baseline, name in (("door", "no-op at the door"), ("noop", "no-op behind the stack")):
        by_round = [
            b[0] / b[1] / (n[0] / n[1]) for n, b in zip(runs[baseline], runs["beats"], strict=True)
        ]
        print(f"ratio by round, beats / {name}: " + " ".join(f"{r:.2f}" for r in by_round))
    print(readers_per_core(rates["beats"], cpu_us.get("beats", 0.0)))
    print(
        "load average (1, 5, 15 min) at the end: " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(ratios(rates["beats"], rates["door"], rates["noop"]))


def ratios(beats: float, door: float, noop: float) -> str:
    """The last line: beats / the no-op at the door (the target's ratio), and as before."""
    at_door = beats / door if door else 0.0
    behind = beats / noop if noop else 0.0
    return f"ratio beats/noop={at_door:.2f} (no-op at the door; {behind:.2f} behind the stack)"


def readers_per_core(beats_per_s: float, cpu_us_per_beat: float = 0.0) -> str:
    """How many readers one worker (one core) keeps beating: each sends one beat an interval.
    With the server's CPU per beat measured, also how many one core's worth of that CPU would
    keep beating (the worker may get less than a core: wrk shares the machine)."""
    interval = Settings().beat_interval_s
    line = (
        f"concurrent readers per core = beats/s x {interval} s = {beats_per_s * interval:,.0f} "
        "(one worker on one core)"
    )
    if cpu_us_per_beat:
        line += f"; by the worker's CPU, {1e6 / cpu_us_per_beat * interval:,.0f}"
    return line


async def open_reads(
    url: str, bearers: list[tuple[str, str]], article_id: str
) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await start_reads(client, bearers, article_id)  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pg", default=os.environ.get("READTOEARN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis", default="", help="keep open reads in this Redis database")
    parser.add_argument(
        "--python-client", action="store_true", help="use httpx even when wrk is installed"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        schema = ""
        env = {**os.environ, "READTOEARN_DATA_DIR": str(data), "READTOEARN_SECRET_KEY": SECRET}
        # Thousands of reads started from one address: the start-read rate limit would refuse
        # them (docs/fraud.md); the benchmark measures beats.
        env["READTOEARN_RATE_LIMIT_START_READ"] = "1000000/minute"
        env["READTOEARN_BENCH_ROUTES"] = "true"
        env["READTOEARN_REDIS_URL"] = args.redis
        if args.pg:
            from readtoearn.config import normalise_database_url

            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = make_engine(normalise_database_url(args.pg))
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            separator = "&" if "?" in args.pg else "?"
            env["READTOEARN_DATABASE_URL"] = f"{args.pg}{separator}options=-csearch_path%3D{schema}"
        else:
            env["READTOEARN_DATABASE_URL"] = f"sqlite:///{data / 'bench.sqlite3'}"
        settings = Settings(
            data_dir=data, secret_key=SECRET, database_url=env["READTOEARN_DATABASE_URL"]
        )
        bearers, article_id = prepare(settings, args.readers)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "readtoearn.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
            backend = "postgresql" if args.pg else "sqlite"
            store = "open reads in Redis" if args.redis else "open reads in memory"
            print(
                f"{args.readers} readers, {args.seconds:.0f} s per endpoint, {backend}, {store}, "
                "1 worker; load average (1, 5, 15 min) at the start: "
                + " ".join(f"{x:.1f}" for x in os.getloadavg())
            )
            print("noop: the no-op behind the stack; door: the no-op at the door")
            if shutil.which("wrk") and not args.python_client:
                drive_wrk(url, bearers, article_id, args.seconds, data, server.pid)
            else:
                print("(the Python client below costs as much CPU as the server: install wrk)")
                asyncio.run(drive(url, bearers, article_id, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=10)
            if schema:
                admin = make_engine(normalise_database_url(args.pg))
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
