"""`readtoearn points grant`: an adjustment from the programme budget to a reader's wallet."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards


@click.group()
def points() -> None:
    """Readers' points."""


@points.command()
@click.argument("email")
@click.argument("amount", type=click.IntRange(1, 10**9))
@click.option("--reason", required=True, help="Why: the reader sees it in their history.")
@click.option("--key", default=None, help="A unique key: granting again with it does nothing.")
@friendly_errors
def grant(email: str, amount: int, reason: str, key: str | None) -> None:
    """Grant AMOUNT points to the reader with EMAIL, from the programme budget."""
    settings = load_settings()
    with open_database(settings) as database:

        def work(s: Session) -> tuple[bool, int]:
            user = accounts.get_user_by_email(s, email)
            if user is None:
                raise Failure(f"no reader with the e-mail {email}")
            created = rewards.grant_points(s, user.id, amount, reason, key=key)
            wallet = ledger.balance(s, ledger.get_or_create_wallet(s, user.id))
            return created, wallet.available

        created, available = ledger.run_in_transaction(database, work)
    said = "granted" if created else "already granted with this key"
    click.echo(f"{said}; {email} has {available} point(s) to spend")
