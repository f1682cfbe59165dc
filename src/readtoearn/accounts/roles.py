"""Operators' roles: which parts of the console each may use.

An operator is a user with `is_operator` set; their `console_role` narrows what they may do:
- `operator` runs everything (the role of an operator who has none recorded);
- `editor` works on articles only;
- `support` looks after readers and the review queues, and never touches the budget.
Every operator route names the area it belongs to, and web/deps.py refuses the others.
"""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.errors import Forbidden, InvalidInput, NotFound


class Role(enum.StrEnum):
    OPERATOR = "operator"
    EDITOR = "editor"
    SUPPORT = "support"


class Area(enum.StrEnum):
    """A part of the console; each operator route belongs to exactly one."""

    DASHBOARD = "dashboard"
    ARTICLES = "articles"
    READERS = "readers"
    REVIEWS = "reviews"
    REWARDS = "rewards"
    BUDGET = "budget"
    RULES = "rules"
    EXPORTS = "exports"
    TRAIL = "trail"
    TEAM = "team"


AREAS: dict[Role, frozenset[Area]] = {
    Role.OPERATOR: frozenset(Area),
    Role.EDITOR: frozenset({Area.ARTICLES}),
    Role.SUPPORT: frozenset({Area.DASHBOARD, Area.READERS, Area.REVIEWS}),
}
# Where each role lands when it opens /operator.
HOME: dict[Role, str] = {
    Role.OPERATOR: "/operator",
    Role.EDITOR: "/operator/articles",
    Role.SUPPORT: "/operator",
}


def role_of(user: User) -> Role | None:
    """The user's console role, or None for a reader."""
    if not user.is_operator:
        return None
    try:
        return Role(user.console_role or Role.OPERATOR)
    except ValueError:
        return None  # an unknown value opens nothing rather than everything


def may(user: User, area: Area) -> bool:
    """Whether the user may use that part of the console."""
    role = role_of(user)
    return role is not None and area in AREAS[role]


def areas_of(user: User) -> frozenset[Area]:
    """Every part of the console the user may use (none for a reader)."""
    role = role_of(user)
    return AREAS[role] if role is not None else frozenset()


def parse_role(value: str) -> Role | None:
    """A role named on a form or the command line; "none" or "reader" takes the console away."""
    text = value.strip().lower()
    if text in ("none", "reader", ""):
        return None
    try:
        return Role(text)
    except ValueError:
        names = ", ".join([*Role, "none"])
        raise InvalidInput(f"unknown role {value!r}: choose one of {names}", code="role") from None


def set_role(
    session: Session, user: User, role: Role | None, *, by: User | None, note: str = ""
) -> bool:
    """Give a user a console role (None: back to a plain reader); recorded in the audit trail.
    False when nothing changed."""
    before = role_of(user)
    if before == role:
        return False
    user.is_operator = role is not None
    user.console_role = None if role is None else role.value
    session.flush()
    record_action(
        session,
        by,
        "user.role",
        target=("user", user.id),
        before={"role": before.value if before else None, "email": user.email},
        after={"role": role.value if role else None, "email": user.email},
        note=note,
    )
    return True


def list_operators(session: Session) -> list[User]:
    """Every user with a console role, by e-mail."""
    return list(session.scalars(select(User).where(User.is_operator).order_by(User.email)))


def change_role(session: Session, by: User, email: str, role: str, *, note: str = "") -> bool:
    """An operator gives the user of that e-mail a role (or takes it away); never their own, so
    the console always keeps the operator who could undo it. False when nothing changed."""
    wanted = parse_role(role)
    address = email.strip().lower()
    user = session.scalar(select(User).where(User.email == address)) if address else None
    if user is None:
        raise NotFound("no account has this e-mail", code="user_not_found")
    if user.id == by.id:
        raise Forbidden("you cannot change your own role", code="own_role")
    return set_role(session, user, wanted, by=by, note=note)
