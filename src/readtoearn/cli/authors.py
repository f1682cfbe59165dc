"""`readtoearn authors`: list the authors and set their bios, per language."""

from __future__ import annotations

import click

from readtoearn.accounts.trail import record_action
from readtoearn.articles import bios
from readtoearn.articles.models import Author
from readtoearn.cli.base import friendly_errors, load_settings, open_database

DEFAULT = "default"


@click.group("authors")
def authors_group() -> None:
    """The articles' authors and their bios (one per language, and a default)."""


@authors_group.command("list")
@friendly_errors
def list_command() -> None:
    """Every author: slug, name, and the languages their bio is written in."""
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        for author in bios.list_authors(session):
            languages = ",".join(sorted(author.bios or {})) or "-"
            default = "default" if author.bio else "no default"
            click.echo(f"{author.slug}\t{author.name}\tbios: {languages} ({default})")


@authors_group.command("set-bio")
@click.argument("slug")
@click.argument("text")
@click.option(
    "--language",
    type=click.Choice([*bios.LANGUAGES, DEFAULT]),
    default=DEFAULT,
    show_default=True,
    help="The bio's language; 'default' sets the bio shown when none is in a page's language.",
)
@friendly_errors
def set_bio(slug: str, text: str, language: str) -> None:
    """Set the bio of the author SLUG in one language (an empty TEXT removes it).

    \b
    Examples:
      readtoearn authors set-bio claire-fontaine --language fr "Claire suit les marchés."
      readtoearn authors set-bio claire-fontaine --language fr ""
    """
    settings = load_settings()
    with open_database(settings) as database, database.session(write=True) as session:
        author = bios.get_author_bios(session, slug)
        before = _shown(author)
        chosen = None if language == DEFAULT else language
        author = bios.set_bio(session, slug, chosen, text)
        after = _shown(author)
        record_action(
            session, None, "author.bio", target=("author", author.slug), before=before, after=after
        )
    click.echo(f"{author.slug}: {language} bio {'set' if text.strip() else 'removed'}")


def _shown(author: Author) -> dict[str, str]:
    """The author's bios as the audit trail keeps them: one plain value each."""
    return {"bio": author.bio} | {f"bio_{lang}": text for lang, text in (author.bios or {}).items()}
