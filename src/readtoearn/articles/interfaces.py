"""What an extractor hands to the articles service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class AuthorDraft:
    name: str
    bio: str = ""
    url: str | None = None
    # Bios by language ({"en": ..., "fr": ...}); `bio` alone is taken as the article's language's.
    bios: dict[str, str] = field(default_factory=dict)


@dataclass
class ArticleDraft:
    """An article as extracted from a page, a feed or a JSON record, before it is stored."""

    title: str
    html: str
    canonical_url: str | None = None
    description: str = ""
    lead: str = ""
    language: str | None = None
    published_at: datetime | None = None
    # When the publisher last changed the article (their page's dateModified and the like).
    modified_at: datetime | None = None
    authors: list[AuthorDraft] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    image_url: str | None = None
    image_alt: str = ""
    image_caption: str = ""
    key_points: list[str] = field(default_factory=list)
    site_name: str = ""
    # The URLs of the same article in other languages (<link rel="alternate" hreflang>).
    translations: list[str] = field(default_factory=list)
