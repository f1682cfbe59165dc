"""`readtoearn db reindex-search`: the SQLite search index written again from the articles."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from readtoearn.articles import search
from readtoearn.cli import cli
from readtoearn.db import Database, make_engine

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def test_reindex_search_rebuilds_a_lost_index(tmp_path: Path) -> None:
    env = {
        "READTOEARN_DATA_DIR": str(tmp_path / "data"),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "READTOEARN_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    }
    imported = CliRunner().invoke(cli, ["import", str(PAGES / "fr-wordpress.html")], env=env)
    assert imported.exit_code == 0, imported.output
    title = imported.stdout.splitlines()[0].split(maxsplit=6)[-1]
    word = max(title.split(), key=len)

    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session(write=True) as session:
            assert search.search(session, word).total == 1
            session.execute(text("DELETE FROM article_search"))
        with database.session() as session:
            assert search.search(session, word).total == 0

        result = CliRunner().invoke(cli, ["db", "reindex-search"], env=env)
        assert result.exit_code == 0, result.output
        assert result.stdout == "1 articles indexed\n"
        with database.session() as session:
            assert search.search(session, word).total == 1
    finally:
        database.dispose()
