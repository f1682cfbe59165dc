"""Open reads between the live store and the database: a read's row is a snapshot of its live
state, written when it is completed, resumed, idle, or the server stops."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.db import Database, after_commit
from readtoearn.errors import Conflict, NotFound
from readtoearn.reading.live import EVENT_KINDS, BeatRecord, LiveRead, LiveStore, StoreUnavailable
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.reads import OPEN

BEATS_TABLE = cast(Table, ReadBeat.__table__)


class NeedsDatabase(Exception):
    """A beat handled without a database session needs one after all (nothing was changed)."""


def session_of(db: Session | Database | None) -> AbstractContextManager[Session]:
    """A session to read with: the one given, a new one of the database, or NeedsDatabase."""
    if db is None:
        raise NeedsDatabase
    return nullcontext(db) if isinstance(db, Session) else db.session()


def live_of(
    read: Read, content_hash: str, word_count: int, paragraph_count: int, token: str = ""
) -> LiveRead:
    """The live state of a read, to keep in the store (with the chain token just signed for
    it, when there is one)."""
    return LiveRead(
        id=read.id,
        reader_id=read.reader_id,
        article_id=read.article_id,
        content_hash=content_hash,
        word_count=word_count,
        paragraph_count=paragraph_count,
        next_seq=read.next_seq,
        nonce=read.nonce,
        last_beat_at=read.last_beat_at.timestamp(),
        active_ms=read.active_ms,
        beats_total=read.beats_total,
        beats_credited=read.beats_credited,
        paragraphs_seen=tuple(read.paragraphs_seen),
        words_seen=read.words_seen,
        scroll_max=read.scroll_max,
        allowance_words=read.allowance_words,
        flags=tuple(read.flags),
        started_at=read.started_at.timestamp(),
        token=token,
    )


_PARAGRAPH_WORDS: dict[tuple[uuid.UUID, str], tuple[int, ...]] = {}
_PARAGRAPH_WORDS_LOCK = threading.Lock()
MAX_CACHED_ARTICLES = 2048


def paragraph_words(
    db: Session | Database | None,
    article_id: uuid.UUID,
    content_hash: str,
    html: str | None = None,
) -> tuple[int, ...]:
    """Words per paragraph of an article's version (lead first), cached: a beat rarely loads
    the text. `html` is the article as read, `textlib.with_lead(lead, html)`.

    Computed once per version even when many readers open a new article at the same moment.
    """
    key = (article_id, content_hash)
    words = _PARAGRAPH_WORDS.get(key)
    if words is not None:
        return words
    if html is None:
        with session_of(db) as session:
            row = session.execute(
                select(Article.lead, Article.html).where(Article.id == article_id)
            ).one_or_none()
        # The lead is paragraph 0 of what is read (textlib.with_lead), as the page numbers it.
        html = textlib.with_lead(row[0], row[1]) if row is not None else ""
    with _PARAGRAPH_WORDS_LOCK:
        words = _PARAGRAPH_WORDS.get(key)
        if words is None:
            words = textlib.paragraph_word_counts(html)
            if len(_PARAGRAPH_WORDS) >= MAX_CACHED_ARTICLES:
                _PARAGRAPH_WORDS.clear()
            _PARAGRAPH_WORDS[key] = words
    return words


def seed(
    db: Session | Database | None,
    store: LiveStore,
    read_id: uuid.UUID,
    reader_id: uuid.UUID | None = None,
) -> LiveRead:
    """Load an open read the store does not hold (its first beat, or after a restart); another
    reader's read is absent, open or not (no read-id oracle)."""
    query = (
        select(Read, Article.content_hash, Article.word_count, Article.paragraph_count)
        .join(Article, Article.id == Read.article_id)
        .where(Read.id == read_id)
    )
    with session_of(db) as session:
        row = session.execute(query).one_or_none()
        if row is None or (reader_id is not None and row[0].reader_id != reader_id):
            raise NotFound("no read has this id")
        read, content_hash, word_count, paragraph_count = row
        if read.status != OPEN:
            raise Conflict("this read is finished", code="read_closed")
        words = paragraph_words(session, read.article_id, content_hash)
    return store.seed(live_of(read, content_hash, word_count, paragraph_count), words)


def after_commit_quietly(session: Session, action: Callable[[], object]) -> None:
    """Run `action` once the session's transaction has committed (never if it rolls back)."""

    def run() -> None:
        # When the store cannot be reached it keeps what it had; the next flush writes it again.
        with suppress(StoreUnavailable):
            action()

    after_commit(session, run)


def _beat_row(read_id: uuid.UUID, record: BeatRecord) -> dict[str, Any]:
    return {
        **record._asdict(),
        "read_id": read_id,
        "received_at": datetime.fromtimestamp(record.received_at, UTC),
        "events": dict(zip(EVENT_KINDS, record.events, strict=True)),
    }


def absorb(session: Session, store: LiveStore, read: Read) -> LiveRead | None:
    """Write a read's live state into its (locked) row, with the beats not yet there."""
    state = store.load(read.id, read.reader_id).state
    if state is None or state.next_seq < read.next_seq:
        return None
    # Beats before the row's next seq are in the database; later ones belong to a newer state.
    pending = {r.seq: r for r in store.records(read.id) if read.next_seq <= r.seq < state.next_seq}
    if pending:
        session.execute(BEATS_TABLE.insert(), [_beat_row(read.id, r) for r in pending.values()])
    read.next_seq = state.next_seq
    read.nonce = state.nonce
    read.last_beat_at = datetime.fromtimestamp(state.last_beat_at, UTC)
    read.active_ms = state.active_ms
    read.beats_total = state.beats_total
    read.beats_credited = state.beats_credited
    read.paragraphs_seen = list(state.paragraphs_seen)
    read.words_seen = state.words_seen
    read.scroll_max = state.scroll_max
    read.allowance_words = state.allowance_words
    read.flags = sorted(set(read.flags) | set(state.flags))
    session.flush()
    after_commit_quietly(session, lambda: store.trim(read.id, state.next_seq))
    return state


def flush_idle(database: Database, store: LiveStore, clock: Clock, *, idle_s: float | None) -> int:
    """Write the reads that had no beat for `idle_s` seconds (all of them: None) to the database,
    and let the store forget them (a later beat loads them again). Returns how many were written."""
    written = 0
    before = float("inf") if idle_s is None else clock.now().timestamp() - idle_s
    for read_id in store.idle(before):
        with database.session(write=True) as session:
            read = session.scalar(
                select(Read)
                .where(Read.id == read_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            is_open = read is not None and read.status == OPEN
            state = absorb(session, store, read) if read is not None and is_open else None
        if state is not None:
            written += 1
            store.drop(read_id, state.version)  # unless a beat came in meanwhile
        elif not is_open:
            store.drop(read_id)
    return written
