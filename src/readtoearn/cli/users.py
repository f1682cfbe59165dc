"""`readtoearn users`: create and list readers and operators, give console roles, freeze and
unfreeze readers."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from readtoearn.accounts import roles
from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.fraud import freezes


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
    "--role",
    type=click.Choice([r.value for r in roles.Role]),
    default=None,
    help="A console role (implies --operator): operator, editor or support.",
)
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Interface language (default: the site's).",
)
@friendly_errors
def create(
    email: str,
    password: str,
    display_name: str,
    operator: bool,
    role: str | None,
    language: str | None,
) -> None:
    """Create a reader (or an operator with --operator or --role) and print their id."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        user = accounts.create_user(
            session,
            settings,
            email=email,
            password=password,
            display_name=display_name,
            language=language,
            is_operator=operator or role is not None,
            # The operator who runs the command vouches for the address.
            email_verified=True,
        )
        if role is not None and role != roles.Role.OPERATOR:
            roles.set_role(session, user, roles.Role(role), by=None, note="created with this role")
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
                str(roles.role_of(u) or "reader"),
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


@users.command("role")
@click.argument("email")
@click.argument("role", metavar="ROLE")
@click.option("--note", default="", help="Why (kept in the audit trail).")
@friendly_errors
def role_(email: str, role: str, note: str) -> None:
    """Give the user EMAIL a console ROLE: operator, editor, support, or none (a plain reader)."""
    settings = load_settings()
    wanted = roles.parse_role(role)
    with open_database(settings) as database, database.session(write=True) as session:
        user = _user(session, email)
        changed = roles.set_role(session, user, wanted, by=None, note=note)
    name = wanted.value if wanted else "a reader"
    click.echo(f"{email} is {'now' if changed else 'already'} {name}")


def _user(session: Session, email: str) -> User:
    """The user with this e-mail, or a one-line failure."""
    user = accounts.get_user_by_email(session, email)
    if user is None:
        raise Failure(f"no user has the e-mail {email}")
    return user


@users.command("freeze")
@click.argument("email")
@click.option("--reason", required=True, help="Why (the reader sees it; kept in the audit trail).")
@friendly_errors
def freeze(email: str, reason: str) -> None:
    """Freeze the reader EMAIL: they earn and spend nothing until unfrozen, and are told why."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        user = _user(session, email)
        freezes.freeze_reader(session, user.id, reason, by=None)
    click.echo(f"{email} is frozen: they earn and spend no points until unfrozen")


@users.command("unfreeze")
@click.argument("email")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@friendly_errors
def unfreeze(email: str, reason: str) -> None:
    """Unfreeze the reader EMAIL: they earn and spend points again."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        user = _user(session, email)
        freezes.unfreeze_reader(session, user.id, reason, by=None)
    click.echo(f"{email} is unfrozen: they earn and spend points again")
