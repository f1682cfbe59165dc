"""The reading panel of an article page, and the page-view token that proves it was served."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.reading import tokens
from readtoearn.reading.models import Read
from readtoearn.reading.terms import points_of, reward_key


@dataclass(frozen=True)
class Panel:
    """What the article page shows a signed-in reader about this article's points."""

    points: int
    view_token: str
    rewarded: Read | None


def get_panel(
    session: Session, settings: Settings, clock: Clock, *, reader_id: uuid.UUID, article: Article
) -> Panel:
    """The reading panel of an article page: its points, a page-view token, any earlier reward."""
    rewarded = session.scalar(
        select(Read).where(Read.reward_key == reward_key(reader_id, article.id))
    )
    view = view_token_for(settings, clock, article.id, tokens.reader_subject(reader_id))
    return Panel(points=points_of(article, settings), view_token=view, rewarded=rewarded)


def view_token_for(settings: Settings, clock: Clock, article_id: uuid.UUID, subject: str) -> str:
    """A page-view token for an article page served now to `subject` (a reader or a device)."""
    return tokens.sign_view(
        settings.resolved_secret_key, article_id, clock.now().timestamp(), subject
    )
