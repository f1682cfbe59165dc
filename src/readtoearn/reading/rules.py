"""The proof of reading: how much of a beat counts, and what a finished read deserves.

Pure functions over plain values, so every rule is tested on its own. The server's clock is the only
clock; what the client claims is an upper bound, never a measure.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    CREDITED = "credited"
    HELD = "held"
    REJECTED = "rejected"
    INCOMPLETE = "incomplete"


class Reason(StrEnum):
    """Why a read got its verdict; each has a plain-words explanation in READER_MESSAGES."""

    READ_IN_FULL = "read_in_full"
    NOT_ENOUGH_TIME = "not_enough_time"
    NOT_ENOUGH_PARAGRAPHS = "not_enough_paragraphs"
    END_NOT_REACHED = "end_not_reached"
    TOO_FEW_BEATS = "too_few_beats"
    NO_BEATS = "no_beats"
    TOO_FAST = "too_fast"
    AUTOMATION = "automation"
    PARALLEL_READS = "parallel_reads"
    UNUSUAL_VELOCITY = "unusual_velocity"
    ROBOTIC_SCROLLING = "robotic_scrolling"
    NO_INPUT = "no_input"
    SHARED_DEVICE = "shared_device"
    BUSY_DEVICE = "busy_device"
    BUSY_ADDRESS = "busy_address"
    SIGNUP_BURST = "signup_burst"
    LOCKSTEP = "lockstep"
    NO_PAGE_VIEW = "no_page_view"
    DAILY_LIMIT = "daily_limit"
    BUDGET_EMPTY = "budget_empty"
    ALREADY_CREDITED = "already_credited"
    EXPIRED = "expired"
    ACCOUNT_FROZEN = "account_frozen"


READER_MESSAGES: dict[Reason, str] = {
    Reason.READ_IN_FULL: "You read the whole article at a reading pace.",
    Reason.NOT_ENOUGH_TIME: "Not enough reading time yet for an article of this length.",
    Reason.NOT_ENOUGH_PARAGRAPHS: "Most of the paragraphs have not been on screen yet.",
    Reason.END_NOT_REACHED: "The end of the article has not been reached yet.",
    Reason.TOO_FEW_BEATS: "The read was too short to be measured.",
    Reason.NO_BEATS: "No reading activity was recorded.",
    Reason.TOO_FAST: "The page went by faster than anyone can read.",
    Reason.AUTOMATION: "The browser reported that it was driven by automation software.",
    Reason.PARALLEL_READS: "Several articles were being read at the same time.",
    Reason.UNUSUAL_VELOCITY: "Unusually many articles were read in a short time.",
    Reason.ROBOTIC_SCROLLING: "The scrolling was perfectly regular, as a script's is.",
    Reason.NO_INPUT: (
        "Part of the page went by without any scrolling, key, pointer or touch input: "
        "that part does not count."
    ),
    Reason.NO_PAGE_VIEW: "The read did not start from the article page.",
    Reason.SHARED_DEVICE: "Other accounts earn points on this same browser.",
    Reason.BUSY_DEVICE: "This browser has earned more reads today than one person reads.",
    Reason.BUSY_ADDRESS: (
        "Unusually many reads came from your network today: a person will check, "
        "which happens with shared connections."
    ),
    Reason.SIGNUP_BURST: "Many accounts were created from your network at the same time as yours.",
    Reason.LOCKSTEP: "Other accounts read this article at the same moment, in the very same way.",
    Reason.DAILY_LIMIT: "Today's limit of rewarded reads has been reached.",
    Reason.BUDGET_EMPTY: "The programme's budget is empty for now: the points are kept for you.",
    Reason.ALREADY_CREDITED: "This article has already earned you points.",
    Reason.EXPIRED: "The read was left unfinished for too long.",
    Reason.ACCOUNT_FROZEN: (
        "Your account is frozen: it earns and spends no points for now. Your account page says why."
    ),
}
# What a reader is told about a reason this version does not know (a row written by a newer one).
UNEXPLAINED = "This read was reviewed."

# The evidence key when a quiz was answered faster than it can be read (docs/fraud.md), and what
# its reader is told.
QUIZ_TOO_FAST = "quiz_too_fast"
QUIZ_TOO_FAST_MESSAGE = "The answers came faster than the questions can be read: no bonus."
# What a frozen reader who passes a quiz is told (fraud/freezes.py).
QUIZ_FROZEN_MESSAGE = "All right, but your account is frozen: no bonus for now."

# Why a read got its verdict, for operators (translated in operator.po).
# A read's state in words (translated in console.po), for the console's pages.
READ_STATUS_LABELS: dict[str, str] = {
    "open": "Under way",
    "credited": "Credited",
    "held": "Held for review",
    "rejected": "Rejected",
    "incomplete": "Not finished",
}
REASON_LABELS: dict[str, str] = {
    Reason.READ_IN_FULL: "Read in full at a reading pace",
    Reason.NOT_ENOUGH_TIME: "Not enough reading time",
    Reason.NOT_ENOUGH_PARAGRAPHS: "Too few paragraphs on screen",
    Reason.END_NOT_REACHED: "End of the article not reached",
    Reason.TOO_FEW_BEATS: "Too few beats to measure",
    Reason.NO_BEATS: "No reading recorded",
    Reason.TOO_FAST: "Faster than anyone can read",
    Reason.AUTOMATION: "Automation reported by the browser",
    Reason.PARALLEL_READS: "Several reads at once",
    Reason.UNUSUAL_VELOCITY: "Unusually many reads in an hour",
    Reason.ROBOTIC_SCROLLING: "Perfectly regular scrolling",
    Reason.NO_INPUT: "Page moved without any input",
    Reason.SHARED_DEVICE: "A browser shared with other accounts",
    Reason.BUSY_DEVICE: "Too many reads on one browser today",
    Reason.BUSY_ADDRESS: "Too many reads or readers on one network today",
    Reason.SIGNUP_BURST: "Made in a burst of sign-ups from one network",
    Reason.LOCKSTEP: "Read in lockstep with other accounts",
    Reason.NO_PAGE_VIEW: "Did not start from the article page",
    Reason.DAILY_LIMIT: "Daily limit reached",
    Reason.BUDGET_EMPTY: "Budget empty when earned",
    Reason.ALREADY_CREDITED: "Article already rewarded",
    Reason.EXPIRED: "Left unfinished too long",
    Reason.ACCOUNT_FROZEN: "Reader frozen when earned",
    QUIZ_TOO_FAST: "Quiz answered faster than it can be read",
}


def explain(reasons: Iterable[str], gettext: Callable[[str], str] = str) -> list[str]:
    """Each reason in plain words for its reader, through `gettext` (the reader's language).

    A reason without a message (stored by a newer version) gets a neutral one, never an error.
    """
    return [gettext(reader_message(r)) for r in reasons]


def reader_message(reason: str) -> str:
    """What a reason says to its reader (English; the msgid of its translation)."""
    try:
        return READER_MESSAGES[Reason(reason)]
    except (ValueError, KeyError):
        return UNEXPLAINED


# Reasons that make a read impossible (rejected) versus merely suspicious (held for review).
IMPOSSIBLE = frozenset({Reason.TOO_FAST, Reason.NO_BEATS})
SUSPICIOUS = frozenset(
    {
        Reason.AUTOMATION,
        Reason.PARALLEL_READS,
        Reason.UNUSUAL_VELOCITY,
        Reason.ROBOTIC_SCROLLING,
        Reason.NO_PAGE_VIEW,
        Reason.SHARED_DEVICE,
        Reason.BUSY_DEVICE,
        Reason.BUSY_ADDRESS,
        Reason.SIGNUP_BURST,
        Reason.LOCKSTEP,
    }
)


@dataclass(frozen=True)
class Rules:
    """The thresholds of a genuine read; each is a setting (see docs/reading.md)."""

    max_wpm: int = 400  # nobody reads (rather than skims) faster than this on average
    max_screen_wpm: int = 1000  # beyond this, text is not being read at all
    min_paragraph_ratio: float = 0.8
    min_beats: int = 3
    end_scroll: float = 0.9
    beat_interval_s: int = 12
    slack_s: float = 2.0
    max_gap_beats: int = 3
    first_screen_max_words: int = 400
    first_screen_min_words: int = 150

    @property
    def max_gap_s(self) -> float:
        return self.beat_interval_s * self.max_gap_beats


def credit_beat(
    claimed_active_ms: int,
    server_elapsed_s: float,
    *,
    visible: bool,
    focused: bool,
    rules: Rules,
    since_start_s: float | None = None,
    credited_ms: int = 0,
) -> int:
    """Milliseconds a beat earns: the claim, capped by the server's own clock twice over.

    Per beat, by the time since the previous beat, plus a slack for network jitter only when the
    beats are at least an interval apart (beats sent closer together earn no slack, so slack
    cannot be farmed). Over the whole read, by the time since it started (`since_start_s`) plus
    one slack, less what the read has already been credited (`credited_ms`): however many beats
    arrive, the read's time never runs faster than the server's clock.

    A hidden or unfocused page earns nothing; so does a beat after a gap of several intervals
    (a sleeping laptop, or a script replaying a recording later).
    """
    if not visible or not focused or claimed_active_ms <= 0:
        return 0
    if server_elapsed_s > rules.max_gap_s:
        return 0
    elapsed = max(server_elapsed_s, 0.0)
    slack = rules.slack_s if elapsed >= rules.beat_interval_s else 0.0
    cap_ms = int((elapsed + slack) * 1000)
    if since_start_s is not None:
        room_ms = int((max(since_start_s, 0.0) + rules.slack_s) * 1000) - credited_ms
        cap_ms = min(cap_ms, max(room_ms, 0))
    return max(min(claimed_active_ms, cap_ms), 0)


# Inputs a script cannot make without driving the browser; `scroll` is not one (a script's
# window.scrollTo fires trusted scroll events).
TRUSTED_INPUTS = ("wheel", "key", "pointer", "touch")


def had_input(events: dict[str, int], seconds_since_last_input: float, rules: Rules) -> bool:
    """Whether the reader touched the page in this beat or the one before.

    The previous beat counts too: a paragraph scrolled into view just before a beat is reported
    by the next one, when the reader may be reading it without touching anything.
    """
    if any(int(events.get(kind, 0)) > 0 for kind in TRUSTED_INPUTS):
        return True
    return seconds_since_last_input <= rules.beat_interval_s * 1.5


def paragraphs_without_input(
    new: Sequence[int], words_by_paragraph: Sequence[int], words_seen: int, allowance: int
) -> list[int]:
    """Of the paragraphs newly in view in a beat with no input, those that count: the ones that
    fit in the first screenful (seen without scrolling), in document order."""
    kept: list[int] = []
    room = allowance - words_seen
    for paragraph in sorted(new):
        words = words_by_paragraph[paragraph]
        if words > room:
            break
        kept.append(paragraph)
        room -= words
    return kept


def required_active_seconds(words: int, rules: Rules) -> int:
    """The least active time in which an article of this length can be read."""
    return math.ceil(words * 60 / rules.max_wpm)


def required_paragraphs(paragraphs: int, rules: Rules) -> int:
    """How many of an article's paragraphs must have been in view."""
    return math.ceil(paragraphs * rules.min_paragraph_ratio)


def first_screen_allowance(
    total_words: int, viewport_h: int | None, document_h: int | None, rules: Rules
) -> int:
    """Words that may be seen at once without reading them: roughly one screenful."""
    estimate = rules.first_screen_min_words
    if viewport_h and document_h and document_h > 0:
        estimate = int(total_words * min(viewport_h / document_h, 1.0))
    return max(rules.first_screen_min_words, min(estimate, rules.first_screen_max_words))


def too_fast(words_seen: int, active_ms: int, allowance: int, rules: Rules) -> bool:
    """True when more text went by than could be read at max_screen_wpm in the active time."""
    readable = rules.max_screen_wpm * active_ms / 60_000
    return words_seen - allowance > readable


def is_robotic(scroll_deltas: Sequence[float], event_counts: Sequence[int]) -> bool:
    """Perfectly regular scrolling: the same distance, with the same number of inputs, every beat.

    People scroll in bursts of varying length; a script that advances by a constant step gives
    a coefficient of variation near zero. Needs at least five moving beats to say anything.
    """
    moving = [(d, e) for d, e in zip(scroll_deltas, event_counts, strict=False) if d > 0]
    if len(moving) < 5:
        return False
    deltas = [d for d, _ in moving]
    mean = statistics.fmean(deltas)
    if mean <= 0:
        return False
    variation = statistics.pstdev(deltas) / mean
    same_inputs = len({e for _, e in moving}) == 1
    return variation < 0.02 and same_inputs


@dataclass(frozen=True)
class ReadState:
    """What the server knows of a read when it is asked for a verdict."""

    words: int
    paragraphs: int
    active_ms: int
    beats_credited: int
    beats_total: int
    paragraphs_seen: int
    last_paragraph_seen: bool
    scroll_max: float
    flags: frozenset[Reason] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    reasons: tuple[Reason, ...]


def assess(state: ReadState, rules: Rules) -> Assessment:
    """The verdict on a read: credited, held, rejected, or incomplete (still going)."""
    impossible = sorted(state.flags & IMPOSSIBLE)
    if state.beats_total == 0:
        impossible = sorted({*impossible, Reason.NO_BEATS})
    if impossible:
        return Assessment(Verdict.REJECTED, tuple(impossible))

    missing: list[Reason] = []
    if state.active_ms < required_active_seconds(state.words, rules) * 1000:
        missing.append(Reason.NOT_ENOUGH_TIME)
    needed = required_paragraphs(state.paragraphs, rules)
    if state.paragraphs_seen < needed:
        missing.append(Reason.NOT_ENOUGH_PARAGRAPHS)
    if not (state.last_paragraph_seen or state.scroll_max >= rules.end_scroll):
        missing.append(Reason.END_NOT_REACHED)
    if state.beats_credited < rules.min_beats:
        missing.append(Reason.TOO_FEW_BEATS)
    if missing:
        if Reason.NO_INPUT in state.flags:
            missing.append(Reason.NO_INPUT)
        return Assessment(Verdict.INCOMPLETE, tuple(missing))

    suspicious = sorted(state.flags & SUSPICIOUS)
    if suspicious:
        return Assessment(Verdict.HELD, tuple(suspicious))
    return Assessment(Verdict.CREDITED, (Reason.READ_IN_FULL,))


def points_for(base_points: int, reading_minutes: int, *, scale_by_time: bool) -> int:
    """Points a credited read earns: a flat amount, or scaled by the article's reading time."""
    if not scale_by_time:
        return base_points
    # A 4-minute article earns the base; longer ones more, shorter ones never less than half.
    return max(base_points // 2, round(base_points * reading_minutes / 4))


def progress(state: ReadState, rules: Rules) -> float:
    """How far along a read is, 0..1: the least advanced of time and paragraphs."""
    return progress_of(state.words, state.paragraphs, state.active_ms, state.paragraphs_seen, rules)


def progress_of(
    words: int, paragraphs: int, active_ms: int, paragraphs_seen: int, rules: Rules
) -> float:
    """`progress` on plain numbers (the beat path has no ReadState to build)."""
    need_ms = max(required_active_seconds(words, rules) * 1000, 1)
    by_time = min(active_ms / need_ms, 1.0)
    need_paragraphs = max(required_paragraphs(paragraphs, rules), 1)
    by_paragraphs = min(paragraphs_seen / need_paragraphs, 1.0)
    return round(min(by_time, by_paragraphs), 3)
