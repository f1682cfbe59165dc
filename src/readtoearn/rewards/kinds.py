"""Reward kinds as strategies: what a code, premium access, an item and a draw each do.

Everything that depends on a reward's kind is a method or an attribute of its `Kind`, found with
`kind_of`: what a draft must say, whether the reward has stock and how it is stocked, when it can
be redeemed, what a redemption asks for, how it is given and taken back, where it then stands,
and what the store says the reader gets. A new kind is one class here and one `RewardKind`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from readtoearn.errors import Conflict, InvalidInput
from readtoearn.rewards.models import (
    CodeStatus,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardKind,
    RewardProfile,
)
from readtoearn.rewards.shipping import clean_address
from readtoearn.rewards.stock import take_code


class Kind:
    """What every kind does unless it says otherwise."""

    kind: ClassVar[RewardKind]
    # What the store says the reader gets: an English msgid (translated in rewards.po), with its
    # plural when it counts something (`what_you_get_count`).
    what_you_get: ClassVar[str]
    what_you_get_plural: ClassVar[str | None] = None
    # The redemption asks for a shipping address.
    needs_address: ClassVar[bool] = False
    # The stock is a pool of codes, filled by importing codes (not by restocking).
    stocked_by_codes: ClassVar[bool] = False
    # The operator runs a draw among the redemptions.
    has_draw: ClassVar[bool] = False
    # Where a redemption stands once the reader has been given the reward.
    fulfilled: ClassVar[RedemptionStatus] = RedemptionStatus.DONE

    def what_you_get_count(self, reward: Reward) -> int:
        """The number `what_you_get_plural` counts."""
        return 1

    # --- the catalogue

    def check_stock(self, stock: int | None) -> None:
        """Refuse a draft's first stock this kind cannot have."""

    def check_days(self, premium_days: int | None) -> None:
        """Refuse a draft's number of premium days when this kind has none, or a wrong one."""
        if premium_days is not None:
            raise InvalidInput("only premium rewards have a number of days")

    def limited(self, stock: int | None) -> bool:
        """Whether a reward made from a draft with this first stock has a stock ledger."""
        return stock is not None

    def check_restock(self) -> None:
        """Refuse restocking by hand when this kind is stocked otherwise."""

    # --- redemption

    def check_available(self, reward: Reward) -> None:
        """Refuse a redemption this kind no longer takes (beyond the reward's own window)."""

    def shipping_address(self, given: dict[str, Any] | None) -> dict[str, str] | None:
        """The address a redemption keeps (None: this kind ships nothing)."""
        return None

    def give(
        self,
        session: Session,
        redemption: Redemption,
        reward: Reward,
        profile: RewardProfile,
        now: datetime,
    ) -> None:
        """Give the reader what the reward is (its points and its stock already moved)."""

    def check_approval(self, reward: Reward) -> None:
        """Refuse to approve a waiting redemption this kind can no longer give."""

    def check_cancel(self, redemption: Redemption) -> None:
        """Refuse to cancel a redemption this kind has already carried out for good."""

    def take_back(
        self, redemption: Redemption, reward: Reward, profile: RewardProfile, *, burn_code: bool
    ) -> None:
        """Undo what `give` gave (the points and the unit are reversed by the caller)."""


class Code(Kind):
    kind = RewardKind.CODE
    what_you_get = "A code, shown in your rewards"
    stocked_by_codes = True

    def check_stock(self, stock: int | None) -> None:
        if stock not in (None, 0):
            raise InvalidInput("a code reward's stock is its pool: import codes instead")

    def limited(self, stock: int | None) -> bool:
        return True

    def check_restock(self) -> None:
        raise InvalidInput("a code reward is stocked by importing codes")

    def give(
        self,
        session: Session,
        redemption: Redemption,
        reward: Reward,
        profile: RewardProfile,
        now: datetime,
    ) -> None:
        code = take_code(session, reward)
        redemption.code_id = code.id
        redemption.code = code

    def take_back(
        self, redemption: Redemption, reward: Reward, profile: RewardProfile, *, burn_code: bool
    ) -> None:
        if redemption.code is None:
            return
        burned = burn_code
        redemption.code.status = str(CodeStatus.BURNED if burned else CodeStatus.AVAILABLE)
        redemption.code_burned = burned
        if not burned:
            redemption.code_id = None


class Premium(Kind):
    kind = RewardKind.PREMIUM
    what_you_get = "Premium access for %(num)d day"
    what_you_get_plural = "Premium access for %(num)d days"

    def what_you_get_count(self, reward: Reward) -> int:
        return reward.premium_days or 0

    def check_days(self, premium_days: int | None) -> None:
        if premium_days is None or not 1 <= premium_days <= 3650:
            raise InvalidInput("a premium reward needs a number of days between 1 and 3650")

    def give(
        self,
        session: Session,
        redemption: Redemption,
        reward: Reward,
        profile: RewardProfile,
        now: datetime,
    ) -> None:
        if reward.premium_days:
            start = max(now, profile.premium_until or now)
            profile.premium_until = start + timedelta(days=reward.premium_days)

    def take_back(
        self, redemption: Redemption, reward: Reward, profile: RewardProfile, *, burn_code: bool
    ) -> None:
        if reward.premium_days and profile.premium_until is not None:
            profile.premium_until -= timedelta(days=reward.premium_days or 0)


class Physical(Kind):
    kind = RewardKind.PHYSICAL
    what_you_get = "An item sent to your address"
    needs_address = True
    fulfilled = RedemptionStatus.AWAITING_SHIPMENT

    def shipping_address(self, given: dict[str, Any] | None) -> dict[str, str] | None:
        return clean_address(given)

    def check_cancel(self, redemption: Redemption) -> None:
        if redemption.status in (RedemptionStatus.SHIPPED, RedemptionStatus.DELIVERED):
            raise Conflict("this item has been shipped: it cannot be cancelled", code="shipped")


class Draw(Kind):
    kind = RewardKind.DRAW
    what_you_get = "An entry into a draw"
    has_draw = True
    fulfilled = RedemptionStatus.ENTERED

    def check_available(self, reward: Reward) -> None:
        if reward.drawn_at is not None:
            raise Conflict("this draw has already been run", code="draw_closed")

    def check_approval(self, reward: Reward) -> None:
        if reward.drawn_at is not None:
            raise Conflict(
                "the draw has been run since: refuse this entry instead", code="draw_closed"
            )

    def check_cancel(self, redemption: Redemption) -> None:
        if redemption.status in (RedemptionStatus.WON, RedemptionStatus.NOT_WON):
            raise Conflict("the draw has been run: this entry cannot be cancelled", code="drawn")


KINDS: dict[RewardKind, Kind] = {k.kind: k for k in (Code(), Premium(), Physical(), Draw())}


def kind_of(reward: Reward | RewardKind | str) -> Kind:
    """The strategy of a reward's kind (or of a kind); ValueError for an unknown one."""
    kind = reward.kind if isinstance(reward, Reward) else reward
    return KINDS[RewardKind(kind)]
