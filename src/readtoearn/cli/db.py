"""`readtoearn db`: migrations."""

from __future__ import annotations

import click

from readtoearn import migrations
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
