"""The readtoearn command line: `readtoearn --help` lists every command."""

from __future__ import annotations

import sys

import click

from readtoearn import __version__
from readtoearn.cli import authors as authors_commands
from readtoearn.cli import budget as budget_commands
from readtoearn.cli import db as db_commands
from readtoearn.cli import importer as import_commands
from readtoearn.cli import ledger as ledger_commands
from readtoearn.cli import points as points_commands
from readtoearn.cli import quests as quests_commands
from readtoearn.cli import reminders as reminders_commands
from readtoearn.cli import rewards as rewards_commands
from readtoearn.cli import serve as serve_commands
from readtoearn.cli import sites as sites_commands
from readtoearn.cli import users as users_commands
from readtoearn.cli.base import Failure
from readtoearn.errors import ReadToEarnError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="readtoearn")
def cli() -> None:
    """readtoearn: Read to Earn for news publishers.

    Settings come from READTOEARN_* environment variables (see docs/configuration.md):
    READTOEARN_DATA_DIR (default ./data), READTOEARN_DATABASE_URL (default: a SQLite file in the
    data directory), READTOEARN_SECRET_KEY (generated into the data directory when unset),
    READTOEARN_REDIS_URL (optional).
    """


cli.add_command(serve_commands.serve)
cli.add_command(db_commands.db)
cli.add_command(ledger_commands.audit)
cli.add_command(ledger_commands.ledger_group)
cli.add_command(import_commands.import_articles)
cli.add_command(authors_commands.authors_group)
cli.add_command(users_commands.users)
cli.add_command(budget_commands.budget)
cli.add_command(budget_commands.review)
cli.add_command(rewards_commands.rewards_group)
cli.add_command(points_commands.points)
cli.add_command(quests_commands.quests_group)
cli.add_command(quests_commands.sponsors_group)
cli.add_command(sites_commands.sites_group)
cli.add_command(reminders_commands.reminders_group)


def main() -> None:
    """Run the CLI; a failure a user can act on prints one line and exits non-zero."""
    try:
        cli.main(standalone_mode=True)
    except (ReadToEarnError, Failure) as exc:
        click.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        sys.exit(1)
