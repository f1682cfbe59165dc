"""The risk of a redemption: signals about the reader spending points, each with a weight.

Signals (docs/fraud.md), each named in plain words for the reader and the operator:

- `shared_device` (50): other accounts were seen on the browser that redeems;
- `shared_address` (20): other accounts were seen on the same address group (households, offices
  and carriers share addresses, so it weighs less, and alone never makes a redemption wait);
- `fresh_points` (25): most of what the reader can spend was earned in the last 24 hours;
- `held_reads` (30): the reader has reads held for review or rejected as suspicious.

The score is the sum, at most 100. When the operator reviews redemptions at all
(READTOEARN_REDEEM_REVIEW_ABOVE_POINTS > 0), a redemption whose score reaches REVIEW_RISK waits
for an operator whatever its cost, as one costing more than the threshold does. One signal that
names a device, or two of the others together, reach it; an address alone does not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.fraud import sightings
from readtoearn.fraud.models import SightingKind
from readtoearn.fraud.sightings import Seen
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read

SHARED_DEVICE = "shared_device"
SHARED_ADDRESS = "shared_address"
FRESH_POINTS = "fresh_points"
HELD_READS = "held_reads"
WEIGHTS = {SHARED_DEVICE: 50, SHARED_ADDRESS: 20, FRESH_POINTS: 25, HELD_READS: 30}
REVIEW_RISK = 50
FRESH_WINDOW = timedelta(hours=24)
# Ledger movements that are earnings (a reversal of a cancelled redemption is not).
EARNINGS = frozenset({"read_reward", "quiz_bonus", "adjustment"})
# Reasons that say nothing against the reader: a read held or rejected only for these is no signal.
BENIGN_REASONS = frozenset({"read_in_full", "daily_limit", "budget_empty", "already_credited"})

# What each signal means, for the reader (translated in trust.po).
READER_MESSAGES = {
    SHARED_DEVICE: "Other accounts have been used on this device.",
    SHARED_ADDRESS: "Other accounts have been used from this network.",
    FRESH_POINTS: "Most of your points were earned in the last 24 hours.",
    HELD_READS: "Some of your reads were held for review or not rewarded.",
}
# And for operators (translated in trust.po).
OPERATOR_LABELS = {
    SHARED_DEVICE: "Other accounts on the same device",
    SHARED_ADDRESS: "Other accounts on the same address group",
    FRESH_POINTS: "Most of the balance earned in the last 24 hours",
    HELD_READS: "Reads held or rejected as suspicious",
}


@dataclass(frozen=True)
class Risk:
    """A redemption's score (0-100) and the signals behind it, heaviest first."""

    score: int
    reasons: list[str]

    @property
    def needs_review(self) -> bool:
        return self.score >= REVIEW_RISK


def _fresh(session: Session, wallet_id: uuid.UUID, available: int, now: datetime) -> bool:
    """More than half of what the reader can spend came in the last 24 hours."""
    if available <= 0:
        return False
    since = now - FRESH_WINDOW
    recent = 0
    # Newest first: stop at the first line older than the window.
    for line in ledger.statement(session, wallet_id, limit=500).lines:
        if line.created_at < since:
            break
        if line.amount > 0 and line.kind in ("posted", "post_pending") and line.code in EARNINGS:
            recent += line.amount
    return recent * 2 > available


def _suspicious_reads(session: Session, reader_id: uuid.UUID) -> bool:
    stmt = (
        select(Read.reasons)
        .where(Read.reader_id == reader_id, Read.status.in_(("held", "rejected")))
        .limit(200)
    )
    return any(set(reasons or ()) - BENIGN_REASONS for reasons in session.scalars(stmt))


def assess(session: Session, reader_id: uuid.UUID, seen: Seen, now: datetime) -> Risk:
    """The risk of a redemption by this reader, from this device and address, now."""
    fired: list[str] = []
    for kind, value, reason in (
        (SightingKind.DEVICE, seen.device, SHARED_DEVICE),
        (SightingKind.ADDRESS, seen.address, SHARED_ADDRESS),
    ):
        others = [a for a in sightings.accounts_on(session, kind, value) if a != reader_id]
        if others:
            fired.append(reason)
    wallet = ledger.get_or_create_wallet(session, reader_id)
    if _fresh(session, wallet, ledger.balance(session, wallet).available, now):
        fired.append(FRESH_POINTS)
    if _suspicious_reads(session, reader_id):
        fired.append(HELD_READS)
    fired.sort(key=lambda r: -WEIGHTS[r])
    return Risk(score=min(100, sum(WEIGHTS[r] for r in fired)), reasons=fired)


@dataclass(frozen=True)
class Linked:
    """The evidence an operator reads beside a redemption: other accounts on its device and its
    address group, as (id, e-mail)."""

    device: list[tuple[uuid.UUID, str]]
    address: list[tuple[uuid.UUID, str]]


def linked_accounts(session: Session, reader_id: uuid.UUID, seen: Seen) -> Linked:
    """Other accounts seen where a redemption came from, with their e-mails."""
    found = {
        kind: [a for a in sightings.accounts_on(session, kind, value) if a != reader_id][:20]
        for kind, value in (
            (SightingKind.DEVICE, seen.device),
            (SightingKind.ADDRESS, seen.address),
        )
    }
    ids = {a for accounts in found.values() for a in accounts}
    emails: dict[uuid.UUID, str] = {}
    if ids:
        rows = session.execute(select(User.id, User.email).where(User.id.in_(ids)))
        emails = {row[0]: row[1] for row in rows}
    return Linked(
        device=[(a, emails.get(a, "")) for a in found[SightingKind.DEVICE]],
        address=[(a, emails.get(a, "")) for a in found[SightingKind.ADDRESS]],
    )
