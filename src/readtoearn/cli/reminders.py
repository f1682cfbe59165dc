"""`readtoearn reminders`: the reminder e-mails, for a cron when the server's own sweep is off."""

from __future__ import annotations

import click

from readtoearn.accounts.email import make_email_backend
from readtoearn.cli.base import friendly_errors, load_settings, open_database
from readtoearn.clock import SystemClock
from readtoearn.quests import reminders


@click.group(name="reminders")
def reminders_group() -> None:
    """Reminder e-mails: points about to expire, quests about to close."""


@reminders_group.command()
@friendly_errors
def send() -> None:
    """Send every reminder that is due (each one once, whoever runs it and how often)."""
    settings = load_settings()
    backend = make_email_backend(settings)
    with open_database(settings) as database:
        report = reminders.send_reminders(database, SystemClock().now(), settings, backend)
    click.echo(
        f"reminders: {report.points_expiring} about expiring points, "
        f"{report.quests_closing} about closing quests"
    )
