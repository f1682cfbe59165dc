"""`readtoearn sites`: publishers' sites, their sign-in keys, API keys and webhooks."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.sites import service as sites

SCOPES = [s.value for s in sites.Scope]


def _actor() -> str:
    """Who runs the command, for the site's record of actions."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@click.group("sites")
def sites_group() -> None:
    """Publishers' sites: allowed origins, sign-in keys, API keys, webhooks."""


@sites_group.command()
@click.option("--name", required=True, help="The site's name, as operators will see it.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="An origin its pages are served from (https://news.example); repeat for several.",
)
@click.option("--audience", default=None, help="Require this `aud` in sign-in tokens.")
@friendly_errors
def create(name: str, origins: tuple[str, ...], audience: str | None) -> None:
    """Register a site and print its id (the embed's data-site)."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        site = sites.create_site(
            session, name=name, origins=list(origins), audience=audience, actor=_actor()
        )
        site_id = str(site.id)
    click.echo(site_id)


@sites_group.command("list")
@friendly_errors
def list_() -> None:
    """Every site: id, name, origins."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        rows = [(str(s.id), s.name, " ".join(s.origins)) for s in sites.list_sites(session)]
    if not rows:
        click.echo("no sites yet: register one with `readtoearn sites create`")
        return
    for row in rows:
        click.echo("  ".join(row))


@sites_group.command()
@click.argument("site_id")
@friendly_errors
def show(site_id: str) -> None:
    """A site, its sign-in keys, API keys (never their secrets) and latest actions."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        site = sites.get_site(session, site_id)
        lines = [
            f"id:        {site.id}",
            f"name:      {site.name}",
            f"origins:   {' '.join(site.origins)}",
            f"audience:  {site.audience or '-'}",
            "sign-in keys:",
        ]
        for secret in sites.list_secrets(session, site):
            state = f"revoked {secret.revoked_at:%Y-%m-%d %H:%M}" if secret.revoked_at else "live"
            lines.append(f"  {secret.kid}  {secret.algorithm}  {state}")
        lines.append("API keys:")
        for key in sites.list_keys(session, site):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            scopes = ",".join(key.scopes)
            lines.append(f"  {key.id}  {key.prefix}…  {scopes}  {key.name or '-'}  {state}")
        lines.append("latest actions:")
        for action in sites.list_actions(session, site, limit=10):
            lines.append(f"  {action.at:%Y-%m-%d %H:%M}  {action.actor}  {action.action}")
    click.echo("\n".join(lines))


@sites_group.command("set-origins")
@click.argument("site_id")
@click.option("--origin", "origins", multiple=True, required=True, help="Repeat for several.")
@friendly_errors
def set_origins(site_id: str, origins: tuple[str, ...]) -> None:
    """Replace a site's allowed origins."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        site = sites.get_site(session, site_id)
        sites.set_origins(session, site, list(origins), actor=_actor())
        shown = " ".join(site.origins)
    click.echo(shown)


@sites_group.command("add-secret")
@click.argument("site_id")
@click.option("--kid", default=None, help="The key id tokens name in their header (random).")
@click.option(
    "--alg",
    "algorithm",
    type=click.Choice(["HS256", "RS256", "ES256"]),
    default="HS256",
    show_default=True,
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="RS256/ES256: the PEM file of the site's public key.",
)
@friendly_errors
def add_secret(site_id: str, kid: str | None, algorithm: str, public_key: Path | None) -> None:
    """Add a key for the site's sign-in tokens; an HS256 secret is printed once."""
    if algorithm == "HS256" and public_key is not None:
        raise Failure("--public-key goes with --alg RS256 or ES256")
    material = public_key.read_text() if public_key else None
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        site = sites.get_site(session, site_id)
        added = sites.add_secret(
            session, site, actor=_actor(), kid=kid, algorithm=algorithm, material=material
        )
        kid_shown, secret = added.row.kid, added.secret
    click.echo(f"kid: {kid_shown}")
    if secret:
        click.echo(f"secret: {secret}")
        click.echo("(shown once: give it to the site's developers, keep it out of pages)", err=True)


@sites_group.command("revoke-secret")
@click.argument("site_id")
@click.argument("kid")
@friendly_errors
def revoke_secret(site_id: str, kid: str) -> None:
    """Stop accepting sign-in tokens signed with one key."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        sites.revoke_secret(session, sites.get_site(session, site_id), kid, actor=_actor())
    click.echo(f"revoked {kid}")


@sites_group.command("add-key")
@click.argument("site_id")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES), help="Repeat."
)
@click.option("--name", default="", help='What the key is for ("WordPress plugin").')
@friendly_errors
def add_key(site_id: str, scopes: tuple[str, ...], name: str) -> None:
    """Create a publisher API key; the key is printed once."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        site = sites.get_site(session, site_id)
        issued = sites.create_key(session, site, scopes=list(scopes), name=name, actor=_actor())
        key_id, key = str(issued.row.id), issued.key
    click.echo(f"id: {key_id}")
    click.echo(f"key: {key}")
    click.echo("(shown once: only its hash is kept)", err=True)


@sites_group.command("revoke-key")
@click.argument("site_id")
@click.argument("key_id")
@friendly_errors
def revoke_key(site_id: str, key_id: str) -> None:
    """Revoke a publisher API key."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        sites.revoke_key(session, sites.get_site(session, site_id), key_id, actor=_actor())
    click.echo(f"revoked {key_id}")


@sites_group.command("add-webhook")
@click.argument("site_id")
@click.option("--url", required=True, help="Where the site receives its events (https://…).")
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(list(sites.EVENTS)),
    help="Repeat; every event when left out.",
)
@friendly_errors
def add_webhook(site_id: str, url: str, events: tuple[str, ...]) -> None:
    """Send the site's events to a URL, signed; its secret is printed once."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        site = sites.get_site(session, site_id)
        hook = sites.add_webhook(
            session, site, url=url, events=list(events or sites.EVENTS), actor=_actor()
        )
        hook_id, secret, chosen = str(hook.id), hook.secret, ",".join(hook.events)
    click.echo(f"id: {hook_id}")
    click.echo(f"secret: {secret}")
    click.echo(f"events: {chosen}")
    click.echo("(shown once: the receiver checks each delivery's signature with it)", err=True)


@sites_group.command("remove-webhook")
@click.argument("site_id")
@click.argument("webhook_id")
@friendly_errors
def remove_webhook(site_id: str, webhook_id: str) -> None:
    """Stop sending to a webhook (its delivery log stays)."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        sites.remove_webhook(session, sites.get_site(session, site_id), webhook_id, actor=_actor())
    click.echo(f"removed {webhook_id}")


@sites_group.command()
@click.argument("site_id")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@friendly_errors
def deliveries(site_id: str, limit: int) -> None:
    """The delivery log of the site's webhooks, newest first."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        site = sites.get_site(session, site_id)
        hooks = {h.id: h.url for h in sites.list_webhooks(session, site)}
        rows = [
            (
                str(d.id),
                d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                d.event,
                d.status,
                str(d.attempts),
                str(d.last_status or "-"),
                hooks.get(d.webhook_id, "(removed)"),
            )
            for d in sites.list_deliveries(session, site, limit=limit)
        ]
    if not rows:
        click.echo("no deliveries yet")
    for row in rows:
        click.echo("  ".join(row))


@sites_group.command()
@click.argument("site_id")
@click.argument("delivery_id")
@friendly_errors
def resend(site_id: str, delivery_id: str) -> None:
    """Queue a delivery again, now (the same body and event id)."""
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        sites.resend(session, sites.get_site(session, site_id), delivery_id, actor=_actor())
    click.echo(f"queued {delivery_id}")


@sites_group.command()
@friendly_errors
def deliver() -> None:
    """Send the webhook deliveries that are due now (what `serve` does every few seconds)."""
    from readtoearn.clock import SystemClock

    settings = load_settings()
    sent = 0
    with open_database(settings) as database:
        while count := sites.deliver_due(database, settings, SystemClock()):
            sent += count
    click.echo(f"{sent} delivery attempt(s)")
