"""Completing a quest: every step done, the quest open to this reader, then paid exactly once.

Once per reader is the database's word (a unique completion per quest and reader, inserted with
ON CONFLICT DO NOTHING, and a transfer id derived from both); the cap is one conditional UPDATE
that raises the count only below the cap; a sponsor's empty account is the ledger's refusal.
Everything runs in a savepoint: a refusal leaves nothing written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.db import dialect_insert, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import TransferCode
from readtoearn.quests.models import Quest, QuestCompletion, QuestStatus
from readtoearn.quests.progress import QuestProgress, QuestState, progress_of
from readtoearn.quests.sponsors import sponsor_account

# What _pay did: paid now; completed by another request; no place left under the cap; no budget.
QUESTS = cast(Table, Quest.__table__)
COMPLETIONS = cast(Table, QuestCompletion.__table__)
PAID, TAKEN, FULL, EMPTY = "paid", "taken", "full", "empty"


@dataclass(frozen=True)
class Completion:
    """What an attempt to complete a quest did: `created` when it paid now."""

    state: QuestState
    progress: QuestProgress
    points: int = 0
    created: bool = False


def quest_transfer_id(quest_id: uuid.UUID, reader_id: uuid.UUID) -> uuid.UUID:
    """The transfer that pays a reader's completion of a quest: it can never be made twice."""
    return ledger.transfer_id(f"quest:{quest_id}:{reader_id}")


def complete_quest(
    session: Session, settings: Settings, now: datetime, reader_id: uuid.UUID, quest: Quest
) -> Completion:
    """Complete and pay the quest when every step is done and it is open to the reader; else
    say where it stands (nothing written)."""
    progress = progress_of(session, settings, now, reader_id, [quest])[0]
    if progress.state is not QuestState.AVAILABLE or not progress.ready:
        return Completion(progress.state, progress)
    savepoint = session.begin_nested()
    try:
        paid = _pay(session, now, reader_id, quest)
    except BaseException:
        savepoint.rollback()
        raise
    if paid == PAID:
        savepoint.commit()
    else:
        savepoint.rollback()
    session.expire(quest, ["completions"])
    after = progress_of(session, settings, now, reader_id, [quest])[0]
    if paid == PAID:
        return Completion(QuestState.COMPLETED, after, points=quest.points, created=True)
    if paid == EMPTY:
        return Completion(QuestState.BUDGET_SPENT, after)
    # Completed by another request in the meantime, or the last place under the cap taken.
    return Completion(after.state, after)


def _pay(session: Session, now: datetime, reader_id: uuid.UUID, quest: Quest) -> str:
    q = QUESTS.c
    taken = session.connection().execute(
        update(QUESTS)
        .where(
            q.id == quest.id,
            q.status == QuestStatus.OPEN.value,
            or_(q.max_completions.is_(None), q.completions < q.max_completions),
        )
        .values(completions=q.completions + 1)
    )
    if taken.rowcount != 1:
        return FULL
    conn = session.connection()
    inserted = conn.execute(
        dialect_insert(conn)(COMPLETIONS)
        .values(
            id=new_id(),
            quest_id=quest.id,
            reader_id=reader_id,
            sponsor_id=quest.sponsor_id,
            points=quest.points,
            transfer_id=quest_transfer_id(quest.id, reader_id),
            completed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["quest_id", "reader_id"])
        .returning(COMPLETIONS.c.id)
    ).first()
    if inserted is None:
        return TAKEN
    credit = ledger.credit_reader(
        session,
        reader_id=reader_id,
        amount=quest.points,
        code=TransferCode.QUEST_REWARD,
        transfer_id=quest_transfer_id(quest.id, reader_id),
        source=sponsor_account(session, quest.sponsor_id) if quest.sponsor_id else None,
        metadata={
            "quest_id": str(quest.id),
            **({"sponsor_id": str(quest.sponsor_id)} if quest.sponsor_id else {}),
        },
    )
    return PAID if credit.ok else EMPTY


def get_completion(
    session: Session, quest_id: uuid.UUID, reader_id: uuid.UUID
) -> QuestCompletion | None:
    """A reader's completion of a quest, if any."""
    return session.scalar(
        select(QuestCompletion).where(
            QuestCompletion.quest_id == quest_id, QuestCompletion.reader_id == reader_id
        )
    )
