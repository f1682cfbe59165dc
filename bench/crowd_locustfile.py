"""The readers of bench/crowd.py, as Locust users (run by crowd.py; not on its own).

Each simulated user is one reader who comes once: (a newcomer signs up on the form, logs in for
a bearer token and asks who they are), opens the article page, starts a read with a page-view
token, beats every READTOEARN_BEAT_INTERVAL_S seconds until the end, asks for the verdict,
answers the quiz of a credited read (the first choice of each question: a reader who guesses),
and one in ten races for the reward. Then the user idles until the run ends. The plan (server,
article, readers' tokens) comes from the JSON file named by RTE_CROWD_PLAN; the journal of
ledger calls and the per-route figures go to the files the plan names, when the test stops.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import uuid
from collections import Counter, deque
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_crowd.py

import _crowd
from _crowd import Attempt, Call, HonestRead, Step

PLAN: dict[str, Any] = json.loads(Path(os.environ["RTE_CROWD_PLAN"]).read_text())
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Who comes, in arrival order: the readers made beforehand, with newcomers mixed in evenly.
JOURNEYS: deque[tuple[int, list[str] | None]] = deque()
_every = len(PLAN["readers"]) // PLAN["signups"] + 1 if PLAN["signups"] else 0
_ready = iter(PLAN["readers"])
for _index in range(len(PLAN["readers"]) + PLAN["signups"]):
    _newcomer = _every and _index % _every == _every - 1
    JOURNEYS.append((_index, None if _newcomer else next(_ready, None)))
TOTAL = len(JOURNEYS)

CALLS: list[Call] = []
COUNTS: Counter[str] = Counter()  # "route status code" -> requests
LATENCIES: dict[str, list[float]] = {}
STATE = {"done": 0, "first": 0.0, "last": 0.0, "credited": 0}
DEADLINE = time.time() + PLAN["limit_s"]


class Reader(FastHttpUser):
    """One reader, one visit."""

    host = PLAN["url"]
    wait_time = constant(0)
    network_timeout = float(PLAN["timeout_s"])
    connection_timeout = float(PLAN["timeout_s"])
    concurrency = 2  # a browser's tab: a connection or two, kept alive

    @task
    def visit(self) -> None:
        """The whole visit; then idle until the run ends (a reader comes once)."""
        if JOURNEYS:
            index, reader = JOURNEYS.popleft()
            self.rng = random.Random(index)
            STATE["first"] = STATE["first"] or time.time()
            try:
                self.journey(index, reader)
            finally:
                STATE["done"] += 1
                STATE["last"] = time.time()
                if STATE["done"] == TOTAL:
                    gevent.spawn(self.environment.runner.quit)
        gevent.sleep(PLAN["limit_s"])

    # -- one request, retried the way the API asks ----------------------------------------------

    def send(
        self,
        method: str,
        route: str,
        path: str,
        *,
        bearer: str | None = None,
        body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        key: str | None = None,
        call: Call | None = None,
        redirects: bool = True,
    ) -> tuple[int | None, Any, Any]:
        """Send until answered (not 503, not a dead connection) or the run's deadline: the same
        request each time, so an Idempotency-Key or a chain token makes a retry safe. A call
        is journaled, with every attempt."""
        if call is not None:
            CALLS.append(call)
        headers: dict[str, str] = {}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if key:
            headers["Idempotency-Key"] = key
        while True:
            began = time.perf_counter()
            with self.client.request(
                method,
                path,
                name=route,
                json=body,
                data=form,
                headers=headers,
                catch_response=True,
                allow_redirects=redirects,
            ) as response:
                seconds = time.perf_counter() - began
                status = response.status_code or None
                if status is None:
                    error = response.error
                    fate = "refused" if isinstance(error, ConnectionRefusedError) else "died"
                    if "timeout" in type(error).__name__.lower() or "timed out" in str(error):
                        fate = "timeout"
                    COUNTS[f"{route} {fate}"] += 1
                    response.failure(f"{fate}: {error!r}")
                    if call is not None:
                        call.attempts.append(Attempt(None, fate, seconds))
                    if time.time() > DEADLINE:
                        return None, None, {}
                    gevent.sleep(0.5)
                    continue
                LATENCIES.setdefault(route, []).append(seconds)
                try:
                    answer = response.json()
                except ValueError:
                    answer = None
                code = _crowd.error_code(answer)
                COUNTS[f"{route} {status} {code}".strip()] += 1
                # Business refusals (409 out of stock, 422 not enough points) are answers, not
                # failures; a 5xx is one, and so is a 503 in Locust's own table.
                if status >= 500:
                    response.failure(f"{status} {code}")
                else:
                    response.success()
                if call is not None:
                    call.attempts.append(Attempt(status, code, seconds))
                if status == 503 and time.time() < DEADLINE:
                    gevent.sleep(_crowd.retry_after(response.headers.get("retry-after"), 5.0))
                    continue
                if call is not None:
                    call.body = answer
                    call.replayed = response.headers.get("idempotent-replayed") == "true"
                return status, answer, response

    # -- the visit ----------------------------------------------------------------------------

    def journey(self, index: int, reader: list[str] | None) -> None:
        if reader is None:
            reader = self.sign_up(index)
            if reader is None:
                return
        reader_id, _email, bearer = reader
        self.send("GET", "GET /articles/{id}/{slug}", PLAN["article_path"])
        read = HonestRead(PLAN["paragraphs"], self.rng)
        if not self.open_read(reader_id, bearer, read):
            return
        verdict = ""
        while time.time() < DEADLINE:
            gevent.sleep(_crowd.BEAT_S + self.rng.uniform(0.1, 1.0))
            status, answer, _ = self.send(
                "POST",
                "POST /api/v1/reads/{id}/beats",
                f"/api/v1/reads/{read.read_id}/beats",
                bearer=bearer,
                body=read.beat(),
            )
            step = read.beaten(status, answer)
            if step is Step.COMPLETE:
                status, answer, _ = self.send(
                    "POST",
                    "POST /api/v1/reads/{id}/complete",
                    f"/api/v1/reads/{read.read_id}/complete",
                    bearer=bearer,
                    body={"token": read.token},
                    call=Call("complete", reader_id, read.read_id, sent={"token": read.token[:16]}),
                )
                verdict = answer.get("verdict", "") if status == 200 else ""
                step = read.judged(verdict)
            if step is Step.DONE:
                break
            if step is Step.RESTART and not self.open_read(reader_id, bearer, read):
                return
        if verdict == "credited":
            STATE["credited"] += 1
            self.quiz(reader_id, bearer, read.read_id)
        if self.rng.random() < PLAN["racers"]:
            self.redeem(reader_id, bearer)

    def sign_up(self, index: int) -> list[str] | None:
        """A newcomer joins on the form, then logs in for a bearer token: [id, email, token]."""
        status, _, page = self.send("GET", "GET /account/signup", "/account/signup")
        found = CSRF.search(page.text or "") if status == 200 else None
        if found is None:
            return None
        email = f"newcomer{index}-{uuid.uuid4().hex[:8]}@example.org"
        form = {
            "csrf_token": found.group(1),
            "email": email,
            "password": _crowd.PASSWORD,
            "display_name": f"Newcomer {index}",
            "language": "en",
            "next": "/",
        }
        status, _, _ = self.send(
            "POST", "POST /account/signup", "/account/signup", form=form, redirects=False
        )
        if status not in (302, 303):
            return None
        credentials = {"email": email, "password": _crowd.PASSWORD}
        status, answer, _ = self.send(
            "POST", "POST /api/v1/auth/token", "/api/v1/auth/token", body=credentials
        )
        if status != 200:
            return None
        bearer = answer["token"]
        status, me, _ = self.send("GET", "GET /api/v1/me", "/api/v1/me", bearer=bearer)
        return [str(me["id"]), email, bearer] if status == 200 else None

    def open_read(self, reader_id: str, bearer: str, read: HonestRead) -> bool:
        """Start or resume the read with a page-view token; False when refused."""
        body = {
            "article_id": PLAN["article_id"],
            "view_token": _crowd.view_token(PLAN["article_id"], reader_id),
        }
        for _ in range(20):
            status, answer, _ = self.send(
                "POST", "POST /api/v1/reads", "/api/v1/reads", bearer=bearer, body=body
            )
            if status in (200, 201):
                read.start(answer)
                return True
            if status != 409 or _crowd.error_code(answer) != "read_in_progress":
                return False
            gevent.sleep(0.2)
        return False

    def quiz(self, reader_id: str, bearer: str, read_id: str) -> None:
        path = f"/api/v1/reads/{read_id}/quiz"
        status, quiz, _ = self.send("GET", "GET /api/v1/reads/{id}/quiz", path, bearer=bearer)
        if status != 200:
            return
        answers = {q["id"]: q["choices"][0]["id"] for q in quiz["questions"]}
        self.send(
            "POST",
            "POST /api/v1/reads/{id}/quiz",
            path,
            bearer=bearer,
            body={"answers": answers},
            # A guess: whether it is right is known only from the answer (None: unknown).
            call=Call("quiz", reader_id, read_id, sent={"right": None}),
        )

    def redeem(self, reader_id: str, bearer: str) -> None:
        key = f"crowd-{uuid.uuid4().hex}"
        self.send(
            "POST",
            "POST /api/v1/rewards/{id}/redemptions",
            f"/api/v1/rewards/{PLAN['reward_id']}/redemptions",
            bearer=bearer,
            body={},
            key=key,
            call=Call("redeem", reader_id, key),
        )


@events.test_stop.add_listener
def write_results(**_: Any) -> None:
    """The journal and the figures, for crowd.py to compare and print."""
    _crowd.save_journal(Path(PLAN["journal"]), CALLS)
    figures = {
        "counts": dict(COUNTS),
        "latencies": LATENCIES,
        "first": STATE["first"],
        "last": STATE["last"],
        "done": STATE["done"],
        "total": TOTAL,
        "credited": STATE["credited"],
    }
    Path(PLAN["figures"]).write_text(json.dumps(figures))
