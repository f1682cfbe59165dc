"""Storing and querying articles: the only code that writes them."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

# Imported for its flush listener: every article written keeps the search index in step.
from readtoearn.articles import search as search
from readtoearn.articles import text as textlib
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import (
    Article,
    Author,
    Category,
    article_authors,
    article_categories,
)
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput, NotFound

SUPPORTED_LANGUAGES = ("en", "fr")
MIN_WORDS = 20
# An article's status (`Article.status`, migration 0018) is published by default. An unpublished or
# deleted article is hidden from readers (lists, feeds, its page, new reads); a deleted one is a
# soft removal: its row stays, so the reads and ledger entries that name it keep their meaning.
PUBLISHED = "published"
UNPUBLISHED = "unpublished"
DELETED = "deleted"
STATUSES = (PUBLISHED, UNPUBLISHED, DELETED)


@dataclass(frozen=True)
class SaveResult:
    article: Article
    created: bool


def detect_language(text: str, declared: str | None = None) -> str:
    """The article's language: the declared one when we support it, else detected (en or fr)."""
    if declared:
        primary = declared.strip().lower().replace("_", "-").split("-")[0]
        if primary in SUPPORTED_LANGUAGES:
            return primary
    language, _score = _language_identifier().classify(text[:5000])
    return language if language in SUPPORTED_LANGUAGES else "en"


@cache
def _language_identifier() -> Any:
    """py3langid's model (shipped in its wheel), restricted to the languages we support."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED_LANGUAGES))
    return identifier


def content_hash(title: str, text: str) -> str:
    """A stable fingerprint of an article's words, for articles with no canonical URL."""
    normalised = textlib.normalise_space(f"{title}\n{text}").casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


def save_article(
    session: Session, draft: ArticleDraft, settings: Settings, *, source: str = "import"
) -> SaveResult:
    """Create or update an article, keyed by canonical URL, else by content hash."""
    title = textlib.normalise_space(draft.title)
    if not title:
        raise InvalidInput("the article has no title")
    html = textlib.sanitise_html(draft.html)
    body_text = textlib.text_of(html)
    body_words = textlib.count_words(body_text)
    if body_words < MIN_WORDS:
        raise InvalidInput(f"no article text found ({body_words} words)")
    language = detect_language(f"{title}\n{body_text}", draft.language)
    lead = textlib.normalise_space(draft.lead)
    key_points = [textlib.normalise_space(p) for p in draft.key_points if p.strip()]
    image_caption = textlib.normalise_space(draft.image_caption)
    # Reading time counts all a reader reads, not the body alone.
    words = textlib.words_read(lead, key_points, html, image_caption)
    images = textlib.count_images(html) + (1 if draft.image_url else 0)
    timing = textlib.reading_time(words, images, settings.reading_wpm(language))
    digest = content_hash(title, body_text)

    article = None
    if draft.canonical_url:
        article = session.scalar(
            select(Article).where(Article.canonical_url == draft.canonical_url)
        )
    if article is None:
        article = session.scalar(select(Article).where(Article.content_hash == digest))
    created = article is None
    if article is None:
        article = Article(slug=textlib.slugify(title))
        session.add(article)

    article.canonical_url = draft.canonical_url or article.canonical_url
    if draft.translations:
        group = search.translation_group([article.canonical_url, *draft.translations])
        article.translation_group = group or article.translation_group
    article.content_hash = digest
    article.title = title
    article.description = textlib.normalise_space(draft.description)
    article.lead = lead
    article.language = language
    if draft.published_at is not None:
        offset = draft.published_at.utcoffset()
        article.published_at = draft.published_at
        article.published_offset_min = int(offset.total_seconds() // 60) if offset else 0
    if draft.modified_at is not None and (
        article.published_at is None or draft.modified_at >= article.published_at
    ):
        # Only the publisher's own date: our re-imports change rows, not the article.
        article.modified_at = draft.modified_at
    article.image_url = draft.image_url
    article.image_alt = textlib.normalise_space(draft.image_alt)
    article.image_caption = image_caption
    article.html = html
    article.text = body_text
    article.key_points = key_points
    article.word_count = words
    article.image_count = images
    article.paragraph_count = textlib.count_paragraphs(textlib.with_lead(lead, html))
    article.reading_seconds = timing.seconds
    article.reading_minutes = timing.minutes
    article.source = source
    # Importing again never publishes what an editor unpublished or deleted: the status stays.
    article.extra = {"site_name": draft.site_name} if draft.site_name else {}
    session.flush()

    authors = [_get_or_create_author(session, a, language) for a in draft.authors]
    _set_authors(session, article.id, authors)
    names = list(dict.fromkeys(c.strip() for c in draft.categories if c.strip()))
    _set_categories(session, article.id, [_get_or_create_category(session, n) for n in names])
    session.flush()
    session.expire(article, ["authors", "categories"])
    return SaveResult(article=article, created=created)


def _get_or_create_author(session: Session, draft: AuthorDraft, language: str) -> Author:
    name = textlib.normalise_space(draft.name)
    slug = textlib.slugify(name)
    author = session.scalar(select(Author).where(Author.slug.in_(_slugs(name))))
    if author is None:
        author = Author(slug=slug, name=name, bio="", url=None, bios={})
        session.add(author)
    bios = dict(author.bios or {})
    given = {
        lang: textlib.normalise_space(text)
        for lang, text in draft.bios.items()
        if lang in SUPPORTED_LANGUAGES and text.strip()
    }
    if draft.bio:
        author.bio = textlib.normalise_space(draft.bio)
        # A bio that comes with no language (an author box, a record's "bio") is taken as
        # written in the article's language.
        if not given:
            given[language] = author.bio
    bios.update(given)
    if bios != author.bios:
        author.bios = bios
    if not author.bio and bios:
        author.bio = bios.get(language) or next(iter(bios.values()))
    if draft.url:
        author.url = draft.url
    session.flush()
    return author


def _slugs(name: str) -> list[str]:
    """The slug a name has now, and the one the first rule gave it (rows stored before)."""
    return list(dict.fromkeys((textlib.slugify(name), textlib.earlier_slug(name))))


def _get_or_create_category(session: Session, name: str) -> Category:
    slug = textlib.slugify(name)
    category = session.scalar(select(Category).where(Category.slug.in_(_slugs(name))))
    if category is None:
        category = Category(slug=slug, name=textlib.normalise_space(name))
        session.add(category)
        session.flush()
    return category


def _set_authors(session: Session, article_id: uuid.UUID, authors: list[Author]) -> None:
    session.execute(delete(article_authors).where(article_authors.c.article_id == article_id))
    unique = list({a.id: a for a in authors}.values())
    if unique:
        session.execute(
            insert(article_authors),
            [
                {"article_id": article_id, "author_id": a.id, "position": i}
                for i, a in enumerate(unique)
            ],
        )


def _set_categories(session: Session, article_id: uuid.UUID, categories: list[Category]) -> None:
    session.execute(delete(article_categories).where(article_categories.c.article_id == article_id))
    unique = list({c.id: c for c in categories}.values())
    if unique:
        session.execute(
            insert(article_categories),
            [
                {"article_id": article_id, "category_id": c.id, "position": i}
                for i, c in enumerate(unique)
            ],
        )


def _with_relations():
    return (selectinload(Article.authors), selectinload(Article.categories))


def status_of(article: Article) -> str:
    """published, unpublished or deleted."""
    return article.status if article.status in STATUSES else PUBLISHED


def get_article(session: Session, article_id: uuid.UUID | str, *, hidden: bool = False) -> Article:
    """One article by id; NotFound when there is none, or when it is unpublished or deleted
    (unless `hidden`: the console sees every article)."""
    try:
        key = article_id if isinstance(article_id, uuid.UUID) else uuid.UUID(str(article_id))
    except ValueError:
        raise NotFound("no article has this id") from None
    article = session.scalar(select(Article).where(Article.id == key).options(*_with_relations()))
    if article is None or (not hidden and status_of(article) != PUBLISHED):
        raise NotFound("no article has this id")
    return article


def list_articles(
    session: Session,
    *,
    limit: int = 20,
    offset: int = 0,
    category_slug: str | None = None,
    author_slug: str | None = None,
    status: str | None = PUBLISHED,
    language: str | None = None,
    title_search: str | None = None,
) -> tuple[list[Article], int]:
    """Articles, newest first, and the total count for pagination. Readers' lists show the
    published ones (the default); the console passes `status=None` for every article but the
    deleted ones, or names a status."""
    query = select(Article)
    if category_slug:
        query = query.join(Article.categories).where(Category.slug == category_slug)
    if author_slug:
        query = query.join(Article.authors).where(Author.slug == author_slug)
    if status is None:
        query = query.where(Article.status != DELETED)
    else:
        query = query.where(Article.status == status)
    if language:
        query = query.where(Article.language == language)
    if title_search and title_search.strip():
        words = textlib.normalise_space(title_search).lower()
        query = query.where(func.lower(Article.title).contains(words, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        Article.published_at.desc().nulls_last(), Article.created_at.desc(), Article.id.desc()
    )
    items = session.scalars(ordered.limit(limit).offset(offset).options(*_with_relations())).all()
    return list(items), int(total)


def get_category(session: Session, slug: str) -> Category:
    """One category by slug; NotFound when there is none."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound("no category has this name")
    return category


def get_author(session: Session, slug: str) -> Author:
    """One author by slug; NotFound when there is none."""
    author = session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        raise NotFound("no author has this name")
    return author


def list_categories(session: Session) -> list[Category]:
    """Every category, by name."""
    return list(session.scalars(select(Category).order_by(Category.name)).all())


def list_authors(session: Session) -> list[Author]:
    """Every author, by name."""
    return list(session.scalars(select(Author).order_by(Author.name)).all())
