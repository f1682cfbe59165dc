"""`readtoearn db`: migrations, and the search index."""

from __future__ import annotations

import click

from readtoearn import migrations
from readtoearn.articles import search
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database


@click.group()
def db() -> None:
    """Create and migrate the database."""


@db.command()
@friendly_errors
def upgrade() -> None:
    """Apply every migration (SQLite or READTOEARN_DATABASE_URL)."""
    settings = load_settings()
    with open_database(settings) as database:
        migrations.upgrade(database.engine)
        click.echo(f"database at revision {migrations.current_revision(database.engine)}")


@db.command()
@friendly_errors
def check() -> None:
    """Exit non-zero when the database is behind or the models and migrations disagree."""
    settings = load_settings()
    with open_database(settings) as database:
        current = migrations.current_revision(database.engine)
        head = migrations.head_revision(database.engine)
        if current != head:
            raise Failure(f"database at {current}, package at {head}: run `readtoearn db upgrade`")
        changes = migrations.pending_changes(database.engine)
        if changes:
            raise Failure(f"models and migrations disagree: {changes[:3]}")
        click.echo(f"database at {current}; models and migrations agree")


@db.command("reindex-search")
@friendly_errors
def reindex_search() -> None:
    """Write the search index again for every article (SQLite; PostgreSQL keeps its own)."""
    settings = load_settings()
    with open_database(settings) as database:
        migrations.upgrade(database.engine)
        with database.session(write=True) as session:
            count = search.reindex(session)
        if database.engine.dialect.name == "sqlite":
            click.echo(f"{count} articles indexed")
        else:
            click.echo("nothing to do: PostgreSQL keeps its search index itself")
