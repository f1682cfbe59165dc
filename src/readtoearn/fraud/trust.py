"""Trust before payout: what a reader needs before spending points (docs/rewards.md).

Earning is open from the first day; spending waits for three things, each a setting: a verified
e-mail address, an account at least `min_account_days` old, and credited reads on at least
`min_read_days` distinct UTC days. A farm of fresh accounts can earn, but it must keep every
account alive, verified and reading for days before any point leaves the programme.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import Forbidden, NotFound
from readtoearn.reading.models import Read

CREDITED = "credited"
# What each missing step is called, for the reader (translated in trust.po).
VERIFY_EMAIL = "verify_email"
ACCOUNT_AGE = "account_age"
READ_DAYS = "read_days"


@dataclass(frozen=True)
class TrustRules:
    """The operator's gates before a redemption (READTOEARN_REDEEM_* settings)."""

    require_verified_email: bool = True
    min_account_days: int = 7
    min_read_days: int = 3
    # Redemptions costing more than this, or too risky, wait for an operator (0: none wait).
    review_above_points: int = 5000

    @classmethod
    def of(cls, settings: Settings) -> TrustRules:
        """The rules a Settings object sets."""
        return cls(
            require_verified_email=settings.redeem_require_verified_email,
            min_account_days=settings.redeem_min_account_days,
            min_read_days=settings.redeem_min_read_days,
            review_above_points=settings.redeem_review_above_points,
        )


@dataclass(frozen=True)
class Missing:
    """One step a reader has not made yet: a stable code, and what the reader must know."""

    code: str
    ready_at: datetime | None = None  # account_age: from when
    have: int = 0  # read_days: how many so far
    need: int = 0

    def message(self) -> str:
        """The step in plain English (the pages translate it through trust.po)."""
        if self.code == VERIFY_EMAIL:
            return "verify your e-mail address with the link we sent you"
        if self.code == ACCOUNT_AGE and self.ready_at is not None:
            return (
                "your account must be a little older: you can redeem from "
                f"{self.ready_at:%Y-%m-%d %H:%M} UTC"
            )
        days = "day" if self.need == 1 else "days"
        return f"read articles to the end on {self.need} different {days} ({self.have} so far)"


@dataclass(frozen=True)
class Trust:
    """Where a reader stands against the rules."""

    email_verified: bool
    ready_at: datetime
    read_days: int
    missing: list[Missing] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return not self.missing

    def message(self) -> str:
        """Every missing step in one sentence (the API's error message)."""
        steps = "; ".join(m.message() for m in self.missing)
        return f"you cannot redeem rewards yet: {steps}"


def count_read_days(session: Session, reader_id: uuid.UUID, *, enough: int) -> int:
    """The distinct UTC days with a credited read, counted up to `enough` (no need for more)."""
    if enough <= 0:
        return 0
    stmt = (
        select(Read.completed_at)
        .where(
            Read.reader_id == reader_id,
            Read.status == CREDITED,
            Read.completed_at.is_not(None),
        )
        .order_by(Read.completed_at.desc())
        # Enough rows for a year of days at any daily cap a programme would set.
        .limit(20_000)
    )
    days: set[date] = set()
    for completed_at in session.scalars(stmt):
        if completed_at is not None:
            days.add(completed_at.astimezone(UTC).date())
        if len(days) >= enough:
            break
    return len(days)


def get_trust(session: Session, reader_id: uuid.UUID, rules: TrustRules, now: datetime) -> Trust:
    """What this reader still needs before redeeming (nothing: `trusted`)."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    missing: list[Missing] = []
    verified = user.email_verified_at is not None
    if rules.require_verified_email and not verified:
        missing.append(Missing(VERIFY_EMAIL))
    ready_at = user.created_at + timedelta(days=rules.min_account_days)
    if rules.min_account_days and now < ready_at:
        missing.append(Missing(ACCOUNT_AGE, ready_at=ready_at))
    days = count_read_days(session, reader_id, enough=rules.min_read_days)
    if days < rules.min_read_days:
        missing.append(Missing(READ_DAYS, have=days, need=rules.min_read_days))
    return Trust(email_verified=verified, ready_at=ready_at, read_days=days, missing=missing)


def check_trust(session: Session, reader_id: uuid.UUID, rules: TrustRules, now: datetime) -> None:
    """Forbidden (`not_yet_trusted`) naming every missing step, unless the reader may redeem."""
    trust = get_trust(session, reader_id, rules, now)
    if not trust.trusted:
        raise Forbidden(trust.message(), code="not_yet_trusted")
