"""Completing a read: its signals, the verdict and its reasons, the payment; and what an
operator's review or new budget later decides about a held read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.batch import Later
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import after_commit
from readtoearn.errors import Conflict
from readtoearn.reading import payout, signals, tokens
from readtoearn.reading.live import LiveStore
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.reads import OPEN, check_chain, owned_read
from readtoearn.reading.rules import Reason, Verdict, assess
from readtoearn.reading.snapshot import absorb, after_commit_quietly
from readtoearn.reading.terms import points_of, reward_key, rules_of, state_of

READS_COMPLETED = Counter(
    "readtoearn_reads_completed_total", "Reads given a final verdict", ["verdict"]
)


@dataclass(frozen=True)
class Outcome:
    read: Read
    verdict: Verdict
    points: int
    reasons: tuple[Reason, ...]


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
    return complete_read_later(
        session, store, settings, clock, reader_id=reader_id, read_id=read_id, token=token
    ).now(session)


def complete_read_later(
    session: Session,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    token: str,
) -> Later[Outcome]:
    """`complete_read` in two halves: the verdict is written now, the read's credit goes into
    the group committer's one ledger call, and the outcome follows the ledger's answer (an empty
    budget holds the read)."""
    read = owned_read(session, reader_id, read_id)
    if read.status != OPEN:
        tokens.verify_chain(
            settings.resolved_secret_key, token, read.reader_id, read.article_id, read.id
        )
        # Told in the second half: a completion of the same read earlier in the batch may
        # still learn there that the budget was empty.
        return Later.done(read).followed_by(_outcome_of)
    live = absorb(session, store, read)
    check_chain(read, token, settings)
    article = session.get_one(Article, read.article_id)
    now = clock.now()
    rules = rules_of(settings)
    # The signals only ever hold a finished read: a read still going is told what it lacks
    # without their queries (the tracker may ask several times before the end).
    so_far = assess(state_of(read, article), rules)
    if so_far.verdict is Verdict.INCOMPLETE:
        outcome = Outcome(read=read, verdict=so_far.verdict, points=0, reasons=so_far.reasons)
        return Later.done(outcome)
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
    assessment = assess(state_of(read, article), rules)
    verdict, reasons = assessment.verdict, list(assessment.reasons)

    points = 0
    if verdict in (Verdict.CREDITED, Verdict.HELD):
        points = points_of(article, settings)
        if _over_daily_cap(session, read, now, points, settings):
            verdict, reasons, points = Verdict.REJECTED, [Reason.DAILY_LIMIT], 0
    paying = verdict in (Verdict.CREDITED, Verdict.HELD)
    if paying:
        # Written as paid before the payment is made: a later unit of the same batch (the same
        # read again, the reader's daily cap) must see this read as decided.
        read.transfer_id = payout.read_transfer_id(read.id)
        read.reward_key = reward_key(read.reader_id, read.article_id)

    # Beats that raced this verdict are refused from now on; the store forgets the read once the
    # verdict is committed.
    if live is not None and not store.close(read.id, live.chain):
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    after_commit_quietly(session, lambda: store.drop(read.id))
    read.status = verdict.value
    read.verdict = verdict.value
    read.reasons = [r.value for r in reasons]
    read.points = points
    read.completed_at = now
    read.open_key = None
    session.flush()
    if not paying:
        return Later.done(read).followed_by(_counted)

    def paid(session: Session, payment: payout.Payment) -> Outcome:
        if payment.frozen:  # the reader is frozen: nothing earned, nothing kept for later
            read.status = read.verdict = Verdict.REJECTED.value
            read.reasons = [Reason.ACCOUNT_FROZEN.value]
            read.points = 0
            read.transfer_id = read.reward_key = None
            session.flush()
        elif not payment.ok:  # the budget could not pay: held until it is funded
            kept = [r for r in read.reasons if r != Reason.READ_IN_FULL.value]
            read.status = read.verdict = Verdict.HELD.value
            read.reasons = [*kept, Reason.BUDGET_EMPTY.value]
            read.transfer_id = None
            session.flush()
        return _counted(session, read)

    return payout.pay_read_later(session, read, points, pending=verdict is Verdict.HELD, then=paid)


def _counted(session: Session, read: Read) -> Outcome:
    verdict = read.verdict or Verdict.INCOMPLETE.value
    after_commit(session, lambda: READS_COMPLETED.labels(verdict).inc())
    return _outcome(read)


def _outcome_of(_session: Session, read: Read) -> Outcome:
    return _outcome(read)


def _outcome(read: Read) -> Outcome:
    return Outcome(
        read=read,
        verdict=Verdict(read.verdict or Verdict.INCOMPLETE),
        points=read.points,
        reasons=tuple(Reason(r) for r in read.reasons),
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
