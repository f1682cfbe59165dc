"""Which of an author's bios a page shows.

An author has a default bio (`bio`) and bios by language (`bios`, {"en": ..., "fr": ...}). A page
shows the bio written in its language; without one, the default bio; without that, the bio in
another language, marked with its language so a screen reader pronounces it right.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article, Author, article_authors
from readtoearn.db import utcnow
from readtoearn.errors import InvalidInput, NotFound

LANGUAGES = ("en", "fr")
MAX_BIO_CHARS = 2000


@dataclass(frozen=True)
class Bio:
    text: str
    # The bio's language when known ("en", "fr"); None for a default bio of unknown language.
    language: str | None


def bio_for(author: Author, language: str) -> Bio | None:
    """The bio to show on a page in `language`, or None when the author has none."""
    bios = {lang: text for lang, text in (author.bios or {}).items() if text}
    if language in bios:
        return Bio(bios[language], language)
    if author.bio:
        known = next((lang for lang, text in sorted(bios.items()) if text == author.bio), None)
        return Bio(author.bio, known)
    for lang in sorted(bios):
        return Bio(bios[lang], lang)
    return None


def list_authors(session: Session) -> list[Author]:
    """Every author, by name."""
    return list(session.scalars(select(Author).order_by(Author.name)).all())


def get_author_bios(session: Session, slug: str) -> Author:
    """One author by slug; NotFound when there is none."""
    author = session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        raise NotFound("no author has this name")
    return author


def set_bio(session: Session, slug: str, language: str | None, text: str) -> Author:
    """Set an author's bio in one language (`language`), or the default bio (None); an empty
    text removes that language's bio. Their articles count as changed, so the pages showing
    the bio are rendered again."""
    author = get_author_bios(session, slug)
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"unknown language {language!r}: use {' or '.join(LANGUAGES)}")
    clean = textlib.normalise_space(text)
    if len(clean) > MAX_BIO_CHARS:
        raise InvalidInput(f"a bio has at most {MAX_BIO_CHARS} characters")
    if language is None:
        author.bio = clean
    else:
        bios = {lang: bio for lang, bio in (author.bios or {}).items() if lang != language}
        if clean:
            bios[language] = clean
        author.bios = bios
    written = select(article_authors.c.article_id).where(article_authors.c.author_id == author.id)
    session.execute(update(Article).where(Article.id.in_(written)).values(updated_at=utcnow()))
    session.flush()
    return author
