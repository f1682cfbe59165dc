"""Demo content written by the readtoearn team: loaded by `serve` unless --no-demo.

Every demo article is fictional news: the companies, people, quotes and figures are invented
(content/authors.json says so too). Illustrations are local SVGs under web/static/demo/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from readtoearn.articles import service
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.text import slugify
from readtoearn.config import Settings

CONTENT_DIR = Path(__file__).parent / "content"
STATIC_DIR = Path(__file__).parents[2] / "web" / "static"
STATIC_PREFIX = "/static/"


@dataclass(frozen=True)
class AuthorProfile:
    """A demo author: the English bio is the default; both are stored as bios per language."""

    key: str
    name: str
    bio: str
    bio_fr: str
    avatar_color: str

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def draft(self) -> AuthorDraft:
        """The author as the articles service takes it: the English bio as the default, and
        both languages' bios."""
        bios = {"en": self.bio, "fr": self.bio_fr} if self.bio_fr else {"en": self.bio}
        return AuthorDraft(name=self.name, bio=self.bio, bios=bios)

    def bio_in(self, language: str) -> str:
        """The bio in a page's language, falling back to English."""
        return self.bio_fr if language == "fr" and self.bio_fr else self.bio


@cache
def authors() -> dict[str, AuthorProfile]:
    """The demo authors by key, as in content/authors.json."""
    data = _read_json(CONTENT_DIR / "authors.json")
    return {
        key: AuthorProfile(
            key=key,
            name=record["name"],
            bio=record["bio"],
            bio_fr=record.get("bio_fr", ""),
            avatar_color=record.get("avatar_color", "#5b6270"),
        )
        for key, record in data["authors"].items()
    }


def profile_for(author_slug: str) -> AuthorProfile | None:
    """The demo profile of a stored author (by slug), if the author is a demo one."""
    return next((p for p in authors().values() if p.slug == author_slug), None)


def static_path(url: str) -> Path | None:
    """The file behind a "/static/..." image URL, or None for any other URL."""
    if not url.startswith(STATIC_PREFIX):
        return None
    return STATIC_DIR / url.removeprefix(STATIC_PREFIX)


def drafts() -> list[ArticleDraft]:
    """Every demo article, as drafts, in file-name order."""
    profiles = authors()
    result = []
    for path in sorted(CONTENT_DIR.glob("article-*.json")):
        record = _read_json(path)
        unknown = [key for key in record["authors"] if key not in profiles]
        if unknown:
            raise ValueError(f"{path.name}: unknown author keys {unknown}")
        published_at = datetime.fromisoformat(record["published_at"])
        if published_at.tzinfo is None:
            raise ValueError(f"{path.name}: published_at has no time zone")
        result.append(
            ArticleDraft(
                title=record["title"],
                html=record["html"],
                canonical_url=record["url"],
                description=record.get("description", ""),
                lead=record.get("lead", ""),
                language=record["language"],
                published_at=published_at,
                authors=[profiles[key].draft() for key in record["authors"]],
                categories=record.get("categories", []),
                image_url=record.get("image"),
                image_alt=record.get("image_alt", ""),
                image_caption=record.get("image_caption", ""),
                key_points=record.get("key_points", []),
            )
        )
    return result


def load(session: Session, settings: Settings) -> int:
    """Create or refresh the demo articles; safe to run on every start."""
    count = 0
    for draft in drafts():
        service.save_article(session, draft, settings, source="demo")
        count += 1
    return count


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
