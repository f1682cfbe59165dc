"""`readtoearn import` end to end: a real SQLite file, real files, a local web server."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from readtoearn.articles.models import Article
from readtoearn.articles.text import text_of
from readtoearn.cli import cli
from readtoearn.db import Database, make_engine
from tests.unit.articles.test_import_http import local_site

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
FR = str(PAGES / "fr-wordpress.html")
EN = str(PAGES / "en-news.html")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "READTOEARN_DATA_DIR": str(tmp_path / "data"),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'import.sqlite3'}",
        "READTOEARN_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["import", *args], env=env, catch_exceptions=False)


def article_count(env: dict[str, str]) -> int:
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(Article)) or 0
    finally:
        database.dispose()


def test_pages_are_imported_then_updated_never_duplicated(env) -> None:
    first = run(env, FR, EN)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert len(lines) == 3
    article_id, language, words, _, minutes, _, *title = lines[0].split()
    assert len(article_id) == 36
    assert language == "fr"
    assert int(words) > 300
    assert int(minutes) == 3
    assert " ".join(title).startswith("Nimbus IA prépare une levée géante")
    assert lines[1].split()[1] == "en"
    assert lines[-1] == "2 imported, 0 updated, 0 failed"

    again = run(env, FR, EN)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0].startswith(article_id)
    assert again.stdout.splitlines()[0].endswith("(updated)")
    assert again.stdout.splitlines()[-1] == "0 imported, 2 updated, 0 failed"
    assert article_count(env) == 2


def test_json_lines(env) -> None:
    result = run(env, "--json", "--progress", FR, str(PAGES / "feed-full.rss"))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["language"] for r in records] == ["fr", "fr", "en"]
    for record in records:
        assert set(record) >= {"id", "language", "words", "reading_minutes", "title", "url"}
        assert record["status"] == "created"
        assert record["created_at"] and record["updated_at"]
    assert records[1]["url"] == "https://lefilcrypto.example/crypto/euro-numerique-gros/"
    assert "3 imported, 0 updated, 0 failed" in result.stderr


def test_failures_are_named_and_the_exit_status_is_one(env, tmp_path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"title": "Only a title"}\n[1]\n')
    result = run(env, str(empty), FR, str(tmp_path / "missing.html"), str(notes), str(bad_json))
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0] == f"failed: {empty}: the file is empty"
    assert errors[1] == f"failed: {tmp_path / 'missing.html'}: no such file"
    assert errors[2].startswith(f"failed: {notes}: unknown file type (.docx); expected one of ")
    assert errors[3] == f"failed: {bad_json} line 1: the record has neither 'html' nor 'text'"
    assert errors[4].startswith(f"failed: {bad_json} line 2: each record must be a JSON object")
    assert len(errors) == 5
    assert "Traceback" not in result.output
    assert result.stdout.splitlines()[-1] == "1 imported, 0 updated, 5 failed"
    assert article_count(env) == 1


def test_json_output_lists_failures_as_objects(env, tmp_path) -> None:
    result = run(env, "--json", str(tmp_path / "missing.html"), EN)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0] == {"source": str(tmp_path / "missing.html"), "error": "no such file"}
    assert records[1]["language"] == "en"


def test_feeds_and_urls_from_a_local_site(env) -> None:
    with local_site() as site:
        fr = site.page("/fr/nimbus", (PAGES / "fr-wordpress.html").read_bytes())
        en = site.page("/en/docks", (PAGES / "en-news.html").read_bytes())
        big = site.stream("/huge", 50 * 1024 * 1024, declare=True)
        png = site.page("/photo", b"\x89PNG\r\n\x1a\n", "image/png")
        feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>
            <item><title>FR</title><link>{fr}</link></item>
            <item><title>EN</title><link>{en}</link></item>
            <item><title>Huge</title><link>{big}</link></item>
            </channel></rss>"""
        site.page("/feed", feed.encode(), "application/rss+xml")
        site.page("/atom", (PAGES / "feed-full.atom").read_bytes(), "application/atom+xml")
        result = run(env, site.url + "/feed", site.url + "/atom", png, en)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"failed: {big}: response too large (50.0 MB; limit 10.0 MB)",
        f"failed: {png}: unsupported content type 'image/png' at {png}",
    ]
    assert result.stdout.splitlines()[-1] == "3 imported, 1 updated, 2 failed"
    assert article_count(env) == 3


def test_the_database_is_migrated_by_import(env) -> None:
    assert run(env, EN).exit_code == 0
    check = CliRunner().invoke(cli, ["db", "check"], env=env)
    assert check.exit_code == 0, check.output


def test_sources_are_required(env) -> None:
    result = CliRunner().invoke(cli, ["import"], env=env)
    assert result.exit_code == 2
    assert "Missing argument 'SOURCES...'" in result.output


# A French article as its publisher meant it; the tests below save it in other byte encodings.
NOEL = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Le marché de Noël s’installe à Strasbourg</title></head><body><article>
<h1>Le marché de Noël s’installe à Strasbourg</h1>
<p>Depuis vendredi, les chalets du marché accueillent les visiteurs : vin chaud, bredele et pain
d’épices. « C’est la plus belle période de l’année », confie Françoise, qui tient un stand près
de la cathédrale depuis vingt ans.</p>
<p>Le cœur de la fête se trouve place Kléber, où le grand sapin a été illuminé jeudi soir. Les
commerçants espèrent une fréquentation supérieure à celle de l’an dernier, malgré la hausse des
prix et la météo très incertaine.</p>
<p>La municipalité a renforcé la sécurité : contrôles à l’entrée de la Grande Île, patrouilles et
caméras. Les élus rappellent que le marché reste ouvert jusqu’au 24 décembre, de 11 heures à
20 heures, même le jour de Noël où l’œuvre des bénévoles se poursuit.</p>
</article></body></html>"""
NOEL_PARAGRAPHS = [" ".join(p.split()) for p in re.findall(r"<p>(.*?)</p>", NOEL, re.DOTALL)]
NOT_DECODABLE = "the page is not valid UTF-8 and its encoding cannot be recognised"


def stored_text(env: dict[str, str], title: str) -> str:
    """The stored lead and body of the article with this title, spaces made plain."""
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            article = session.scalars(select(Article).where(Article.title == title)).one()
            return " ".join(f"{article.lead} {text_of(article.html)}".split())
    finally:
        database.dispose()


def random_page() -> bytes:
    """An HTML shell claiming UTF-8 around bytes that are text in no encoding."""
    draw = random.Random(18)
    words = (
        bytes(draw.randrange(0x80, 0x100) for _ in range(draw.randrange(2, 9))) for _ in range(600)
    )
    noise = b" ".join(words)
    return b'<html><head><meta charset="utf-8"><title>Noise</title></head><body><p>' + noise


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_a_page_is_read_in_the_encoding_its_bytes_are_in(env, tmp_path, encoding: str) -> None:
    # Saved as windows-1252 under <meta charset="utf-8">: the words are kept, not mojibake.
    page = tmp_path / "noel.html"
    page.write_bytes(NOEL.encode(encoding))
    result = run(env, str(page))
    assert result.exit_code == 0, result.output
    title = "Le marché de Noël s’installe à Strasbourg"
    assert result.stdout.splitlines()[0].endswith(title)
    text = stored_text(env, title)
    for paragraph in NOEL_PARAGRAPHS:
        assert paragraph in text


def test_a_url_whose_bytes_are_not_the_declared_utf_8(env) -> None:
    with local_site() as site:
        noel = site.page("/noel", NOEL.encode("cp1252"))  # the header says charset=utf-8 too
        noise = site.page("/noise", random_page())
        result = run(env, noel, noise)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"failed: {noise}: {NOT_DECODABLE}"]
    text = stored_text(env, "Le marché de Noël s’installe à Strasbourg")
    for paragraph in NOEL_PARAGRAPHS:
        assert paragraph in text
    assert article_count(env) == 1


def test_a_page_in_no_encoding_is_refused_in_one_line(env, tmp_path) -> None:
    page = tmp_path / "noise.html"
    page.write_bytes(random_page())
    result = run(env, str(page), EN)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"failed: {page}: {NOT_DECODABLE}"]
    assert "Traceback" not in result.output
    assert article_count(env) == 1
