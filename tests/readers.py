"""Simulated tracker clients, honest and hostile, driving the HTTP API with a manual clock."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import ManualClock
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.reading import tokens

STRONG_PASSWORD = "correct horse battery staple 42"


def make_reader(session: Session, settings: Settings, name: str = "reader") -> tuple[Any, str]:
    """A reader and a bearer token for them."""
    user = accounts.register_reader(
        session, settings, email=f"{name}@example.org", password=STRONG_PASSWORD, display_name=name
    )
    token = accounts.issue_api_token(session, settings, user).token
    return user, token


def fund(session: Session, amount: int = 10_000) -> None:
    ledger.fund_budget(session, amount, ledger.transfer_id(f"test-funding:{amount}"))


def wallet(session: Session, reader_id: Any) -> tuple[int, int]:
    """(posted, pending) points of a reader."""
    balance = ledger.balance(session, ledger.get_or_create_wallet(session, reader_id))
    return balance.posted, balance.pending


@dataclass
class Client:
    """A tracker: one read of one article by one reader."""

    http: TestClient
    clock: ManualClock
    settings: Settings
    article: Article
    bearer: str | None  # None: the session cookie of `http` signs the reader in, as on our pages
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    # The view token the article page carried (see `Person`); signed here when None.
    page_view_token: str | None = None
    read_id: str | None = None
    token: str | None = None
    seq: int = 1
    responses: list[Any] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}

    @property
    def words(self) -> list[int]:
        return list(
            textlib.paragraph_word_counts(textlib.with_lead(self.article.lead, self.article.html))
        )

    reader_id: str | None = None

    def view_token(self) -> str:
        """The view token the article page would carry for this reader."""
        if self.reader_id is None:
            self.reader_id = self.http.get("/api/v1/me", headers=self.headers).json()["id"]
        return tokens.sign_view(
            self.settings.resolved_secret_key,
            self.article.id,
            self.clock.now().timestamp(),
            tokens.reader_subject(uuid.UUID(self.reader_id)),
        )

    def start(self, *, page_view: bool = True, webdriver: bool = False) -> Any:
        body = {"article_id": str(self.article.id), "webdriver": webdriver}
        if page_view:
            body["view_token"] = self.page_view_token or self.view_token()
        response = self.http.post("/api/v1/reads", json=body, headers=self.headers)
        if response.status_code in (200, 201):
            data = response.json()
            self.read_id, self.token, self.seq = data["read_id"], data["token"], data["seq"]
        return response

    def beat(
        self,
        *,
        wait_s: float = 12.0,
        active_ms: int | None = None,
        paragraphs: Iterable[int] = (),
        scroll: float = 0.0,
        visible: bool = True,
        focused: bool = True,
        events: dict[str, int] | None = None,
        webdriver: bool = False,
        viewport_h: int = 900,
        document_h: int = 6000,
        token: str | None = None,
        seq: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Any:
        self.clock.advance(wait_s)
        body = {
            "token": token or self.token,
            "seq": seq or self.seq,
            "active_ms": int(wait_s * 1000) if active_ms is None else active_ms,
            "scroll_max": scroll,
            "paragraphs_seen": list(paragraphs),
            "visible": visible,
            "focused": focused,
            "events": events or {"scroll": self.rng.randint(2, 9), "wheel": self.rng.randint(1, 6)},
            "viewport_h": viewport_h,
            "document_h": document_h,
            "webdriver": webdriver,
            **(extra or {}),
        }
        response = self.http.post(
            f"/api/v1/reads/{self.read_id}/beats", json=body, headers=self.headers
        )
        self.responses.append(response)
        if response.status_code == 200:
            self.token = response.json()["token"]
            self.seq += 1
        return response

    def complete(self) -> Any:
        return self.http.post(
            f"/api/v1/reads/{self.read_id}/complete",
            json={"token": self.token},
            headers=self.headers,
        )

    def read_like_a_human(
        self,
        *,
        wpm: float = 250,
        pause_at: int | None = None,
        pause_s: float = 0,
        touch: bool = False,
        viewport_h: int = 900,
    ) -> int:
        """Read the article top to bottom at a pace, with a person's jitter; returns the beats."""
        words = self.words
        total = sum(words)
        ahead = 3 if viewport_h >= 800 else 1  # paragraphs on screen below the one being read
        read_words = 0.0
        shown = 0
        beats = 0
        while True:
            if pause_at is not None and beats == pause_at and pause_s:
                self._pause(pause_s, viewport_h)
            wait = self.rng.uniform(11.0, 13.0)
            read_words += wait / 60 * wpm * self.rng.uniform(0.9, 1.1)
            done = 0
            while done < len(words) and sum(words[: done + 1]) <= read_words:
                done += 1
            visible_to = min(len(words), done + ahead)
            new = list(range(shown, visible_to))
            shown = max(shown, visible_to)
            kinds = (
                {"touch": self.rng.randint(1, 9)}
                if touch
                else {"wheel": self.rng.randint(1, 12), "pointer": self.rng.randint(0, 20)}
            )
            response = self.beat(
                wait_s=wait,
                active_ms=int(wait * 1000) - self.rng.randint(0, 400),
                paragraphs=new,
                scroll=min(1.0, visible_to / len(words) * self.rng.uniform(0.93, 0.99)),
                events={"scroll": self.rng.randint(1, 15), **kinds},
                viewport_h=viewport_h,
                document_h=viewport_h * max(2, total // 150),
            )
            assert response.status_code == 200, response.text
            beats += 1
            body = response.json()
            if body["progress"] >= 1 and body["end_reached"]:
                return beats
            assert beats < 500, "the honest reader never finished"

    def _pause(self, pause_s: float, viewport_h: int) -> None:
        """No input for pause_s seconds: the tracker counts 30 s after the last input, then
        nothing; beats keep coming meanwhile."""
        elapsed = 0.0
        while elapsed < pause_s:
            step = min(12.0, pause_s - elapsed)
            active = max(0.0, min(elapsed + step, 30.0) - elapsed)
            self.beat(wait_s=step, active_ms=int(active * 1000), events={}, viewport_h=viewport_h)
            elapsed += step
