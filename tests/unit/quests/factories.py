"""Quests, sponsors and readers for the quests tests, made through the real services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.quests import service as quests
from readtoearn.quests.models import Quest, StepKind
from tests.factories import make_article


def make_user(session: Session, name: str = "reader", *, verified: datetime | None = None) -> User:
    user = User(
        email=f"{name}-{uuid.uuid4().hex[:8]}@example.org",
        display_name=name,
        email_verified_at=verified,
    )
    session.add(user)
    session.flush()
    return user


def make_articles(session: Session, settings: Settings, count: int = 2) -> list[Article]:
    return [
        make_article(
            session,
            settings,
            title=f"Quest article {i} {uuid.uuid4().hex[:6]}",
            url=f"https://news.example/quest/{uuid.uuid4().hex}",
        )
        for i in range(count)
    ]


def make_quest(
    session: Session,
    articles: list[Article],
    *,
    points: int = 50,
    extra: list[quests.StepDraft] | None = None,
    **fields: Any,
) -> Quest:
    steps = [quests.StepDraft(kind=StepKind.READ, article=str(a.id)) for a in articles]
    draft = quests.QuestDraft(
        title_en=f"Quest {uuid.uuid4().hex[:6]}",
        points=points,
        steps=steps + (extra or []),
        **fields,
    )
    return quests.create_quest(session, draft, by="test")
