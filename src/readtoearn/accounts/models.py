"""Readers and operators, their sessions, API tokens and password-reset tokens.

Secrets (session cookies, bearer tokens, reset links) are never stored: only their SHA-256.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class User(Base):
    """A reader; an operator is a reader with `is_operator` set."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # None for readers created by an integrator's sign-in who never chose a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which part of the console an operator may use (accounts/roles.py); None reads as "operator".
    console_role: Mapped[str | None] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The integrator's own user id, for readers signed in through POST /api/v1/auth/exchange.
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the reader followed the link of the verification e-mail (or an integrator or the
    # CLI vouched for the address): redemptions wait for it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The keyed hash of the address group (/24, /64) the account was created from (docs/privacy.md).
    signup_address: Mapped[str | None] = mapped_column(String(32), index=True)
    # The reader's IANA time zone: their calendar day for check-ins and streaks (None: not
    # chosen yet; the check-in form sends the browser's).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Reminders by e-mail (points about to expire, a followed quest about to close); every
    # reminder carries a link that turns them off without signing in.
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class _Secret:
    """What every stored secret of a user has: its hash, its owner, when it was made and ends."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserSession(_Secret, Base):
    """A browser session: the cookie holds the secret, this row holds its hash."""

    __tablename__ = "user_sessions"

    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="sessions")


class ApiToken(_Secret, Base):
    """A bearer token for API clients (apps, integrators' front ends)."""

    __tablename__ = "api_tokens"

    # How it was obtained: "password" or "exchange".
    source: Mapped[str] = mapped_column(String(20), default="password")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")


class EmailVerification(_Secret, Base):
    """A single-use link that proves the reader receives mail at their address."""

    __tablename__ = "email_verifications"

    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(_Secret, Base):
    """A single-use password-reset link, valid for an hour."""

    __tablename__ = "password_resets"

    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailNotice(Base):
    """A reminder e-mailed to a user, once per (kind, key): what was sent is never sent twice."""

    __tablename__ = "email_notices"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OperatorAction(Base):
    """One entry of the audit trail: who did what to which object, when, and what it was before."""

    __tablename__ = "operator_actions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None for the command line; the address is kept so the trail survives an erased operator.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_kind: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(String(500), default="")
