"""articles: the lead, the editor's key points and the main image's caption count as read

Words, paragraphs and reading time of the articles already stored now count what a reader reads:
the lead is paragraph 0 of the tracker's numbering, and its words, the key points' and the main
image's caption's are added (captions inside the body were counted already).

Revision ID: 0014_words_read
Revises: 0013_console
Create Date: 2026-12-06 10:35:00.000000
"""

import math
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_words_read"
down_revision: str | Sequence[str] | None = "0013_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of articles/text.py's word rule as it was when written: a migration does not change
# when the code does.
WORD_RE = re.compile(r"[^\W_]+(?:['’\-.,][^\W_]+)*")
SPACE_RE = re.compile(r"\s+")

articles = sa.table(
    "articles",
    sa.column("id", sa.Uuid()),
    sa.column("lead", sa.Text()),
    sa.column("image_caption", sa.Text()),
    sa.column(
        "key_points", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    ),
    sa.column("language", sa.String()),
    sa.column("word_count", sa.Integer()),
    sa.column("paragraph_count", sa.Integer()),
    sa.column("reading_seconds", sa.Integer()),
    sa.column("reading_minutes", sa.Integer()),
)


def _pace(language: str) -> int:
    from readtoearn.config import get_settings

    return get_settings().reading_wpm(language)


def _change(sign: int) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            articles.c.id,
            articles.c.lead,
            articles.c.image_caption,
            articles.c.key_points,
            articles.c.language,
            articles.c.word_count,
            articles.c.paragraph_count,
            articles.c.reading_seconds,
        )
    ).all()
    paces: dict[str, int] = {}
    for row in rows:
        lead = SPACE_RE.sub(" ", row.lead or "").strip()
        parts = [lead, *(row.key_points or []), row.image_caption or ""]
        added = len(WORD_RE.findall("\n\n".join(p for p in parts if p)))
        if not added and not lead:
            continue
        if row.language not in paces:
            paces[row.language] = _pace(row.language)
        seconds = max(1, row.reading_seconds + sign * math.ceil(added * 60 / paces[row.language]))
        bind.execute(
            articles.update()
            .where(articles.c.id == row.id)
            .values(
                word_count=max(0, row.word_count + sign * added),
                paragraph_count=max(0, row.paragraph_count + sign * (1 if lead else 0)),
                reading_seconds=seconds,
                reading_minutes=max(1, math.ceil(seconds / 60)),
            )
        )


def upgrade() -> None:
    _change(+1)


def downgrade() -> None:
    _change(-1)
