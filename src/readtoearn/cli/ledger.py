"""`readtoearn audit` and `readtoearn ledger`: prove the books balance, read a statement, expire."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import click

from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode

SYSTEM_ACCOUNTS = {
    "budget": AccountCode.BUDGET,
    "funding": AccountCode.FUNDING,
    "redemption": AccountCode.REDEMPTION,
    "expiry": AccountCode.EXPIRY,
}


@click.command()
@friendly_errors
def audit() -> None:
    """Check every ledger invariant; exit 1 with a report when one fails."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        report = ledger.audit(session, expiry_days=settings.points_expiry_days)
    if not report.ok:
        raise Failure(report.render())
    click.echo(report.render())


@click.group(name="ledger")
def ledger_group() -> None:
    """Read and maintain the points ledger."""


def _account_id(text: str) -> uuid.UUID:
    """An account from a UUID, a system account name, or wallet:<reader id>."""
    if text in SYSTEM_ACCOUNTS:
        return ledger.account_id(SYSTEM_ACCOUNTS[text])
    kind, _, rest = text.partition(":")
    try:
        if kind == "wallet" and rest:
            return ledger.account_id(AccountCode.WALLET, owner_id=uuid.UUID(rest))
        return uuid.UUID(text)
    except ValueError:
        raise Failure(
            f"not an account: {text!r} (give an account id, wallet:<reader id>, "
            f"or one of {', '.join(SYSTEM_ACCOUNTS)})"
        ) from None


@ledger_group.command()
@click.argument("account")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@friendly_errors
def show(account: str, limit: int) -> None:
    """Print an account's statement: balances, then its latest transfers."""
    settings = load_settings()
    account_id = _account_id(account)
    with open_database(settings) as database, database.session() as session:
        st = ledger.statement(session, account_id, limit)
        lots = []
        if st.balance.code == AccountCode.WALLET:
            lots = ledger.list_expiring(session, account_id, settings.points_expiry_days)
    b = st.balance
    owner = f" owner {b.owner_id}" if b.owner_id else ""
    click.echo(f"account {b.account_id} ({b.code}, ledger {b.ledger}{owner})")
    click.echo(
        f"  posted {b.posted}  available {b.available}  pending in {b.credits_pending}"
        f"  pending out {b.debits_pending}"
    )
    click.echo(
        f"  debits posted {b.debits_posted} pending {b.debits_pending}; "
        f"credits posted {b.credits_posted} pending {b.credits_pending}"
    )
    for expires_at, points in lots:
        click.echo(f"  {points} expire on {expires_at:%Y-%m-%d %H:%M} UTC")
    if not st.lines:
        click.echo("  no transfers")
    for line in st.lines:
        click.echo(
            f"{line.created_at:%Y-%m-%d %H:%M:%S}  {line.amount:>+10}  {line.code:<16} "
            f"{line.kind:<12} {line.transfer_id}  with {line.counterparty_id}"
        )


@ledger_group.command()
@click.option(
    "--now",
    "now_text",
    help="Pretend it is this time (ISO 8601, UTC when no zone is given).",
)
@friendly_errors
def expire(now_text: str | None) -> None:
    """Void timed-out holds and move expired points to the expiry sink."""
    settings = load_settings()
    now = _parse_now(now_text)
    with open_database(settings) as database:
        voided = ledger.run_in_transaction(database, lambda s: ledger.void_expired_pending(s, now))
        report = ledger.run_in_transaction(
            database, lambda s: ledger.expire(s, now, settings.points_expiry_days)
        )
    click.echo(f"voided {voided} timed-out pending transfer(s)")
    if settings.points_expiry_days is None:
        click.echo("points never expire (READTOEARN_POINTS_EXPIRY_DAYS is not set)")
    else:
        click.echo(f"expired {report.points} point(s) from {report.accounts} wallet(s)")


def _parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Failure(f"--now: not an ISO 8601 time: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
