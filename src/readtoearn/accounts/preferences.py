"""A reader's choice about reminder e-mails, and the signed link in each reminder that turns them
off without signing in (a mail client's one-click unsubscribe posts to it, RFC 8058)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.errors import NotFound

_PURPOSE = b"reminders-off:"


def reminders_off_token(secret_key: str, user_id: uuid.UUID) -> str:
    """The token that proves a link to turn a reader's reminders off was made by this site."""
    digest = hmac.digest(secret_key.encode(), _PURPOSE + user_id.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(digest[:18]).decode()


def reminders_off_link(base_url: str, secret_key: str, user_id: uuid.UUID) -> str:
    """The absolute link a reminder carries to stop reminders."""
    token = reminders_off_token(secret_key, user_id)
    return f"{base_url.rstrip('/')}/account/reminders/off/{user_id}/{token}"


def get_reader_by_reminders_token(
    session: Session, secret_key: str, user_id: uuid.UUID, token: str
) -> User:
    """The reader a reminders link names; NotFound when the link was not made here."""
    expected = reminders_off_token(secret_key, user_id)
    user = session.get(User, user_id)
    if user is None or not hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace")):
        raise NotFound("this link is not valid", code="invalid_link")
    return user


def set_reminders(user: User, on: bool) -> None:
    """Turn a reader's reminder e-mails on or off."""
    user.email_reminders = on
