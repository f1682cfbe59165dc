"""Erasing a reader (the right to erasure): the account is anonymised, never deleted, so that the
ledger stays whole and balanced and the reads and redemptions keep their history without anyone
behind them.

What goes: the address, name, password, integrator id, sessions, tokens and links, the devices
and address groups seen (and those kept on reads and redemptions), shipping addresses, the
appeals' words. The points the reader could spend go back to the budget with a ledger transfer
(never an edit); pending points stay pending until their read is decided, then follow the rules.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from readtoearn.accounts.models import (
    ApiToken,
    EmailNotice,
    EmailVerification,
    PasswordReset,
    User,
    UserSession,
)
from readtoearn.accounts.trail import record_action
from readtoearn.errors import Conflict
from readtoearn.fraud.models import ReadAppeal, Sighting
from readtoearn.fraud.readers import get_reader
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import Redemption

ERASED_NAME = "Erased reader"


def erased_email(user_id: uuid.UUID) -> str:
    return f"erased-{user_id.hex}@erased.invalid"


def erase_reader(session: Session, reader_id: str | uuid.UUID, *, by: Any) -> User:
    """Anonymise a reader and give their spendable points back to the budget (recorded)."""
    user = get_reader(session, reader_id)
    if user.email == erased_email(user.id):
        return user
    if user.is_operator:
        raise Conflict("take the console role away before erasing an operator", code="operator")
    wallet = ledger.get_or_create_wallet(session, user.id)
    available = ledger.balance(session, wallet).available
    if available > 0:
        rewards.adjust_points(
            session, user.id, -available, "account erased", key=f"erase:{user.id}", by=by
        )
    uid = user.id
    for table in (UserSession, ApiToken, EmailVerification, PasswordReset, EmailNotice):
        session.execute(delete(table).where(table.user_id == uid))
    session.execute(delete(Sighting).where(Sighting.user_id == uid))
    session.execute(
        update(Read)
        .where(Read.reader_id == uid)
        .values(device=None, address=None, user_agent="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Redemption)
        .where(Redemption.reader_id == uid)
        .values(shipping_address=None, device=None, address=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ReadAppeal)
        .where(ReadAppeal.reader_id == uid)
        .values(message="")
        .execution_options(synchronize_session=False)
    )
    user.email = erased_email(uid)
    user.display_name = ERASED_NAME
    user.password_hash = None
    user.external_id = None
    user.is_active = False
    user.email_verified_at = None
    user.last_login_at = None
    user.signup_address = None
    user.email_reminders = False
    user.time_zone = None
    session.flush()
    # The trail names the account by id only: its old address would undo the erasure.
    record_action(
        session, by, "reader.erase", target=("user", uid), after={"points_returned": available}
    )
    return user
