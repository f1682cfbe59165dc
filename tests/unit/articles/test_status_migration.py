"""Migration 0018: the console's status moves from `extra` to its own column, and back."""

import json
import uuid

import sqlalchemy as sa
from alembic import command

from readtoearn import migrations
from readtoearn.db import make_engine


def _insert(conn: sa.Connection, extra: dict[str, object]) -> uuid.UUID:
    article_id = uuid.uuid4()
    conn.execute(
        sa.text(
            "INSERT INTO articles (id, slug, content_hash, title, description, lead, language, "
            "image_alt, image_caption, html, text, key_points, word_count, image_count, "
            "paragraph_count, reading_seconds, reading_minutes, source, extra, created_at, "
            "updated_at) VALUES (:id, 's', :hash, 'T', '', '', 'en', '', '', '<p>x</p>', 'x', "
            "'[]', 1, 0, 1, 60, 1, 'import', :extra, '2026-12-01', '2026-12-01')"
        ),
        {"id": article_id.hex, "hash": article_id.hex, "extra": json.dumps(extra)},
    )
    return article_id


def test_the_status_moves_to_its_column_and_back(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrations.upgrade(engine, "0017_article_meta")
    with engine.begin() as conn:
        hidden = _insert(conn, {"status": "unpublished", "site_name": "Le Monde"})
        gone = _insert(conn, {"status": "deleted"})
        shown = _insert(conn, {})
    migrations.upgrade(engine)
    query = sa.text("SELECT status, extra FROM articles WHERE id = :id")
    with engine.connect() as conn:
        rows = {a: conn.execute(query, {"id": a.hex}).one() for a in (hidden, gone, shown)}
    assert rows[hidden].status == "unpublished"
    assert json.loads(rows[hidden].extra) == {"site_name": "Le Monde"}
    assert (rows[gone].status, rows[shown].status) == ("deleted", "published")
    command.downgrade(migrations.alembic_config(engine), "0017_article_meta")
    with engine.connect() as conn:
        extra = sa.text("SELECT extra FROM articles WHERE id = :id")
        assert json.loads(conn.execute(extra, {"id": hidden.hex}).scalar_one()) == {
            "site_name": "Le Monde",
            "status": "unpublished",
        }
        assert json.loads(conn.execute(extra, {"id": shown.hex}).scalar_one()) == {}
    engine.dispose()
