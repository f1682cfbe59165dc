"""The checks a finished read goes through before it is paid, each a named rule (docs/fraud.md).

Every check looks at the read, its beats and what else happened around it, and either finds
nothing or returns its evidence. A check that fires holds the read for an operator (never rejects
it: only the impossible, in rules.py, is rejected) and adds its weight to the read's risk score.
Checks that rest on the address alone carry less weight: households, offices and mobile carriers
share addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.fraud import sightings
from readtoearn.fraud.models import SightingKind
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.rules import Reason, Verdict, is_robotic

REWARDED = (Verdict.CREDITED.value, Verdict.HELD.value)
PARALLEL_MIN_OVERLAPS = 2
# A read in lockstep with another: at least this many beats, and this share of them alike.
LOCKSTEP_MIN_BEATS = 4


@dataclass(frozen=True)
class Context:
    """What a check may look at."""

    session: Session
    settings: Settings
    read: Read
    beats: Sequence[ReadBeat]
    now: datetime

    @property
    def day_start(self) -> datetime:
        return self.now.replace(hour=0, minute=0, second=0, microsecond=0)


Evidence = dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One rule: the reason it gives, its weight in the risk score, and the test itself."""

    reason: Reason
    weight: int
    run: Callable[[Context], Evidence | None]


@dataclass(frozen=True)
class Findings:
    """What the checks found: the reasons that fired, the evidence of each, and the risk."""

    reasons: frozenset[Reason]
    evidence: dict[str, Evidence]
    risk: int


def _no_page_view(ctx: Context) -> Evidence | None:
    return None if ctx.read.page_view else {}


def _robotic(ctx: Context) -> Evidence | None:
    deltas, inputs, previous = [], [], 0.0
    for beat in ctx.beats:
        deltas.append(round(max(beat.scroll_max - previous, 0.0), 4))
        previous = max(previous, beat.scroll_max)
        inputs.append(sum(int(v) for v in (beat.events or {}).values()))
    return {"scroll_steps": deltas[:50]} if is_robotic(deltas, inputs) else None


def _parallel(ctx: Context) -> Evidence | None:
    """Reading in several tabs: other reads earned time during at least two of this read's beats.

    One overlap is what a reader moving from one article to the next produces (the last beat of
    the page they left arrives after the new read began); a second one is not.
    """
    overlaps = [beat.seq for beat in ctx.beats if beat.overlap]
    return {"beats": overlaps} if len(overlaps) >= PARALLEL_MIN_OVERLAPS else None


def _count_rewarded(ctx: Context, *conditions: Any) -> int:
    stmt = (
        select(func.count())
        .select_from(Read)
        .where(Read.id != ctx.read.id, Read.status.in_(REWARDED), *conditions)
    )
    return ctx.session.execute(stmt).scalar_one()


def _velocity(ctx: Context) -> Evidence | None:
    recent = _count_rewarded(
        ctx,
        Read.reader_id == ctx.read.reader_id,
        Read.completed_at >= ctx.now - timedelta(hours=1),
    )
    limit = ctx.settings.velocity_max_reads_per_hour
    return {"reads_last_hour": recent, "limit": limit} if recent >= limit else None


def _shared_device(ctx: Context) -> Evidence | None:
    """More accounts on this browser than allowed, and this one is not among the first."""
    accounts = sightings.accounts_on(ctx.session, SightingKind.DEVICE, ctx.read.device)
    allowed = ctx.settings.fraud_accounts_per_device
    if len(accounts) <= allowed or ctx.read.reader_id in accounts[:allowed]:
        return None
    return {"accounts": [str(a) for a in accounts[:20]], "allowed": allowed}


def _busy_device(ctx: Context) -> Evidence | None:
    if not ctx.read.device:
        return None
    today = _count_rewarded(ctx, Read.device == ctx.read.device, Read.completed_at >= ctx.day_start)
    limit = ctx.settings.fraud_reads_per_device_per_day
    return {"reads_today": today, "limit": limit} if today >= limit else None


def _busy_address(ctx: Context) -> Evidence | None:
    """Many rewarded reads, or many readers, from this address group today (address only)."""
    if not ctx.read.address:
        return None
    settings = ctx.settings
    here_today = (Read.address == ctx.read.address, Read.completed_at >= ctx.day_start)
    reads = _count_rewarded(ctx, *here_today)
    readers = list(
        ctx.session.scalars(
            select(Read.reader_id)
            .where(Read.id != ctx.read.id, Read.status.in_(REWARDED), *here_today)
            .group_by(Read.reader_id)
            .order_by(func.min(Read.completed_at))
        )
    )
    crowded = (
        ctx.read.reader_id not in readers[: settings.fraud_readers_per_address_per_day]
        and len(readers) >= settings.fraud_readers_per_address_per_day
    )
    if reads < settings.fraud_reads_per_address_per_day and not crowded:
        return None
    return {
        "reads_today": reads,
        "readers_today": len(readers),
        "accounts": [str(r) for r in readers[:20]],
        "limits": [
            settings.fraud_reads_per_address_per_day,
            settings.fraud_readers_per_address_per_day,
        ],
    }


def _signup_burst(ctx: Context) -> Evidence | None:
    """The account was made from an address group that made many accounts that hour."""
    reader = ctx.session.get(User, ctx.read.reader_id)
    if reader is None or not reader.signup_address:
        return None
    hour = timedelta(minutes=30)
    others = list(
        ctx.session.scalars(
            select(User.id)
            .where(
                User.signup_address == reader.signup_address,
                User.created_at >= reader.created_at - hour,
                User.created_at <= reader.created_at + hour,
            )
            .order_by(User.created_at)
        )
    )
    limit = ctx.settings.fraud_signups_per_address_per_hour
    if len(others) <= limit:
        return None
    return {
        "signups_that_hour": len(others),
        "accounts": [str(a) for a in others[:20]],
        "limit": limit,
    }


class Feature(NamedTuple):
    """One beat as lockstep compares it."""

    paragraphs: int  # newly seen
    scroll: float  # depth reached, 0..1
    inputs: int  # wheel, key, pointer and touch events
    gap: float  # seconds since the previous beat
    at: float = 0.0  # the server's clock when it arrived (0: unknown)


def beat_features(beats: Sequence[ReadBeat]) -> list[Feature]:
    """The features of a read's beats, in order."""
    features, previous = [], None
    for beat in beats:
        gap = (beat.received_at - previous).total_seconds() if previous else 0.0
        previous = beat.received_at
        inputs = sum(int(v) for k, v in (beat.events or {}).items() if k != "scroll")
        at = beat.received_at.timestamp()
        features.append(Feature(beat.new_paragraphs, beat.scroll_max, inputs, gap, at))
    return features


def similarity(a: Sequence[Feature], b: Sequence[Feature]) -> float:
    """How alike two reads' beat series are, 0..1: the highest of three measures.

    - Beat by beat: the share of beats that match on at least three of paragraphs, scroll,
      inputs and timing. People differ on most of these; copies of one script do not.
    - Where they stopped: the share of the scroll positions (to 1/10,000 of the article) that one
      read reported and the other reported too. A script replayed in several browsers stops at
      the very same places; two people almost never do.
    - In time: the share of one read's moving beats at which its progress (paragraphs seen, depth)
      lies within what the other read reported just before and just after that moment. Browsers
      driven by one script move together, whatever the phase of their beats; two people only when
      they started together and read at the very same pace.
    """
    if min(len(a), len(b)) < LOCKSTEP_MIN_BEATS:
        return 0.0
    by_beat = 0.0
    # Beats before the page first moved are waiting, not reading: a farm's browsers open one
    # after the other, and the first ones wait longer.
    moving_a, moving_b = _from_first_move(a), _from_first_move(b)
    if (
        min(len(moving_a), len(moving_b)) >= LOCKSTEP_MIN_BEATS
        and abs(len(moving_a) - len(moving_b)) <= 1
    ):
        alike = 0
        for fa, fb in zip(moving_a, moving_b, strict=False):
            matches = (
                (fa.paragraphs == fb.paragraphs)
                + (abs(fa.scroll - fb.scroll) < 0.01)
                + (abs(fa.inputs - fb.inputs) <= 1)
                + (abs(fa.gap - fb.gap) < 0.5)
            )
            alike += matches >= 3
        by_beat = alike / max(len(moving_a), len(moving_b))
    by_stops = 0.0
    stops_a, stops_b = _stops(a), _stops(b)
    if min(len(stops_a), len(stops_b)) >= 2:
        by_stops = len(stops_a & stops_b) / min(len(stops_a), len(stops_b))
    return max(by_beat, by_stops, _in_time(a, b), _in_time(b, a))


def _from_first_move(features: Sequence[Feature]) -> Sequence[Feature]:
    """The beats from the one before the page first scrolled."""
    for index, feature in enumerate(features):
        if feature.scroll > 0.02:
            return features[max(index - 1, 0) :]
    return features


def _stops(features: Sequence[Feature]) -> set[float]:
    """The scroll positions a read reported, leaving out the top and the end (everyone's)."""
    return {round(f.scroll, 4) for f in features if 0.02 < f.scroll < 0.98}


def _progress(features: Sequence[Feature]) -> list[tuple[float, int, float]]:
    """(time, paragraphs seen so far, depth reached so far) at each beat."""
    out, seen, depth = [], 0, 0.0
    for f in features:
        seen += f.paragraphs
        depth = max(depth, f.scroll)
        out.append((f.at, seen, depth))
    return out


def _in_time(a: Sequence[Feature], b: Sequence[Feature]) -> float:
    """The share of a's moving beats whose progress lies within b's around the same moment."""
    if not all(f.at for f in (*a, *b)):
        return 0.0
    pa, pb = _progress(a), _progress(b)
    compared = matched = 0
    previous = (0, 0.0)
    for at, seen, depth in pa:
        moved = (seen, depth) != previous
        previous = (seen, depth)
        if not moved or not pb[0][0] <= at <= pb[-1][0]:
            continue
        before = max((p for p in pb if p[0] <= at), key=lambda p: p[0])
        after = min((p for p in pb if p[0] >= at), key=lambda p: p[0])
        compared += 1
        matched += before[1] <= seen <= after[1] and before[2] - 0.01 <= depth <= after[2] + 0.01
    return matched / compared if compared >= LOCKSTEP_MIN_BEATS - 1 else 0.0


def _lockstep(ctx: Context) -> Evidence | None:
    """Other accounts read this article within minutes with near-identical beats.

    One such read suffices when it shares this read's device or address group; otherwise it
    takes two (two strangers can happen to read alike once).
    """
    window = ctx.settings.fraud_lockstep_window_s
    if not window or len(ctx.beats) < LOCKSTEP_MIN_BEATS:
        return None
    span = timedelta(seconds=window)
    read = ctx.read
    others = ctx.session.scalars(
        select(Read)
        .where(
            Read.article_id == read.article_id,
            Read.reader_id != read.reader_id,
            Read.started_at >= read.started_at - span,
            Read.started_at <= read.started_at + span,
            Read.status != "open",
        )
        .limit(50)
    ).all()
    mine = beat_features(ctx.beats)
    alike: list[dict[str, Any]] = []
    for other in others:
        theirs = ctx.session.scalars(
            select(ReadBeat).where(ReadBeat.read_id == other.id).order_by(ReadBeat.seq)
        ).all()
        score = similarity(mine, beat_features(theirs))
        if score >= ctx.settings.fraud_lockstep_similarity:
            near = bool(
                (read.address and other.address == read.address)
                or (read.device and other.device == read.device)
            )
            alike.append(
                {
                    "read": str(other.id),
                    "reader": str(other.reader_id),
                    "similarity": round(score, 2),
                    "linked": near,
                }
            )
    if any(a["linked"] for a in alike) or len(alike) >= 2:
        return {"reads": alike[:10]}
    return None


CHECKS: tuple[Check, ...] = (
    Check(Reason.NO_PAGE_VIEW, 30, _no_page_view),
    Check(Reason.ROBOTIC_SCROLLING, 50, _robotic),
    Check(Reason.PARALLEL_READS, 40, _parallel),
    Check(Reason.UNUSUAL_VELOCITY, 30, _velocity),
    Check(Reason.SHARED_DEVICE, 50, _shared_device),
    Check(Reason.BUSY_DEVICE, 40, _busy_device),
    Check(Reason.BUSY_ADDRESS, 20, _busy_address),
    Check(Reason.SIGNUP_BURST, 30, _signup_burst),
    Check(Reason.LOCKSTEP, 50, _lockstep),
)
# Flags raised while the read was going (the beats), with their weight in the risk score.
FLAG_WEIGHTS = {Reason.AUTOMATION: 60, Reason.TOO_FAST: 100, Reason.NO_BEATS: 100}


def run_checks(ctx: Context, flags: frozenset[Reason] = frozenset()) -> Findings:
    """Every check on a finished read, plus the flags its beats raised."""
    reasons = set(flags)
    evidence: dict[str, Evidence] = {}
    for check in CHECKS:
        found = check.run(ctx)
        if found is not None:
            reasons.add(check.reason)
            evidence[check.reason.value] = found
    weights = {c.reason: c.weight for c in CHECKS} | FLAG_WEIGHTS
    risk = min(100, sum(weights.get(r, 0) for r in reasons))
    return Findings(frozenset(reasons), evidence, risk)
