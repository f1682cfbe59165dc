"""`readtoearn serve`: migrate, load the demo, and run the web server."""

from __future__ import annotations

import os

import click
import uvicorn

from readtoearn import migrations
from readtoearn.cli.base import Failure, friendly_errors, load_settings, open_database
from readtoearn.clock import SystemClock
from readtoearn.quests import demo as demo_quests
from readtoearn.rewards import demo as demo_rewards
from readtoearn.summaries import service as summaries

BASE_URL_VARIABLE = "READTOEARN_BASE_URL"
# How long an idle connection stays open: longer than the longest beat interval (60 s), since a
# tracker reuses its connection and a server closing it at the moment a beat is sent drops that
# beat (the client sees the connection close with no answer).
KEEP_ALIVE_S = 75
# Listening on every address says nothing of the one readers use: links name this machine.
WILDCARD_HOSTS = ("0.0.0.0", "::", "", "[::]")  # noqa: S104 - compared, not bound


def base_url_for(host: str, port: int) -> str:
    """The site's address when READTOEARN_BASE_URL is unset: where `serve` listens, with
    127.0.0.1 for a wildcard address (never the request's Host header, which a client chooses
    and a shared cached page would keep)."""
    name = "127.0.0.1" if host in WILDCARD_HOSTS else host.strip("[]")
    if ":" in name:
        name = f"[{name}]"  # an IPv6 address
    return f"http://{name}:{port}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--demo/--no-demo", default=True, show_default=True, help="Load the demo articles.")
@click.option("--access-log/--no-access-log", default=False, show_default=True)
@friendly_errors
def serve(host: str, port: int, workers: int, demo: bool, access_log: bool) -> None:
    """Run the site and the API (migrating the database first)."""
    settings = load_settings()
    derived = None
    if "base_url" not in settings.model_fields_set:
        # No public address set: the links the site prints (canonical, e-mails, feeds, the
        # assistants' prompts) use the address this server listens on.
        derived = base_url_for(host, port)
        settings = settings.model_copy(update={"base_url": derived})
        if host in WILDCARD_HOSTS:
            click.echo(
                f"links use {settings.base_url}: set {BASE_URL_VARIABLE} to the address "
                "readers use to reach this server"
            )
    if workers > 1 and not settings.redis_url:
        # Open reads live in the worker that started them unless Redis shares them.
        raise Failure("several workers share open reads through Redis: set READTOEARN_REDIS_URL")
    settings.resolved_secret_key  # noqa: B018 - generated once here, not racing in each worker
    with open_database(settings) as database:
        migrations.upgrade(database.engine)
        if demo:
            from readtoearn.articles import demo as demo_content
            from readtoearn.cli.budget import DEMO_FUNDING, fund_demo_budget
            from readtoearn.quests import checkin_demo

            with database.session(write=True) as session:
                count = demo_content.load(session, settings)
                funded = fund_demo_budget(session)
            with database.session(write=True) as session:
                checkin = checkin_demo.load(session, settings, SystemClock().now())
            with database.session(write=True) as session:
                made = summaries.summarise_all(session, settings, source="demo")
                stocked = demo_rewards.load(session)
                quested = demo_quests.load(session)
            click.echo(f"demo content: {count} articles ({made} new summaries)")
            if stocked:
                click.echo(f"demo rewards: {stocked} in the store")
            if quested:
                click.echo(f"demo quests: {quested} (a classic one and a partner one)")
            if funded:
                click.echo(f"demo budget: funded with {DEMO_FUNDING} points (once)")
            if checkin.created:
                click.echo(
                    f"demo check-in: {checkin_demo.DEMO_PSEUDONYM} checked in for "
                    f"{checkin.checkin.day} (streak {checkin.streak.current})"
                )
        click.echo(
            "operator pages at /operator: create an operator with "
            "`readtoearn users create --operator --email you@example.org`"
        )
    os.environ.setdefault("READTOEARN_DATA_DIR", str(settings.data_dir))
    click.echo(f"readtoearn on http://{host}:{port}")
    if derived is not None:
        # The app (and each worker) reads its settings from the environment it inherits; set
        # for the server's run only, so nothing else in this process sees it.
        os.environ[BASE_URL_VARIABLE] = derived
    try:
        uvicorn.run(
            "readtoearn.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_level="info",
            timeout_keep_alive=KEEP_ALIVE_S,
        )
    finally:
        if derived is not None:
            os.environ.pop(BASE_URL_VARIABLE, None)
