"""Summaries cached per article version and backend, on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.summaries import service
from readtoearn.summaries.backends import BuiltinBackend, FallbackBackend, OpenAIBackend
from readtoearn.summaries.models import ArticleSummary
from tests.factories import make_article
from tests.unit.summaries.articles import FRENCH


def rows(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(ArticleSummary))


def french_article(session, settings, text: str = FRENCH):  # type: ignore[no-untyped-def]
    html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    draft = ArticleDraft(
        title="OpenAI prépare une levée record",
        html=html,
        canonical_url="https://news.example/fr/openai",
        language="fr",
        key_points=["Une levée record", "Des suppressions de postes"],
    )
    return articles.save_article(session, draft, settings).article


def test_summarise_article_computes_once_per_version(session, settings) -> None:
    article = french_article(session, settings)
    first = service.summarise_article(session, article, settings)
    assert first.backend == "builtin" and first.language == "fr"
    assert 2 <= len(first.in_brief) <= 3
    assert any(f["text"] == "50 milliards de dollars" for f in first.figures)
    assert service.summarise_article(session, article, settings).id == first.id
    assert rows(session) == 1
    # A new version of the text gets its own summary.
    edited = french_article(session, settings, FRENCH.replace("12 %", "15 %"))
    assert edited.id == article.id
    second = service.summarise_article(session, edited, settings)
    assert second.id != first.id and rows(session) == 2


def test_view_puts_the_editorial_box_beside_the_generated_one(session, settings) -> None:
    article = french_article(session, settings)
    view = service.summary_for_article(session, article, settings)
    assert view.editorial_in_brief == ["Une levée record", "Des suppressions de postes"]
    assert view.in_brief and view.summary
    assert all(s in article.text for s in view.in_brief)


def test_get_summary_computes_on_demand_then_reads_the_cache(database, session, settings) -> None:
    article = make_article(session, settings)
    session.commit()
    calls: list[str] = []

    class Counting(BuiltinBackend):
        def summarise(self, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(kwargs["title"])
            return super().summarise(**kwargs)

    first = service.get_summary(database, article.id, settings, backend=Counting())
    again = service.get_summary(database, str(article.id), settings, backend=Counting())
    assert first == again
    assert rows(session) == 1
    assert len(calls) == 1  # the second answer came from the stored summary


def test_llm_summaries_are_cached_and_failures_are_retried_later(session, settings, llm) -> None:
    url, recorder = llm
    article = french_article(session, settings)
    good = FallbackBackend(OpenAIBackend(base_url=url, model="good"))
    record = service.summarise_article(session, article, settings, backend=good)
    assert record.backend == "openai:good"
    service.summarise_article(session, article, settings, backend=good)
    assert len(recorder.requests) == 1  # the second call read the cache

    failing = FallbackBackend(OpenAIBackend(base_url=url, model="error"))
    fallback = service.summarise_article(session, article, settings, backend=failing)
    assert fallback.backend == "builtin"  # stored as what it is
    service.summarise_article(session, article, settings, backend=failing)
    assert len(recorder.requests) == 3  # the LLM is asked again, not the cached fallback


def test_quiz_for_article_is_seeded(session, settings) -> None:
    article = french_article(session, settings)
    quiz = service.quiz_for_article(session, article, settings, seed="read-1")
    assert len(quiz.questions) == 3
    assert service.quiz_for_article(session, article, settings, seed="read-1") == quiz
