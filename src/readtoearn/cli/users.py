"""`readtoearn users`: create and list readers and operators."""

from __future__ import annotations

import click

from readtoearn.accounts import service as accounts
from readtoearn.cli.base import friendly_errors, load_settings, open_database


@click.group()
def users() -> None:
    """Readers and operators."""


@users.command()
@click.option("--email", required=True, help="The e-mail address (the login).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters; asked for when not given.",
)
@click.option(
    "--name", "display_name", default="", help="Display name (default: the e-mail's local part)."
)
@click.option("--operator", is_flag=True, help="An operator: may manage the programme.")
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Interface language (default: the site's).",
)
@friendly_errors
def create(
    email: str, password: str, display_name: str, operator: bool, language: str | None
) -> None:
    """Create a reader (or an operator with --operator) and print their id."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        user = accounts.create_user(
            session,
            settings,
            email=email,
            password=password,
            display_name=display_name,
            language=language,
            is_operator=operator,
            # The operator who runs the command vouches for the address.
            email_verified=True,
        )
        user_id = user.id
    click.echo(str(user_id))


@users.command("list")
@friendly_errors
def list_() -> None:
    """List every user: id, e-mail, name, language, role, joined."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        rows = [
            (
                str(u.id),
                u.email,
                u.display_name,
                u.language,
                "operator" if u.is_operator else "reader",
                u.created_at.strftime("%Y-%m-%d %H:%M"),
            )
            for u in accounts.list_users(session, limit=1_000_000)
        ]
    if not rows:
        click.echo("no users yet: create one with `readtoearn users create`")
        return
    header = ("id", "email", "name", "language", "role", "joined (UTC)")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
