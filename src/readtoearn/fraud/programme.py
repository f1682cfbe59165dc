"""The programme's rules (points per read, scaling by time, daily caps, expiry, quiz bonus): set
from the console, stored in the database, each change in the audit trail.

A rule given by the environment (READTOEARN_POINTS_PER_READ...) or by whoever built the settings
wins: the console shows it and cannot change it. The others take their stored value, applied to
the process's settings at start (`load_rules`), once a change is committed by the process that
made it, and by every other worker process within `rules_poll_s` seconds (`serve` reloads them
that often). The console itself always starts from the stored values, so a change made through
one worker is never judged against another worker's older copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.config import Settings
from readtoearn.db import Database, after_commit, utcnow
from readtoearn.errors import Forbidden, InvalidInput
from readtoearn.fraud.models import ProgrammeRule

log = logging.getLogger(__name__)

RULES = (
    "points_per_read",
    "points_scale_by_time",
    "daily_read_cap",
    "daily_points_cap",
    "points_expiry_days",
    "quiz_bonus_points",
)


@dataclass(frozen=True)
class Rule:
    name: str
    value: Any
    default: Any
    source: str  # "environment" (locked), "console" (stored) or "default"


def locked_rules(settings: Settings) -> frozenset[str]:
    """The rules the environment (or the code that built the settings) set: they win. Taken once,
    before any stored rule is applied."""
    return frozenset(name for name in RULES if name in settings.model_fields_set)


def _apply(settings: Settings, values: dict[str, Any], locked: frozenset[str]) -> None:
    for name, value in values.items():
        if name in RULES and name not in locked and getattr(settings, name) != value:
            try:
                settings.__pydantic_validator__.validate_assignment(settings, name, value)
            except ValidationError:
                log.warning("programme rule %s: stored value %r refused", name, value)


def list_stored(session: Session) -> dict[str, ProgrammeRule]:
    return {r.name: r for r in session.scalars(select(ProgrammeRule))}


def load_rules(database: Database, settings: Settings, locked: frozenset[str]) -> None:
    """Apply the stored rules to a process's settings (at start; a missing table is skipped)."""
    try:
        with database.session() as session:
            stored = {name: r.value for name, r in list_stored(session).items()}
    except Exception:  # an old database without the table: the settings stay as they are
        log.debug("programme rules not loaded", exc_info=True)
        return
    _apply(settings, stored, locked)


def list_rules(session: Session, settings: Settings, locked: frozenset[str]) -> list[Rule]:
    """Each rule with its value now, its default and where the value comes from."""
    stored = list_stored(session)
    _apply(settings, {name: r.value for name, r in stored.items()}, locked)
    out = []
    for name in RULES:
        default = Settings.model_fields[name].default
        source = "environment" if name in locked else "console" if name in stored else "default"
        out.append(Rule(name, getattr(settings, name), default, source))
    return out


def change_rules(
    session: Session,
    settings: Settings,
    locked: frozenset[str],
    changes: dict[str, Any],
    *,
    by: User | None,
) -> list[str]:
    """Store new values of rules (checked as the settings check them), record each change, and
    apply them to this process's settings once committed. The names changed."""
    stored = list_stored(session)
    # Judged against what is stored, not this process's copy, which may be a few seconds old.
    _apply(settings, {name: r.value for name, r in stored.items()}, locked)
    trial = settings.model_copy()
    changed: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in RULES:
            raise InvalidInput(f"no rule named {name}", code="rule")
        if name in locked:
            raise Forbidden(f"{name} is set by the environment", code="rule_locked")
        try:
            trial.__pydantic_validator__.validate_assignment(trial, name, value)
        except ValidationError:
            raise InvalidInput(f"{name}: {value!r} is not allowed", code=f"rule:{name}") from None
        if getattr(trial, name) != getattr(settings, name):
            changed[name] = getattr(trial, name)
    for name, value in changed.items():
        row = stored.get(name) or ProgrammeRule(name=name)
        row.value, row.changed_at, row.changed_by = value, utcnow(), by.id if by else None
        session.add(row)
        record_action(
            session,
            by,
            "rules.change",
            target=("rule", name),
            before={"value": getattr(settings, name)},
            after={"value": value},
        )
    session.flush()
    after_commit(session, lambda: _apply(settings, changed, locked))
    return list(changed)
