"""Rewards: the catalogue, stock, code pools, redemption, cancellation, fulfilment, draws.

A redemption is one linked ledger operation: one unit out of the reward's stock ledger and the
points out of the reader's wallet into the redemption sink, together or not at all. Before it, the
trust gates (fraud/trust.py); with it, a risk score (fraud/redemptions.py); one that costs more
than the operator's threshold, or is too risky, holds both as pending transfers and waits for an
operator (rewards/approval.py). A reader's
redemptions are serialised on their profile row (so an Idempotency-Key replay and the per-reader
limit are exact); a reward's redemptions are serialised on its stock account, which the ledger
locks, and a code is taken from the pool after that, with SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import random
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.articles.text import slugify
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud import sightings, trust
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import Trust, TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags, stock_ledger

# Redemptions that wait for an operator live in a module of their own; they are part of this API.
from readtoearn.rewards.approval import (  # noqa: F401 (re-exported)
    Awaiting,
    Decided,
    approve,
    count_awaiting,
    decision_of,
    list_awaiting,
    list_decided,
    refuse,
)
from readtoearn.rewards.fulfil import fulfil, lock_profile
from readtoearn.rewards.models import (
    CodeStatus,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardKind,
    RewardProfile,
)

MAX_KEY_LENGTH = 200
MAX_CODE_LENGTH = 200
KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,200}$")
ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code", "city", "country")
REQUIRED_ADDRESS_FIELDS = ("name", "line1", "postal_code", "city", "country")
ADDRESS_FIELD_MAX = 200
LIVE_STATUSES = tuple(s.value for s in RedemptionStatus if s is not RedemptionStatus.CANCELLED)


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class RewardDraft:
    """What an operator gives to create a reward."""

    kind: RewardKind
    name_en: str
    cost: int
    name_fr: str = ""
    description_en: str = ""
    description_fr: str = ""
    image_url: str | None = None
    stock: int | None = None  # None: unlimited (code rewards: the pool is the stock)
    per_reader_limit: int | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    min_lifetime_points: int | None = None
    premium_days: int | None = None
    slug: str | None = None


def _check_draft(draft: RewardDraft) -> None:
    if draft.kind not in set(RewardKind):
        raise InvalidInput(f"unknown kind {draft.kind!r}: choose code, premium, physical or draw")
    if not draft.name_en.strip():
        raise InvalidInput("a reward needs an English name")
    if len(draft.name_en) > 200 or len(draft.name_fr) > 200:
        raise InvalidInput("a reward's name is at most 200 characters")
    if not 1 <= draft.cost <= 10**9:
        raise InvalidInput("the cost must be a whole number of points, at least 1")
    if draft.stock is not None and draft.stock < 0:
        raise InvalidInput("the stock cannot be negative")
    if draft.kind is RewardKind.CODE and draft.stock not in (None, 0):
        raise InvalidInput("a code reward's stock is its pool: import codes instead")
    if draft.per_reader_limit is not None and draft.per_reader_limit < 1:
        raise InvalidInput("the limit per reader must be at least 1")
    if draft.min_lifetime_points is not None and draft.min_lifetime_points < 0:
        raise InvalidInput("the minimum of lifetime points cannot be negative")
    if draft.kind is RewardKind.PREMIUM:
        if draft.premium_days is None or not 1 <= draft.premium_days <= 3650:
            raise InvalidInput("a premium reward needs a number of days between 1 and 3650")
    elif draft.premium_days is not None:
        raise InvalidInput("only premium rewards have a number of days")
    start, end = draft.available_from, draft.available_until
    if start and end and end <= start:
        raise InvalidInput("the availability window ends before it starts")
    if draft.image_url and not draft.image_url.startswith(("https://", "http://", "/")):
        raise InvalidInput("the image must be an http(s) URL or a local path")


def create_reward(session: Session, draft: RewardDraft) -> Reward:
    """Add a reward to the catalogue, with its stock ledger and its first stock."""
    _check_draft(draft)
    slug = slugify(draft.slug or draft.name_en)[:80] or "reward"
    if session.scalar(select(Reward.id).where(Reward.slug == slug)) is not None:
        raise Conflict(f"a reward with the slug {slug!r} exists already", code="slug_taken")
    limited = draft.kind is RewardKind.CODE or draft.stock is not None
    reward = Reward(
        slug=slug,
        kind=str(draft.kind),
        name_en=draft.name_en.strip(),
        name_fr=draft.name_fr.strip(),
        description_en=draft.description_en.strip(),
        description_fr=draft.description_fr.strip(),
        image_url=draft.image_url or None,
        cost=draft.cost,
        limited=limited,
        per_reader_limit=draft.per_reader_limit,
        available_from=draft.available_from,
        available_until=draft.available_until,
        min_lifetime_points=draft.min_lifetime_points,
        premium_days=draft.premium_days,
    )
    session.add(reward)
    session.flush()
    if limited:
        _stock_accounts(session, reward)
        if draft.stock:
            _restock(session, reward, draft.stock, f"initial:{reward.id}")
    return reward


def get_reward(session: Session, ref: str | uuid.UUID) -> Reward:
    """A reward by id or slug; NotFound otherwise."""
    reward: Reward | None = None
    try:
        reward = session.get(Reward, uuid.UUID(str(ref)))
    except ValueError:
        reward = session.scalar(select(Reward).where(Reward.slug == str(ref)))
    if reward is None:
        raise NotFound(f"no reward {ref}", code="reward_not_found")
    return reward


def list_rewards(session: Session, *, include_inactive: bool = False) -> list[Reward]:
    """The catalogue, cheapest first."""
    stmt = select(Reward).order_by(Reward.cost, Reward.name_en)
    if not include_inactive:
        stmt = stmt.where(Reward.active.is_(True))
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- stock


def _stock_accounts(session: Session, reward: Reward) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    name = stock_ledger(reward.id)
    return (
        ledger.ensure_account(session, AccountCode.STOCK, name),
        ledger.ensure_account(session, AccountCode.STOCK_SUPPLY, name),
        ledger.ensure_account(session, AccountCode.STOCK_ISSUED, name),
    )


def _restock(session: Session, reward: Reward, units: int, key: str) -> None:
    shelf, supply, _issued = _stock_accounts(session, reward)
    debit, credit = (supply, shelf) if units > 0 else (shelf, supply)
    spec = TransferSpec(
        id=ledger.transfer_id(f"restock:{reward.id}:{key}"),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=abs(units),
        code=TransferCode.RESTOCK,
        metadata={"reward_id": str(reward.id)},
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.code is TransferResultCode.EXCEEDS_CREDITS:
        raise Conflict(f"cannot remove {-units} unit(s): fewer are left", code="not_enough_stock")
    if not result.ok:
        raise ledger.LedgerError(result)


def stock_left(session: Session, reward: Reward) -> int | None:
    """Units on the shelf, or None for an unlimited reward."""
    if not reward.limited:
        return None
    account = ledger.account_id(AccountCode.STOCK, stock_ledger(reward.id))
    return ledger.balance(session, account).available


def stock_by_reward(session: Session, rewards: Iterable[Reward]) -> dict[uuid.UUID, int | None]:
    """Units left of several rewards (None when unlimited), in one query."""
    wanted = {stock_ledger(r.id): r for r in rewards}
    left: dict[uuid.UUID, int | None] = {r.id: None for r in wanted.values()}
    for bal in ledger.list_accounts(session, code=AccountCode.STOCK):
        reward = wanted.get(bal.ledger)
        if reward is not None and reward.limited:
            left[reward.id] = bal.available
    for reward in wanted.values():
        if reward.limited and left[reward.id] is None:
            left[reward.id] = 0
    return left


def restock(session: Session, ref: str, units: int, *, key: str | None = None) -> int:
    """Add (or, negative, remove) units of a limited reward; the units left."""
    reward = get_reward(session, ref)
    if reward.kind == RewardKind.CODE:
        raise InvalidInput("a code reward is stocked by importing codes")
    if not reward.limited:
        raise InvalidInput("this reward is unlimited: it has no stock")
    if units == 0:
        raise InvalidInput("give a number of units other than 0")
    _restock(session, reward, units, key or str(uuid.uuid4()))
    return stock_left(session, reward) or 0


@dataclass(frozen=True)
class CodeImport:
    added: int
    duplicates: int
    stock: int


def import_codes(session: Session, ref: str, codes: Iterable[str]) -> CodeImport:
    """Add codes to a code reward's pool (each once) and as many units to its stock."""
    reward = get_reward(session, ref)
    if reward.kind != RewardKind.CODE:
        raise InvalidInput(f"{reward.slug} is a {reward.kind} reward, not a code reward")
    fresh: list[str] = []
    seen: set[str] = set()
    duplicates = 0
    for number, raw in enumerate(codes, start=1):
        code = raw.strip()
        if not code:
            continue
        if len(code) > MAX_CODE_LENGTH or any(ord(c) < 32 for c in code):
            raise InvalidInput(f"code {number}: not a usable code (at most 200 characters)")
        if code in seen:
            duplicates += 1
            continue
        seen.add(code)
        fresh.append(code)
    if seen:
        known = set(
            session.scalars(
                select(RewardCode.code).where(
                    RewardCode.reward_id == reward.id, RewardCode.code.in_(seen)
                )
            )
        )
        duplicates += len(known)
        fresh = [c for c in fresh if c not in known]
    if fresh:
        session.add_all(RewardCode(reward_id=reward.id, code=c) for c in fresh)
        session.flush()
        _restock(session, reward, len(fresh), f"codes:{uuid.uuid4()}")
    return CodeImport(
        added=len(fresh), duplicates=duplicates, stock=stock_left(session, reward) or 0
    )


# --------------------------------------------------------------------------- redemption


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    created: bool  # False: an earlier request with the same Idempotency-Key

    @property
    def code(self) -> str | None:
        return self.redemption.code.code if self.redemption.code else None


def redemption_transfer_ids(reader_id: uuid.UUID, key: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The points and stock transfers of a redemption, derived from the reader and the key."""
    base = f"redeem:{reader_id}:{key}"
    return ledger.transfer_id(base), ledger.transfer_id(f"{base}:stock")


def clean_address(address: dict[str, Any] | None) -> dict[str, str]:
    """A shipping address with the fields we keep; InvalidInput when one is missing."""
    if not isinstance(address, dict):
        raise Unprocessable(
            "this reward is shipped: give a shipping address", code="address_required"
        )
    clean: dict[str, str] = {}
    for name in ADDRESS_FIELDS:
        value = address.get(name) or ""
        if not isinstance(value, str) or len(value) > ADDRESS_FIELD_MAX:
            raise Unprocessable(f"shipping address: {name} is not valid", code="address_invalid")
        if value.strip():
            clean[name] = value.strip()
    missing = [name for name in REQUIRED_ADDRESS_FIELDS if name not in clean]
    if missing:
        raise Unprocessable(
            f"shipping address: {', '.join(missing).replace('_', ' ')} missing",
            code="address_required",
        )
    return clean


def _check_available(reward: Reward, now: datetime) -> None:
    if not reward.active:
        raise Conflict("this reward is no longer offered", code="reward_unavailable")
    if reward.available_from and now < reward.available_from:
        raise Conflict("this reward is not available yet", code="reward_not_yet_available")
    if reward.available_until and now >= reward.available_until:
        raise Conflict("this reward is no longer available", code="reward_unavailable")
    if reward.kind == RewardKind.DRAW and reward.drawn_at is not None:
        raise Conflict("this draw has already been run", code="draw_closed")


def count_redemptions(session: Session, reward_id: uuid.UUID, reader_id: uuid.UUID) -> int:
    """How many times a reader holds a reward (cancelled redemptions do not count)."""
    stmt = select(func.count()).where(
        Redemption.reward_id == reward_id,
        Redemption.reader_id == reader_id,
        Redemption.status.in_(LIVE_STATUSES),
    )
    return session.scalar(stmt) or 0


def redeem(
    session: Session,
    reader_id: uuid.UUID,
    reward_ref: str | uuid.UUID,
    idempotency_key: str,
    *,
    shipping_address: dict[str, Any] | None = None,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    seen: Seen | None = None,
    as_of: datetime | None = None,
) -> Redeemed:
    """Spend a reader's points on a reward, once per Idempotency-Key.

    `rules` are the operator's trust gates and review threshold (None: none, as for the command
    line's own redemptions), judged at `as_of` (the app's clock; default `now`); `seen` is who the
    request came from (device, address group)."""
    if not KEY_SHAPE.match(idempotency_key or ""):
        raise InvalidInput(
            "the Idempotency-Key must be 1 to 200 visible ASCII characters",
            code="idempotency_key_invalid",
        )
    now = now or utcnow()
    profile = lock_profile(session, reader_id)
    earlier = session.scalar(
        select(Redemption).where(
            Redemption.reader_id == reader_id, Redemption.idempotency_key == idempotency_key
        )
    )
    reward = get_reward(session, reward_ref)
    if earlier is not None:
        if earlier.reward_id != reward.id:
            raise Conflict(
                "this Idempotency-Key was already used for another reward: use a new key",
                code="idempotency_key_reused",
            )
        return Redeemed(earlier, created=False)

    if rules is not None:
        trust.check_trust(session, reader_id, rules, as_of or now)
    _check_available(reward, now)
    address = clean_address(shipping_address) if reward.kind == RewardKind.PHYSICAL else None
    if reward.per_reader_limit is not None:
        held = count_redemptions(session, reward.id, reader_id)
        if held >= reward.per_reader_limit:
            raise Conflict(
                f"you have reached the limit of {reward.per_reader_limit} for this reward",
                code="limit_reached",
            )
    wallet = ledger.get_or_create_wallet(session, reader_id)
    if reward.min_lifetime_points:
        lifetime = ledger.balance(session, wallet).credits_posted
        if lifetime < reward.min_lifetime_points:
            raise Unprocessable(
                f"this reward is for readers who have earned at least "
                f"{reward.min_lifetime_points} points; you have earned {lifetime}",
                code="not_enough_lifetime_points",
            )

    seen = seen or Seen()
    sightings.record(session, reader_id, seen, now)
    risk = risks.assess(session, reader_id, seen, now)
    threshold = rules.review_above_points if rules is not None else 0
    # Held for an operator: the points and the unit are reserved (pending), nothing is given yet.
    review = threshold > 0 and (reward.cost > threshold or risk.needs_review)
    hold = TransferFlags.PENDING if review else TransferFlags.NONE

    points_id, stock_id = redemption_transfer_ids(reader_id, idempotency_key)
    redemption_id = uuid.uuid4()
    meta = {"reward_id": str(reward.id), "redemption_id": str(redemption_id)}
    specs: list[TransferSpec] = []
    if reward.limited:
        shelf, _supply, issued = _stock_accounts(session, reward)
        specs.append(
            TransferSpec(
                id=stock_id,
                debit_account_id=shelf,
                credit_account_id=issued,
                amount=1,
                code=TransferCode.REDEMPTION,
                flags=TransferFlags.LINKED | hold,
                metadata=meta,
            )
        )
    specs.append(
        TransferSpec(
            id=points_id,
            debit_account_id=wallet,
            credit_account_id=ledger.system_account(session, AccountCode.REDEMPTION),
            amount=reward.cost,
            code=TransferCode.REDEMPTION,
            flags=hold,
            metadata=meta,
        )
    )
    results = ledger.create_transfers(session, specs, now=now)
    for spec, result in zip(specs, results, strict=True):
        if result.ok or result.code is TransferResultCode.LINKED_EVENT_FAILED:
            continue
        if result.code is TransferResultCode.EXCEEDS_CREDITS and spec.id == stock_id:
            raise Conflict("this reward is out of stock", code="out_of_stock")
        if result.code is TransferResultCode.EXCEEDS_CREDITS:
            available = ledger.balance(session, wallet).available
            raise Unprocessable(
                f"not enough points: this reward costs {reward.cost}, you have {available}",
                code="not_enough_points",
            )
        raise ledger.LedgerError(result)

    redemption = Redemption(
        id=redemption_id,
        reward_id=reward.id,
        reader_id=reader_id,
        idempotency_key=idempotency_key,
        status=str(RedemptionStatus.AWAITING_APPROVAL),
        cost=reward.cost,
        shipping_address=address,
        points_transfer_id=points_id,
        stock_transfer_id=stock_id if reward.limited else None,
        created_at=now,
        risk=risk.score,
        reasons=risk.reasons,
        device=seen.device,
        address=seen.address,
    )
    if not review:
        fulfil(session, redemption, reward, profile, now)
    session.add(redemption)
    session.flush()
    return Redeemed(redemption, created=True)


# --------------------------------------------------------------------------- operator actions


def get_redemption(session: Session, redemption_id: str | uuid.UUID) -> Redemption:
    try:
        rid = uuid.UUID(str(redemption_id))
    except ValueError:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found") from None
    stmt = select(Redemption).where(Redemption.id == rid).with_for_update(of=Redemption)
    redemption = session.scalar(stmt)
    if redemption is None:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found")
    return redemption


def cancel(
    session: Session, redemption_id: str | uuid.UUID, *, burn_code: bool = False
) -> Redemption:
    """Undo a redemption: points back by reversal, the unit back on the shelf, the code back
    in the pool (or burned)."""
    redemption = get_redemption(session, redemption_id)
    profile = lock_profile(session, redemption.reader_id)
    if redemption.status == RedemptionStatus.CANCELLED:
        raise Conflict("this redemption is already cancelled", code="already_cancelled")
    if redemption.status == RedemptionStatus.AWAITING_APPROVAL:
        raise Conflict(
            "this redemption waits for approval: refuse it instead (rewards refuse)",
            code="awaiting_approval",
        )
    if redemption.status == RedemptionStatus.SHIPPED:
        raise Conflict("this item has been shipped: it cannot be cancelled", code="shipped")
    if redemption.status in (RedemptionStatus.WON, RedemptionStatus.NOT_WON):
        raise Conflict("the draw has been run: this entry cannot be cancelled", code="drawn")
    reward = redemption.reward
    base = f"cancel:{redemption.id}"
    meta = {"reward_id": str(reward.id), "redemption_id": str(redemption.id)}
    specs = [
        TransferSpec(
            id=ledger.transfer_id(f"{base}:points"),
            reversal_of=redemption.points_transfer_id,
            code=TransferCode.REVERSAL,
            metadata=meta,
        )
    ]
    burned = burn_code and redemption.code is not None
    if redemption.stock_transfer_id is not None and not burned:
        specs.insert(
            0,
            TransferSpec(
                id=ledger.transfer_id(f"{base}:stock"),
                reversal_of=redemption.stock_transfer_id,
                code=TransferCode.REVERSAL,
                flags=TransferFlags.LINKED,
                metadata=meta,
            ),
        )
    for result in ledger.create_transfers(session, specs):
        if not result.ok:
            raise ledger.LedgerError(result)
    if redemption.code is not None:
        redemption.code.status = str(CodeStatus.BURNED if burned else CodeStatus.AVAILABLE)
        redemption.code_burned = burned
        if not burned:
            redemption.code_id = None
    premium = reward.kind == RewardKind.PREMIUM and reward.premium_days
    if premium and profile.premium_until is not None:
        profile.premium_until -= timedelta(days=reward.premium_days or 0)
    redemption.status = str(RedemptionStatus.CANCELLED)
    redemption.cancelled_at = utcnow()
    session.flush()
    return redemption


def ship(session: Session, redemption_id: str | uuid.UUID) -> Redemption:
    """Mark a physical item as shipped."""
    redemption = get_redemption(session, redemption_id)
    if redemption.status != RedemptionStatus.AWAITING_SHIPMENT:
        raise Conflict(
            f"this redemption is {redemption.status.replace('_', ' ')}: nothing to ship",
            code="not_awaiting_shipment",
        )
    redemption.status = str(RedemptionStatus.SHIPPED)
    redemption.shipped_at = utcnow()
    return redemption


@dataclass(frozen=True)
class DrawResult:
    reward: Reward
    seed: str
    entries: int
    winners: list[Redemption] = field(default_factory=list)


def draw(session: Session, ref: str, winners: int, *, seed: str | None = None) -> DrawResult:
    """Run a draw: pick winners among the entries (in id order) with a recorded seed."""
    reward = get_reward(session, ref)
    if reward.kind != RewardKind.DRAW:
        raise InvalidInput(f"{reward.slug} is not a draw")
    if reward.drawn_at is not None:
        raise Conflict(f"this draw was run on {reward.drawn_at:%Y-%m-%d} (seed {reward.draw_seed})")
    if winners < 1:
        raise InvalidInput("draw at least one winner")
    seed = seed or secrets.token_hex(8)
    entries = list(
        session.scalars(
            select(Redemption)
            .where(
                Redemption.reward_id == reward.id,
                Redemption.status == RedemptionStatus.ENTERED,
            )
            .order_by(Redemption.id)
            .with_for_update(of=Redemption)
        )
    )
    chosen = random.Random(seed).sample(range(len(entries)), min(winners, len(entries)))
    won = [entries[i] for i in sorted(chosen)]
    for entry in entries:
        entry.status = str(RedemptionStatus.NOT_WON)
    for entry in won:
        entry.status = str(RedemptionStatus.WON)
    reward.draw_seed = seed
    reward.drawn_at = utcnow()
    session.flush()
    return DrawResult(reward=reward, seed=seed, entries=len(entries), winners=won)


def list_redemptions(
    session: Session,
    *,
    reader_id: uuid.UUID | None = None,
    reward_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Redemption]:
    """Redemptions, newest first, of a reader and/or a reward."""
    stmt = select(Redemption).order_by(Redemption.created_at.desc(), Redemption.id.desc())
    if reader_id is not None:
        stmt = stmt.where(Redemption.reader_id == reader_id)
    if reward_id is not None:
        stmt = stmt.where(Redemption.reward_id == reward_id)
    return list(session.scalars(stmt.limit(limit)).unique())


# --------------------------------------------------------------------------- readers


def get_premium_until(
    session: Session, reader_id: uuid.UUID, now: datetime | None = None
) -> datetime | None:
    """When a reader's premium access ends, or None when they have none now."""
    until = session.scalar(
        select(RewardProfile.premium_until).where(RewardProfile.user_id == reader_id)
    )
    if until is None or until <= (now or utcnow()):
        return None
    return until


@dataclass(frozen=True)
class StoreItem:
    """A reward as one reader sees it in the store."""

    reward: Reward
    stock_left: int | None
    affordable: bool
    blocked: str | None  # why this reader cannot redeem it now, in plain words
    untrusted: bool = False  # blocked only because the reader is not trusted yet (Store.trust)


@dataclass(frozen=True)
class Store:
    available: int  # the reader's spendable points (0 when anonymous)
    lifetime: int
    items: list[StoreItem]
    # What the reader still needs before redeeming anything (None: anonymous, or no rules).
    trust: Trust | None = None


def get_store(
    session: Session,
    reader_id: uuid.UUID | None,
    *,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    as_of: datetime | None = None,
) -> Store:
    """The catalogue with stock left and, for a reader, what they can afford and whether the
    trust gates let them redeem yet (judged at `as_of`, the app's clock; default `now`)."""
    now = now or utcnow()
    standing = None
    rewards = list_rewards(session)
    stock = stock_by_reward(session, rewards)
    available = lifetime = 0
    held: dict[uuid.UUID, int] = {}
    if reader_id is not None:
        bal = ledger.balance(session, ledger.get_or_create_wallet(session, reader_id))
        available, lifetime = bal.available, bal.credits_posted
        rows = session.execute(
            select(Redemption.reward_id, func.count())
            .where(Redemption.reader_id == reader_id, Redemption.status.in_(LIVE_STATUSES))
            .group_by(Redemption.reward_id)
        )
        held = {row[0]: row[1] for row in rows}
        if rules is not None:
            standing = trust.get_trust(session, reader_id, rules, as_of or now)
    items = []
    for reward in rewards:
        left = stock[reward.id]
        blocked = _blocked(reward, left, now, held.get(reward.id, 0), lifetime, reader_id)
        untrusted = blocked is None and standing is not None and not standing.trusted
        items.append(
            StoreItem(
                reward=reward,
                stock_left=left,
                affordable=reader_id is not None and available >= reward.cost,
                blocked=standing.message() if untrusted and standing else blocked,
                untrusted=untrusted,
            )
        )
    return Store(available=available, lifetime=lifetime, items=items, trust=standing)


def _blocked(
    reward: Reward,
    left: int | None,
    now: datetime,
    held: int,
    lifetime: int,
    reader_id: uuid.UUID | None,
) -> str | None:
    try:
        _check_available(reward, now)
    except Conflict as exc:
        return exc.message
    if left is not None and left <= 0:
        return "Out of stock"
    if reader_id is not None:
        if reward.per_reader_limit is not None and held >= reward.per_reader_limit:
            return "You have reached the limit for this reward"
        if reward.min_lifetime_points and lifetime < reward.min_lifetime_points:
            return "For readers who have earned more points"
    return None


def get_store_item(
    session: Session,
    reader_id: uuid.UUID | None,
    ref: str,
    *,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    as_of: datetime | None = None,
) -> tuple[Store, StoreItem]:
    """One reward as a reader sees it (its page)."""
    reward = get_reward(session, ref)
    store = get_store(session, reader_id, now=now, rules=rules, as_of=as_of)
    for item in store.items:
        if item.reward.id == reward.id:
            return store, item
    raise NotFound(f"no reward {ref}", code="reward_not_found")


# --------------------------------------------------------------------------- points


def grant_transfer_id(key: str) -> uuid.UUID:
    """The transfer of the grant made with `key`: the same key can never grant twice."""
    return ledger.transfer_id(f"grant:{key}")


def grant_points(
    session: Session,
    reader_id: uuid.UUID,
    points: int,
    reason: str,
    *,
    key: str | None = None,
    by: uuid.UUID | None = None,
) -> bool:
    """An adjustment from the programme budget to a reader's wallet (by the operator `by`, when
    one made it); False when the key was used before for the same grant (nothing granted twice),
    Conflict when it was used for another."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("give a reason: the reader sees it in their history")
    if len(reason) > 200:
        raise InvalidInput("the reason is at most 200 characters")
    if not 1 <= points <= 10**9:
        raise InvalidInput("grant at least 1 point")
    try:
        credit = ledger.credit_reader(
            session,
            reader_id=reader_id,
            amount=points,
            code=TransferCode.ADJUSTMENT,
            transfer_id=grant_transfer_id(key or str(uuid.uuid4())),
            metadata={"reason": reason, **({"by": str(by)} if by else {})},
        )
    except ledger.LedgerError as refused:
        if refused.result.code.value.startswith("exists_with_different"):
            raise Conflict(
                "this key was already used for another grant: use a new key for a new grant",
                code="idempotency_key_reused",
            ) from None
        raise
    if credit.budget_empty:
        available = ledger.balance(session, ledger.programme_budget(session)).available
        raise Unprocessable(
            f"the programme budget holds {available} point(s): fund it first "
            "(readtoearn budget fund N)",
            code="budget_empty",
        )
    return credit.created


@dataclass(frozen=True)
class Grant:
    """An operator's grant: its transfer, the reader credited, and whether it was made now (False:
    the same key had made it before)."""

    transfer_id: uuid.UUID
    reader_id: uuid.UUID
    created: bool


def grant_by_operator(
    session: Session,
    operator_id: uuid.UUID,
    *,
    key: str,
    points: int,
    reason: str,
    reader_id: str | None = None,
    email: str | None = None,
) -> Grant:
    """An operator credits a reader, named by id or by e-mail, from the budget. The key is the
    operator's own (two operators cannot collide on one): the same key again grants nothing."""
    if (reader_id is None) == (email is None):
        raise InvalidInput("name the reader by reader_id or by email (one of them)")
    if reader_id is not None:
        reader = accounts.get_user(session, reader_id)
    else:
        found = accounts.get_user_by_email(session, email or "")
        if found is None:
            raise NotFound("no reader has this e-mail", code="reader_not_found")
        reader = found
    scoped = f"api:{operator_id}:{key}"
    created = grant_points(session, reader.id, points, reason, key=scoped, by=operator_id)
    return Grant(grant_transfer_id(scoped), reader.id, created)


def describe_entries(
    session: Session, transfer_ids: Iterable[uuid.UUID], language: str = "en"
) -> dict[uuid.UUID, str]:
    """What a reader's history should say about some transfers: the reward, the reason."""
    notes: dict[uuid.UUID, str] = {}
    reward_ids: dict[uuid.UUID, uuid.UUID] = {}
    for transfer in ledger.list_transfers(session, transfer_ids):
        tid = transfer.id
        meta = transfer.meta or {}
        if meta.get("reason"):
            notes[tid] = str(meta["reason"])
        elif meta.get("reward_id"):
            try:
                reward_ids[tid] = uuid.UUID(str(meta["reward_id"]))
            except ValueError:
                continue
    if reward_ids:
        rows = session.scalars(select(Reward).where(Reward.id.in_(set(reward_ids.values()))))
        names = {r.id: r.name(language) for r in rows}
        for tid, rid in reward_ids.items():
            if rid in names:
                notes[tid] = names[rid]
    return notes
