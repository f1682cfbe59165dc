"""Beats: the tracker's hot path. A beat is checked against the read's live state, credited by
the server's clock, and moves the chain on in the store, without the database when it can."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass, field

from prometheus_client import Counter
from sqlalchemy.orm import Session

from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Conflict, NotFound, Unauthorized, Unprocessable
from readtoearn.reading import live_script, tokens
from readtoearn.reading.live import EVENT_KINDS, BeatRecord, LiveRead, LiveStore, Loaded
from readtoearn.reading.reads import check_chain, read_uuid
from readtoearn.reading.rules import (
    TRUSTED_INPUTS,
    Reason,
    Rules,
    credit_beat,
    first_screen_allowance,
    had_input,
    paragraphs_without_input,
    progress_of,
    too_fast,
)
from readtoearn.reading.snapshot import paragraph_words, seed
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
    scripted = None if store.in_process else _script_args(settings, clock, reader_id, key, beat)
    if scripted is not None:
        args, article_id, nonce = scripted
        rules = rules_of(settings)
        done = live_script.outcome(store.beat(rules, key, reader_id, args))
        if done is not None:
            return _scripted_result(settings, rules, reader_id, key, article_id, nonce, done)
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
    if not store.in_process:
        scripted = _script_args(settings, clock, reader_id, key, beat)
        if scripted is not None:
            args, article_id, nonce = scripted
            rules = rules_of(settings)
            done = live_script.outcome(await store.abeat(rules, key, reader_id, args))
            if done is not None:
                return _scripted_result(settings, rules, reader_id, key, article_id, nonce, done)
    loaded = await store.aload(key, reader_id)
    p = prepare_beat(
        None, store, loaded, settings, clock, reader_id=reader_id, read_id=key, beat=beat
    )
    return accept_beat(p, await store.aadvance(p.advanced, p.expected, p.record, p.credited))


def _script_args(
    settings: Settings, clock: Clock, reader_id: uuid.UUID, read_id: uuid.UUID, beat: Beat
) -> tuple[list[str], uuid.UUID, str] | None:
    """The beat script's arguments, the token's article and the next nonce; None for a token
    signed before tokens carried their article (the general path checks it)."""
    try:
        claims, body, mac = tokens.parse_chain(beat.token)
    except Unauthorized:
        # Checked in the script's order: a read that is not the reader's is a 404 first.
        claims, body, mac = tokens.ChainToken(read_id, 0, ""), b"", b""
        ok, article_id = False, read_id
    else:
        if claims.article_id is None:
            return None
        article_id = claims.article_id
        secret = settings.resolved_secret_key
        ok = claims.read_id == read_id and tokens.chain_mac_ok(
            secret, reader_id, article_id, body, mac
        )
    nonce = tokens.new_nonce()
    args = live_script.beat_args(
        reader_id, ok, article_id, claims.seq, claims.nonce,
        seq=beat.seq, next_nonce=nonce, now=clock.now().timestamp(),
        active_ms=beat.active_ms, scroll_max=beat.scroll_max,
        paragraphs_seen=beat.paragraphs_seen, visible=beat.visible, focused=beat.focused,
        events=tuple(int(beat.events.get(k, 0)) for k in EVENT_KINDS),
        viewport_h=beat.viewport_h, document_h=beat.document_h, webdriver=beat.webdriver,
    )  # fmt: skip
    return args, article_id, nonce


def _scripted_result(
    settings: Settings,
    rules: Rules,
    reader_id: uuid.UUID,
    read_id: uuid.UUID,
    article_id: uuid.UUID,
    nonce: str,
    done: live_script.ScriptedBeat,
) -> BeatResult:
    """The answer to a beat the store's script credited: the next token, signed here."""
    (BEATS_CREDITED if done.credited else BEATS_UNCREDITED).inc()
    claims = tokens.ChainToken(read_id=read_id, seq=done.next_seq, nonce=nonce)
    token = tokens.sign_chain(settings.resolved_secret_key, reader_id, article_id, claims)
    return BeatResult(
        token=token,
        active_seconds=done.active_ms / 1000,
        progress=progress_of(
            done.word_count, done.paragraph_count, done.active_ms, done.paragraphs_seen, rules
        ),
        end_reached=done.end_reached,
    )


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
    if state.token and hmac.compare_digest(beat.token.encode(), state.token.encode()):
        # The token this process signed for exactly this state: its claims are the state's.
        claims = tokens.ChainToken(state.id, state.next_seq, state.nonce, state.article_id)
    else:
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
    next_seq, nonce = state.next_seq + 1, tokens.new_nonce()
    token = tokens.sign_chain(
        settings.resolved_secret_key, state.reader_id, state.article_id,
        tokens.ChainToken(state.id, next_seq, nonce),
    )  # fmt: skip
    # Spelled out rather than dataclasses.replace, which costs several times more on this path.
    advanced = LiveRead(
        id=state.id,
        reader_id=state.reader_id,
        article_id=state.article_id,
        content_hash=state.content_hash,
        word_count=state.word_count,
        paragraph_count=state.paragraph_count,
        next_seq=next_seq,
        nonce=nonce,
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
        token=token,
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
        token=token,
        active_seconds=active_ms / 1000,
        progress=progress_of(
            advanced.word_count, advanced.paragraph_count, active_ms, len(paragraphs_seen), rules
        ),
        end_reached=last_paragraph_seen or advanced.scroll_max >= rules.end_scroll,
    )
    return PreparedBeat(state.version, advanced, record, result)
