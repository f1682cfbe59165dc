"""Who was seen where: accounts on a device or an address group, as keyed hashes (docs/privacy.md).

One row per (account, kind, value), written with an upsert that is safe when two requests of the
same reader race (ON CONFLICT on both databases): the first sighting is kept, the last one moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, select
from sqlalchemy.orm import Session, aliased

from readtoearn.db import dialect_insert, new_id
from readtoearn.fraud.models import Sighting, SightingKind


@dataclass(frozen=True)
class Seen:
    """What a request tells about who is behind it: keyed hashes of its device and address group
    (None when unknown)."""

    device: str | None = None
    address: str | None = None


def _upsert(
    session: Session, user_id: uuid.UUID, kind: SightingKind, value: str, now: datetime
) -> None:
    conn = session.connection()
    table = cast(Table, Sighting.__table__)
    insert = dialect_insert(conn)(table).values(
        id=new_id(),
        user_id=user_id,
        kind=kind.value,
        value=value,
        first_seen_at=now,
        last_seen_at=now,
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id", "kind", "value"],
            set_={"last_seen_at": insert.excluded.last_seen_at},
        )
    )


def record(session: Session, user_id: uuid.UUID, seen: Seen, now: datetime) -> None:
    """Note that an account was seen on a device and from an address group (what is known)."""
    if seen.device:
        _upsert(session, user_id, SightingKind.DEVICE, seen.device, now)
    if seen.address:
        _upsert(session, user_id, SightingKind.ADDRESS, seen.address, now)


def accounts_on(session: Session, kind: SightingKind, value: str | None) -> list[uuid.UUID]:
    """The accounts seen on a device or address group, the first seen first."""
    if not value:
        return []
    stmt = (
        select(Sighting.user_id)
        .where(Sighting.kind == kind.value, Sighting.value == value)
        .order_by(Sighting.first_seen_at, Sighting.user_id)
    )
    return list(session.scalars(stmt))


def linked_to(
    session: Session, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, list[uuid.UUID]]]:
    """For each account, the other accounts seen on one of its devices ("device") or address
    groups ("address"), the first seen first: one query for a whole review queue."""
    ids = list(dict.fromkeys(user_ids))
    linked: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = {
        i: {SightingKind.DEVICE.value: [], SightingKind.ADDRESS.value: []} for i in ids
    }
    if not ids:
        return linked
    mine, theirs = aliased(Sighting), aliased(Sighting)
    stmt = (
        select(mine.user_id, mine.kind, theirs.user_id)
        .join(
            theirs,
            and_(
                theirs.kind == mine.kind,
                theirs.value == mine.value,
                theirs.user_id != mine.user_id,
            ),
        )
        .where(mine.user_id.in_(ids))
        .order_by(theirs.first_seen_at, theirs.id)
    )
    for user_id, kind, other in session.execute(stmt):
        found = linked[user_id][kind]
        if other not in found:
            found.append(other)
    return linked
