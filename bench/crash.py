"""Crash test: kill -9 the server in the middle of a crowd, and prove the ledger kept its word.

Prepares a fresh database (a SQLite file; or, with --pg, a new PostgreSQL schema) with a short
article, a funded budget, readers and an operator holding bearer tokens, and a reward in stock.
Starts the real server (`readtoearn serve --no-demo`; with --pg, `--workers 2` and open reads in
Redis) and lets a crowd of clients at it, all at once:
- every reader reads the article honestly (a signed page-view token, a beat every 5 s, the
  verdict), then answers the quiz of the credited read;
- every reader keeps redeeming the reward, each time with a new Idempotency-Key;
- the operator keeps granting points (POST /api/v1/operator/grants, with an Idempotency-Key).
Part way through, the server is killed with SIGKILL: the whole `serve` process on SQLite, which
is then started again; one worker process with --pg, which uvicorn's parent replaces. Clients
treat a `503` as "wait Retry-After and send the same request again", and a connection that died
(or was refused) the same way: the same Idempotency-Key, the same token, until an answer comes.
A beat answered `409 out_of_order` (its chain was lost with the process) starts the read again.

Afterwards `readtoearn audit` must pass, and the clients' journal is held against the ledger
(bench/_crowd.py): every 2xx a client saw is in the ledger exactly once, every refusal left
nothing, every request that died was replayed and its answer agrees with the ledger, and no
wallet holds a transfer no client knows of. Prints a summary; exits 1 on any mismatch.

    .venv/bin/python bench/crash.py [--readers 12] [--kill-at 16.5]
    .venv/bin/python bench/crash.py --pg postgresql://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/15 [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_crowd.py, however we are run

import _crowd
from _crowd import Attempt, Call, Comparison, HonestRead, Server, Step, World

from readtoearn.ledger import service as ledger

GRANT_POINTS = 5
REQUEST_TIMEOUT_S = 20.0


@dataclass
class Result:
    """What a crash run found; `ok` only when the audit passed and nothing disagreed."""

    backend: str
    workers: int
    readers: int
    seconds: float = 0.0
    killed: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)  # "route answer" -> requests
    died_requests: int = 0
    comparison: Comparison = field(default_factory=Comparison)
    audit_status: int = -1
    audit_output: str = ""
    problems: list[str] = field(default_factory=list)  # beyond the comparison: 500s, hangs
    credited_reads: int = 0
    held_reads: int = 0
    budget_left: int | None = None  # what the programme budget could still pay at the end

    @property
    def ok(self) -> bool:
        return self.audit_status == 0 and self.comparison.ok and not self.problems

    def render(self) -> str:
        """The summary printed at the end of a run."""
        lines = [
            f"crash test: {self.backend}, {self.workers} worker(s), {self.readers} readers, "
            f"{self.seconds:.1f} s",
        ]
        lines += [f"killed: {k}" for k in self.killed]
        lines.append(f"requests (route, answer): {sum(self.requests.values())}")
        lines += [f"  {name:<48} {count:>7}" for name, count in sorted(self.requests.items())]
        lines.append(f"requests whose connection died or was refused: {self.died_requests}")
        lines.append(
            f"reads credited: {self.credited_reads}/{self.readers}, held: {self.held_reads}"
        )
        lines.append(self.comparison.render())
        lines += [f"  PROBLEM {p}" for p in self.problems]
        audit = self.audit_output.splitlines()[-1] if self.audit_output else ""
        lines.append(f"audit: exit {self.audit_status} {audit}")
        lines.append("crash test: OK" if self.ok else "crash test: FAILED")
        return "\n".join(lines)


class Crowd:
    """The clients: one HTTP connection pool, the journal, and the rule for retrying."""

    def __init__(self, world: World, server: Server, result: Result, deadline: float) -> None:
        self.world = world
        self.result = result
        self.deadline = deadline
        self.calls: list[Call] = []
        self.stop = asyncio.Event()
        self.database = world.database()
        limits = httpx.Limits(max_connections=len(world.readers) * 2 + 8)
        self.http = httpx.AsyncClient(base_url=server.url, limits=limits, timeout=REQUEST_TIMEOUT_S)
        self.rng = random.Random(10)

    async def close(self) -> None:
        await self.http.aclose()
        self.database.dispose()

    async def send(
        self,
        method: str,
        route: str,
        path: str,
        *,
        bearer: str,
        body: dict[str, Any] | None = None,
        key: str | None = None,
        call: Call | None = None,
    ) -> tuple[int | None, Any]:
        """Send a request until it is answered (not 503, not a dead connection) or the run's
        deadline passes; every attempt is counted, and kept on the call (journaled) if any."""
        if call is not None:
            self.calls.append(call)
        headers = {"Authorization": f"Bearer {bearer}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        while True:
            began = time.monotonic()
            try:
                response = await self.http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as exc:
                # The process died under the request, or is not listening yet: the same
                # request again shortly, whatever it was (that is what the keys are for).
                # Refused: nothing was sent (the server is down); died: it may have been done.
                fate = "refused" if isinstance(exc, httpx.ConnectError) else "died"
                self.result.died_requests += 1
                self.result.requests[f"{route} {fate}"] += 1
                if isinstance(exc, httpx.TimeoutException):
                    self.result.problems.append(f"{route}: no answer in {REQUEST_TIMEOUT_S} s")
                if call is not None:
                    call.attempts.append(Attempt(None, fate, time.monotonic() - began))
                if time.monotonic() > self.deadline:
                    return None, None
                await asyncio.sleep(0.2)
                continue
            seconds = time.monotonic() - began
            try:
                answer = response.json()
            except ValueError:
                answer = None
            code = _crowd.error_code(answer)
            self.result.requests[f"{route} {response.status_code} {code}".strip()] += 1
            if response.status_code >= 500 and response.status_code != 503:
                self.result.problems.append(
                    f"{route}: {response.status_code} {response.text[:200]}"
                )
            if call is not None:
                call.attempts.append(Attempt(response.status_code, code, seconds))
            if response.status_code == 503 and time.monotonic() < self.deadline:
                await asyncio.sleep(_crowd.retry_after(response.headers.get("retry-after"), 2.0))
                continue
            if call is not None:
                call.body = answer
                call.replayed = response.headers.get("idempotent-replayed") == "true"
            return response.status_code, answer

    # -- readers ------------------------------------------------------------------------------

    async def start_read(self, reader: _crowd.Reader, read: HonestRead) -> bool:
        """Start (or resume) the read; False when refused."""
        body = {
            "article_id": self.world.article_id,
            "view_token": _crowd.view_token(self.world.article_id, reader.id),
        }
        route = "POST /api/v1/reads"
        while time.monotonic() < self.deadline:
            status, answer = await self.send(
                "POST", route, "/api/v1/reads", bearer=reader.bearer, body=body
            )
            if status in (200, 201):
                read.start(answer)
                return True
            if status == 409 and _crowd.error_code(answer) == "read_in_progress":
                await asyncio.sleep(0.2)  # a twin request is opening it: resume that one
                continue
            return False
        return False

    async def read(self, reader: _crowd.Reader) -> None:
        """One honest read of the article, then its quiz."""
        await self.send("GET", "GET article page", self.world.article_path, bearer=reader.bearer)
        read = HonestRead(self.world.paragraphs, self.rng)
        if not await self.start_read(reader, read):
            self.result.problems.append(f"reader {reader.id}: the read could not start")
            return
        route = "POST /api/v1/reads/{id}/beats"
        verdict = ""
        while time.monotonic() < self.deadline:
            await asyncio.sleep(_crowd.BEAT_S + self.rng.uniform(0.15, 0.4))
            path = f"/api/v1/reads/{read.read_id}/beats"
            status, answer = await self.send(
                "POST", route, path, bearer=reader.bearer, body=read.beat()
            )
            step = read.beaten(status, answer)
            if step is Step.COMPLETE:
                verdict = await self.complete(reader, read)
                step = read.judged(verdict)
            if step is Step.DONE:
                break
            if step is Step.RESTART and not await self.start_read(reader, read):
                return
        if verdict == "credited":
            self.result.credited_reads += 1
            await self.quiz(reader, read.read_id)
        elif verdict == "held":
            self.result.held_reads += 1

    async def complete(self, reader: _crowd.Reader, read: HonestRead) -> str:
        """Ask for the verdict (journaled); the verdict, or the error code."""
        status, answer = await self.send(
            "POST",
            "POST /api/v1/reads/{id}/complete",
            f"/api/v1/reads/{read.read_id}/complete",
            bearer=reader.bearer,
            body={"token": read.token},
            call=Call("complete", reader.id, read.read_id, sent={"token": read.token[:16]}),
        )
        if status == 200:
            return str(answer["verdict"])
        return _crowd.error_code(answer) or str(status)

    async def quiz(self, reader: _crowd.Reader, read_id: str) -> None:
        path = f"/api/v1/reads/{read_id}/quiz"
        status, _ = await self.send(
            "GET", "GET /api/v1/reads/{id}/quiz", path, bearer=reader.bearer
        )
        if status != 200:
            return
        answers = await asyncio.to_thread(_crowd.quiz_answers, self.database, read_id)
        await self.send(
            "POST",
            "POST /api/v1/reads/{id}/quiz",
            path,
            bearer=reader.bearer,
            body={"answers": answers},
            call=Call("quiz", reader.id, read_id, sent={"right": bool(answers)}),
        )

    async def redeem_loop(self, reader: _crowd.Reader) -> None:
        """Keep redeeming the reward (a new key each time) until the reads are over."""
        path = f"/api/v1/rewards/{self.world.reward_id}/redemptions"
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            await asyncio.sleep(self.rng.uniform(0.2, 0.6))
            key = f"redeem-{uuid.uuid4().hex}"
            await self.send(
                "POST",
                "POST /api/v1/rewards/{id}/redemptions",
                path,
                bearer=reader.bearer,
                body={},
                key=key,
                call=Call("redeem", reader.id, key),
            )

    # -- the operator -------------------------------------------------------------------------

    async def grant_loop(self) -> None:
        """Keep granting points to readers (a new key each time) until the reads are over."""
        route = "POST /api/v1/operator/grants"
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            reader = self.rng.choice(self.world.readers)
            key = f"grant-{uuid.uuid4().hex}"
            body = {"email": reader.email, "points": GRANT_POINTS, "reason": "crowd test"}
            await self.send(
                "POST",
                route,
                "/api/v1/operator/grants",
                bearer=self.world.operator_bearer,
                body=body,
                key=key,
                call=Call("grant", reader.id, key, sent={"points": GRANT_POINTS}),
            )
            await asyncio.sleep(self.rng.uniform(0.05, 0.15))


async def crash(server: Server, result: Result, kill_at: float) -> None:
    """kill -9 the server (SQLite: all of it, then start it again; several workers: one)."""
    await asyncio.sleep(kill_at)
    if server.workers == 1:
        await asyncio.to_thread(server.kill)
        result.killed.append(f"the serve process, {kill_at:.1f} s in")
        began = time.monotonic()
        await asyncio.to_thread(server.start)
        result.killed.append(f"restarted in {time.monotonic() - began:.1f} s")
        return
    before = set(server.worker_pids())
    pid = await asyncio.to_thread(server.kill_worker)
    result.killed.append(f"worker {pid} of {sorted(before)}, {kill_at:.1f} s in")
    began = time.monotonic()
    while time.monotonic() - began < 30:
        now = set(server.worker_pids())
        if len(now) >= len(before) and pid not in now:
            took = time.monotonic() - began
            result.killed.append(f"uvicorn replaced it with {sorted(now - before)} in {took:.1f} s")
            return
        await asyncio.sleep(0.2)
    result.problems.append("uvicorn did not replace the killed worker within 30 s")


async def drive(
    world: World,
    server: Server,
    result: Result,
    *,
    kill_at: float | None,
    arrive_s: float,
    limit_s: float,
    grants: bool = True,
) -> list[Call]:
    """Run the crowd and the crash (none when `kill_at` is None); return the journal."""
    crowd = Crowd(world, server, result, time.monotonic() + limit_s)
    try:
        loops = [asyncio.create_task(crowd.grant_loop()) for _ in range(2 if grants else 0)]
        loops += [asyncio.create_task(crowd.redeem_loop(r)) for r in world.readers]
        killer = asyncio.create_task(
            crash(server, result, kill_at) if kill_at is not None else asyncio.sleep(0)
        )
        reads = []
        for i, reader in enumerate(world.readers):
            # Arrivals spread over a few seconds, so completions straddle a kill at ~16 s.
            await asyncio.sleep(arrive_s / len(world.readers) if i else 0)
            reads.append(asyncio.create_task(crowd.read(reader)))
        await asyncio.gather(*reads)
        await killer  # the reads may end before the kill: it happens all the same
        crowd.stop.set()
        await asyncio.gather(*loops)
    finally:
        await crowd.close()
    return crowd.calls


def run(
    data: Path,
    *,
    readers: int = 12,
    kill_at: float | None = 16.5,
    arrive_s: float = 3.0,
    pg_url: str = "",
    redis_url: str = "",
    workers: int | None = None,
    limit_s: float = 120.0,
    funding: int = 10**8,
    grants: bool = True,
) -> Result:
    """Prepare, serve, crowd, crash, then audit and compare; the result says what was found.

    A small `funding` (without `grants`, which draw on the budget too) makes the budget run
    dry under the crowd: the reads it cannot pay are held, and the clients must hear so."""
    workers = workers or (2 if pg_url else 1)
    world = _crowd.prepare(
        data, readers=readers, pg_url=pg_url, redis_url=redis_url, funding=funding
    )
    result = Result(world.backend, workers, readers)
    began = time.monotonic()
    try:
        with _crowd.running(world, workers=workers) as server:
            # On an event loop of its own thread: a caller may already run one on this thread
            # (the test suite's browser tests keep Playwright's loop running).
            with ThreadPoolExecutor(1) as pool:
                calls = pool.submit(
                    asyncio.run,
                    drive(
                        world,
                        server,
                        result,
                        kill_at=kill_at,
                        arrive_s=arrive_s,
                        limit_s=limit_s,
                        grants=grants,
                    ),
                ).result()
            result.seconds = time.monotonic() - began
            _crowd.save_journal(data / "journal.jsonl", calls)
            result.comparison = _crowd.compare(world, calls)
            result.audit_status, result.audit_output = _crowd.run_audit(world)
            with world.session() as session:
                budget = ledger.programme_budget(session)
                result.budget_left = ledger.balance(session, budget).available
            if result.credited_reads == 0:
                result.problems.append("no read was credited: the crowd tested nothing")
    finally:
        world.drop()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the crash test from the command line; 0 when the ledger kept its word."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=12)
    parser.add_argument("--kill-at", type=float, default=16.5, help="seconds into the load")
    args = _crowd.parse_args(parser, argv)
    data = Path(tempfile.mkdtemp(prefix="rte-crash-"))
    result = run(
        data,
        readers=args.readers,
        kill_at=args.kill_at,
        pg_url=args.pg,
        redis_url=args.redis,
        workers=args.workers,
    )
    print(result.render())
    if args.keep or not result.ok:
        print(f"data, server log and journal kept in {data}")
    else:
        shutil.rmtree(data, ignore_errors=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
