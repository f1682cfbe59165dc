"""articles: full-text search index, translation groups

Revision ID: 0016_search
Revises: 0015_frozen
Create Date: 2026-12-06 13:40:00.000000

SQLite: an FTS5 table of stemmed words (kept in step by articles/search.py; a trigger drops the
row of a deleted article), filled here for the articles already stored. PostgreSQL: a stored
generated column, the articles' French or English tsvector (ranking reads it instead of parsing
every matched article again), and its GIN index. None is a model: the model/migration check skips
the names that start with `article_search` (migrations/__init__.py).
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_search"
down_revision: str | Sequence[str] | None = "0015_frozen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The document PostgreSQL indexes: the title weighted A, the lead and body B, each parsed with
# the article's language's configuration, accents taken off first (as FTS5's remove_diacritics
# on SQLite: the `unaccent` extension would need rights a database owner may not have; the
# query's words are folded the same way, in Python).
CONFIG = "(CASE language WHEN 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END)"
ACCENTED = "ÀÂÄÁÃÅàâäáãåÈÉÊËèéêëÎÏÍÌîïíìÔÖÓÒÕôöóòõÙÛÜÚùûüúÇçÿŸÑñ"
PLAIN = "AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcyYNn"


def _plain(column: str) -> str:
    return f"translate(coalesce({column}, ''), '{ACCENTED}', '{PLAIN}')"


DOCUMENT = (
    f"(setweight(to_tsvector({CONFIG}, {_plain('title')}), 'A') || "
    f"setweight(to_tsvector({CONFIG}, {_plain('lead')} || ' ' || {_plain('text')}), 'B'))"
)


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translation_group", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_articles_translation_group"), ["translation_group"], unique=False
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE articles ADD COLUMN article_search_vector tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        op.execute(
            "CREATE INDEX article_search_document ON articles USING gin (article_search_vector)"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE article_search USING fts5("
        "article_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN "
        "DELETE FROM article_search WHERE article_id = old.id; END"
    )
    from readtoearn.articles.search import fts_rowid, stemmed

    rows = bind.execute(sa.text("SELECT id, language, title, lead, text FROM articles")).all()
    for article_id, language, title, lead, body in rows:
        bind.execute(
            sa.text(
                "INSERT INTO article_search (rowid, article_id, title, body) "
                "VALUES (:rowid, :id, :t, :b)"
            ),
            {
                "rowid": fts_rowid(uuid.UUID(hex=str(article_id))),
                "id": article_id,
                "t": stemmed(title or "", language),
                "b": stemmed(" ".join(p for p in (lead, body) if p), language),
            },
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS article_search_document")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS article_search_vector")
    else:
        op.execute("DROP TRIGGER IF EXISTS article_search_delete")
        op.execute("DROP TABLE IF EXISTS article_search")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_translation_group"))
        batch_op.drop_column("translation_group")
