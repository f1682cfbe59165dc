"""What an operator sees before deciding on a read: its risk, each signal's evidence, the accounts
linked to the reader, and the reads it was in lockstep with, side by side (docs/fraud.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.reading import signals
from readtoearn.reading.models import Read, ReadBeat

MAX_LINKED = 20


@dataclass(frozen=True)
class BeatRow:
    """One beat as the side-by-side view shows it."""

    seq: int
    seconds: float  # since the previous beat
    paragraphs: int
    scroll: float
    inputs: int


@dataclass(frozen=True)
class SimilarRead:
    """Another account's read of the same article, and how alike the two were."""

    email: str
    similarity: float
    linked: bool  # same device or address group
    mine: list[BeatRow]
    theirs: list[BeatRow]


@dataclass(frozen=True)
class ReadEvidence:
    risk: int
    # Per reason, what its check found (counts, limits), as the read keeps it.
    facts: dict[str, dict[str, Any]]
    # Per reason, the accounts it names (e-mail addresses, the first seen first).
    accounts: dict[str, list[str]] = field(default_factory=dict)
    similar: list[SimilarRead] = field(default_factory=list)
    # Other accounts seen on one of the reader's devices ("device") or address groups ("address").
    linked: dict[str, list[str]] = field(default_factory=dict)


def _rows(beats: Sequence[ReadBeat]) -> list[BeatRow]:
    return [
        BeatRow(beat.seq, round(f.gap, 1), f.paragraphs, f.scroll, f.inputs)
        for beat, f in zip(beats, signals.beat_features(beats), strict=True)
    ]


def _beats(session: Session, read_id: uuid.UUID) -> list[ReadBeat]:
    stmt = select(ReadBeat).where(ReadBeat.read_id == read_id).order_by(ReadBeat.seq)
    return list(session.scalars(stmt))


def _emails(session: Session, ids: Iterable[str | uuid.UUID]) -> list[str]:
    wanted = [uuid.UUID(str(i)) for i in ids]
    if not wanted:
        return []
    found = dict(session.execute(select(User.id, User.email).where(User.id.in_(wanted))).all())
    return [found.get(i, str(i)) for i in wanted]


def for_read(session: Session, read: Read) -> ReadEvidence:
    """Everything the operator is shown about one read."""
    facts = dict(read.evidence or {})
    accounts = {
        reason: _emails(session, found.get("accounts", []))
        for reason, found in facts.items()
        if found.get("accounts")
    }
    similar: list[SimilarRead] = []
    lockstep = facts.get("lockstep", {}).get("reads", [])
    if lockstep:
        mine = _rows(_beats(session, read.id))
        for other in lockstep:
            (email,) = _emails(session, [other["reader"]])
            theirs = _rows(_beats(session, uuid.UUID(other["read"])))
            similar.append(
                SimilarRead(email, other["similarity"], bool(other["linked"]), mine, theirs)
            )
    linked = {
        kind: _emails(session, ids[:MAX_LINKED])
        for kind, ids in signals.linked_accounts(session, read.reader_id).items()
    }
    return ReadEvidence(read.risk, facts, accounts, similar, linked)


def for_reads(session: Session, reads: Iterable[Read]) -> dict[uuid.UUID, ReadEvidence]:
    """The evidence of several reads (a review queue), by read id."""
    return {read.id: for_read(session, read) for read in reads}
