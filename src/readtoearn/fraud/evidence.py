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
from readtoearn.fraud import sightings
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


def _beats_of(session: Session, read_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[ReadBeat]]:
    beats: dict[uuid.UUID, list[ReadBeat]] = {i: [] for i in read_ids}
    if read_ids:
        stmt = (
            select(ReadBeat)
            .where(ReadBeat.read_id.in_(read_ids))
            .order_by(ReadBeat.read_id, ReadBeat.seq)
        )
        for beat in session.scalars(stmt):
            beats[beat.read_id].append(beat)
    return beats


def _emails_of(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


def for_reads(session: Session, reads: Iterable[Read]) -> dict[uuid.UUID, ReadEvidence]:
    """The evidence of several reads (a review queue), by read id: a handful of queries for the
    whole queue, not a handful per read."""
    reads = list(reads)
    facts = {read.id: dict(read.evidence or {}) for read in reads}
    lockstep = {read.id: facts[read.id].get("lockstep", {}).get("reads", []) for read in reads}
    linked = sightings.linked_to(session, [read.reader_id for read in reads])
    beats = _beats_of(
        session,
        {read.id for read in reads if lockstep[read.id]}
        | {uuid.UUID(o["read"]) for others in lockstep.values() for o in others},
    )
    named = {
        uuid.UUID(str(a))
        for found in facts.values()
        for fact in found.values()
        for a in fact.get("accounts", [])
    }
    named |= {uuid.UUID(o["reader"]) for others in lockstep.values() for o in others}
    named |= {a for kinds in linked.values() for ids in kinds.values() for a in ids[:MAX_LINKED]}
    emails = _emails_of(session, named)

    def email(account: str | uuid.UUID) -> str:
        return emails.get(uuid.UUID(str(account)), str(account))

    evidence = {}
    for read in reads:
        found = facts[read.id]
        accounts = {
            reason: [email(a) for a in fact["accounts"]]
            for reason, fact in found.items()
            if fact.get("accounts")
        }
        mine = _rows(beats.get(read.id, []))
        similar = [
            SimilarRead(
                email(other["reader"]),
                other["similarity"],
                bool(other["linked"]),
                mine,
                _rows(beats[uuid.UUID(other["read"])]),
            )
            for other in lockstep[read.id]
        ]
        others = {
            kind: [email(a) for a in ids[:MAX_LINKED]]
            for kind, ids in linked[read.reader_id].items()
        }
        evidence[read.id] = ReadEvidence(read.risk, found, accounts, similar, others)
    return evidence
