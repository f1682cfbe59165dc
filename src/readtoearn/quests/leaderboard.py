"""Leaderboards: points earned this week or month, per language edition, under pseudonyms.

Only readers who opted in appear, under the pseudonym they chose (never their e-mail address or
display name); every reader can still see the rank they would have. A reader's edition is the
language of their account. "Earned" means posted credits to the wallet within the period from
the sources listed in `EARNING_CODES` (reads, quiz bonuses, daily check-ins, streak bonuses,
quests), never the balance: spending does not lower a rank, and operators' grants and the
refunds of cancelled redemptions do not raise one. A held read counts when it is approved.
Periods begin on Monday 00:00 (weeks) and on the 1st at 00:00 (months) in the
`leaderboard_time_zone`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.ledger import service as ledger
from readtoearn.quests.models import LeaderboardProfile

PERIODS = ("week", "month")
LANGUAGES = ("en", "fr")
# The ledger's transfer codes that count as points earned (a quest's code included, by value).
EARNING_CODES = ("read_reward", "quiz_bonus", "daily_checkin", "streak_bonus", "quest_reward")

PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 24
# Letters and digits of any script, and single spaces, hyphens or underscores between them:
# no "@" and no "." means no e-mail address and no domain name can be written.
_PSEUDONYM = re.compile(r"^[^\W_](?:[\w\- ]*[^\W_])?$")
_RESERVED = ("admin", "operator", "moderator", "support", "staff", "readtoearn", "official")
_WORD = re.compile(r"[^\W_]{3,}")


@dataclass(frozen=True)
class Entry:
    rank: int
    pseudonym: str
    points: int
    is_you: bool


@dataclass(frozen=True)
class YourRank:
    """Where the reader stands, shown to them alone, on the board or not."""

    rank: int
    points: int
    on_board: bool  # opted in (their pseudonym is on the public board)
    pseudonym: str | None


@dataclass(frozen=True)
class Board:
    period: str
    language: str
    starts_at: datetime
    ends_at: datetime  # excluded
    entries: list[Entry]
    you: YourRank | None
    first_day: date  # the period's days, in the leaderboards' time zone
    last_day: date


@dataclass(frozen=True)
class Preferences:
    """A reader's leaderboard profile (or its absence)."""

    pseudonym: str | None
    opted_in: bool


def period_bounds(period: str, now: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC start (included) and end (excluded) of the week or month around `now`."""
    if period not in PERIODS:
        raise InvalidInput("period must be 'week' or 'month'", code="invalid_period")
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    if period == "week":
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    return _midnight(first, zone), _midnight(after, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def pseudonym_key(pseudonym: str) -> str:
    """The folded form two pseudonyms that look alike share (the unique key)."""
    return unicodedata.normalize("NFKC", pseudonym).casefold()


def valid_pseudonym(pseudonym: str, user: User) -> str:
    """A pseudonym fit to show (normalised); InvalidInput (`invalid_pseudonym`) otherwise."""
    cleaned = " ".join(unicodedata.normalize("NFKC", pseudonym).split())
    if not PSEUDONYM_MIN <= len(cleaned) <= PSEUDONYM_MAX:
        raise InvalidInput(
            f"a pseudonym has {PSEUDONYM_MIN} to {PSEUDONYM_MAX} characters",
            code="invalid_pseudonym",
        )
    if not _PSEUDONYM.match(cleaned):
        raise InvalidInput(
            "a pseudonym has letters and digits, with spaces, hyphens or underscores between "
            "them (no e-mail address)",
            code="invalid_pseudonym",
        )
    folded = cleaned.casefold()
    if any(word in folded for word in _RESERVED):
        raise InvalidInput("this pseudonym is reserved: choose another", code="invalid_pseudonym")
    # Never the reader's own name or address, even in part.
    local_part = user.email.split("@", 1)[0]
    private = {w.casefold() for w in _WORD.findall(f"{user.display_name} {local_part}")}
    if any(word in folded for word in private):
        raise InvalidInput(
            "choose a pseudonym without your name or e-mail address in it",
            code="pseudonym_reveals_identity",
        )
    return cleaned


def get_preferences(session: Session, reader_id: uuid.UUID) -> Preferences:
    """A reader's pseudonym and opt-in."""
    profile = session.get(LeaderboardProfile, reader_id)
    if profile is None:
        return Preferences(pseudonym=None, opted_in=False)
    return Preferences(pseudonym=profile.pseudonym, opted_in=profile.opted_in)


def set_leaderboard_profile(
    session: Session,
    user: User,
    *,
    opted_in: bool,
    pseudonym: str | None,
    now: datetime,
) -> Preferences:
    """Choose a pseudonym (None or "": keep the current one) and opt in or out."""
    profile = session.get(LeaderboardProfile, user.id)
    chosen = valid_pseudonym(pseudonym, user) if pseudonym and pseudonym.strip() else None
    if chosen is None and profile is None:
        if opted_in:
            raise InvalidInput(
                "choose a pseudonym to appear on the leaderboards", code="pseudonym_required"
            )
        return Preferences(pseudonym=None, opted_in=False)
    if chosen is not None:
        _check_free(session, user.id, chosen)
    try:
        with session.begin_nested():
            if profile is None:
                assert chosen is not None
                profile = LeaderboardProfile(reader_id=user.id)
                session.add(profile)
            if chosen is not None:
                profile.pseudonym, profile.pseudonym_key = chosen, pseudonym_key(chosen)
            profile.opted_in, profile.updated_at = opted_in, now
            session.flush()
    except IntegrityError:
        # Another reader took the same pseudonym at the same moment.
        raise _taken() from None
    return Preferences(pseudonym=profile.pseudonym, opted_in=profile.opted_in)


def _check_free(session: Session, reader_id: uuid.UUID, pseudonym: str) -> None:
    holder = session.scalar(
        select(LeaderboardProfile.reader_id).where(
            LeaderboardProfile.pseudonym_key == pseudonym_key(pseudonym)
        )
    )
    if holder is not None and holder != reader_id:
        raise _taken()


def _taken() -> Conflict:
    return Conflict("another reader has this pseudonym: choose another", code="pseudonym_taken")


def _board_readers(language: str) -> Any:
    """The readers on a language's board: opted in, active, of that edition."""
    return (
        select(LeaderboardProfile.reader_id)
        .join(User, User.id == LeaderboardProfile.reader_id)
        .where(
            LeaderboardProfile.opted_in.is_(True),
            User.is_active.is_(True),
            User.language == language,
        )
    )


def get_leaderboard(
    session: Session,
    *,
    period: str,
    language: str,
    now: datetime,
    settings: Settings,
    reader_id: uuid.UUID | None = None,
) -> Board:
    """The board of a period and edition: the top readers by points earned, and the asking
    reader's own rank among them (whether they opted in or not)."""
    if language not in LANGUAGES:
        raise InvalidInput("language must be 'en' or 'fr'", code="invalid_language")
    since, until = period_bounds(period, now, settings.leaderboard_time_zone)
    window: dict[str, Any] = {"since": since, "until": until, "codes": EARNING_CODES}
    readers = _board_readers(language)
    top = ledger.list_top_earners(
        session, owners=readers, limit=settings.leaderboard_size, **window
    )
    rows = session.execute(
        select(LeaderboardProfile.reader_id, LeaderboardProfile.pseudonym).where(
            LeaderboardProfile.reader_id.in_([owner for owner, _ in top])
        )
    )
    names: dict[uuid.UUID, str] = dict(rows.all())
    entries: list[Entry] = []
    for position, (owner, points) in enumerate(top):
        # Ties share a rank (1, 2, 2, 4).
        rank = entries[-1].rank if entries and entries[-1].points == points else position + 1
        entries.append(Entry(rank, names[owner], points, owner == reader_id))
    you = _your_rank(session, reader_id, readers, window) if reader_id else None
    zone = ZoneInfo(settings.leaderboard_time_zone)
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date() - timedelta(days=1)
    return Board(period, language, since, until, entries, you, first, last)


def _your_rank(
    session: Session, reader_id: uuid.UUID, readers: Any, window: dict[str, Any]
) -> YourRank:
    if session.get(User, reader_id) is None:
        raise NotFound("no such reader", code="reader_not_found")
    mine = ledger.list_top_earners(session, owners=[reader_id], **window)
    points = mine[0][1] if mine else 0
    others = readers.where(LeaderboardProfile.reader_id != reader_id)
    above = ledger.count_earners_above(session, owners=others, points=points, **window)
    return YourRank(
        rank=above + 1,
        points=points,
        on_board=_is_listed(session, reader_id, readers),
        pseudonym=get_preferences(session, reader_id).pseudonym,
    )


def _is_listed(session: Session, reader_id: uuid.UUID, readers: Any) -> bool:
    listed = session.scalar(readers.where(LeaderboardProfile.reader_id == reader_id))
    return listed is not None
