"""`readtoearn quests` and `readtoearn sponsors`: compose, list, show and close quests; add
sponsors, fund their accounts and read their reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.orm import Session

from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.db import utcnow
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from readtoearn.quests.models import StepKind, TrustLevel

MAX_JSON_BYTES = 1024 * 1024
OPERATOR = "cli"


def _when(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Failure(f"{option}: not an ISO 8601 date or time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _read_json(path: Path) -> object:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise Failure(f"{path}: larger than {MAX_JSON_BYTES} bytes")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Failure(f"{path}: not valid JSON ({exc})") from None


@click.group(name="quests")
def quests_group() -> None:
    """Quests: ordered steps (read, quiz, link) that pay points once per reader."""


@quests_group.command()
@click.option(
    "--file",
    "json_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The whole quest as JSON (see docs/quests.md); other options are then ignored.",
)
@click.option("--title", default="", help="The title, in English.")
@click.option("--title-fr", default="", help="The title, in French.")
@click.option("--description", default="", help="A description, in English.")
@click.option("--description-fr", default="", help="A description, in French.")
@click.option("--points", type=click.IntRange(1, 10**9), default=None, help="Points on completion.")
@click.option(
    "--read",
    "reads",
    multiple=True,
    metavar="ARTICLE_ID",
    help="A step: read this article (repeat, in order).",
)
@click.option(
    "--article-quiz",
    "article_quizzes",
    multiple=True,
    metavar="ARTICLE_ID",
    help="A step: pass the quiz of this article (after the read steps).",
)
@click.option(
    "--quiz",
    "with_quiz",
    is_flag=True,
    help="A step: a quiz drawn from the key figures of the quest's articles.",
)
@click.option("--link", "links", multiple=True, metavar="URL", help="A step: open this link.")
@click.option("--sponsor", default=None, help="A sponsor (id or slug): a partner quest.")
@click.option("--from", "starts_at", default=None, help="Opens at (ISO 8601).")
@click.option("--until", "ends_at", default=None, help="Closes at (ISO 8601).")
@click.option(
    "--cap", type=click.IntRange(1, 10**9), default=None, help="At most this many completions."
)
@click.option(
    "--min-trust",
    type=click.Choice([t.value for t in TrustLevel]),
    default=TrustLevel.ANYONE.value,
    help="Who may complete it.",
)
@click.option("--slug", default=None, help="The quest's short name (default: from --title).")
@friendly_errors
def create(
    json_file: Path | None,
    title: str,
    title_fr: str,
    description: str,
    description_fr: str,
    points: int | None,
    reads: tuple[str, ...],
    article_quizzes: tuple[str, ...],
    with_quiz: bool,
    links: tuple[str, ...],
    sponsor: str | None,
    starts_at: str | None,
    ends_at: str | None,
    cap: int | None,
    min_trust: str,
    slug: str | None,
) -> None:
    """Compose a quest from steps given as options (reads, article quizzes, a quiz, links, in
    that order) or a JSON file; prints its id and slug."""
    if json_file is not None:
        draft = quests.draft_from_json(_read_json(json_file))
    else:
        if not title or points is None:
            raise Failure("give --title and --points (or --file)")
        steps = [quests.StepDraft(kind=StepKind.READ, article=a) for a in reads]
        steps += [quests.StepDraft(kind=StepKind.ARTICLE_QUIZ, article=a) for a in article_quizzes]
        steps += [quests.StepDraft(kind=StepKind.QUIZ)] if with_quiz else []
        steps += [quests.StepDraft(kind=StepKind.LINK, url=u) for u in links]
        draft = quests.QuestDraft(
            title_en=title,
            title_fr=title_fr,
            description_en=description,
            description_fr=description_fr,
            points=points,
            steps=steps,
            sponsor=sponsor,
            starts_at=_when(starts_at, "--from"),
            ends_at=_when(ends_at, "--until"),
            max_completions=cap,
            min_trust=TrustLevel(min_trust),
            slug=slug,
        )
    settings = load_settings()
    with open_database(settings) as database:

        def work(s: Session) -> str:
            quest = quests.create_quest(s, draft, by=OPERATOR)
            return f"{quest.id} {quest.slug}"

        made = ledger.run_in_transaction(database, work)
    click.echo(made)


@quests_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include closed quests.")
@friendly_errors
def list_(show_all: bool) -> None:
    """List quests: id, slug, points, steps, completions, who pays, state."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        lines = []
        for q in quests.list_quests(session, include_closed=show_all):
            cap = f"/{q.max_completions}" if q.max_completions else ""
            payer = q.sponsor.slug if q.sponsor else "programme"
            lines.append(
                f"{q.id}  {q.slug:<30} {q.points:>6} pts  {len(q.steps)} step(s)  "
                f"{q.completions}{cap} done  paid by {payer}  {q.status}"
            )
    click.echo("\n".join(lines) if lines else "no quests yet")


@quests_group.command()
@click.argument("quest")
@friendly_errors
def show(quest: str) -> None:
    """Show a quest (id or slug): its rules and steps."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        q = quests.get_quest(session, quest)
        rows = [
            ("id", str(q.id)),
            ("slug", q.slug),
            ("title", q.title_en + (f" / {q.title_fr}" if q.title_fr else "")),
            ("points", str(q.points)),
            (
                "paid by",
                f"sponsor {q.sponsor.name} ({q.sponsor.slug})" if q.sponsor else "programme budget",
            ),
            ("opens", q.starts_at.isoformat() if q.starts_at else "now"),
            ("closes", q.ends_at.isoformat() if q.ends_at else "never"),
            (
                "completions",
                f"{q.completions}" + (f" of {q.max_completions}" if q.max_completions else ""),
            ),
            ("minimum trust", q.min_trust),
            (
                "state",
                q.status
                + (f" (by {q.closed_by} at {q.closed_at:%Y-%m-%d %H:%M})" if q.closed_at else ""),
            ),
        ]
        if q.sponsor:
            rows.append(
                ("sponsor budget left", f"{quests.sponsor_available(session, q.sponsor.id)} points")
            )
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            click.echo(f"{label.ljust(width)}  {value}")
        for step in q.steps:
            what = step.url or (str(step.article_id) if step.article_id else "")
            if step.kind == StepKind.QUIZ:
                what = "written questions" if step.quiz else "drawn from the articles' figures"
            click.echo(f"  step {step.position}: {step.kind} {what}")


@quests_group.command()
@click.argument("quest")
@friendly_errors
def close(quest: str) -> None:
    """Close a quest (id or slug): no completion from now on."""
    settings = load_settings()
    with open_database(settings) as database:
        closed = ledger.run_in_transaction(
            database, lambda s: quests.close_quest(s, quest, utcnow(), by=OPERATOR).slug
        )
    click.echo(f"closed {closed}")


@click.group(name="sponsors")
def sponsors_group() -> None:
    """Sponsors: partners who fund their own quests."""


@sponsors_group.command("create")
@click.option("--name", required=True, help="The sponsor's name.")
@click.option("--logo", "logo_url", default=None, help="Its logo (an https URL).")
@click.option("--link", "link_url", default=None, help="Its site (an https URL).")
@click.option("--slug", default=None, help="Its short name (default: from --name).")
@friendly_errors
def create_sponsor(name: str, logo_url: str | None, link_url: str | None, slug: str | None) -> None:
    """Add a sponsor; prints its id, slug and the private address of its report."""
    settings = load_settings()
    draft = quests.SponsorDraft(name=name, slug=slug, logo_url=logo_url, link_url=link_url)
    with open_database(settings) as database:

        def work(s: Session) -> tuple[str, str, str]:
            sponsor = quests.create_sponsor(s, draft, by=OPERATOR)
            return str(sponsor.id), sponsor.slug, sponsor.report_token

        sponsor_id, made_slug, token = ledger.run_in_transaction(database, work)
    click.echo(f"{sponsor_id} {made_slug}")
    click.echo(f"report: {settings.base_url.rstrip('/')}/sponsors/report/{token}")


@sponsors_group.command()
@click.argument("sponsor")
@click.argument("amount", type=click.IntRange(1, 10**12))
@click.option("--note", default="", help="Why (kept on the transfer).")
@click.option("--key", default=None, help="A unique key: funding again with it does nothing.")
@friendly_errors
def fund(sponsor: str, amount: int, note: str, key: str | None) -> None:
    """Move AMOUNT points into SPONSOR's account (id or slug), which its quests pay from."""
    settings = load_settings()
    with open_database(settings) as database:
        done = ledger.run_in_transaction(
            database,
            lambda s: quests.fund_sponsor(s, sponsor, amount, key=key, note=note, by=OPERATOR),
        )
    said = f"funded {amount} point(s)" if done.created else "already funded with this key"
    click.echo(f"{said}; the sponsor has {done.available} point(s) left")


@sponsors_group.command()
@click.argument("sponsor")
@click.option("--csv", "as_csv", is_flag=True, help="Print the days as CSV.")
@friendly_errors
def report(sponsor: str, as_csv: bool) -> None:
    """A sponsor's report: funded, paid and remaining points, completions per day."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        made = quests.build_report(session, quests.get_sponsor(session, sponsor))
        if as_csv:
            click.echo(quests.report_csv(made), nl=False)
            return
        click.echo(
            f"{made.sponsor.name}: funded {made.funded}, paid {made.paid}, "
            f"remaining {made.remaining}"
        )
        click.echo(
            f"completions: {made.completions}" + ("  (budget spent)" if made.budget_spent else "")
        )
        for day in made.days:
            click.echo(
                f"  {day.day.isoformat()}  {day.completions:>5} completion(s)  {day.points:>8} pts"
            )
        base = settings.base_url.rstrip("/")
        click.echo(f"report page: {base}/sponsors/report/{made.sponsor.report_token}")
