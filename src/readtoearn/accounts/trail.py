"""The audit trail: every operator action, with who, when, what and the object before and after.

Domain services call `record_action` in the transaction that does the work, so an action and its
entry are committed together or not at all. The command line records with no actor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import OperatorAction, User
from readtoearn.db import utcnow

MAX_NOTE = 500
PAGE = 50


def _plain(values: dict[str, Any] | None) -> dict[str, Any]:
    """JSON-safe copies of what was before or after (ids, times and anything else as text)."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = [v if isinstance(v, str | int | float | bool) else str(v) for v in value]
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        out[key] = value
    return out


def record_action(
    session: Session,
    actor: User | uuid.UUID | None,
    action: str,
    *,
    target: tuple[str, Any] = ("", ""),
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> OperatorAction:
    """Add one entry to the trail (actor: the operator, their id, or None for the command line)."""
    if isinstance(actor, uuid.UUID):
        actor = session.get(User, actor)
    kind, target_id = target
    entry = OperatorAction(
        at=now or utcnow(),
        actor_id=None if actor is None else actor.id,
        actor_email="" if actor is None else actor.email,
        action=action,
        target_kind=kind,
        target_id=str(target_id or ""),
        before=_plain(before),
        after=_plain(after),
        note=(note or "")[:MAX_NOTE],
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class TrailFilter:
    """What the trail page narrows to; empty fields match everything."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _filtered(stmt: Select[Any], wanted: TrailFilter) -> Select[Any]:
    if wanted.actor:
        actor = wanted.actor.strip().lower()
        if actor in ("cli", "command line"):
            stmt = stmt.where(OperatorAction.actor_id.is_(None))
        else:
            stmt = stmt.where(
                func.lower(OperatorAction.actor_email).contains(actor, autoescape=True)
            )
    if wanted.action:
        action = wanted.action.strip()
        # "reward" finds every reward.* action; "reward.withdraw" finds that one.
        stmt = stmt.where(
            or_(OperatorAction.action == action, OperatorAction.action.startswith(action + "."))
        )
    if wanted.target:
        stmt = stmt.where(OperatorAction.target_id == wanted.target.strip())
    if wanted.since is not None:
        stmt = stmt.where(OperatorAction.at >= wanted.since)
    if wanted.until is not None:
        stmt = stmt.where(OperatorAction.at < wanted.until)
    return stmt


def list_actions(
    session: Session, wanted: TrailFilter = TrailFilter(), *, limit: int = PAGE, offset: int = 0
) -> list[OperatorAction]:
    """The trail, newest first, narrowed by the filter."""
    stmt = _filtered(select(OperatorAction), wanted)
    stmt = stmt.order_by(OperatorAction.at.desc(), OperatorAction.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def count_actions(session: Session, wanted: TrailFilter = TrailFilter()) -> int:
    stmt = _filtered(select(func.count()).select_from(OperatorAction), wanted)
    return session.scalar(stmt) or 0


def list_action_names(session: Session) -> list[str]:
    """Every action the trail holds, for the filter's choices."""
    return list(session.scalars(select(OperatorAction.action).distinct().order_by("action")))
