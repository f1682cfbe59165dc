"""`readtoearn rewards`: the catalogue, stock, code pools, cancellations, shipping, draws, and
the redemptions that wait for an operator."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.email import make_email_backend
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.fraud.notices import Notifier
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft

MAX_CSV_BYTES = 50 * 1024 * 1024


@click.group(name="rewards")
def rewards_group() -> None:
    """The rewards readers spend their points on."""


def _when(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Failure(f"{option}: not an ISO 8601 date or time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@rewards_group.command()
@click.option(
    "--kind", required=True, type=click.Choice([k.value for k in RewardKind]), help="What it is."
)
@click.option("--name", required=True, help="The name, in English.")
@click.option("--name-fr", default="", help="The name, in French.")
@click.option("--description", default="", help="A description, in English.")
@click.option("--description-fr", default="", help="A description, in French.")
@click.option("--cost", required=True, type=click.IntRange(1, 10**9), help="Cost in points.")
@click.option(
    "--stock",
    type=click.IntRange(0, 10**9),
    default=None,
    help="Units on the shelf (default: unlimited; code rewards: import codes instead).",
)
@click.option("--per-reader", type=click.IntRange(1, 10**6), default=None, help="Limit per reader.")
@click.option("--from", "available_from", default=None, help="Available from (ISO 8601).")
@click.option("--until", "available_until", default=None, help="Available until (ISO 8601).")
@click.option(
    "--min-lifetime-points",
    type=click.IntRange(0, 10**12),
    default=None,
    help="Only for readers who have earned at least this many points.",
)
@click.option("--days", "premium_days", type=int, default=None, help="Premium rewards: days.")
@click.option("--image", "image_url", default=None, help="An image URL.")
@click.option("--slug", default=None, help="The reward's short name (default: from --name).")
@friendly_errors
def create(
    kind: str,
    name: str,
    name_fr: str,
    description: str,
    description_fr: str,
    cost: int,
    stock: int | None,
    per_reader: int | None,
    available_from: str | None,
    available_until: str | None,
    min_lifetime_points: int | None,
    premium_days: int | None,
    image_url: str | None,
    slug: str | None,
) -> None:
    """Add a reward to the catalogue; prints its id and slug."""
    draft = RewardDraft(
        kind=RewardKind(kind),
        name_en=name,
        name_fr=name_fr,
        description_en=description,
        description_fr=description_fr,
        cost=cost,
        stock=stock,
        per_reader_limit=per_reader,
        available_from=_when(available_from, "--from"),
        available_until=_when(available_until, "--until"),
        min_lifetime_points=min_lifetime_points,
        premium_days=premium_days,
        image_url=image_url,
        slug=slug,
    )
    settings = load_settings()
    with open_database(settings) as database:

        def work(s: Session) -> str:
            reward = rewards.add_reward(s, draft, by=None)
            return f"{reward.id} {reward.slug}"

        made = ledger.run_in_transaction(database, work)
    click.echo(made)


@rewards_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn rewards.")
@friendly_errors
def list_(show_all: bool) -> None:
    """List rewards: id, slug, kind, cost, stock left."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        items = rewards.list_rewards(session, include_inactive=show_all)
        stock = rewards.stock_by_reward(session, items)
        lines = []
        for r in items:
            left = stock[r.id]
            state = "" if r.active else "  (withdrawn)"
            lines.append(
                f"{r.id}  {r.slug:<30} {r.kind:<9} {r.cost:>7} pts  "
                f"stock {'unlimited' if left is None else left}{state}"
            )
    click.echo("\n".join(lines) if lines else "no rewards yet")


@rewards_group.command(context_settings={"ignore_unknown_options": True})
@click.argument("reward")
@click.argument("units", type=int)
@friendly_errors
def stock(reward: str, units: int) -> None:
    """Add UNITS to a reward's stock (a negative number removes them)."""
    settings = load_settings()
    with open_database(settings) as database:
        left = ledger.run_in_transaction(database, lambda s: rewards.restock(s, reward, units))
    click.echo(f"{left} unit(s) left")


@rewards_group.group()
def codes() -> None:
    """A code reward's pool of codes."""


@codes.command("import")
@click.argument("reward")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def import_(reward: str, file: Path) -> None:
    """Import codes from a CSV file (first column; a header named "code" is skipped)."""
    if file.stat().st_size > MAX_CSV_BYTES:
        raise Failure(f"{file}: larger than 50 MB")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Failure(f"{file}: not UTF-8 text") from None
    values = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0].strip():
            values.append(row[0])
    if values and values[0].strip().lower() == "code":
        values = values[1:]
    if not values:
        raise Failure(f"{file}: no codes found")
    settings = load_settings()
    with open_database(settings) as database:
        done = ledger.run_in_transaction(
            database, lambda s: rewards.add_codes(s, reward, values, by=None)
        )
    click.echo(
        f"imported {done.added} code(s), skipped {done.duplicates} duplicate(s); "
        f"{done.stock} in stock"
    )


@rewards_group.command()
@click.argument("redemption")
@click.option("--burn-code", is_flag=True, help="Do not put the code back in the pool.")
@friendly_errors
def cancel(redemption: str, burn_code: bool) -> None:
    """Cancel a redemption: the points come back, the unit and code return (or the code burns)."""
    settings = load_settings()
    with open_database(settings) as database:

        def work(s: Session) -> tuple[int, bool]:
            done = rewards.cancel(s, redemption, burn_code=burn_code)
            return done.cost, done.code_burned

        cost, burned = ledger.run_in_transaction(database, work)
    said = "; the code is burned" if burned else ""
    click.echo(f"cancelled; {cost} point(s) returned to the reader{said}")


@rewards_group.command()
@click.argument("redemption")
@click.option("--note", default="", help="A tracking note (carrier, number); the reader sees it.")
@friendly_errors
def ship(redemption: str, note: str) -> None:
    """Mark a physical item as shipped (the reader is e-mailed)."""
    settings = load_settings()
    notifier = Notifier.of(settings, make_email_backend(settings))
    with open_database(settings) as database:
        ledger.run_in_transaction(
            database,
            lambda s: rewards.ship_item(s, redemption, note, by=None, notifier=notifier),
        )
    click.echo("marked as shipped")


@rewards_group.command()
@click.argument("redemption")
@friendly_errors
def deliver(redemption: str) -> None:
    """Mark a shipped item as delivered (the reader is e-mailed)."""
    settings = load_settings()
    notifier = Notifier.of(settings, make_email_backend(settings))
    with open_database(settings) as database:
        ledger.run_in_transaction(
            database, lambda s: rewards.deliver_item(s, redemption, by=None, notifier=notifier)
        )
    click.echo("marked as delivered")


@rewards_group.command()
@click.argument("reward")
@click.option("--winners", required=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=None, help="The seed (default: a random one, printed).")
@friendly_errors
def draw(reward: str, winners: int, seed: str | None) -> None:
    """Run a draw: pick winners among the entries with a recorded seed."""
    settings = load_settings()
    with open_database(settings) as database:

        def work(s: Session) -> tuple[str, int, list[tuple[uuid.UUID, uuid.UUID]]]:
            result = rewards.run_draw(s, reward, winners, by=None, seed=seed)
            return result.seed, result.entries, [(w.id, w.reader_id) for w in result.winners]

        used, entries, won = ledger.run_in_transaction(database, work)
    click.echo(f"seed {used}: {len(won)} winner(s) among {entries} entr(y/ies)")
    for redemption_id, reader_id in won:
        click.echo(f"  redemption {redemption_id}  reader {reader_id}")


@rewards_group.command()
@click.argument("reward", required=False)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@friendly_errors
def redemptions(reward: str | None, limit: int) -> None:
    """List redemptions (of one reward, or all), newest first."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        reward_id = rewards.get_reward(session, reward).id if reward else None
        rows = rewards.list_redemptions(session, reward_id=reward_id, limit=limit)
        lines = []
        for r in rows:
            address = ", ".join((r.shipping_address or {}).values())
            lines.append(
                f"{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.reward.slug:<24} {r.status:<18} "
                f"reader {r.reader_id}{'  ' + address if address else ''}"
            )
    click.echo("\n".join(lines) if lines else "no redemptions")


@rewards_group.command()
@friendly_errors
def awaiting() -> None:
    """List the redemptions waiting for an operator, oldest first, with their risk."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        lines = []
        for a in rewards.list_awaiting(session):
            r = a.redemption
            linked = [email for _id, email in a.linked.device + a.linked.address]
            lines.append(
                f"{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.reward.slug:<24} {r.cost:>7} pts  "
                f"risk {r.risk:>3} {','.join(r.reasons) or '-'}  {a.reader_email}"
                + (f"\n    linked: {', '.join(sorted(set(linked)))}" if linked else "")
            )
    click.echo("\n".join(lines) if lines else "no redemption waits for approval")


def _decide(redemption: str, note: str, by: str | None, *, approve: bool) -> None:
    settings = load_settings()
    notifier = Notifier.of(settings, make_email_backend(settings))

    def work(s: Session) -> tuple[str, str, bool]:
        operator = None
        if by:
            user = accounts.get_user_by_email(s, by)
            if user is None or not user.is_operator:
                raise Failure(f"--by: {by} is not an operator")
            operator = user.id
        decide = rewards.approve if approve else rewards.refuse
        done = decide(s, redemption, operator, note, notifier=notifier)
        return done.decision, done.redemption.status, done.created

    with open_database(settings) as database:
        decision, status, created = ledger.run_in_transaction(database, work)
    said = "" if created else " (already, nothing changed)"
    click.echo(f"redemption {redemption}: {decision}{said}; now {status.replace('_', ' ')}")


_by = click.option("--by", metavar="EMAIL", help="The operator deciding (default: none named).")


@rewards_group.command()
@click.argument("redemption")
@click.option("--note", default="", help="Why (kept with the decision; the reader receives it).")
@_by
@friendly_errors
def approve(redemption: str, note: str, by: str | None) -> None:
    """Approve a redemption waiting for an operator: the points are spent, the reward given."""
    _decide(redemption, note, by, approve=True)


@rewards_group.command()
@click.argument("redemption")
@click.option("--note", required=True, help="Why (kept with the decision; the reader receives it).")
@_by
@friendly_errors
def refuse(redemption: str, note: str, by: str | None) -> None:
    """Refuse a redemption waiting for an operator: the points and the unit are released."""
    _decide(redemption, note, by, approve=False)
