"""What an editor does to an article in the console: edit its words, publish, unpublish, delete.

Each change is one entry in the audit trail, written in the caller's transaction. Delete is a soft
removal (the status `deleted`): the row stays, so the reads, quests and ledger entries that name
the article keep their meaning; a read already under way when the article is unpublished or
deleted runs to its verdict as any other (the reader loses nothing, nothing is invented), and no
new read of it can start.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.articles.service import (
    DELETED,
    PUBLISHED,
    STATUSES,
    UNPUBLISHED,
    _get_or_create_category,
    _set_categories,
    content_hash,
    status_of,
)
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput

MAX_TITLE = 500
MAX_KEY_POINTS = 12
MAX_CATEGORY = 200  # the length of categories.name
ACTIONS = {
    PUBLISHED: "article.publish",
    UNPUBLISHED: "article.unpublish",
    DELETED: "article.delete",
}


def _fields(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "lead": article.lead,
        "categories": [c.name for c in article.categories],
        "key_points": list(article.key_points or []),
        "reading_minutes": article.reading_minutes,
    }


def edit_article(
    session: Session,
    article: Article,
    settings: Settings,
    *,
    title: str,
    lead: str,
    categories: list[str],
    key_points: list[str],
    by: User | None,
) -> bool:
    """Change an article's title, lead, categories and key points, and what depends on them
    (slug, fingerprint, words, paragraphs, reading time). False when nothing changed."""
    title = textlib.normalise_space(title)
    if not title:
        raise InvalidInput("the title is empty", code="title_empty")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"the title is longer than {MAX_TITLE} characters", code="title_long")
    lead = textlib.normalise_space(lead)
    points = [textlib.normalise_space(p) for p in key_points if p.strip()]
    if len(points) > MAX_KEY_POINTS:
        raise InvalidInput(f"at most {MAX_KEY_POINTS} key points", code="key_points_many")
    names = list(dict.fromkeys(textlib.normalise_space(c) for c in categories if c.strip()))
    # slugify answers "item" for a name without a letter or digit: such a name is refused, not
    # merged into a category "item".
    if any(textlib.slugify(n + " x") == "x" for n in names):
        raise InvalidInput("a category needs letters or digits", code="category_name")
    if any(len(n) > MAX_CATEGORY for n in names):
        raise InvalidInput(
            f"a category's name is longer than {MAX_CATEGORY} characters", code="category_long"
        )
    before = _fields(article)
    wanted = {"title": title, "lead": lead, "categories": names, "key_points": points}
    if all(before[k] == v for k, v in wanted.items()):
        return False

    words = textlib.words_read(lead, points, article.html, article.image_caption)
    timing = textlib.reading_time(
        words, article.image_count, settings.reading_wpm(article.language)
    )
    try:
        with session.begin_nested():
            article.title = title
            article.slug = textlib.slugify(title) or article.slug
            article.content_hash = content_hash(title, article.text)
            article.lead = lead
            article.key_points = points
            article.word_count = words
            article.paragraph_count = textlib.count_paragraphs(
                textlib.with_lead(lead, article.html)
            )
            article.reading_seconds = timing.seconds
            article.reading_minutes = timing.minutes
            session.flush()
            categories_now = [_get_or_create_category(session, n) for n in names]
            _set_categories(session, article.id, categories_now)
            session.flush()
    except IntegrityError:
        session.refresh(article)
        raise InvalidInput(
            "another article has this title and the same text", code="duplicate"
        ) from None
    session.expire(article, ["categories"])
    record_action(
        session, by, "article.edit", target=("article", article.id), before=before,
        after=_fields(article),
    )  # fmt: skip
    return True


def set_status(
    session: Session, article: Article, status: str, *, by: User | None, note: str = ""
) -> bool:
    """Publish, unpublish or delete an article (publishing a deleted one restores it). False
    when it already had that status."""
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", code="status")
    before = status_of(article)
    if before == status:
        return False
    article.status = status
    session.flush()
    record_action(
        session,
        by,
        ACTIONS[status],
        target=("article", article.id),
        before={"status": before, "title": article.title},
        after={"status": status, "title": article.title},
        note=note,
    )
    return True
