"""Migration 0014: articles stored before it count their lead, key points and main caption."""

import json
import math
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from readtoearn import migrations
from readtoearn.articles import text as textlib
from readtoearn.db import make_engine

BODY = "".join(f"<p>{' '.join(['mot'] * 51)}</p>" for _ in range(10))


def _insert(conn: sa.Connection, lead: str, key_points: list[str], caption: str) -> uuid.UUID:
    article_id = uuid.uuid4()
    words = textlib.count_words(textlib.text_of(BODY))
    seconds = math.ceil(words * 60 / 220 + 12)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    conn.execute(
        sa.text(
            "INSERT INTO articles (id, slug, content_hash, title, description, lead, language, "
            "image_url, image_alt, image_caption, html, text, key_points, word_count, "
            "image_count, paragraph_count, reading_seconds, reading_minutes, source, extra, "
            "created_at, updated_at) VALUES (:id, :slug, :hash, 'T', '', :lead, 'fr', "
            "'https://news.example/p.jpg', '', :caption, :html, '', :points, :words, 1, 10, "
            ":seconds, :minutes, 'import', '{}', :now, :now)"
        ),
        {
            "id": article_id.hex,
            "slug": f"a-{article_id.hex[:8]}",
            "hash": article_id.hex,
            "lead": lead,
            "caption": caption,
            "html": BODY,
            "points": json.dumps(key_points),
            "words": words,
            "seconds": seconds,
            "minutes": math.ceil(seconds / 60),
            "now": now.isoformat(),
        },
    )
    return article_id


def test_stored_articles_count_what_is_read_after_the_upgrade(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrations.upgrade(engine, "0013_console")
    with engine.begin() as conn:
        full = _insert(conn, " ".join(["chapô"] * 60), ["un deux", "trois"], "Photo du port")
        bare = _insert(conn, "", [], "")
    migrations.upgrade(engine)
    query = sa.text(
        "SELECT word_count, paragraph_count, reading_seconds, reading_minutes FROM articles "
        "WHERE id = :id"
    )
    with engine.connect() as conn:
        after_full = conn.execute(query, {"id": full.hex}).one()
        after_bare = conn.execute(query, {"id": bare.hex}).one()
    # 510 body words, 60 in the lead, 3 in the key points, 3 in the caption: 576 words, 11
    # paragraphs with the lead, 18 s more at the French pace (152 s for the body and image).
    assert tuple(after_full) == (576, 11, 170, 3)
    assert tuple(after_bare) == (510, 10, 152, 3)
    command.downgrade(migrations.alembic_config(engine), "0013_console")
    with engine.connect() as conn:
        assert tuple(conn.execute(query, {"id": full.hex}).one()) == (510, 10, 152, 3)
    engine.dispose()
