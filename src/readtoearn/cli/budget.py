"""`readtoearn budget` and `readtoearn review`: fund the programme, watch it, decide held reads
and appeals, expire the held reads nobody decides, forget old devices and addresses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import click
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.email import make_email_backend
from readtoearn.accounts.trail import record_action
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.config import Settings
from readtoearn.db import new_id, utcnow
from readtoearn.fraud import appeals, dashboard, retention, timeouts
from readtoearn.fraud import service as reviews
from readtoearn.fraud.notices import Notifier
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResult

DEMO_FUNDING = 100_000
# One id for the demo's funding, so that starting the demo again never funds it twice.
DEMO_FUNDING_KEY = "demo-funding"


def fund_demo_budget(session: Session) -> bool:
    """Fund the budget with the demo's points, once ever; True when it happened now."""
    result = ledger.fund_budget(
        session,
        DEMO_FUNDING,
        ledger.transfer_id(DEMO_FUNDING_KEY),
        metadata={"note": "demo content"},
    )
    if not result.ok:
        raise Failure(f"demo funding refused: {result.code}")
    return result.created


@click.group()
def budget() -> None:
    """The programme budget: fund it, see what it holds and what the programme owes."""


@budget.command()
@click.argument("amount", type=click.IntRange(1, 10**12))
@click.option("--note", default="", help="Why the budget is funded (kept on the transfer).")
@click.option(
    "--key", default="", help="A unique key for this funding: running it again funds nothing."
)
@friendly_errors
def fund(amount: int, note: str, key: str) -> None:
    """Add AMOUNT points to the budget, then pay the reads that waited for budget.

    Without --key each call is a new funding; with --key the same key funds once, ever.
    """
    settings = load_settings()
    # Made once, outside the retried transaction: a retry can never fund twice.
    transfer = ledger.transfer_id(f"funding:{key}") if key else new_id()
    metadata = {"source": "cli", **({"note": note.strip()} if note.strip() else {})}
    with open_database(settings) as database:

        def work(session: Session) -> TransferResult:
            done = ledger.fund_budget(session, amount, transfer, metadata=metadata)
            if done.created:
                after = {"points": amount, "transfer_id": transfer}
                record_action(session, None, "budget.fund", after=after, note=note.strip())
            return done

        result = ledger.run_in_transaction(database, work)
        if not result.ok:
            raise Failure(f"funding refused: {result.code}")
        if not result.created:
            click.echo(f"already funded with this key (transfer {transfer})")
        # Part of the funding, which the trail holds already.
        released = ledger.run_in_transaction(
            database, lambda s: reviews.release_budget_holds(s, trail=False)
        )
        with database.session() as session:
            programme = dashboard.get_programme(session, settings)
    if result.created:
        click.echo(f"funded {amount} point(s) (transfer {transfer})")
    click.echo(f"the budget holds {programme.budget_available} point(s)")
    _echo_release(released)


def _echo_release(released: reviews.Release) -> None:
    if released.reads:
        click.echo(
            f"paid {released.reads} read(s) held for want of budget ({released.points} point(s))"
        )
    if released.waiting:
        click.echo(f"{released.waiting} read(s) still wait for budget")


@budget.command()
@friendly_errors
def show() -> None:
    """Print the budget, the points in readers' wallets and what they are worth."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        p = dashboard.get_programme(session, settings)
        held = reviews.count_held(session)
    rows = [
        ("budget available", f"{p.budget_available} points"),
        ("reserved for held reads", f"{p.budget_reserved} points"),
        ("funded in all", f"{p.funded_total} points"),
        ("in wallets, spendable", f"{p.wallets_posted} points"),
        ("in wallets, pending", f"{p.wallets_pending} points"),
        ("outstanding", f"{p.outstanding} points"),
        ("liability", f"{p.liability} {p.currency} (at {p.point_value} {p.currency} a point)"),
        ("held reads to review", str(held)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {value}")


@budget.command()
@friendly_errors
def release() -> None:
    """Pay the reads held for want of budget, oldest first, while the budget lasts."""
    settings = load_settings()
    with open_database(settings) as database:
        released = ledger.run_in_transaction(database, reviews.release_budget_holds)
    if not released.reads and not released.waiting:
        click.echo("no read waits for budget")
    _echo_release(released)


@click.group()
def review() -> None:
    """The review queue: reads held for a decision."""


@review.command("list")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100_000))
@friendly_errors
def list_(limit: int) -> None:
    """List the held reads, oldest first."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        rows = [
            (
                str(h.read.id),
                h.read.completed_at.strftime("%Y-%m-%d %H:%M") if h.read.completed_at else "",
                h.reader_email,
                str(h.read.points),
                ",".join(h.read.reasons),
                "waits for budget" if h.budget_empty else "reserved",
                h.article_title,
            )
            for h in reviews.list_held(session, limit=limit)
        ]
    if not rows:
        click.echo("no read is held for review")
        return
    header = ("read", "ended (UTC)", "reader", "points", "reasons", "points state", "article")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _operator_id(session: Session, email: str | None) -> uuid.UUID | None:
    if not email:
        return None
    user = accounts.get_user_by_email(session, email)
    if user is None or not user.is_operator:
        raise Failure(f"--by: {email} is not an operator")
    return user.id


def _decide(read: str, note: str, by: str | None, *, approve: bool) -> None:
    settings = load_settings()
    decide = reviews.approve if approve else reviews.reject

    def work(session: Session) -> tuple[str, int]:
        review = decide(session, read, _operator_id(session, by), note)
        return review.decision, review.points

    with open_database(settings) as database:
        decision, points = ledger.run_in_transaction(database, work)
    click.echo(f"read {read}: {decision} ({points} point(s))")


_note = click.option("--note", default="", help="Why (kept with the decision).")
_by = click.option("--by", metavar="EMAIL", help="The operator deciding (default: none named).")


@review.command()
@click.argument("read")
@_note
@_by
@friendly_errors
def approve(read: str, note: str, by: str | None) -> None:
    """Approve the held read READ: its points become spendable."""
    _decide(read, note, by, approve=True)


@review.command()
@click.argument("read")
@_note
@_by
@friendly_errors
def reject(read: str, note: str, by: str | None) -> None:
    """Reject the held read READ: its pending points go back to the budget."""
    _decide(read, note, by, approve=False)


def _notifier(settings: Settings) -> Notifier:
    return Notifier.of(settings, make_email_backend(settings))


def _now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Failure(f"--now: not an ISO 8601 time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_now_option = click.option("--now", default=None, help="Act as if it were this time (ISO 8601).")


@review.command()
@_now_option
@friendly_errors
def expire(now: str | None) -> None:
    """Void the held reads nobody decided within READTOEARN_HELD_TIMEOUT_DAYS (readers are told).

    Reads held only for want of budget wait for it and do not expire.
    """
    settings = load_settings()
    when, notifier = _now(now), _notifier(settings)
    with open_database(settings) as database:
        done = ledger.run_in_transaction(
            database,
            lambda s: timeouts.expire_held(s, when, settings.held_timeout_days, notifier=notifier),
        )
    click.echo(f"{done.reads} held read(s) expired, {done.points} point(s) back in the budget")


@review.command()
@_now_option
@friendly_errors
def forget(now: str | None) -> None:
    """Forget devices and addresses older than READTOEARN_FRAUD_RETENTION_DAYS (docs/privacy.md)."""
    settings = load_settings()
    when = _now(now)
    with open_database(settings) as database:
        done = ledger.run_in_transaction(
            database, lambda s: retention.purge(s, when, settings.fraud_retention_days)
        )
    click.echo(
        f"deleted {done.sightings} sighting(s); cleared {done.reads} read(s), "
        f"{done.redemptions} redemption(s) and {done.signups} sign-up address(es); "
        f"deleted {done.secrets} expired session(s), token(s) and e-mail link(s)"
    )


@review.group("appeals")
def appeals_group() -> None:
    """Readers' appeals of held or rejected reads."""


@appeals_group.command("list")
@friendly_errors
def appeals_list() -> None:
    """List the appeals waiting for a decision, oldest first."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        rows = [
            f"{o.appeal.id}  {o.appeal.created_at:%Y-%m-%d %H:%M}  {o.reader_email}  "
            f"read {o.read.id} ({o.read.status})  {o.article_title}\n    {o.appeal.message}"
            for o in appeals.list_open(session)
        ]
    click.echo("\n".join(rows) if rows else "no appeal waits for a decision")


def _decide_appeal(appeal: str, note: str, by: str | None, *, approve: bool) -> None:
    settings = load_settings()
    notifier = _notifier(settings)

    def work(session: Session) -> tuple[str, str, int]:
        done = appeals.decide_appeal(
            session,
            appeal,
            _operator_id(session, by),
            approve=approve,
            note=note,
            settings=settings,
            notifier=notifier,
        )
        return done.appeal.decision or "", done.read.status, done.read.points

    with open_database(settings) as database:
        decision, status, points = ledger.run_in_transaction(database, work)
    click.echo(f"appeal {appeal}: {decision}; the read is {status} ({points} point(s))")


@appeals_group.command("approve")
@click.argument("appeal")
@_note
@_by
@friendly_errors
def appeal_approve(appeal: str, note: str, by: str | None) -> None:
    """Approve APPEAL: a held read is approved, a rejected one credited from the budget."""
    _decide_appeal(appeal, note, by, approve=True)


@appeals_group.command("reject")
@click.argument("appeal")
@_note
@_by
@friendly_errors
def appeal_reject(appeal: str, note: str, by: str | None) -> None:
    """Reject APPEAL: the read stays as it was."""
    _decide_appeal(appeal, note, by, approve=False)
