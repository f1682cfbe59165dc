"""Reads: start, beat, complete. The server decides what was read; the ledger pays for it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from prometheus_client import Counter
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.articles import service as articles
from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database, after_commit, new_id
from readtoearn.errors import Conflict, NotFound, Unprocessable
from readtoearn.fraud import sightings
from readtoearn.fraud.sightings import Seen
from readtoearn.reading import payout, signals, tokens
from readtoearn.reading.live import (
    EVENT_KINDS,
    BeatRecord,
    LiveRead,
    LiveStore,
    Loaded,
    StoreUnavailable,
)
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.rules import (
    TRUSTED_INPUTS,
    ReadState,
    Reason,
    Rules,
    Verdict,
    assess,
    credit_beat,
    first_screen_allowance,
    had_input,
    paragraphs_without_input,
    points_for,
    progress,
    progress_of,
    required_active_seconds,
    required_paragraphs,
    too_fast,
)

OPEN = "open"
READS_COMPLETED = Counter(
    "readtoearn_reads_completed_total", "Reads given a final verdict", ["verdict"]
)
BEATS = Counter("readtoearn_beats_total", "Tracker beats accepted", ["credited"])
BEATS_CREDITED, BEATS_UNCREDITED = BEATS.labels("yes"), BEATS.labels("no")


_RULES: dict[int, tuple[Settings, Rules]] = {}


def rules_of(settings: Settings) -> Rules:
    """The reading rules as the operator configured them (made once per settings object)."""
    cached = _RULES.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    if len(_RULES) >= 64:
        _RULES.clear()
    rules = Rules(
        max_wpm=settings.reading_max_wpm,
        max_screen_wpm=settings.reading_max_screen_wpm,
        min_paragraph_ratio=settings.reading_min_paragraph_ratio,
        min_beats=settings.reading_min_beats,
        beat_interval_s=settings.beat_interval_s,
    )
    _RULES[id(settings)] = (settings, rules)
    return rules


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
class Started:
    read: Read
    token: str
    resumed: bool
    required: dict[str, Any]
    progress: float


@dataclass(frozen=True)
class BeatResult:
    token: str
    active_seconds: float
    progress: float
    end_reached: bool


@dataclass(frozen=True)
class Outcome:
    read: Read
    verdict: Verdict
    points: int
    reasons: tuple[Reason, ...]


def _key(reader_id: uuid.UUID, article_id: uuid.UUID) -> str:
    return f"{reader_id}:{article_id}"


def _points(article: Article, settings: Settings) -> int:
    return points_for(
        settings.points_per_read,
        article.reading_minutes,
        scale_by_time=settings.points_scale_by_time,
    )


def requirements(article: Article, settings: Settings) -> dict[str, Any]:
    """What a reader must do to earn this article's points (shown by the tracker)."""
    rules = rules_of(settings)
    return {
        "active_seconds": required_active_seconds(article.word_count, rules),
        "paragraphs": article.paragraph_count,
        "min_paragraphs": required_paragraphs(article.paragraph_count, rules),
        "min_beats": rules.min_beats,
        "points": _points(article, settings),
    }


def _sign(settings: Settings, read: Any, seq: int, nonce: str) -> str:
    """The chain token for beat `seq` of a read (a Read, or a row with the same columns)."""
    claims = tokens.ChainToken(read_id=read.id, seq=seq, nonce=nonce)
    return tokens.sign_chain(settings.resolved_secret_key, read.reader_id, read.article_id, claims)


def start_read(
    session: Session,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    article_id: str | uuid.UUID,
    view_token: str | None = None,
    webdriver: bool = False,
    user_agent: str = "",
    device_id: str | None = None,
    seen: Seen = Seen(),
) -> Started:
    """Open a read of an article (or resume the open one) and issue the first chain token.

    `device_id` is the browser's device cookie (a view token may be bound to it), `seen` the
    keyed hashes of the device and address group, kept on the read for the signals.
    """
    article = articles.get_article(session, article_id)
    key = _key(reader_id, article.id)
    rewarded = session.scalar(select(Read).where(Read.reward_key == key))
    if rewarded is not None:
        message = {
            Verdict.CREDITED: "You have already earned points for this article.",
            Verdict.HELD: "Your read of this article is being reviewed.",
        }.get(Verdict(rewarded.status), "Your read of this article was reviewed and not rewarded.")
        raise Conflict(message, code="already_rewarded")
    now = clock.now()
    open_read = select(Read).where(Read.open_key == key).with_for_update()
    read = session.scalar(open_read.execution_options(populate_existing=True))
    resumed = read is not None
    if read is None:
        read = Read(
            id=new_id(),
            reader_id=reader_id,
            article_id=article.id,
            open_key=key,
            started_at=now,
            last_beat_at=now,
            nonce=tokens.new_nonce(),
            user_agent=user_agent[:300],
            flags=[],
            paragraphs_seen=[],
            reasons=[],
        )
        try:
            with session.begin_nested():
                session.add(read)
        except IntegrityError:
            raise Conflict("this article is already being read", code="read_in_progress") from None
    else:
        # A new tab or a reload takes over the read: the previous chain stops working.
        _absorb(session, store, read)
        read.nonce = tokens.new_nonce()
        read.last_beat_at = max(read.last_beat_at, now)
    flags = set(read.flags)
    if _viewed(session, settings, article.id, reader_id, view_token, device_id, now):
        read.page_view = True
    # The read is where the reader is now (a resumed read moves with them).
    read.device = seen.device or read.device
    read.address = seen.address or read.address
    sightings.record(session, reader_id, seen, now)
    if webdriver:
        flags.add(Reason.AUTOMATION)
    read.flags = sorted(flags)
    session.flush()
    store.put(_live(read, article.content_hash, article.word_count, article.paragraph_count))
    _paragraph_words(session, article.id, article.content_hash, article.html)  # for the beats
    return Started(
        read=read,
        token=_sign(settings, read, read.next_seq, read.nonce),
        resumed=resumed,
        required=requirements(article, settings),
        progress=progress(_state(read, article), rules_of(settings)),
    )


def _viewed(
    session: Session,
    settings: Settings,
    article_id: uuid.UUID,
    reader_id: uuid.UUID,
    view_token: str | None,
    device_id: str | None,
    now: datetime,
) -> bool:
    """Whether the view token proves a page view served to this reader or this browser.

    Our article pages sign it with the secret key, for the signed-in reader or else the device;
    an integrator's server may sign it with the integrator secret for its own user id.
    """
    if not view_token:
        return False
    at, max_age = now.timestamp(), settings.view_token_max_age_s
    ours = [tokens.reader_subject(reader_id)]
    if device_id:
        ours.append(tokens.device_subject(device_id))
    secret = settings.resolved_secret_key
    if tokens.verify_view(secret, view_token, article_id, ours, max_age, at):
        return True
    if not settings.integrator_secret:
        return False
    external_id = session.scalar(select(User.external_id).where(User.id == reader_id))
    theirs = [tokens.external_subject(external_id)] if external_id else []
    return tokens.verify_view(
        settings.integrator_secret, view_token, article_id, theirs, max_age, at
    )


def owned_read(session: Session, reader_id: uuid.UUID, read_id: str | uuid.UUID) -> Read:
    """A reader's own read, locked for this transaction; 404 for anyone else's."""
    query = select(Read).where(Read.id == read_uuid(read_id)).with_for_update()
    # populate_existing: the row may have changed (a flush of its live state) since this session
    # last loaded it.
    read = session.scalar(query.execution_options(populate_existing=True))
    # Another reader's read is reported as absent, so ids cannot be probed.
    if read is None or read.reader_id != reader_id:
        raise NotFound("no read has this id")
    return read


def _check_chain(read: Any, token: str, settings: Settings) -> tokens.ChainToken:
    """The token's claims when it is the one this read expects next (a Read, or a row)."""
    claims = tokens.verify_chain(
        settings.resolved_secret_key, token, read.reader_id, read.article_id, read.id
    )
    if claims.seq != read.next_seq or claims.nonce != read.nonce:
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    return claims


_PARAGRAPH_WORDS: dict[tuple[uuid.UUID, str], tuple[int, ...]] = {}
_PARAGRAPH_WORDS_LOCK = threading.Lock()
MAX_CACHED_ARTICLES = 2048


def _paragraph_words(
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
        with _session_of(db) as session:
            html = session.scalar(select(Article.html).where(Article.id == article_id)) or ""
    with _PARAGRAPH_WORDS_LOCK:
        words = _PARAGRAPH_WORDS.get(key)
        if words is None:
            words = textlib.paragraph_word_counts(html)
            if len(_PARAGRAPH_WORDS) >= MAX_CACHED_ARTICLES:
                _PARAGRAPH_WORDS.clear()
            _PARAGRAPH_WORDS[key] = words
    return words


def _state(read: Read, article: Article) -> ReadState:
    return ReadState(
        words=article.word_count,
        paragraphs=article.paragraph_count,
        active_ms=read.active_ms,
        beats_credited=read.beats_credited,
        beats_total=read.beats_total,
        paragraphs_seen=len(read.paragraphs_seen),
        last_paragraph_seen=article.paragraph_count - 1 in set(read.paragraphs_seen),
        scroll_max=read.scroll_max,
        flags=frozenset(Reason(f) for f in read.flags),
    )


BEATS_TABLE = cast(Table, ReadBeat.__table__)


class NeedsDatabase(Exception):
    """A beat handled without a database session needs one after all (nothing was changed)."""


def _session_of(db: Session | Database | None) -> AbstractContextManager[Session]:
    if db is None:
        raise NeedsDatabase
    return nullcontext(db) if isinstance(db, Session) else db.session()


def _live(read: Read, content_hash: str, word_count: int, paragraph_count: int) -> LiveRead:
    """The live state of a read, to keep in the store."""
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
    )


def _seed(db: Session | Database | None, store: LiveStore, read_id: uuid.UUID) -> LiveRead:
    """Load an open read the store does not hold (its first beat, or after a restart)."""
    query = (
        select(Read, Article.content_hash, Article.word_count, Article.paragraph_count)
        .join(Article, Article.id == Read.article_id)
        .where(Read.id == read_id)
    )
    with _session_of(db) as session:
        row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound("no read has this id")
    read, content_hash, word_count, paragraph_count = row
    if read.status != OPEN:
        raise Conflict("this read is finished", code="read_closed")
    return store.seed(_live(read, content_hash, word_count, paragraph_count))


def read_uuid(read_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return read_id if isinstance(read_id, uuid.UUID) else uuid.UUID(str(read_id))
    except ValueError:
        raise NotFound("no read has this id") from None


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
        state = _seed(db, store, read_id)
    # Another reader's read is reported as absent, so ids cannot be probed.
    if state.reader_id != reader_id:
        raise NotFound("no read has this id")
    if state.closed:
        raise Conflict("this read is finished", code="read_closed")
    claims = _check_chain(state, beat.token, settings)
    if beat.seq != claims.seq:
        raise Conflict("the beat's seq does not match its token", code="out_of_order")
    words_by_paragraph = _paragraph_words(db, state.article_id, state.content_hash)
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
        token=_sign(settings, advanced, advanced.next_seq, advanced.nonce),
        active_seconds=active_ms / 1000,
        progress=progress_of(
            advanced.word_count, advanced.paragraph_count, active_ms, len(paragraphs_seen), rules
        ),
        end_reached=last_paragraph_seen or advanced.scroll_max >= rules.end_scroll,
    )
    return PreparedBeat(state.version, advanced, record, result)


def _after_commit(session: Session, action: Callable[[], object]) -> None:
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


def _absorb(session: Session, store: LiveStore, read: Read) -> LiveRead | None:
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
    _after_commit(session, lambda: store.trim(read.id, state.next_seq))
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
            state = _absorb(session, store, read) if read is not None and is_open else None
        if state is not None:
            written += 1
            store.drop(read_id, state.version)  # unless a beat came in meanwhile
        elif not is_open:
            store.drop(read_id)
    return written


def _over_daily_cap(
    session: Session, read: Read, now: datetime, points: int, settings: Settings
) -> bool:
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Read.points), 0)).where(
            Read.reader_id == read.reader_id,
            Read.status.in_([Verdict.CREDITED.value, Verdict.HELD.value]),
            Read.completed_at >= day_start,
        )
    ).one()
    return count >= settings.daily_read_cap or total + points > settings.daily_points_cap


def complete_read(
    session: Session,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    token: str,
) -> Outcome:
    """The verdict on a read; repeating it returns the same verdict and never pays twice."""
    read = owned_read(session, reader_id, read_id)
    if read.status != OPEN:
        tokens.verify_chain(
            settings.resolved_secret_key, token, read.reader_id, read.article_id, read.id
        )
        return _outcome(read)
    live = _absorb(session, store, read)
    _check_chain(read, token, settings)
    article = session.get_one(Article, read.article_id)
    now = clock.now()
    beats = session.scalars(
        select(ReadBeat).where(ReadBeat.read_id == read.id).order_by(ReadBeat.seq)
    ).all()
    findings = signals.run_checks(
        signals.Context(session, settings, read, beats, now),
        frozenset(Reason(f) for f in read.flags),
    )
    read.flags = sorted(findings.reasons)
    read.risk = findings.risk
    read.evidence = findings.evidence
    assessment = assess(_state(read, article), rules_of(settings))
    verdict, reasons = assessment.verdict, list(assessment.reasons)
    if verdict is Verdict.INCOMPLETE:
        return Outcome(read=read, verdict=verdict, points=0, reasons=tuple(reasons))

    points = 0
    if verdict in (Verdict.CREDITED, Verdict.HELD):
        points = _points(article, settings)
        if _over_daily_cap(session, read, now, points, settings):
            verdict, reasons, points = Verdict.REJECTED, [Reason.DAILY_LIMIT], 0
    if verdict in (Verdict.CREDITED, Verdict.HELD):
        paid = payout.pay_read(session, read, points, pending=verdict is Verdict.HELD)
        if not paid.ok:
            verdict = Verdict.HELD
            reasons = [*[r for r in reasons if r is not Reason.READ_IN_FULL], Reason.BUDGET_EMPTY]
        read.transfer_id = paid.transfer_id
        read.reward_key = _key(read.reader_id, read.article_id)

    # Beats that raced this verdict are refused from now on; the store forgets the read once the
    # verdict is committed.
    if live is not None and not store.close(read.id, live.chain):
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    _after_commit(session, lambda: store.drop(read.id))
    read.status = verdict.value
    read.verdict = verdict.value
    read.reasons = [r.value for r in reasons]
    read.points = points
    read.completed_at = now
    read.open_key = None
    session.flush()
    READS_COMPLETED.labels(verdict.value).inc()
    return _outcome(read)


def _outcome(read: Read) -> Outcome:
    return Outcome(
        read=read,
        verdict=Verdict(read.verdict or Verdict.INCOMPLETE),
        points=read.points,
        reasons=tuple(Reason(r) for r in read.reasons),
    )


@dataclass(frozen=True)
class Panel:
    """What the article page shows a signed-in reader about this article's points."""

    points: int
    view_token: str
    rewarded: Read | None


def get_panel(
    session: Session, settings: Settings, clock: Clock, *, reader_id: uuid.UUID, article: Article
) -> Panel:
    """The reading panel of an article page: its points, a page-view token, any earlier reward."""
    rewarded = session.scalar(select(Read).where(Read.reward_key == _key(reader_id, article.id)))
    view = view_token_for(settings, clock, article.id, tokens.reader_subject(reader_id))
    return Panel(points=_points(article, settings), view_token=view, rewarded=rewarded)


def view_token_for(settings: Settings, clock: Clock, article_id: uuid.UUID, subject: str) -> str:
    """A page-view token for an article page served now to `subject` (a reader or a device)."""
    return tokens.sign_view(
        settings.resolved_secret_key, article_id, clock.now().timestamp(), subject
    )


def settle_held(read: Read, *, approved: bool) -> None:
    """Record an operator's decision on a held read: credited in full, or rejected for nothing.

    A rejected read keeps its reward key: the article cannot be farmed again after review.
    """
    if approved:
        read.status = read.verdict = Verdict.CREDITED.value
        read.reasons = [Reason.READ_IN_FULL.value]
    else:
        read.status = read.verdict = Verdict.REJECTED.value
        kept = [r for r in read.reasons if r != Reason.BUDGET_EMPTY.value]
        read.reasons = kept or list(read.reasons)
        read.points = 0


def record_funding(read: Read, transfer_id: uuid.UUID) -> bool:
    """A read held for want of budget has been paid; True when it is now credited.

    One that was also suspicious keeps its other reasons and stays held for an operator.
    """
    read.transfer_id = transfer_id
    suspicious = [r for r in read.reasons if r != Reason.BUDGET_EMPTY.value]
    if suspicious:
        read.reasons = suspicious
        return False
    read.status = read.verdict = Verdict.CREDITED.value
    read.reasons = [Reason.READ_IN_FULL.value]
    return True


# The per-read quiz and the wallet live in modules of their own; they are part of this API.
from readtoearn.reading.quiz import (  # noqa: E402
    QuizOutcome,
    answer_quiz,
    get_quiz,
    get_quiz_result,
)
from readtoearn.reading.wallet import Wallet, WalletEntry, get_wallet, list_reads  # noqa: E402

__all__ = [
    "QuizOutcome",
    "Wallet",
    "WalletEntry",
    "answer_quiz",
    "get_quiz",
    "get_quiz_result",
    "get_wallet",
    "list_reads",
]
