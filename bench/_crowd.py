"""What bench/crash.py and bench/crowd.py share: a prepared database, the real server in a
subprocess, an honest reader's steps, the clients' journal, and the comparison of that journal
with the ledger.

The journal is the clients' side of the story. Every request that can move points (a read's
completion, a quiz answer, an operator's grant, a redemption) is a `Call`: what was sent, and each
attempt's answer (a status and body, `503` busy, or a connection that died). A call that died is
sent again, the same way (same Idempotency-Key, same token), until it gets an answer; that answer
says whether the call took effect. `compare` then holds the ledger to it: every effect a client
was told of is in the ledger once, nothing a client was told did not happen is there, and no
reader's wallet holds a transfer that no client knows of.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.accounts import service as accounts
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.config import Settings, normalise_database_url
from readtoearn.db import Database, make_engine
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode, Transfer
from readtoearn.reading import payout, tokens
from readtoearn.reading.models import Read
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.summaries import service as summaries

SECRET = "crowd-bench-secret-key-that-is-long-enough-0123"
BEAT_S = 5  # the shortest beat interval the settings allow
PASSWORD = "correct horse battery staple 42"
# Three short paragraphs full of figures: a read takes three beats, and the quiz has material.
PARAGRAPHS = (
    "The board approved a plan worth up to $50bn on Tuesday, after a funding round of $100bn.",
    "About 16,000 jobs could follow in the fourth quarter of 2026, said Ada Lovelace.",
    "The group could be valued at up to $830bn, according to people close to the talks.",
)
SETTLED = ("credited", "held")  # verdicts that move points (posted, or pending)


# --------------------------------------------------------------------------- the database


@dataclass
class Reader:
    id: str
    email: str
    bearer: str


@dataclass
class World:
    """A prepared database and what the clients need to use it."""

    backend: str  # "sqlite" or "postgresql"
    data: Path
    env: dict[str, str]
    article_id: str
    article_path: str
    paragraphs: int
    readers: list[Reader]
    operator_bearer: str
    reward_id: str
    reward_cost: int
    reward_stock: int
    schema: str = ""
    pg_url: str = ""

    @property
    def database_url(self) -> str:
        return self.env["READTOEARN_DATABASE_URL"]

    def database(self) -> Database:
        """A new connection pool on the world's database (dispose of it after use)."""
        return Database(make_engine(normalise_database_url(self.database_url)))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session on a pool of its own, closed on the way out."""
        database = self.database()
        try:
            with database.session() as session:
                yield session
        finally:
            database.dispose()

    def drop(self) -> None:
        """Drop the PostgreSQL schema (a SQLite file goes with its directory)."""
        if self.schema:
            _pg_admin(self.pg_url, f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def _pg_admin(pg_url: str, statement: str) -> None:
    """Run one statement on the PostgreSQL database itself (outside the world's schema)."""
    admin = make_engine(normalise_database_url(pg_url), pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(statement))
    admin.dispose()


TRUST_GATES_OFF = {
    "READTOEARN_POW_ENABLED": "false",
    "READTOEARN_REDEEM_REQUIRE_VERIFIED_EMAIL": "false",
    "READTOEARN_REDEEM_MIN_ACCOUNT_DAYS": "0",
    "READTOEARN_REDEEM_MIN_READ_DAYS": "0",
    "READTOEARN_REDEEM_REVIEW_ABOVE_POINTS": "0",
    **{
        f"READTOEARN_RATE_LIMIT_{name}": "1000000/minute"
        for name in ("SIGNUP", "LOGIN", "TOKEN", "START_READ", "REDEEM")
    },
    **{
        f"READTOEARN_FRAUD_{name}": "1000000"
        for name in (
            "ACCOUNTS_PER_DEVICE",
            "READS_PER_DEVICE_PER_DAY",
            "READS_PER_ADDRESS_PER_DAY",
            "READERS_PER_ADDRESS_PER_DAY",
            "SIGNUPS_PER_ADDRESS_PER_HOUR",
        )
    },
    "READTOEARN_FRAUD_LOCKSTEP_WINDOW_S": "0",
    "READTOEARN_QUIZ_MAX_WPM": "0",
}


def view_token(article_id: str, reader_id: str) -> str:
    """What the article page embeds for a signed-in reader: proof of a page view, now."""
    subject = tokens.reader_subject(uuid.UUID(reader_id))
    return tokens.sign_view(SECRET, uuid.UUID(article_id), time.time(), subject)


def pg_schema_url(pg_url: str, schema: str) -> str:
    """The URL of a PostgreSQL database whose tables live in one schema (libpq's options)."""
    separator = "&" if "?" in pg_url else "?"
    return f"{pg_url}{separator}options=-csearch_path%3D{schema}"


def prepare(
    data: Path,
    *,
    readers: int,
    pg_url: str = "",
    redis_url: str = "",
    reward_cost: int = 10,
    reward_stock: int = 50,
    funding: int = 10**8,
    extra_env: dict[str, str] | None = None,
) -> World:
    """Migrate a fresh database (a SQLite file, or a new PostgreSQL schema) and fill it: a short
    article, a funded budget, readers and an operator with bearer tokens, a reward in stock."""
    data.mkdir(parents=True, exist_ok=True)
    schema = ""
    if pg_url:
        schema = f"rte_crowd_{uuid.uuid4().hex[:10]}"
        _pg_admin(pg_url, f'CREATE SCHEMA "{schema}"')
        database_url = pg_schema_url(pg_url, schema)
    else:
        database_url = f"sqlite:///{data / 'crowd.sqlite3'}"
    env = {
        **os.environ,
        "READTOEARN_DATA_DIR": str(data),
        "READTOEARN_DATABASE_URL": database_url,
        "READTOEARN_SECRET_KEY": SECRET,
        "READTOEARN_REDIS_URL": redis_url,
        "READTOEARN_BEAT_INTERVAL_S": str(BEAT_S),
        # The hourly expiry job has nothing to do here and would only add a writer.
        "READTOEARN_LEDGER_EXPIRE_EVERY_S": "0",
        # A crowd from one address, in accounts made a minute ago: the trust gates (docs/fraud.md)
        # would rightly hold it. The benchmark measures throughput, so they are off.
        **TRUST_GATES_OFF,
        **(extra_env or {}),
    }
    settings = Settings(data_dir=data, secret_key=SECRET, database_url=database_url)
    database = Database(make_engine(settings.resolved_database_url))
    try:
        migrations.upgrade(database.engine)
        with database.session(write=True) as session:
            html = "<h2>The background</h2>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
            article = articles.save_article(
                session,
                ArticleDraft(
                    title="A record funding round",
                    html=html,
                    canonical_url="https://news.example/markets/record-round",
                    language="en",
                    authors=[AuthorDraft(name="Ada Lovelace", bio="Ada writes about markets.")],
                ),
                settings,
            ).article
            # As `readtoearn import` does: the summary, figures and quiz material are computed
            # once, before the crowd comes (not by the first thousand readers at once).
            summaries.summary_for_article(session, article, settings)
            ledger.fund_budget(session, funding, ledger.transfer_id("crowd-funding"))
            people = []
            for i in range(readers):
                email = f"reader{i}@example.org"
                user = accounts.create_user(session, settings, email=email, password=None)
                token = accounts.issue_api_token(session, settings, user).token
                people.append(Reader(str(user.id), email, token))
            operator = accounts.create_user(
                session, settings, email="operator@example.org", password=None, is_operator=True
            )
            operator_bearer = accounts.issue_api_token(session, settings, operator).token
            reward = rewards.create_reward(
                session,
                rewards.RewardDraft(
                    kind=RewardKind.PREMIUM,
                    name_en="A month of premium",
                    cost=reward_cost,
                    stock=reward_stock,
                    premium_days=30,
                ),
            )
            world = World(
                backend="postgresql" if pg_url else "sqlite",
                data=data,
                env=env,
                article_id=str(article.id),
                article_path=f"/articles/{article.id}/{article.slug}",
                paragraphs=article.paragraph_count,
                readers=people,
                operator_bearer=operator_bearer,
                reward_id=str(reward.id),
                reward_cost=reward_cost,
                reward_stock=reward_stock,
                schema=schema,
                pg_url=pg_url,
            )
    finally:
        database.dispose()
    return world


def quiz_answers(database: Database, read_id: str) -> dict[str, str]:
    """The right answers to a read's quiz, from the database (the reader did read it)."""
    with database.session() as session:
        stored = session.scalar(select(Read.quiz).where(Read.id == uuid.UUID(read_id)))
    return {q["id"]: q["answer_id"] for q in (stored or {}).get("questions", [])}


# --------------------------------------------------------------------------- the honest reader


class Step(StrEnum):
    """What an honest reader does next."""

    BEAT = "beat"  # wait a beat interval and send the next beat
    COMPLETE = "complete"  # ask for the verdict
    RESTART = "restart"  # start (or resume) the read again: POST /api/v1/reads
    DONE = "done"  # the verdict is final


FINAL_VERDICTS = ("credited", "held", "rejected")


@dataclass
class HonestRead:
    """One reader's side of a read, without I/O: the next beat, and the step after each answer.
    bench/crash.py (asyncio) and bench/crowd_locustfile.py (gevent) send the requests."""

    paragraphs: int
    rng: random.Random
    read_id: str = ""
    token: str = ""  # the chain token the next beat or the completion carries
    seq: int = 0
    beats: int = 0  # beats answered since the read (re)started

    def start(self, answer: dict[str, Any]) -> None:
        """Take the read up from POST /api/v1/reads's answer (a new read, or one resumed)."""
        self.read_id, self.token = answer["read_id"], answer["token"]
        self.seq, self.beats = int(answer["seq"]), 0

    def beat(self) -> dict[str, Any]:
        """The next beat's body: one more paragraph in view each time."""
        shown = min(self.beats + 1, self.paragraphs)
        return {
            "token": self.token,
            "seq": self.seq,
            "active_ms": BEAT_S * 1000 - self.rng.randint(0, 300),
            "scroll_max": min(1.0, shown / self.paragraphs * self.rng.uniform(0.93, 0.99)),
            "paragraphs_seen": list(range(shown)),
            "visible": True,
            "focused": True,
            "events": {"scroll": self.rng.randint(1, 15), "wheel": self.rng.randint(1, 12)},
            "viewport_h": 900,
            "document_h": 2400,
        }

    def beaten(self, status: int | None, answer: Any) -> Step:
        """The step after a beat's answer. A refusal (out of order: the chain died with the
        process, or the beat got through before its connection did) starts the read again, as
        the tracker does; the end in view after three beats asks for the verdict."""
        if status != 200:
            return Step.RESTART
        self.token, self.seq, self.beats = answer["token"], self.seq + 1, self.beats + 1
        if answer["progress"] < 1 or not answer["end_reached"] or self.beats < 3:
            return Step.BEAT
        return Step.COMPLETE

    @staticmethod
    def judged(verdict: str) -> Step:
        """The step after the verdict (or the error code that came instead of one)."""
        if verdict in FINAL_VERDICTS:
            return Step.DONE
        return Step.BEAT if verdict == "incomplete" else Step.RESTART


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (released for the server to take)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`readtoearn serve` in a process group of its own, on 127.0.0.1."""

    def __init__(self, world: World, *, workers: int = 1, port: int | None = None) -> None:
        self.world = world
        self.workers = workers
        self.port = port or free_port()
        self.log = world.data / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until /healthz answers."""
        command = [sys.executable, "-m", "readtoearn", "serve", "--no-demo"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                env=self.world.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: killed as a whole, and only it
            )
        self.starts += 1
        self.wait_up(timeout)

    def wait_up(self, timeout: float = 60.0) -> None:
        """Wait until /healthz answers 200; raise with the log when the server died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """kill -9 the whole server (parent and workers), and reap it."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        """The worker processes: the uvicorn parent's children that run the app."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            # Field 4 of /proc/PID/stat is the parent's pid; the name (field 2) may hold spaces.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            # multiprocessing's resource tracker is a child too, but serves no request.
            if ppid == self.process.pid and "resource_tracker" not in cmdline:
                pids.append(int(entry.name))
        return sorted(pids)

    def kill_worker(self) -> int:
        """kill -9 one worker (uvicorn's parent starts another); returns its pid."""
        pids = self.worker_pids()
        if not pids:
            raise RuntimeError("no worker process found")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s) and reap it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def running(world: World, *, workers: int = 1) -> Iterator[Server]:
    """A started server, stopped on the way out whatever happens."""
    server = Server(world, workers=workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Add the options every crowd takes (the database, the workers, --keep); parse, check."""
    parser.add_argument("--pg", default="", help="PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--redis", default="", help="Redis URL (required with --pg)")
    parser.add_argument("--workers", type=int, default=None, help="default: 1, or 2 with --pg")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    if args.pg and not args.redis:
        parser.error("--pg runs several workers, which share open reads through Redis: --redis")
    return args


def run_audit(world: World) -> tuple[int, str]:
    """`readtoearn audit` on the world's database: (exit status, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "readtoearn", "audit"],
        env=world.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


# --------------------------------------------------------------------------- the journal


@dataclass
class Attempt:
    """One request as the client saw it: a status (None when the connection died) and the
    error code or the exception's name."""

    status: int | None
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Call:
    """A request that may move points, with every attempt until it was answered."""

    kind: str  # "complete", "quiz", "grant", "redeem"
    reader_id: str
    key: str  # the read's id (complete, quiz), or the Idempotency-Key (grant, redeem)
    sent: dict[str, Any] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    body: Any = None  # the final answer's JSON
    replayed: bool = False  # the final answer carried Idempotent-Replayed: true

    @property
    def status(self) -> int | None:
        """The final answer's status; None when every attempt died."""
        return self.attempts[-1].status if self.attempts else None

    @property
    def died(self) -> bool:
        """Whether some attempt lost its connection (or timed out) before an answer."""
        return any(a.status is None for a in self.attempts)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Call:
        attempts = [Attempt(**a) for a in data.pop("attempts", [])]
        return cls(**data, attempts=attempts)


def error_code(body: Any) -> str:
    """The stable code of an error answer ({"error": {"code": ...}}), or ""."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def retry_after(value: str | None, cap: float) -> float:
    """Seconds to wait before sending a 503'd request again (Retry-After, capped)."""
    try:
        return min(max(float(value or 1), 0.05), cap)
    except ValueError:
        return min(1.0, cap)


def save_journal(path: Path, calls: Iterable[Call]) -> None:
    with path.open("w") as handle:
        for call in calls:
            handle.write(call.to_json() + "\n")


def load_journal(path: Path) -> list[Call]:
    with path.open() as handle:
        return [Call.from_dict(json.loads(line)) for line in handle if line.strip()]


# --------------------------------------------------------------------------- the comparison


@dataclass
class Comparison:
    """The journal held against the ledger: what agreed, and every mismatch in words."""

    problems: list[str] = field(default_factory=list)
    confirmed: int = 0  # transfers a client was told of, found in the ledger
    denied: int = 0  # calls told "no effect", with nothing in the ledger
    died: Counter[str] = field(default_factory=Counter)  # calls whose connection died, by kind
    died_took_effect: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)  # "kind status/code" -> calls

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        """A readable summary, mismatches last."""
        lines = ["calls by final answer:"]
        lines += [f"  {name:<40} {count:>7}" for name, count in sorted(self.by_kind.items())]
        for kind in sorted(self.died):
            lines.append(
                f"died and replayed: {kind:<9} {self.died[kind]:>4}  "
                f"(took effect {self.died_took_effect[kind]}, "
                f"not {self.died[kind] - self.died_took_effect[kind]})"
            )
        if not self.died:
            lines.append("died and replayed: none")
        lines.append(
            f"ledger agrees: {self.confirmed} transfer(s) confirmed, {self.denied} refusal(s) "
            f"with nothing written"
        )
        lines.append(f"mismatches: {len(self.problems)}")
        lines += [f"  MISMATCH {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        return "\n".join(lines)


def _effect(call: Call, problems: list[str]) -> tuple[list[uuid.UUID], bool | None]:
    """The transfers a call is about, and whether its final answer says they were made
    (None: the answer does not say; a problem is noted when it should have)."""
    status, body, code = call.status, call.body, error_code(call.body)
    where = f"{call.kind} {call.key} (reader {call.reader_id})"
    if call.kind == "complete":
        ids = [payout.read_transfer_id(uuid.UUID(call.key))]
        if status == 200:  # a read held because the budget was empty holds no transfer
            paid = "budget_empty" not in (body.get("reasons") or [])
            return ids, body.get("verdict") in SETTLED and paid
    elif call.kind == "quiz":
        ids = [payout.quiz_transfer_id(uuid.UUID(call.key))]
        if status == 200:
            return ids, int(body.get("points", 0)) > 0
        if status == 409 and code == "quiz_answered":
            if call.died:  # the lost attempt was graded: it paid if the answers were right
                right = call.sent.get("right")  # None: a guess, right or not we cannot say
                return ids, None if right is None else bool(right)
            problems.append(f"{where}: quiz_answered on a first attempt that never died")
            return ids, None
    elif call.kind == "grant":
        # The server derives the transfer from the operator and the key, and names it in the
        # answer; a refusal names none, and the wallets' check below catches a phantom grant.
        ids = []
        if status == 201 and isinstance(body, dict):
            ids = [uuid.UUID(str(body["transfer_id"]))]
            if body.get("reader_id") != call.reader_id:
                problems.append(f"{where}: granted to reader {body.get('reader_id')}")
            replayed = call.replayed or body.get("created") is False
            if replayed and not call.died:
                problems.append(f"{where}: answered as a replay, but nothing was sent before")
            return ids, True
    elif call.kind == "redeem":
        reader = uuid.UUID(call.reader_id)
        ids = list(rewards.redemption_transfer_ids(reader, call.key))
        if status == 201:
            if call.replayed and not call.died:
                problems.append(f"{where}: answered as a replay, but nothing was sent before")
            return ids, True
    else:
        raise ValueError(f"unknown call kind {call.kind!r}")
    if status is None:
        problems.append(f"{where}: never answered ({len(call.attempts)} attempt(s) died)")
        return ids, None
    if status >= 500 and status != 503:
        problems.append(f"{where}: answered {status}")
    if status == 503:
        problems.append(f"{where}: still 503 when the clients gave up")
        return ids, None
    return ids, False  # a refusal (4xx): nothing was done


def compare(world: World, calls: Iterable[Call]) -> Comparison:
    """Hold the clients' journal against the world's ledger (see the module's docstring)."""
    result = Comparison()
    problems = result.problems
    told: dict[uuid.UUID, list[tuple[Call, bool | None]]] = {}
    readers: set[str] = set()
    for call in calls:
        readers.add(call.reader_id)
        code = error_code(call.body)
        answer = "died" if call.status is None else str(call.status)
        if call.kind == "complete" and call.status == 200:
            answer += f" {call.body.get('verdict')}"
        result.by_kind[f"{call.kind} {answer} {code}".strip()] += 1
        ids, effect = _effect(call, problems)
        if call.died:
            result.died[call.kind] += 1
            result.died_took_effect[call.kind] += bool(effect)
        for transfer_id in ids:
            told.setdefault(transfer_id, []).append((call, effect))

    with world.session() as session:
        stored = {t.id: t for t in ledger.list_transfers(session, told)}
        # Verdicts never change once given: one credited answer and one rejected is a bug.
        for transfer_id, answers in told.items():
            verdicts = {
                c.body.get("verdict")
                for c, _ in answers
                if c.kind == "complete"
                and c.status == 200
                and c.body.get("verdict") != "incomplete"
            }
            if len(verdicts) > 1:
                problems.append(f"read {answers[0][0].key}: verdicts {sorted(verdicts)}")
            made = any(effect for _, effect in answers)
            refused = all(effect is False for _, effect in answers)
            kind = answers[0][0].kind
            if made and transfer_id not in stored:
                problems.append(
                    f"{kind} {answers[0][0].key}: a client was told it took effect, "
                    f"but transfer {transfer_id} is not in the ledger"
                )
            elif made:
                result.confirmed += 1
            elif refused and transfer_id in stored:
                problems.append(
                    f"{kind} {answers[0][0].key}: every answer said no, "
                    f"but transfer {transfer_id} is in the ledger"
                )
            elif refused:
                result.denied += 1
        # Nothing in a reader's wallet that no client was told of (a double credit, a charge
        # under another key, a grant nobody asked for).
        confirmed = {t for t, answers in told.items() if any(e for _, e in answers)}
        unsure = {t for t, answers in told.items() if any(e is None for _, e in answers)}
        wallets = {ledger.account_id(AccountCode.WALLET, owner_id=uuid.UUID(r)): r for r in readers}
        touching = select(Transfer.id, Transfer.debit_account_id, Transfer.credit_account_id)
        wallet_ids = list(wallets)
        for start in range(0, len(wallet_ids), 500):
            chunk = wallet_ids[start : start + 500]
            rows = session.execute(
                touching.where(
                    or_(Transfer.debit_account_id.in_(chunk), Transfer.credit_account_id.in_(chunk))
                )
            )
            for transfer_id, debit, credit in rows:
                if transfer_id in confirmed or transfer_id in unsure:
                    continue
                owner = wallets.get(debit) or wallets.get(credit)
                problems.append(
                    f"reader {owner}: transfer {transfer_id} in the wallet, told to no client"
                )
    return result


# --------------------------------------------------------------------------- reporting


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values fall (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
