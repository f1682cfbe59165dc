"""Articles in the console: import (file, URL, feed) with progress, list and filters, edit,
publish, unpublish, delete, summaries made again, engagement; each action in the audit trail,
the anonymous pages' cache emptied by each change."""

from __future__ import annotations

import re
import statistics
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from readtoearn.accounts import roles, trail
from readtoearn.articles import service as articles
from readtoearn.articles.models import Article, ImportJob
from readtoearn.db import utcnow
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read
from readtoearn.summaries import service as summaries
from readtoearn.summaries.models import ArticleSummary
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet
from tests.unit.articles.test_import_http import LocalSite
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
JOB = re.compile(r"/operator/articles/imports/([0-9a-f]{32})$")


def actions(session, name: str) -> list:  # type: ignore[no-untyped-def]
    session.expire_all()
    return trail.list_actions(session, trail.TrailFilter(action=name))


def anonymous(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app)


@pytest.fixture
def story(session, settings) -> Article:
    article = make_article(session, settings, title="Harbour cranes return", paragraphs=8)
    session.commit()
    return article


def upload(client: TestClient, name: str, data: bytes) -> object:
    token = csrf(client, "/operator/articles/import")
    return client.post(
        "/operator/articles/import",
        data={"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


# --------------------------------------------------------------------------- importing


def test_an_uploaded_page_is_imported_with_its_progress_and_trail(client, session, settings):  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    answer = upload(client, "en-news.html", (PAGES / "en-news.html").read_bytes())
    assert answer.status_code == 303
    job_id = JOB.search(answer.headers["location"]).group(1)  # type: ignore[union-attr]
    state = client.get(f"/operator/articles/imports/{job_id}/status").json()
    assert (state["total"], state["imported"], state["failed"], state["running"]) == (
        1, 1, 0, False,
    )  # fmt: skip
    page = client.get(answer.headers["location"])
    assert "1 of 1 imported, 0 failed" in page.text
    [outcome] = state["outcomes"]
    session.expire_all()
    article = session.get(Article, uuid.UUID(outcome["id"]))
    assert article is not None and article.source == "html"
    [entry] = actions(session, "article.import")
    assert entry.actor_id == boss.id and entry.target_id == outcome["id"]
    assert session.scalar(select(ArticleSummary).where(ArticleSummary.article_id == article.id))
    assert not list((Path(settings.data_dir) / "imports").iterdir()), "the upload is removed"


def test_an_imported_article_shows_on_the_cached_home_page_at_once(client, session, settings, app):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    reader = anonymous(app)
    assert reader.get("/").status_code == 200  # the home page, now in the cache
    answer = upload(client, "en-news.html", (PAGES / "en-news.html").read_bytes())
    title = client.get(answer.headers["location"] + "/status").json()["outcomes"][0]["title"]
    assert title in reader.get("/").text


def test_a_running_import_refreshes_itself_and_offers_its_status(client, session, settings, app):  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    job = ImportJob(
        id=uuid.UUID("a" * 32), source="https://news.example/feed/", kind="url", by_id=boss.id,
        total=30, created=10, updated=2, failed=2,
    )  # fmt: skip
    session.add(job)
    session.commit()
    page = client.get(f"/operator/articles/imports/{job.id.hex}")
    assert "12 of 30 imported, 2 failed" in page.text
    assert '<meta http-equiv="refresh" content="3">' in page.text  # inside <noscript>
    assert 'src="/static/import_progress.js"' in page.text and "data-refresh" in page.text
    status = client.get(f"/operator/articles/imports/{job.id.hex}/status").json()
    assert (status["running"], status["done"], status["imported"]) == (True, 14, 12)
    job.finished_at = utcnow()
    session.commit()
    done = client.get(f"/operator/articles/imports/{job.id.hex}")
    assert "http-equiv" not in done.text and "import_progress.js" not in done.text
    assert "Finished: 10 new, 2 updated, 2 failed." in done.text


def test_a_file_of_another_kind_or_nothing_is_a_message(client, session, settings) -> None:
    as_operator(client, session, settings)
    refused = upload(client, "notes.txt", b"hello")
    assert refused.status_code == 400
    assert "This kind of file cannot be imported." in refused.text
    token = csrf(client, "/operator/articles/import")
    empty = client.post("/operator/articles/import", data={"csrf_token": token, "url": ""})
    assert empty.status_code == 400 and "Give the address" in empty.text
    ftp = client.post("/operator/articles/import", data={"csrf_token": token, "url": "ftp://x/"})
    assert ftp.status_code == 400 and "not an http(s) URL" in ftp.text


def test_a_file_with_no_article_text_fails_on_the_job_page(client, session, settings) -> None:
    as_operator(client, session, settings)
    answer = upload(client, "short.html", b"<html><body><p>Too short.</p></body></html>")
    page = client.get(answer.headers["location"])
    assert "0 of 1 imported, 1 failed" in page.text
    assert "Failed: " in page.text and "data-failed" in page.text


def test_a_private_address_is_refused_unless_allowed(client, session, settings) -> None:
    as_operator(client, session, settings)
    asked: list[str] = []
    with LocalSite() as site:
        url = site.page("/story", (PAGES / "en-news.html").read_bytes())
        serve = site.routes["/story"]
        site.routes["/story"] = lambda handler: (asked.append(handler.path), serve(handler))
        token = csrf(client, "/operator/articles/import")
        answer = client.post(
            "/operator/articles/import",
            data={"csrf_token": token, "url": url},
            follow_redirects=False,
        )
        state = client.get(answer.headers["location"] + "/status").json()
        assert state["failed"] == 1 and "not a public address" in state["outcomes"][0]["error"]
        assert asked == [], "nothing was fetched"
        settings.import_private_addresses = True
        answer = client.post(
            "/operator/articles/import",
            data={"csrf_token": token, "url": url},
            follow_redirects=False,
        )
        state = client.get(answer.headers["location"] + "/status").json()
        assert state["imported"] == 1, state


def test_a_feed_imports_each_entry_and_counts_them(client, session, settings) -> None:
    as_operator(client, session, settings)
    settings.import_private_addresses = True
    with LocalSite() as site:
        feed = (PAGES / "feed-full.rss").read_bytes()
        url = site.page("/feed.xml", feed, "application/rss+xml")
        token = csrf(client, "/operator/articles/import")
        answer = client.post(
            "/operator/articles/import",
            data={"csrf_token": token, "url": url},
            follow_redirects=False,
        )
    state = client.get(answer.headers["location"] + "/status").json()
    assert state["total"] >= 2 and state["imported"] == state["total"], state
    assert len(actions(session, "article.import")) == state["imported"]


def test_an_unreachable_url_is_a_message(client, session, settings) -> None:
    as_operator(client, session, settings)
    settings.import_private_addresses = True
    settings.fetch_timeout_s = 2
    token = csrf(client, "/operator/articles/import")
    answer = client.post(
        "/operator/articles/import",
        data={"csrf_token": token, "url": "http://127.0.0.1:9/x"},
        follow_redirects=False,
    )
    page = client.get(answer.headers["location"])
    assert "0 of 1 imported, 1 failed" in page.text and "cannot fetch" in page.text


def test_another_editors_import_is_not_found(client, session, settings, app) -> None:
    as_operator(client, session, settings)
    answer = upload(client, "en-news.html", (PAGES / "en-news.html").read_bytes())
    location = answer.headers["location"]
    other = TestClient(app)
    editor = as_operator(other, session, settings, email="ed@example.org")
    roles.set_role(session, editor, roles.Role.EDITOR, by=None)
    session.commit()
    assert other.get(location).status_code == 404
    assert client.get(location).status_code == 200


# --------------------------------------------------------------------------- the list


def test_the_list_searches_filters_and_pages(client, session, settings) -> None:
    as_operator(client, session, settings)
    for i in range(30):
        make_article(
            session, settings, title=f"Tide tables {i:02d}", url=f"https://news.example/tide/{i}"
        )
    make_article(
        session, settings, title="Le marché couvert rouvre", language="fr",
        url="https://news.example/fr/marche", author="Jeanne Roux", categories=("Local",),
    )  # fmt: skip
    gone = make_article(session, settings, title="Old ferry times", url="https://news.example/o")
    session.commit()
    first = client.get("/operator/articles?q=tide")
    assert first.text.count("data-article=") == 25 and 'data-total="30"' in first.text
    assert 'rel="next"' in first.text
    second = client.get("/operator/articles?q=tide&page=2")
    assert second.text.count("data-article=") == 5
    french = client.get("/operator/articles?language=fr")
    assert 'data-total="1"' in french.text and "Le marché couvert rouvre" in french.text
    by_author = client.get("/operator/articles?author=jeanne-roux")
    assert 'data-total="1"' in by_author.text
    local = client.get("/operator/articles?category=local")
    assert 'data-total="1"' in local.text
    token = csrf(client, f"/operator/articles/{gone.id}")
    client.post(f"/operator/articles/{gone.id}/delete", data={"csrf_token": token})
    assert "Old ferry times" not in client.get("/operator/articles").text
    deleted = client.get("/operator/articles?status=deleted")
    assert 'data-total="1"' in deleted.text and "Old ferry times" in deleted.text


# --------------------------------------------------------------------------- editing


def test_an_edit_recomputes_the_reading_time_and_shows_to_anonymous_readers(
    client, session, settings, story, app
) -> None:
    boss = as_operator(client, session, settings)
    reader = anonymous(app)
    before = reader.get(f"/articles/{story.id}/{story.slug}")
    assert "Harbour cranes return" in before.text  # now in the anonymous pages' cache
    minutes, seconds = story.reading_minutes, story.reading_seconds
    token = csrf(client, f"/operator/articles/{story.id}")
    long_lead = " ".join(["A much longer lead that a reader reads before the body."] * 40)
    answer = client.post(
        f"/operator/articles/{story.id}",
        data={
            "csrf_token": token,
            "title": "Harbour cranes are back",
            "lead": long_lead,
            "categories": "Ports\nEconomy",
            "key_points": "Cranes back\nJobs saved\nA third point",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=saved")
    session.expire_all()
    edited = articles.get_article(session, story.id)
    assert edited.title == "Harbour cranes are back"
    assert [c.name for c in edited.categories] == ["Ports", "Economy"]
    assert edited.key_points == ["Cranes back", "Jobs saved", "A third point"]
    assert edited.reading_seconds > seconds and edited.reading_minutes > minutes
    [entry] = actions(session, "article.edit")
    assert entry.actor_id == boss.id
    assert entry.before["title"] == "Harbour cranes return"
    assert entry.after["title"] == "Harbour cranes are back"
    after = reader.get(f"/articles/{story.id}/{edited.slug}")
    assert after.status_code == 200 and "Harbour cranes are back" in after.text
    assert "Harbour cranes are back" in reader.get("/").text
    again = client.post(
        f"/operator/articles/{story.id}",
        data={
            "csrf_token": token, "title": "Harbour cranes are back", "lead": long_lead,
            "categories": "Ports\nEconomy", "key_points": "Cranes back\nJobs saved\nA third point",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert again.headers["location"].endswith("done=unchanged")


def test_an_empty_title_is_a_message_and_changes_nothing(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    token = csrf(client, f"/operator/articles/{story.id}")
    answer = client.post(
        f"/operator/articles/{story.id}",
        data={"csrf_token": token, "title": "  ", "lead": "", "categories": "", "key_points": ""},
    )
    assert answer.status_code == 400 and "The title is empty." in answer.text
    session.expire_all()
    assert articles.get_article(session, story.id).title == "Harbour cranes return"
    assert actions(session, "article.edit") == []


def test_a_title_that_would_duplicate_another_article_is_a_message(client, session, settings):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    first = make_article(session, settings, title="Twin one", url="https://news.example/1")
    second = make_article(session, settings, title="Twin two", url="https://news.example/2")
    session.commit()
    token = csrf(client, f"/operator/articles/{second.id}")
    answer = client.post(
        f"/operator/articles/{second.id}",
        data={"csrf_token": token, "title": first.title, "lead": second.lead,
              "categories": "", "key_points": ""},
    )  # fmt: skip
    assert answer.status_code == 400
    assert "Another article already has this title and the same text." in answer.text
    session.expire_all()
    assert articles.get_article(session, second.id).title == "Twin two"


def test_a_form_without_its_csrf_token_is_refused(client, session, settings, story) -> None:
    as_operator(client, session, settings)
    answer = client.post(f"/operator/articles/{story.id}/delete", data={})
    assert answer.status_code == 403
    session.expire_all()
    assert articles.status_of(articles.get_article(session, story.id)) == "published"


def test_an_unknown_article_is_a_404(client, session, settings) -> None:
    as_operator(client, session, settings)
    assert client.get("/operator/articles/not-an-id").status_code == 404
    assert client.get(f"/operator/articles/{'0' * 32}/engagement").status_code == 404


# --------------------------------------------------------------------------- publishing


def public_places(reader: TestClient, article: Article) -> dict[str, bool]:
    category = article.categories[0].slug
    author = article.authors[0].slug
    return {
        "home": article.title in reader.get("/").text,
        "category": article.title in reader.get(f"/categories/{category}").text,
        "author": article.title in reader.get(f"/authors/{author}").text,
        "sitemap": str(article.id) in reader.get("/sitemap.xml").text,
        "feed": str(article.id) in reader.get("/feed.xml").text,
        "page": reader.get(f"/articles/{article.id}/{article.slug}").status_code == 200,
        "api": reader.get(f"/api/v1/articles/{article.id}").status_code == 200,
        "api_by_url": bool(
            reader.get("/api/v1/articles", params={"url": article.canonical_url}).json()["items"]
        ),
    }


def test_unpublish_hides_everywhere_and_publish_brings_back(client, session, settings, story, app):  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    reader = anonymous(app)
    assert all(public_places(reader, story).values())
    token = csrf(client, f"/operator/articles/{story.id}")
    answer = client.post(
        f"/operator/articles/{story.id}/unpublish", data={"csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"].endswith("done=unpublished")
    assert not any(public_places(reader, story).values())
    assert reader.get(f"/articles/{story.id}/{story.slug}").status_code == 404
    page = client.get(f"/operator/articles/{story.id}")
    assert page.status_code == 200 and 'data-status="unpublished"' in page.text
    client.post(f"/operator/articles/{story.id}/publish", data={"csrf_token": token})
    assert all(public_places(reader, story).values())
    [off] = actions(session, "article.unpublish")
    [on] = actions(session, "article.publish")
    assert off.actor_id == on.actor_id == boss.id
    assert (off.before["status"], off.after["status"]) == ("published", "unpublished")


def test_the_page_names_the_open_quests_the_article_is_a_step_of(client, session, settings, story):  # type: ignore[no-untyped-def]
    """Hidden, such an article leaves their readers a step they cannot do: the console says so
    where the article is unpublished, and names the quests."""
    from readtoearn.quests import service as quests
    from readtoearn.quests.models import StepKind

    as_operator(client, session, settings)
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Election night",
            points=20,
            steps=[quests.StepDraft(kind=StepKind.READ, article=str(story.id))],
        ),
    )
    session.commit()
    page = client.get(f"/operator/articles/{story.id}")
    named = re.search(r'<p data-quests="1">([^<]*)<a href="/quests/([^"]+)">([^<]+)</a>', page.text)
    assert named and named.group(2) == str(quest.id) and named.group(3) == "Election night"
    assert 'role="alert" data-quests' not in page.text
    token = csrf(client, f"/operator/articles/{story.id}")
    client.post(f"/operator/articles/{story.id}/unpublish", data={"csrf_token": token})
    hidden = client.get(f"/operator/articles/{story.id}")
    assert 'class="operator__error" role="alert" data-quests="1"' in hidden.text
    assert "can no longer do its step on this article" in hidden.text
    assert f'<a href="/quests/{quest.id}">Election night</a>' in hidden.text
    french = client.get(f"/operator/articles/{story.id}", headers={"Accept-Language": "fr"})
    assert "ne peuvent plus en faire l’étape" in french.text
    quests.close_quest(session, quest.id, utcnow())
    session.commit()
    closed = client.get(f"/operator/articles/{story.id}")
    assert "data-quests" not in closed.text  # a closed quest waits for nobody


def test_reimporting_keeps_an_unpublished_article_unpublished(client, session, settings):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    upload(client, "en-news.html", (PAGES / "en-news.html").read_bytes())
    session.expire_all()
    article = session.scalars(select(Article)).one()
    token = csrf(client, f"/operator/articles/{article.id}")
    client.post(f"/operator/articles/{article.id}/unpublish", data={"csrf_token": token})
    upload(client, "en-news.html", (PAGES / "en-news.html").read_bytes())
    session.expire_all()
    assert articles.status_of(session.scalars(select(Article)).one()) == "unpublished"


def test_a_read_under_way_when_the_article_is_deleted_ends_cleanly(
    client, session, settings, clock, app
) -> None:
    fund(session)
    story = make_article(session, settings, title="Night trains", paragraphs=12)
    _, bearer = make_reader(session, settings, "ada")
    session.commit()
    tracker = Client(TestClient(app), clock, settings, story, bearer)
    assert tracker.start().status_code == 201
    assert tracker.beat().status_code == 200
    boss = as_operator(client, session, settings)
    token = csrf(client, f"/operator/articles/{story.id}")
    client.post(f"/operator/articles/{story.id}/delete", data={"csrf_token": token})
    tracker.read_like_a_human()  # beats after the deletion: answered as before
    result = tracker.complete()
    assert result.status_code == 200 and result.json()["verdict"] == "credited"
    session.expire_all()
    read = session.scalars(select(Read).where(Read.article_id == story.id)).one()
    assert wallet(session, read.reader_id) == (read.points, 0) and read.points > 0
    assert ledger.audit(session).ok
    # No new read of a deleted article; its row stays for the reads that name it.
    _other, other_bearer = make_reader(session, settings, "bob")
    session.commit()
    late = Client(TestClient(app), clock, settings, story, other_bearer)
    assert late.start(page_view=False).status_code == 404
    assert session.get(Article, story.id) is not None
    [entry] = actions(session, "article.delete")
    assert entry.actor_id == boss.id


# --------------------------------------------------------------------------- summaries, engagement


def test_the_summary_is_made_again_and_recorded(client, session, settings, story) -> None:
    boss = as_operator(client, session, settings)
    token = csrf(client, f"/operator/articles/{story.id}")
    answer = client.post(
        f"/operator/articles/{story.id}/summarise", data={"csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"].endswith("done=summarised")
    session.expire_all()
    stored = session.scalars(
        select(ArticleSummary).where(ArticleSummary.article_id == story.id)
    ).all()
    assert len(stored) == 1 and stored[0].backend == "builtin"
    [entry] = actions(session, "article.summarise")
    assert entry.actor_id == boss.id and entry.target_id == str(story.id)
    first = stored[0].id
    client.post(f"/operator/articles/{story.id}/summarise", data={"csrf_token": token})
    session.expire_all()
    [again] = session.scalars(
        select(ArticleSummary).where(ArticleSummary.article_id == story.id)
    ).all()
    assert again.id != first, "made again, not kept"


def key_figures(page: str) -> str:
    """The key figures box of an article's page."""
    found = re.search(r'<details class="key-figures".*?</details>', page, re.S)
    assert found, "the page shows key figures"
    return found.group(0)


def quiz_choices(session, settings, article: Article) -> set[str]:  # type: ignore[no-untyped-def]
    """Every choice of the quizzes a few readers would get."""
    session.expire_all()
    fresh = articles.get_article(session, article.id)
    quizzes = [summaries.quiz_for_article(session, fresh, settings, seed) for seed in range(8)]
    return {c.text for quiz in quizzes for q in quiz.questions for c in q.choices}


def test_making_the_summary_again_rebuilds_its_key_figures_and_quiz(
    client, session, settings, story, app
) -> None:
    """The text changes under a stored summary (its content hash kept, as when the stored words
    are mended in place): the old figures stay until an operator makes the summary again; then the
    page's key figures and the readers' quiz both come from the new text, and none from the old."""
    as_operator(client, session, settings)
    reader = anonymous(app)
    path = f"/operator/articles/{story.id}"
    token = csrf(client, path)
    client.post(f"{path}/summarise", data={"csrf_token": token})
    page = f"/articles/{story.id}/{story.slug}"
    assert "$50bn" in key_figures(reader.get(page).text)
    old, new = {"$50bn": "$70bn", "16,000": "18,500"}, ("$70bn", "18,500 jobs")
    mended = {"text": story.text, "html": story.html}
    for before, after in old.items():
        mended = {k: v.replace(before, after) for k, v in mended.items()}
    session.execute(update(Article).where(Article.id == story.id).values(**mended))
    session.commit()
    stale = quiz_choices(session, settings, story)
    assert {"$50bn", "16,000 jobs"} & stale and not set(new) & stale, "nothing made it again yet"
    assert "$70bn" not in key_figures(anonymous(app).get(page).text)

    answer = client.post(f"{path}/summarise", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"].endswith("done=summarised")
    session.expire_all()
    [row] = session.scalars(select(ArticleSummary).where(ArticleSummary.article_id == story.id))
    texts = {f["text"] for f in row.figures}
    assert set(new) <= texts and not {"$50bn", "16,000 jobs"} & texts, texts
    shown = key_figures(reader.get(page).text)  # the anonymous pages' cache was emptied
    assert "$70bn" in shown and "18,500 jobs" in shown
    assert "$50bn" not in shown and "16,000" not in shown
    rebuilt = quiz_choices(session, settings, story)
    assert set(new) & rebuilt, rebuilt
    assert not {"$50bn", "16,000 jobs"} & rebuilt, "no quiz asks about the old figures"


def test_engagement_counts_the_reads_of_the_article(client, session, settings, story) -> None:
    as_operator(client, session, settings)
    readers = [make_reader(session, settings, f"r{i}")[0] for i in range(6)]
    rows = [
        ("credited", 120_000, 10, 2, True),
        ("credited", 60_000, 10, 0, True),
        ("held", 90_000, 10, 0, False),
        ("rejected", 5_000, 0, 0, True),
        ("incomplete", 10_000, 0, 0, False),
        ("open", 3_000, 0, 0, False),
    ]
    for reader, (status, active_ms, points, quiz, viewed) in zip(readers, rows, strict=True):
        session.add(
            Read(
                reader_id=reader.id, article_id=story.id, status=status, active_ms=active_ms,
                points=points, quiz_points=quiz, page_view=viewed, nonce="n", flags=[],
                paragraphs_seen=[], reasons=[],
            )
        )  # fmt: skip
    session.commit()
    page = client.get(f"/operator/articles/{story.id}/engagement")
    assert page.status_code == 200

    def figure(name: str) -> str:
        found = re.search(
            rf'data-figure="{name}"><span class="operator__figure">([^<]*)</span>', page.text
        )
        assert found, name
        return found.group(1)

    assert figure("started") == "6"
    assert figure("after_page_view") == "3"
    assert figure("credited") == "2"
    assert figure("completion") == "67 %"  # credited, held, rejected: 4 of 6
    assert figure("median") == "60 s"  # of 5, 10, 60, 90, 120 s
    assert figure("points_paid") == "22"
    assert "10 more held for review" in page.text
    assert re.search(r'data-verdict="rejected"><td>Rejected</td><td>1</td>', page.text)
    # The median against the article's reading time, worked out here from the seeded reads.
    finished = sorted(ms / 1000 for status, ms, *_ in rows if status != "open")
    expected = story.reading_seconds
    assert expected > 0
    assert f"median active time, for {expected} s expected" in page.text
    percent = round(100 * statistics.median(finished) / expected)
    ratio = re.search(r"<p data-ratio>Readers spent (\d+)% of the expected reading time", page.text)
    assert ratio and int(ratio.group(1)) == percent, (ratio, percent)


def test_engagement_without_a_finished_read_shows_no_ratio(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    reader, _ = make_reader(session, settings, "ada")
    session.add(
        Read(
            reader_id=reader.id, article_id=story.id, status="open", active_ms=30_000, points=0,
            quiz_points=0, page_view=True, nonce="n", flags=[], paragraphs_seen=[], reasons=[],
        )
    )  # fmt: skip
    session.commit()
    page = client.get(f"/operator/articles/{story.id}/engagement")
    assert re.search(r'data-figure="median"><span class="operator__figure">—</span>', page.text)
    assert f"for {story.reading_seconds} s expected" in page.text
    assert "data-ratio" not in page.text, "a read still open has no active time to compare yet"


def test_the_pages_are_in_french(client, session, settings, story) -> None:
    as_operator(client, session, settings)
    client.cookies.set("lang", "fr")
    listing = client.get("/operator/articles")
    assert "Importer des articles" in listing.text and 'lang="fr"' in listing.text
    assert "Publié" in listing.text
    engagement = client.get(f"/operator/articles/{story.id}/engagement")
    assert "lectures commencées" in engagement.text
    assert "Importer depuis cette adresse" in client.get("/operator/articles/import").text
    assert "Enregistrer les modifications" in client.get(f"/operator/articles/{story.id}").text
