"""The demo reader of `readtoearn serve`: checked in once a day, on the board, never a login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.quests import checkin_demo, engagement
from tests.readers import fund, wallet

pytestmark = pytest.mark.real_day


def test_the_demo_reader_checks_in_once_a_day_and_shows_on_the_board(
    session: Session, settings: Settings
) -> None:
    fund(session)
    # The ledger stamps transfers with the real time: the board is read at the real time too.
    now = utcnow()
    # Earlier the same (UTC) day, whatever the hour: an hour later could be tomorrow.
    earlier = now - (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 2
    first = checkin_demo.load(session, settings, earlier)
    again = checkin_demo.load(session, settings, now)
    assert first.created and not again.created
    reader_id = first.checkin.reader_id
    assert again.checkin.reader_id == reader_id
    assert wallet(session, reader_id) == (settings.checkin_points, 0)
    # Nobody can log in as the demo reader: it has no password.
    assert session.get(User, reader_id).password_hash is None
    tomorrow = checkin_demo.load(session, settings, now + timedelta(days=1))
    assert tomorrow.created and tomorrow.streak.current == 2
    board = engagement.get_leaderboard(
        session, period="week", language="en", now=now, settings=settings
    )
    assert [(e.pseudonym, e.points) for e in board.entries] == [
        (checkin_demo.DEMO_PSEUDONYM, 2 * settings.checkin_points)
    ]
