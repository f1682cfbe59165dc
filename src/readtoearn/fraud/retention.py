"""Forgetting who was where (docs/privacy.md): after `fraud_retention_days`, sightings are deleted
and the device and address hashes are cleared from reads, redemptions and sign-ups.

What the signals need is recent: a farm is caught while it farms. The points, the verdicts, the
reasons and the decisions stay (the ledger and the review record must); only what could link an
account to a browser or a network goes.

The same sweep deletes the secrets that have expired (browser sessions, API and sign-in tokens,
e-mail links, password resets): they can no longer open anything, and a publisher's site whose
readers sign in through it makes one token per visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from readtoearn.accounts.models import (
    ApiToken,
    EmailVerification,
    PasswordReset,
    User,
    UserSession,
)
from readtoearn.fraud.models import Sighting
from readtoearn.reading.models import Read
from readtoearn.rewards.models import Redemption


@dataclass(frozen=True)
class Purged:
    """What one sweep forgot."""

    sightings: int
    reads: int
    redemptions: int
    signups: int
    secrets: int = 0

    @property
    def total(self) -> int:
        return self.sightings + self.reads + self.redemptions + self.signups + self.secrets


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, now: datetime, retention_days: int) -> Purged:
    """Delete sightings last seen before the retention period and clear older hashes."""
    cutoff = now - timedelta(days=retention_days)
    sightings = session.execute(
        delete(Sighting)
        .where(Sighting.last_seen_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    reads = session.execute(
        update(Read)
        .where(Read.started_at < cutoff, or_(Read.device.is_not(None), Read.address.is_not(None)))
        .values(device=None, address=None)
        .execution_options(synchronize_session=False)
    )
    redemptions = session.execute(
        update(Redemption)
        .where(
            Redemption.created_at < cutoff,
            or_(Redemption.device.is_not(None), Redemption.address.is_not(None)),
        )
        .values(device=None, address=None)
        .execution_options(synchronize_session=False)
    )
    signups = session.execute(
        update(User)
        .where(User.created_at < cutoff, User.signup_address.is_not(None))
        .values(signup_address=None)
        .execution_options(synchronize_session=False)
    )
    return Purged(
        sightings=_count(sightings),
        reads=_count(reads),
        redemptions=_count(redemptions),
        signups=_count(signups),
        secrets=forget_expired_secrets(session, now),
    )


def forget_expired_secrets(session: Session, now: datetime) -> int:
    """Delete the sessions, tokens and e-mail links past their expiry: none can be used again."""
    deleted = 0
    for model in (UserSession, ApiToken, EmailVerification, PasswordReset):
        result = session.execute(
            delete(model).where(model.expires_at < now).execution_options(synchronize_session=False)
        )
        deleted += _count(result)
    return deleted
