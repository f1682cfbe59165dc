"""Leaderboards: opt-in, pseudonyms, the reader's own rank, period boundaries, editions, sources."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.errors import Conflict, InvalidInput
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import TransferCode, TransferFlags
from readtoearn.quests import engagement
from tests.readers import fund, make_reader

# Wednesday 18 November 2026, noon UTC: its week began on Monday the 16th.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def earn(
    session: Session,
    reader_id: uuid.UUID,
    points: int,
    when: datetime,
    code: TransferCode = TransferCode.READ_REWARD,
    pending: bool = False,
) -> uuid.UUID:
    """Points credited to a reader's wallet at a given time."""
    tid = uuid.uuid4()
    spec = TransferSpec(
        id=tid,
        debit_account_id=ledger.programme_budget(session),
        credit_account_id=ledger.get_or_create_wallet(session, reader_id),
        amount=points,
        code=code,
        flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
    )
    assert ledger.create_transfers(session, [spec], now=when)[0].ok
    return tid


def join(
    session: Session,
    settings: Settings,
    name: str,
    *,
    pseudonym: str | None = None,
    language: str = "en",
) -> Any:
    user, _ = make_reader(session, settings, name)
    user.language = language
    if pseudonym:
        engagement.set_preferences(session, user.id, now=NOW, opted_in=True, pseudonym=pseudonym)
    return user


def board(session: Session, settings: Settings, reader: Any = None, **kw: Any) -> Any:
    values = {"period": "week", "language": "en", "now": NOW} | kw
    return engagement.get_leaderboard(
        session, settings=settings, reader_id=reader.id if reader else None, **values
    )


@pytest.fixture(autouse=True)
def funded(session: Session) -> None:
    fund(session, 100_000)


def test_only_readers_who_opted_in_appear_under_their_pseudonym(
    session: Session, settings: Settings
) -> None:
    ada = join(session, settings, "ada", pseudonym="Nightowl")
    bob = join(session, settings, "bob")  # never opted in
    earn(session, ada.id, 30, NOW)
    earn(session, bob.id, 90, NOW)
    entries = board(session, settings).entries
    assert [(e.rank, e.pseudonym, e.points) for e in entries] == [(1, "Nightowl", 30)]
    # Opting out takes the reader off the board at once; the pseudonym stays theirs.
    engagement.set_preferences(session, ada.id, now=NOW, opted_in=False)
    assert board(session, settings).entries == []
    assert engagement.get_preferences(session, ada.id).pseudonym == "Nightowl"


def test_the_reader_sees_their_own_rank_even_off_the_board(
    session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(update={"leaderboard_size": 2})
    readers = [join(session, settings, f"r{n}", pseudonym=f"Player {n}") for n in range(4)]
    for n, reader in enumerate(readers):
        earn(session, reader.id, 100 - 10 * n, NOW)
    shy = join(session, settings, "shy")
    earn(session, shy.id, 75, NOW)
    shown = board(session, settings, shy)
    assert [e.pseudonym for e in shown.entries] == ["Player 0", "Player 1"]
    assert shown.you is not None
    # Above 70 and below 80: fourth, though only opted-in readers are counted.
    assert (shown.you.rank, shown.you.points, shown.you.on_board) == (4, 75, False)
    last = board(session, settings, readers[3]).you
    assert (last.rank, last.points, last.on_board) == (4, 70, True)
    first = board(session, settings, readers[0])
    assert first.you.rank == 1 and first.entries[0].is_you


def test_ties_share_a_rank(session: Session, settings: Settings) -> None:
    for n, points in enumerate((50, 40, 40, 10)):
        earn(session, join(session, settings, f"t{n}", pseudonym=f"Tie {n}").id, points, NOW)
    assert [e.rank for e in board(session, settings).entries] == [1, 2, 2, 4]


def test_the_week_and_the_month_begin_at_midnight_on_their_first_day(
    session: Session, settings: Settings
) -> None:
    ada = join(session, settings, "ada", pseudonym="Early Bird")
    earn(session, ada.id, 7, MONDAY - timedelta(microseconds=1))  # Sunday: last week
    earn(session, ada.id, 11, MONDAY)  # Monday 00:00: this week
    earn(session, ada.id, 13, datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # last month
    earn(session, ada.id, 17, datetime(2026, 11, 1, tzinfo=UTC))  # this month
    week = board(session, settings)
    assert (week.starts_at, week.ends_at) == (MONDAY, MONDAY + timedelta(days=7))
    assert week.entries[0].points == 11
    month = board(session, settings, period="month")
    assert month.starts_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert month.ends_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert month.entries[0].points == 11 + 7 + 17
    # Next Monday, a new week starts empty.
    assert board(session, settings, now=MONDAY + timedelta(days=7)).entries == []


def test_periods_follow_the_leaderboard_time_zone(session: Session, settings: Settings) -> None:
    settings = settings.model_copy(update={"leaderboard_time_zone": "Europe/Paris"})
    ada = join(session, settings, "ada", pseudonym="Parisienne")
    # Sunday 23:30 UTC is Monday 00:30 in Paris: this week there.
    earn(session, ada.id, 5, MONDAY - timedelta(minutes=30))
    week = board(session, settings)
    assert week.starts_at == MONDAY - timedelta(hours=1)
    assert week.entries[0].points == 5


def test_each_language_edition_has_its_own_board(session: Session, settings: Settings) -> None:
    ada = join(session, settings, "ada", pseudonym="Anglaise")
    zoe = join(session, settings, "zoe", pseudonym="Lectrice", language="fr")
    earn(session, ada.id, 20, NOW)
    earn(session, zoe.id, 10, NOW)
    assert [e.pseudonym for e in board(session, settings).entries] == ["Anglaise"]
    assert [e.pseudonym for e in board(session, settings, language="fr").entries] == ["Lectrice"]
    with pytest.raises(InvalidInput):
        board(session, settings, language="de")
    with pytest.raises(InvalidInput):
        board(session, settings, period="year")


def test_points_earned_count_not_grants_holds_or_spending(
    session: Session, settings: Settings
) -> None:
    ada = join(session, settings, "ada", pseudonym="Earner")
    earn(session, ada.id, 10, NOW)
    earn(session, ada.id, 5, NOW, code=TransferCode.DAILY_CHECKIN)
    earn(session, ada.id, 20, NOW, code=TransferCode.STREAK_BONUS)
    earn(session, ada.id, 3, NOW, code=TransferCode.QUIZ_BONUS)
    earn(session, ada.id, 1000, NOW, code=TransferCode.ADJUSTMENT)  # an operator's grant
    earn(session, ada.id, 50, NOW, pending=True)  # a held read: not yet earned
    assert board(session, settings).entries[0].points == 38


def test_pseudonyms_are_checked_unique_and_never_an_address_or_a_name(
    session: Session, settings: Settings
) -> None:
    ada = join(session, settings, "ada.lovelace", pseudonym="Countess")
    ada.display_name = "Ada Lovelace"
    bob = join(session, settings, "bob")
    with pytest.raises(Conflict) as taken:
        engagement.set_preferences(session, bob.id, now=NOW, opted_in=True, pseudonym="COUNTESS")
    assert taken.value.code == "pseudonym_taken"
    refused = {
        "bob@example.org": "invalid_pseudonym",
        "example.org": "invalid_pseudonym",
        "ab": "invalid_pseudonym",
        "x" * 25: "invalid_pseudonym",
        "<b>hi</b>": "invalid_pseudonym",
        "-dash": "invalid_pseudonym",
        "Site Admin": "invalid_pseudonym",
        "Bob the builder": "pseudonym_reveals_identity",
    }
    for pseudonym, code in refused.items():
        with pytest.raises(InvalidInput) as caught:
            engagement.set_preferences(session, bob.id, now=NOW, opted_in=True, pseudonym=pseudonym)
        assert caught.value.code == code, pseudonym
    with pytest.raises(InvalidInput) as caught:
        engagement.set_preferences(session, ada.id, now=NOW, pseudonym="lovelace fan")
    assert caught.value.code == "pseudonym_reveals_identity"
    with pytest.raises(InvalidInput) as needed:
        engagement.set_preferences(session, bob.id, now=NOW, opted_in=True)
    assert needed.value.code == "pseudonym_required"
    # Letters of any script, spaces collapsed.
    done = engagement.set_preferences(
        session, bob.id, now=NOW, opted_in=True, pseudonym="  Élan   vital 7 "
    )
    assert (done.pseudonym, done.opted_in) == ("Élan vital 7", True)


def test_a_blocked_reader_leaves_the_board(session: Session, settings: Settings) -> None:
    ada = join(session, settings, "ada", pseudonym="Vanished")
    earn(session, ada.id, 10, NOW)
    ada.is_active = False
    session.flush()
    assert board(session, settings).entries == []
