"""The console's work on the catalogue: rewards created, edited, withdrawn and restored, code
pools previewed and imported from CSV, draws run, items shipped and delivered.

Each is recorded in the audit trail (accounts/trail.py) in the caller's transaction, with the
operator (None: the command line), and what changed before and after. The reader is e-mailed
when their item ships and when it is delivered, once the work is committed.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput
from readtoearn.fraud import notices
from readtoearn.fraud.notices import Notifier
from readtoearn.rewards.catalogue import (
    CodeImport,
    RewardDraft,
    check_draft,
    create_reward,
    get_reward,
    import_codes,
)
from readtoearn.rewards.draws import DrawResult, draw
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import Redemption, RedemptionStatus, Reward, RewardCode, RewardKind
from readtoearn.rewards.redemption import get_redemption

MAX_TRACKING_NOTE = 500
PREVIEW_SAMPLE = 10
# The fields an operator may change on an existing reward (kind, slug and stock are not: stock
# moves through the ledger, by restocking or importing codes).
EDITABLE = (
    "name_en",
    "name_fr",
    "description_en",
    "description_fr",
    "image_url",
    "cost",
    "per_reader_limit",
    "available_from",
    "available_until",
    "min_lifetime_points",
    "premium_days",
)
Actor = User | uuid.UUID | None


def _fields(reward: Reward) -> dict[str, Any]:
    return {name: getattr(reward, name) for name in EDITABLE}


def add_reward(session: Session, draft: RewardDraft, *, by: Actor) -> Reward:
    """Create a reward from the console (recorded)."""
    reward = create_reward(session, draft)
    record_action(
        session,
        by,
        "reward.create",
        target=("reward", reward.id),
        after={"kind": reward.kind, "slug": reward.slug, **_fields(reward)},
    )
    return reward


def edit_reward(session: Session, ref: str, changes: dict[str, Any], *, by: Actor) -> bool:
    """Change a reward's names, texts, image, cost, limits and window, checked as a draft would
    be; only the fields that differ are recorded. False when nothing changed."""
    reward = get_reward(session, ref)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    before = _fields(reward)
    wanted = {**before, **changes}
    draft = RewardDraft(kind=RewardKind(reward.kind), stock=None, **wanted)
    if kind_of(reward).stocked_by_codes or not reward.limited:
        check_draft(draft)
    else:  # a limited reward's stock is in the ledger; the draft's check only needs a number
        check_draft(replace(draft, stock=0))
    changed = {k: v for k, v in wanted.items() if v != before[k]}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(reward, name, value.strip() if isinstance(value, str) else value)
    session.flush()
    record_action(
        session,
        by,
        "reward.edit",
        target=("reward", reward.id),
        before={k: before[k] for k in changed},
        after={k: getattr(reward, k) for k in changed},
    )
    return True


def withdraw_reward(session: Session, ref: str, *, by: Actor, note: str = "") -> Reward:
    """Take a reward out of the store (redemptions made stay as they are)."""
    reward = get_reward(session, ref)
    if reward.active:
        reward.active = False
        session.flush()
        record_action(
            session,
            by,
            "reward.withdraw",
            target=("reward", reward.id),
            before={"active": True},
            after={"active": False},
            note=note,
        )
    return reward


def restore_reward(session: Session, ref: str, *, by: Actor, note: str = "") -> Reward:
    """Put a withdrawn reward back in the store; a draw already run stays out."""
    reward = get_reward(session, ref)
    if reward.drawn_at is not None:
        raise Conflict("this draw has been run: it cannot be offered again", code="draw_closed")
    if not reward.active:
        reward.active = True
        session.flush()
        record_action(
            session,
            by,
            "reward.restore",
            target=("reward", reward.id),
            before={"active": False},
            after={"active": True},
            note=note,
        )
    return reward


# --------------------------------------------------------------------------- code pools


@dataclass(frozen=True)
class CodePreview:
    """What importing a CSV of codes would do, before it is done."""

    codes: list[str]  # the codes the file holds, each once, in its order
    new: int  # those not in the pool yet
    duplicates_in_file: int
    already_in_pool: int
    sample: list[str]

    @property
    def refused(self) -> int:
        return self.duplicates_in_file + self.already_in_pool


def read_codes_csv(data: bytes, *, max_bytes: int) -> list[str]:
    """The codes of a CSV file: its first column, a header named "code" skipped."""
    if len(data) > max_bytes:
        raise InvalidInput(f"the file is larger than {max_bytes // 1024} KiB", code="csv_size")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", code="csv_encoding") from None
    try:
        rows = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    except csv.Error:
        raise InvalidInput("the file is not a CSV file we can read", code="csv_format") from None
    if rows and rows[0].lower() == "code":
        rows = rows[1:]
    if not rows:
        raise InvalidInput("the file holds no code", code="csv_empty")
    return rows


def preview_codes(session: Session, ref: str, codes: list[str]) -> CodePreview:
    """Count what an import would add and refuse (repeated in the file, or already pooled)."""
    reward = get_reward(session, ref)
    if not kind_of(reward).stocked_by_codes:
        raise InvalidInput("only code rewards have a pool of codes", code="not_codes")
    unique = list(dict.fromkeys(codes))
    known: set[str] = set()
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        known |= set(
            session.scalars(
                select(RewardCode.code).where(
                    RewardCode.reward_id == reward.id, RewardCode.code.in_(chunk)
                )
            )
        )
    fresh = [c for c in unique if c not in known]
    return CodePreview(
        # The file's codes as they came, so the import confirmed refuses what the preview did.
        codes=list(codes),
        new=len(fresh),
        duplicates_in_file=len(codes) - len(unique),
        already_in_pool=len(known),
        sample=fresh[:PREVIEW_SAMPLE],
    )


def add_codes(session: Session, ref: str, codes: list[str], *, by: Actor) -> CodeImport:
    """Import codes into a code reward's pool (each once; recorded)."""
    reward = get_reward(session, ref)
    done = import_codes(session, str(reward.id), codes)
    record_action(
        session,
        by,
        "reward.codes",
        target=("reward", reward.id),
        after={"added": done.added, "duplicates": done.duplicates, "stock": done.stock},
    )
    return done


# --------------------------------------------------------------------------- draws, shipping


def run_draw(
    session: Session, ref: str, winners: int, *, by: Actor, seed: str | None = None
) -> DrawResult:
    """Run a draw (its seed recorded on the reward and in the trail); it leaves the store."""
    seed = (seed or "").strip() or None
    if seed is not None and len(seed) > 100:
        raise InvalidInput("the seed is at most 100 characters", code="seed")
    result = draw(session, ref, winners, seed=seed)
    record_action(
        session,
        by,
        "reward.draw",
        target=("reward", result.reward.id),
        after={
            "seed": result.seed,
            "entries": result.entries,
            "winners": [str(w.id) for w in result.winners],
        },
    )
    return result


def _physical(session: Session, redemption_id: str) -> Redemption:
    redemption = get_redemption(session, redemption_id)
    if not kind_of(redemption.reward).needs_address:
        raise InvalidInput("only items sent by post are shipped", code="not_physical")
    return redemption


def ship_item(
    session: Session,
    redemption_id: str,
    tracking_note: str,
    *,
    by: Actor,
    notifier: Notifier | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Mark an item shipped, with a note on the parcel; the reader is e-mailed."""
    note = (tracking_note or "").strip()
    if len(note) > MAX_TRACKING_NOTE:
        raise InvalidInput("the tracking note is at most 500 characters", code="note")
    redemption = _physical(session, redemption_id)
    if redemption.status != RedemptionStatus.AWAITING_SHIPMENT:
        raise Conflict("this item is not waiting to be shipped", code="not_awaiting_shipment")
    redemption.status = str(RedemptionStatus.SHIPPED)
    redemption.shipped_at = now or utcnow()
    redemption.tracking_note = note
    session.flush()
    _fulfilment_step(session, redemption, RedemptionStatus.AWAITING_SHIPMENT, by, notifier)
    return redemption


def deliver_item(
    session: Session,
    redemption_id: str,
    *,
    by: Actor,
    notifier: Notifier | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Mark a shipped item delivered; the reader is e-mailed."""
    redemption = _physical(session, redemption_id)
    if redemption.status != RedemptionStatus.SHIPPED:
        raise Conflict("this item has not been shipped", code="not_shipped")
    redemption.status = str(RedemptionStatus.DELIVERED)
    redemption.delivered_at = now or utcnow()
    session.flush()
    _fulfilment_step(session, redemption, RedemptionStatus.SHIPPED, by, notifier)
    return redemption


def _fulfilment_step(
    session: Session,
    redemption: Redemption,
    before: RedemptionStatus,
    by: Actor,
    notifier: Notifier | None,
) -> None:
    shipped = redemption.status == RedemptionStatus.SHIPPED
    record_action(
        session,
        by,
        "redemption.ship" if shipped else "redemption.deliver",
        target=("redemption", redemption.id),
        before={"status": before.value},
        after={"status": redemption.status, "tracking_note": redemption.tracking_note},
    )
    if notifier is not None:
        kind = notices.ITEM_SHIPPED if shipped else notices.ITEM_DELIVERED
        note = redemption.tracking_note if shipped else ""
        notifier.send_after_commit(
            session, redemption.reader_id, kind, what=redemption.reward.name, note=note
        )


def list_to_fulfil(session: Session, reward_id: uuid.UUID) -> list[Redemption]:
    """A physical reward's redemptions still moving (to ship, shipped) and the delivered, newest
    first."""
    moving = (
        RedemptionStatus.AWAITING_SHIPMENT,
        RedemptionStatus.SHIPPED,
        RedemptionStatus.DELIVERED,
    )
    stmt = (
        select(Redemption)
        .where(Redemption.reward_id == reward_id, Redemption.status.in_(moving))
        .order_by(Redemption.created_at.desc())
        .limit(500)
    )
    return list(session.scalars(stmt).unique())


def count_entries(session: Session, reward_id: uuid.UUID) -> int:
    """A draw's entries (waiting, or drawn: won and not won)."""
    statuses = (RedemptionStatus.ENTERED, RedemptionStatus.WON, RedemptionStatus.NOT_WON)
    stmt = select(func.count()).where(
        Redemption.reward_id == reward_id, Redemption.status.in_(statuses)
    )
    return session.scalar(stmt) or 0


def list_winners(session: Session, reward_id: uuid.UUID) -> list[tuple[Redemption, str]]:
    """A draw's winners and their e-mail addresses, in entry order."""
    stmt = (
        select(Redemption, User.email)
        .join(User, User.id == Redemption.reader_id)
        .where(Redemption.reward_id == reward_id, Redemption.status == RedemptionStatus.WON)
        .order_by(Redemption.id)
    )
    return [(r, email) for r, email in session.execute(stmt).unique()]
