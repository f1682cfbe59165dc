"""A demo reader who checks in, so a fresh `readtoearn serve` shows a streak and a leaderboard.

The account has no password (nobody can log in as it) and appears on the leaderboards under a
pseudonym; it checks in once a day, when the server starts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.quests.checkins import CheckInResult, check_in
from readtoearn.quests.leaderboard import get_preferences, set_leaderboard_profile

DEMO_EMAIL = "demo-reader@example.org"
DEMO_NAME = "Sample account"
DEMO_PSEUDONYM = "Early Bird"


def load(session: Session, settings: Settings, now: datetime) -> CheckInResult:
    """The demo reader (made once, opted in to the boards) checked in for today."""
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = accounts.create_user(
            session, settings, email=DEMO_EMAIL, password=None, display_name=DEMO_NAME
        )
    if get_preferences(session, user.id).pseudonym is None:
        set_leaderboard_profile(session, user, opted_in=True, pseudonym=DEMO_PSEUDONYM, now=now)
    # A seeded account has no reads to show: the read rule is for readers, not for the demo.
    demo = settings.model_copy(update={"checkin_read_days": 0})
    return check_in(session, user.id, now=now, settings=demo)
