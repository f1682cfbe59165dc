"""Demo content written by the readtoearn team: loaded by `serve` unless --no-demo."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from readtoearn.articles import service
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.config import Settings

CONTENT_DIR = Path(__file__).parent / "content"


def drafts() -> list[ArticleDraft]:
    """Every demo article, as drafts, in file-name order."""
    authors = json.loads((CONTENT_DIR / "authors.json").read_text(encoding="utf-8"))
    result = []
    for path in sorted(CONTENT_DIR.glob("article-*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        result.append(
            ArticleDraft(
                title=record["title"],
                html=record["html"],
                canonical_url=record["url"],
                description=record.get("description", ""),
                lead=record.get("lead", ""),
                language=record["language"],
                published_at=datetime.fromisoformat(record["published_at"]),
                authors=[
                    AuthorDraft(name=authors[key]["name"], bio=authors[key]["bio"])
                    for key in record["authors"]
                ],
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
