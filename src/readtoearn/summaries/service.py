"""Summaries, "In brief" bullets, key figures and quizzes of articles, cached per version.

A cached row is keyed by article id + content hash + backend name, so an edited article gets a
new summary and switching the LLM on or off never serves the other backend's text. Key figures
always come from the built-in extractor. The remote backend is never called inside a database
transaction by `get_summary` (it may take seconds); `summarise_article` is for the import path,
inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles import service as articles
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.summaries.backends import BuiltinBackend, SummaryBackend, backend_for
from readtoearn.summaries.figures import Figure, extract_figures, figure_from_dict, figure_to_dict
from readtoearn.summaries.models import ArticleSummary
from readtoearn.summaries.quiz import Quiz, generate_quiz
from readtoearn.summaries.sentences import split_sentences
from readtoearn.summaries.summarise import summarise_many

log = logging.getLogger(__name__)
MAX_FIGURES = 40
HEX_RE = re.compile(r"[0-9a-f]{16}")
MAX_CACHED_VIEWS = 1024
_VIEWS: dict[tuple[uuid.UUID, str, str], SummaryView] = {}


@dataclass(frozen=True)
class SummaryView:
    """What a page or the API shows: the generated summary beside the editorial box."""

    article_id: uuid.UUID
    language: str
    summary: str
    in_brief: list[str]
    editorial_in_brief: list[str]
    figures: list[Figure]
    backend: str
    fallback_from: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Snapshot:
    """The parts of an article a summary depends on, read inside a transaction."""

    id: uuid.UUID
    content_hash: str
    title: str
    text: str
    language: str
    key_points: list[str]

    @classmethod
    def of(cls, article: Article) -> _Snapshot:
        return cls(
            id=article.id,
            content_hash=article.content_hash,
            title=article.title,
            text=article.text,
            language=article.language,
            key_points=list(article.key_points or []),
        )


def summarise_article(
    session: Session, article: Article, settings: Settings, *, backend: SummaryBackend | None = None
) -> ArticleSummary:
    """The cached summary of an article's current version, computed and stored when missing."""
    backend = backend or backend_for(settings)
    snapshot = _Snapshot.of(article)
    cached = _cached(session, snapshot, backend.name)
    if cached is not None:
        return cached
    return _store(session, _compute(snapshot, backend))


@dataclass(frozen=True)
class ReadySummary:
    """The built-in summary and key figures of an article's text, computed away from the
    database (in an import worker process); `summarise_at_import` stores it when the saved
    article has exactly this text and language, and computes its own otherwise."""

    text_digest: str
    language: str
    summary: str
    in_brief: list[str]
    figures: list[dict[str, object]]
    extra: dict[str, str]

    def fits(self, article: Article) -> bool:
        return self.language == article.language and self.text_digest == _digest(article.text)

    def record(self, article: Article) -> ArticleSummary:
        return ArticleSummary(
            article_id=article.id,
            content_hash=article.content_hash,
            backend=BuiltinBackend.name,
            language=self.language,
            summary=self.summary,
            in_brief=list(self.in_brief),
            figures=list(self.figures),
            extra=dict(self.extra),
        )


def ready_summary(text: str, language: str) -> ReadySummary:
    """The built-in summary and key figures of a text, with no database (for import workers)."""
    return ready_summaries([(text, language)])[0]


def ready_summaries(texts: list[tuple[str, str]]) -> list[ReadySummary]:
    """`ready_summary` of many (text, language) pairs, their sentences encoded together: each
    the same as when made alone (`summarise.summarise_many`)."""
    summaries = summarise_many([split_sentences(text, language) for text, language in texts])
    ready = []
    for (text, language), summary in zip(texts, summaries, strict=True):
        figures = extract_figures(text, language, limit=MAX_FIGURES)
        ready.append(
            ReadySummary(
                text_digest=_digest(text),
                language=language,
                summary=summary.text,
                in_brief=list(summary.in_brief),
                figures=[figure_to_dict(f) for f in figures],
                extra=dict(summary.extra),
            )
        )
    return ready


def summarise_at_import(
    session: Session, article: Article, settings: Settings, *, ready: ReadySummary | None = None
) -> None:
    """Summary, In brief and key figures at import (built-in backend: no network call inside the
    transaction); `ready` is the one a worker process computed, used when it fits the article.
    A failure here never loses the article: pages and the API compute them on demand."""
    try:
        with session.begin_nested():
            if ready is not None and ready.fits(article):
                snapshot = _Snapshot.of(article)
                if _cached(session, snapshot, BuiltinBackend.name) is None:
                    _store(session, ready.record(article))
            else:
                summarise_article(session, article, settings, backend=BuiltinBackend())
    except Exception:  # the summariser failing on odd text must not fail the import
        log.warning("could not summarise article %s at import", article.id, exc_info=True)


def summarised_versions(session: Session, *, most: int = 2_000_000) -> frozenset[int]:
    """The article versions (content hashes, their first 64 bits) that already have a built-in
    summary, for import workers to skip them; empty past `most` rows (they then compute)."""
    query = select(ArticleSummary.content_hash).where(ArticleSummary.backend == BuiltinBackend.name)
    found = set()
    for content_hash in session.scalars(query.limit(most + 1)):
        if HEX_RE.fullmatch(content_hash[:16]):
            found.add(version_key(content_hash))
    return frozenset(found) if len(found) <= most else frozenset()


def version_key(content_hash: str) -> int:
    return int(content_hash[:16], 16)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def get_summary(
    database: Database,
    article_id: uuid.UUID | str,
    settings: Settings,
    *,
    backend: SummaryBackend | None = None,
) -> SummaryView:
    """An article's summary and key figures, computed on demand outside any transaction."""
    backend = backend or backend_for(settings)
    with database.session() as session:
        snapshot = _Snapshot.of(articles.get_article(session, article_id))
        cached = _cached(session, snapshot, backend.name)
        if cached is not None:
            return _view(snapshot, cached)
    record = _compute(snapshot, backend)
    with database.session(write=True) as session:
        stored = _store(session, record)
        return _view(snapshot, stored)


def summarise_all(session: Session, settings: Settings, *, source: str | None = None) -> int:
    """Store the built-in summary of every article (of one source) missing one; returns how many."""
    backend = BuiltinBackend()
    query = select(Article).order_by(Article.id)
    if source is not None:
        query = query.where(Article.source == source)
    made = 0
    for article in session.scalars(query):
        snapshot = _Snapshot.of(article)
        if _cached(session, snapshot, backend.name) is None:
            _store(session, _compute(snapshot, backend))
            made += 1
    return made


def cached_summary(session: Session, article: Article, settings: Settings) -> SummaryView | None:
    """The stored summary of an article's current version, or None (never computes).

    Kept in memory once found: a version's summary never changes, and every page view of the
    article asks for it.
    """
    key = (article.id, article.content_hash, settings.summary_backend)
    view = _VIEWS.get(key)
    if view is not None:
        return view
    snapshot = _Snapshot.of(article)
    record = _cached(session, snapshot, backend_for(settings).name)
    if record is None and settings.summary_backend != "builtin":
        record = _cached(session, snapshot, "builtin")
    if record is None:
        return None
    view = _view(snapshot, record)
    if len(_VIEWS) >= MAX_CACHED_VIEWS:
        _VIEWS.clear()
    _VIEWS[key] = view
    return view


def summary_for_article(
    session: Session, article: Article, settings: Settings, *, backend: SummaryBackend | None = None
) -> SummaryView:
    """The view of `summarise_article`, for callers that already hold a write session."""
    record = summarise_article(session, article, settings, backend=backend)
    return _view(_Snapshot.of(article), record)


def quiz_for_article(
    session: Session,
    article: Article,
    settings: Settings,
    seed: object,
    *,
    backend: SummaryBackend | None = None,
) -> Quiz:
    """The comprehension quiz of an article for one seed (the reading code passes the read id)."""
    view = summary_for_article(session, article, settings, backend=backend)
    return generate_quiz(article.text, article.language, seed, figures=view.figures)


def _cached(session: Session, snapshot: _Snapshot, backend: str) -> ArticleSummary | None:
    return _find(session, snapshot.id, snapshot.content_hash, backend)


def _find(
    session: Session, article_id: uuid.UUID, content_hash: str, backend: str
) -> ArticleSummary | None:
    return session.scalar(
        select(ArticleSummary).where(
            ArticleSummary.article_id == article_id,
            ArticleSummary.content_hash == content_hash,
            ArticleSummary.backend == backend,
        )
    )


def _compute(snapshot: _Snapshot, backend: SummaryBackend) -> ArticleSummary:
    summary = backend.summarise(
        title=snapshot.title, text=snapshot.text, language=snapshot.language
    )
    figures = extract_figures(snapshot.text, snapshot.language, limit=MAX_FIGURES)
    return ArticleSummary(
        article_id=snapshot.id,
        content_hash=snapshot.content_hash,
        # A fallback is stored under the backend that wrote it, so the LLM is tried again later.
        backend=summary.backend if summary.extra.get("fallback_from") else backend.name,
        language=snapshot.language,
        summary=summary.text,
        in_brief=list(summary.in_brief),
        figures=[figure_to_dict(f) for f in figures],
        extra=dict(summary.extra),
    )


def _store(session: Session, record: ArticleSummary) -> ArticleSummary:
    """Insert a computed summary; when another request stored it first, use theirs."""
    key = (record.article_id, record.content_hash, record.backend)
    existing = _find(session, *key)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        existing = _find(session, *key)
        if existing is None:
            raise
        return existing
    return record


def _view(snapshot: _Snapshot, record: ArticleSummary) -> SummaryView:
    extra = {str(k): str(v) for k, v in (record.extra or {}).items()}
    return SummaryView(
        article_id=snapshot.id,
        language=snapshot.language,
        summary=record.summary,
        in_brief=list(record.in_brief or []),
        editorial_in_brief=snapshot.key_points,
        figures=[figure_from_dict(f) for f in record.figures or []],
        backend=record.backend,
        fallback_from=extra.get("fallback_from"),
        extra=extra,
    )


def resummarise(
    session: Session, article: Article, settings: Settings, *, by: User | None
) -> SummaryView:
    """Throw away an article's stored summaries and make them again (the built-in backend, in
    this transaction: no network call; a remote backend's text follows on demand). Its quiz is
    drawn from the new figures from now on. Recorded in the audit trail as article.summarise."""
    stored = session.scalars(
        select(ArticleSummary).where(ArticleSummary.article_id == article.id)
    ).all()
    for row in stored:
        session.delete(row)
    session.flush()
    for key in [k for k in list(_VIEWS) if k[0] == article.id]:
        _VIEWS.pop(key, None)
    record = summarise_article(session, article, settings, backend=BuiltinBackend())
    record_action(
        session,
        by,
        "article.summarise",
        target=("article", article.id),
        before={"summaries": len(stored), "title": article.title},
        after={"backend": record.backend, "figures": len(record.figures or [])},
    )
    return _view(_Snapshot.of(article), record)
