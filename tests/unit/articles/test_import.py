"""The importer: files, feeds and JSON into stored articles, one transaction per item."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from readtoearn.articles import service
from readtoearn.articles.importer import Importer, ImportOutcome, record_draft
from readtoearn.articles.models import Article, Author, Category
from readtoearn.cli.importer import import_item
from readtoearn.db import Database
from readtoearn.errors import InvalidInput

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
FR_URL = "https://lefilcrypto.example/ia/nimbus-ia-levee-geante/"
EN_URL = "https://coastalledger.example/2026/11/19/harbour-city-solar-docks/"


def run_all(database: Database, importer: Importer, *sources: str) -> list[ImportOutcome]:
    items = [item for source in sources for item in importer.items(source)]
    return [import_item(database, importer, item) for item in items]


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def stored(database: Database, article_id: str) -> Article:
    with database.session() as session:
        article = service.get_article(session, article_id)
        _ = (article.authors, article.categories)
        return article


@pytest.fixture
def importer(settings, database) -> Importer:
    return Importer(settings)


def fake_web() -> httpx.Client:
    pages = {
        FR_URL: (PAGES / "fr-wordpress.html").read_bytes(),
        EN_URL: (PAGES / "en-news.html").read_bytes(),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        body = pages.get(str(request.url))
        if body is None:
            return httpx.Response(404, text="not found")
        return httpx.Response(200, content=body, headers={"Content-Type": "text/html"})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_saved_page_is_imported_once_and_then_updated(importer, database) -> None:
    path = str(PAGES / "fr-wordpress.html")
    [first] = run_all(database, importer, path)
    assert first.ok, first.error
    assert first.created
    assert first.language == "fr"
    assert first.reading_minutes == 3
    assert first.url == FR_URL
    [again] = run_all(database, importer, path)
    assert again.ok
    assert not again.created
    assert again.id == first.id
    assert count(database, Article) == 1
    assert count(database, Author) == 1
    article = stored(database, first.id)
    assert article.source == "html"
    assert [c.name for c in article.categories] == ["S’informer", "Intelligence artificielle"]
    assert len(article.key_points) == 2


def test_a_gzipped_page_is_imported(importer, database, tmp_path) -> None:
    path = tmp_path / "story.html.gz"
    path.write_bytes(gzip.compress((PAGES / "en-news.html").read_bytes()))
    [outcome] = run_all(database, importer, str(path))
    assert outcome.ok, outcome.error
    assert outcome.title == "Harbour City votes to turn its old docks into a solar park"
    assert outcome.language == "en"


def test_a_folder_imports_every_known_file(importer, database, tmp_path) -> None:
    for name in ("fr-wordpress.html", "en-news.html"):
        (tmp_path / name).write_bytes((PAGES / name).read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    outcomes = run_all(database, importer, str(tmp_path))
    assert [o.ok for o in outcomes] == [True, True]


def test_rss_with_full_content(importer, database) -> None:
    outcomes = run_all(database, importer, str(PAGES / "feed-full.rss"))
    assert [o.ok for o in outcomes] == [True, True], [o.error for o in outcomes]
    fr = stored(database, outcomes[0].id)
    assert fr.title == "La Banque de France teste un euro numérique pour les paiements de gros"
    assert fr.canonical_url == "https://lefilcrypto.example/crypto/euro-numerique-gros/"
    assert fr.language == "fr"
    assert fr.source == "feed"
    assert fr.published_at == datetime(2026, 11, 17, 8, 15, tzinfo=UTC)
    assert fr.published_offset_min == 60
    assert [a.name for a in fr.authors] == ["Margaux Delorme"]
    assert [c.name for c in fr.categories] == ["Cryptomonnaies", "Banques"]
    assert fr.key_points[0] == "Six banques participent à l’essai."
    assert "<h2>Des règlements quasi instantanés</h2>" in fr.html
    for chrome in ("Partager cet article", "est apparu en premier", "L’essentiel"):
        assert chrome not in fr.text
    en = stored(database, outcomes[1].id)
    assert en.language == "en"
    assert en.published_offset_min == -360
    assert "not investment advice" not in en.text


def test_atom_with_full_content(importer, database) -> None:
    [outcome] = run_all(database, importer, str(PAGES / "feed-full.atom"))
    assert outcome.ok, outcome.error
    article = stored(database, outcome.id)
    assert article.canonical_url == "https://coastalledger.example/2026/11/18/library-hours/"
    assert article.published_at == datetime(2026, 11, 18, 12, 45, tzinfo=UTC)
    assert article.published_offset_min == -300
    assert "<h2>Staffing</h2>" in article.html
    assert "Share this article" not in article.text
    assert [a.name for a in article.authors] == ["Ruth Okafor"]
    assert [c.name for c in article.categories] == ["Local"]
    assert article.description.startswith("The central library will stay open")


def test_feed_entries_without_content_fetch_their_pages(settings, database) -> None:
    with fake_web() as client:
        importer = Importer(settings, client=client)
        outcomes = run_all(database, importer, str(PAGES / "feed-links.rss"))
    assert [o.ok for o in outcomes] == [True, True, False]
    assert outcomes[2].label == "https://coastalledger.example/2026/11/01/removed/"
    assert "HTTP 404" in outcomes[2].error
    fr = stored(database, outcomes[0].id)
    # The page's own metadata wins over the feed's short entry.
    assert fr.title == "Nimbus IA prépare une levée géante et supprime 16 000 postes"
    assert len(fr.key_points) == 2
    assert fr.published_at == datetime(2026, 11, 18, 13, 5, tzinfo=UTC)
    assert count(database, Article) == 2


def test_a_url_is_fetched_and_imported(settings, database) -> None:
    with fake_web() as client:
        importer = Importer(settings, client=client)
        [outcome] = run_all(database, importer, EN_URL)
    assert outcome.ok, outcome.error
    assert stored(database, outcome.id).source == "url"


RECORD = {
    "url": "https://coastalledger.example/2026/11/20/market/",
    "title": "The Saturday market moves indoors",
    "text": "The Saturday market will move into the old fish hall for the winter months.\n\n"
    "Traders welcomed the change, which follows three cancelled markets because of storms "
    "and high winds along the seafront this autumn.",
    "language": "en",
    "published_at": "2026-11-20T06:00:00-05:00",
    "authors": ["Ruth Okafor", {"name": "Daniel Mensah", "bio": "City hall reporter."}],
    "categories": ["Local"],
    "image": {"url": "https://cdn.coastalledger.example/img/market.jpg", "alt": "Stalls"},
}


RECORD_KEYS = [*RECORD, "html", "description", "lead", "key_points", "author"]


def test_json_and_jsonl_records(importer, database, tmp_path) -> None:
    second = {**RECORD, "url": None, "title": "A second record", "html": "<p>" + "word " * 40}
    del second["text"]
    (tmp_path / "articles.json").write_text(json.dumps([RECORD, second]))
    lines = [json.dumps(RECORD), "", "{not json", json.dumps({"title": "No body"})]
    (tmp_path / "articles.jsonl").write_text("\n".join(lines))
    outcomes = run_all(
        database, importer, str(tmp_path / "articles.json"), str(tmp_path / "articles.jsonl")
    )
    assert [(o.label.rsplit("/", 1)[-1], o.ok, o.created) for o in outcomes] == [
        ("articles.json #1", True, True),
        ("articles.json #2", True, True),
        ("articles.jsonl line 1", True, False),
        ("articles.jsonl line 3", False, False),
        ("articles.jsonl line 4", False, False),
    ]
    assert "not valid JSON" in outcomes[3].error
    assert "neither 'html' nor 'text'" in outcomes[4].error
    article = stored(database, outcomes[0].id)
    assert article.paragraph_count == 2
    assert article.published_offset_min == -300
    assert [a.name for a in article.authors] == ["Ruth Okafor", "Daniel Mensah"]
    assert article.image_alt == "Stalls"
    assert count(database, Article) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": 3}, "'title' must be a string"),
        ({"title": None}, "no 'title'"),
        ({"categories": "Local, Sport"}, None),
        ({"categories": [1, 2]}, "'categories' must be a list of strings"),
        ({"authors": [{"bio": "no name"}]}, "'authors' must be a list"),
        ({"published_at": "last Tuesday"}, "ISO 8601"),
        ({"url": "javascript:alert(1)"}, "http(s) URL"),
        ({"image": 5}, "'image' must be an http(s) URL"),
        ({"image": "javascript:alert(1)"}, "'image' must be an http(s) URL"),
        ({"image": {"url": "https://cdn.example/a.jpg", "alt": 3}}, "'image' must be"),
        ({"text": ["a", "list"]}, "'text' must be a string"),
    ],
)
def test_json_records_are_checked(change: dict, message: str | None) -> None:
    record = {**RECORD, **change}
    if message is None:
        assert record_draft(record).categories == ["Local, Sport"]
        return
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        record_draft(record)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(RECORD_KEYS), children, max_size=6)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_is_a_draft_or_a_clear_refusal(value: object) -> None:
    try:
        draft = record_draft(value)
    except InvalidInput as exc:
        refusal: str | None = exc.message
    else:
        refusal = None
        assert draft.title and draft.html
    assert refusal is None or refusal.strip()


def test_json_that_is_not_a_list_of_objects(importer, database, tmp_path) -> None:
    (tmp_path / "numbers.json").write_text("[1, 2]")
    (tmp_path / "broken.json").write_text('{"title": ')
    (tmp_path / "latin.json").write_bytes('{"title": "Café"}'.encode("latin-1"))
    outcomes = run_all(
        database, importer, *(str(tmp_path / n) for n in ("numbers.json", "broken.json"))
    )
    assert [o.ok for o in outcomes] == [False, False, False]
    assert "must be a JSON object" in outcomes[0].error
    assert "not valid JSON" in outcomes[2].error
    [latin] = run_all(database, importer, str(tmp_path / "latin.json"))
    assert "UTF-8" in latin.error


def test_bad_sources_fail_one_by_one(importer, database, tmp_path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "page.xml").write_text("<html><body><p>Not a feed</p></body></html>")
    with (tmp_path / "huge.html").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB that cost nothing to make
    (tmp_path / "menu.html").write_text("<html><body><nav>Home · About</nav></body></html>")
    sources = [
        "empty.html", "image.html", "notes.pdf", "page.xml", "huge.html", "menu.html", "absent.html"
    ]  # fmt: skip
    good = str(PAGES / "en-news.html")
    outcomes = run_all(database, importer, *(str(tmp_path / s) for s in sources), good)
    errors = {Path(o.label).name: o.error for o in outcomes if not o.ok}
    assert errors == {
        "empty.html": "the file is empty",
        "image.html": "this is a binary file, not an HTML page",
        "notes.pdf": errors["notes.pdf"],
        "page.xml": "not an RSS or Atom feed",
        "huge.html": "file too large (50.0 MB; limit 10.0 MB)",
        "menu.html": "no article text found in the page",
        "absent.html": "no such file",
    }
    assert errors["notes.pdf"].startswith("unknown file type (.pdf)")
    assert outcomes[-1].ok
    assert count(database, Article) == 1


def test_a_failure_while_saving_leaves_nothing_behind(importer, database, monkeypatch) -> None:
    def explode(*args: object) -> None:
        raise InvalidInput("categories exploded")

    monkeypatch.setattr(service, "_set_categories", explode)
    [failed] = run_all(database, importer, str(PAGES / "fr-wordpress.html"))
    assert failed.error == "categories exploded"
    assert count(database, Article) == 0
    assert count(database, Author) == 0
    monkeypatch.undo()
    [ok] = run_all(database, importer, str(PAGES / "fr-wordpress.html"))
    assert ok.ok
    assert count(database, Category) == 2


def test_outcome_as_json_names_the_article(importer, database) -> None:
    [outcome] = run_all(database, importer, str(PAGES / "en-news.html"))
    data = outcome.as_json()
    assert data["id"] == outcome.id
    assert data["status"] == "created"
    assert data["reading_minutes"] == outcome.reading_minutes
    assert data["url"] == EN_URL
    assert datetime.fromisoformat(data["created_at"]).utcoffset() == timedelta(0)
