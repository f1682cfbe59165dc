"""Beats: the tracker's hot path. A beat is checked against the read's live state, credited by
the server's clock, and moves the chain on in the store, without the database when it can."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Conflict, NotFound, Unprocessable
from readtoearn.reading import tokens
from readtoearn.reading.live import EVENT_KINDS, BeatRecord, LiveRead, LiveStore, Loaded
from readtoearn.reading.reads import check_chain, read_uuid, sign
from readtoearn.reading.rules import (
    TRUSTED_INPUTS,
    Reason,
    credit_beat,
    first_screen_allowance,
    had_input,
    paragraphs_without_input,
    progress_of,
    too_fast,
)
from readtoearn.reading.snapshot import seed, session_of
from readtoearn.reading.terms import rules_of

BEATS = Counter("readtoearn_beats_total", "Tracker beats accepted", ["credited"])
BEATS_CREDITED, BEATS_UNCREDITED = BEATS.labels("yes"), BEATS.labels("no")


@dataclass(frozen=True)
class Beat:
    """One beat as the client sent it (already type-checked by the API layer)."""

    token: str
    seq: int
    active_ms: int
    scroll_max: float
    paragraphs_seen: list[int]
    visible: bool
    focused: bool
    events: dict[str, int] = field(default_factory=dict)
    viewport_h: int | None = None
    document_h: int | None = None
    webdriver: bool = False


@dataclass(frozen=True)
class BeatResult:
    token: str
    active_seconds: float
    progress: float
    end_reached: bool


_PARAGRAPH_WORDS: dict[tuple[uuid.UUID, str], tuple[int, ...]] = {}
_PARAGRAPH_WORDS_LOCK = threading.Lock()
MAX_CACHED_ARTICLES = 2048


def paragraph_words(
    db: Session | Database | None,
    article_id: uuid.UUID,
    content_hash: str,
    html: str | None = None,
) -> tuple[int, ...]:
    """Words per paragraph of an article's version, cached: a beat rarely loads the text.

    Computed once per version even when many readers open a new article at the same moment.
    """
    key = (article_id, content_hash)
    words = _PARAGRAPH_WORDS.get(key)
    if words is not None:
        return words
    if html is None:
        with session_of(db) as session:
            html = session.scalar(select(Article.html).where(Article.id == article_id)) or ""
    with _PARAGRAPH_WORDS_LOCK:
        words = _PARAGRAPH_WORDS.get(key)
        if words is None:
            words = textlib.paragraph_word_counts(html)
            if len(_PARAGRAPH_WORDS) >= MAX_CACHED_ARTICLES:
                _PARAGRAPH_WORDS.clear()
            _PARAGRAPH_WORDS[key] = words
    return words


@dataclass(frozen=True, slots=True)
class PreparedBeat:
    """A beat checked and credited, waiting for the store to accept it (`store.advance`)."""

    expected: str  # the version the beat was checked against
    advanced: LiveRead
    record: BeatRecord
    result: BeatResult

    @property
    def credited(self) -> bool:
        return self.record.credited_ms > 0


def record_beat(
    db: Session | Database | None,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str | uuid.UUID,
    beat: Beat,
) -> BeatResult:
    """Credit one beat: the claim capped by the server's clock, the chain moved on.

    The hot path of the tracker: it changes only the live store. The database is read when the
    store does not hold the read yet or the article's paragraphs are not cached; with `db` None,
    that raises NeedsDatabase before anything has changed.
    """
    key = read_uuid(read_id)
    p = prepare_beat(
        db, store, store.load(key, reader_id), settings, clock,
        reader_id=reader_id, read_id=key, beat=beat,
    )  # fmt: skip
    return accept_beat(p, store.advance(p.advanced, p.expected, p.record, p.credited))


async def record_beat_async(
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str | uuid.UUID,
    beat: Beat,
) -> BeatResult:
    """`record_beat` on the event loop, without a database: NeedsDatabase (nothing changed)
    when the store does not hold the read or the article's paragraphs are not cached."""
    key = read_uuid(read_id)
    loaded = await store.aload(key, reader_id)
    p = prepare_beat(
        None, store, loaded, settings, clock, reader_id=reader_id, read_id=key, beat=beat
    )
    return accept_beat(p, await store.aadvance(p.advanced, p.expected, p.record, p.credited))


def accept_beat(prepared: PreparedBeat, advanced: bool) -> BeatResult:
    """The beat's answer once the store said whether it moved the chain on."""
    # The chain moves on only from the state this beat was checked against: a concurrent beat
    # with the same token finds the version changed and is refused.
    if not advanced:
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    (BEATS_CREDITED if prepared.credited else BEATS_UNCREDITED).inc()
    return prepared.result


def prepare_beat(
    db: Session | Database | None,
    store: LiveStore,
    loaded: Loaded,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: uuid.UUID,
    beat: Beat,
) -> PreparedBeat:
    """Check a beat against the read's live state (`loaded` from the store) and work out what
    it earns; nothing is changed yet."""
    state = loaded.state
    if state is None:
        state = seed(db, store, read_id, reader_id)
    # Another reader's read is reported as absent, so ids cannot be probed.
    if state.reader_id != reader_id:
        raise NotFound("no read has this id")
    if state.closed:
        raise Conflict("this read is finished", code="read_closed")
    claims = check_chain(state, beat.token, settings)
    if beat.seq != claims.seq:
        raise Conflict("the beat's seq does not match its token", code="out_of_order")
    words_by_paragraph = paragraph_words(db, state.article_id, state.content_hash)
    if any(p < 0 or p >= len(words_by_paragraph) for p in beat.paragraphs_seen):
        raise Unprocessable("paragraphs_seen names a paragraph the article does not have")

    rules = rules_of(settings)
    now = clock.now().timestamp()
    credited = credit_beat(
        beat.active_ms,
        now - state.last_beat_at,
        visible=beat.visible,
        focused=beat.focused,
        rules=rules,
        since_start_s=now - state.started_at,
        credited_ms=state.active_ms,
    )
    allowance = state.allowance_words
    if state.beats_total == 0:
        allowance = first_screen_allowance(
            state.word_count, beat.viewport_h, beat.document_h, rules
        )
    flags = set(state.flags)
    seen = set(state.paragraphs_seen)
    new = set(beat.paragraphs_seen) - seen
    scroll_max = max(state.scroll_max, min(max(beat.scroll_max, 0.0), 1.0))
    touched = any(beat.events.get(kind, 0) > 0 for kind in TRUSTED_INPUTS)
    if not had_input(beat.events, now - state.input_at, rules):
        # The page moved with nobody touching it: only what the first screen showed counts.
        kept = paragraphs_without_input(list(new), words_by_paragraph, state.words_seen, allowance)
        if len(kept) < len(new):
            flags.add(Reason.NO_INPUT)
        new = set(kept)
        scroll_max = state.scroll_max
    new_words = sum(words_by_paragraph[p] for p in new)
    if beat.webdriver:
        flags.add(Reason.AUTOMATION)
    # Parallel tabs: another read of this reader earned time since this read's last beat.
    overlap = bool(credited) and loaded.others_credited_at > state.last_beat_at
    active_ms = state.active_ms + credited
    words_seen = state.words_seen + new_words
    # No screenful may go by faster than max_screen_wpm, in this beat or over the whole read.
    if too_fast(new_words, credited, allowance, rules) or too_fast(
        words_seen, active_ms, allowance, rules
    ):
        flags.add(Reason.TOO_FAST)
    paragraphs_seen = tuple(sorted(seen | new))
    # Spelled out rather than dataclasses.replace, which costs several times more on this path.
    advanced = LiveRead(
        id=state.id,
        reader_id=state.reader_id,
        article_id=state.article_id,
        content_hash=state.content_hash,
        word_count=state.word_count,
        paragraph_count=state.paragraph_count,
        next_seq=state.next_seq + 1,
        nonce=tokens.new_nonce(),
        last_beat_at=now,
        active_ms=active_ms,
        beats_total=state.beats_total + 1,
        beats_credited=state.beats_credited + (1 if credited else 0),
        paragraphs_seen=paragraphs_seen,
        words_seen=words_seen,
        scroll_max=scroll_max,
        allowance_words=allowance,
        flags=tuple(sorted(flags)),
        started_at=state.started_at,
        input_at=now if touched else state.input_at,
    )
    record = BeatRecord(
        claims.seq,
        now,
        beat.active_ms,
        credited,
        beat.scroll_max,
        len(new),
        new_words,
        beat.visible,
        beat.focused,
        beat.webdriver,
        overlap,
        tuple(int(beat.events.get(k, 0)) for k in EVENT_KINDS),
    )
    last_paragraph_seen = advanced.paragraph_count - 1 in paragraphs_seen
    result = BeatResult(
        token=sign(settings, advanced, advanced.next_seq, advanced.nonce),
        active_seconds=active_ms / 1000,
        progress=progress_of(
            advanced.word_count, advanced.paragraph_count, active_ms, len(paragraphs_seen), rules
        ),
        end_reached=last_paragraph_seen or advanced.scroll_max >= rules.end_scroll,
    )
    return PreparedBeat(state.version, advanced, record, result)
