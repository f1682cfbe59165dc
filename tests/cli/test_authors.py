"""`readtoearn authors`: an operator sets an author's bio per language from the command line;
each change is in the audit trail and shows on the article page in the article's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from readtoearn.accounts.models import OperatorAction
from readtoearn.articles.models import Author
from readtoearn.cli import cli
from readtoearn.db import Database, make_engine


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
    }
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=values).exit_code == 0
    record = tmp_path / "article.json"
    sentence = "Les opérateurs de réseau ont de nouveau averti d'un hiver tendu cette semaine."
    record.write_text(
        json.dumps(
            {
                "url": "https://lefil.example/reseaux",
                "title": "Les réseaux électriques sous tension",
                "text": "\n\n".join(f"{sentence} ({i})" for i in range(6)),
                "language": "fr",
                "authors": [{"name": "Inès Delorme", "bio": "Inès covers energy."}],
            }
        )
    )
    result = CliRunner().invoke(cli, ["import", "--workers", "1", str(record)], env=values)
    assert result.exit_code == 0, result.output
    return values


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env)


def stored(env: dict[str, str], what):
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            return what(session)
    finally:
        database.dispose()


def test_bios_are_set_per_language_and_recorded(env) -> None:
    listed = run(env, "authors", "list")
    assert listed.exit_code == 0, listed.output
    # The record's plain bio was taken as the French article's: default and "fr".
    assert "ines-delorme\tInès Delorme\tbios: fr (default)" in listed.output
    result = run(
        env, "authors", "set-bio", "ines-delorme", "--language", "fr", "Inès couvre l’énergie."
    )
    assert result.exit_code == 0, result.output
    result = run(
        env, "authors", "set-bio", "ines-delorme", "--language", "en", "Inès covers energy."
    )
    assert result.exit_code == 0, result.output
    author = stored(env, lambda s: s.scalar(select(Author)))
    assert author.bios == {"fr": "Inès couvre l’énergie.", "en": "Inès covers energy."}
    assert run(env, "authors", "set-bio", "ines-delorme", "--language", "en", "").exit_code == 0
    assert stored(env, lambda s: s.scalar(select(Author))).bios == {"fr": "Inès couvre l’énergie."}
    trail = stored(
        env, lambda s: s.scalars(select(OperatorAction).order_by(OperatorAction.at)).all()
    )
    assert [(t.action, t.target_kind, t.target_id) for t in trail] == [
        ("author.bio", "author", "ines-delorme")
    ] * 3
    assert trail[0].before == {"bio": "Inès covers energy.", "bio_fr": "Inès covers energy."}
    assert trail[0].after == {"bio": "Inès covers energy.", "bio_fr": "Inès couvre l’énergie."}
    assert "bio_en" not in trail[2].after


def test_mistakes_are_one_line_errors(env) -> None:
    result = run(env, "authors", "set-bio", "nobody", "A bio.")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no author has this name"
    result = run(env, "authors", "set-bio", "ines-delorme", "--language", "de", "Ein Text.")
    assert result.exit_code == 2
    result = run(env, "authors", "set-bio", "ines-delorme", "x" * 2001)
    assert result.exit_code == 1
    assert "at most 2000 characters" in result.output
