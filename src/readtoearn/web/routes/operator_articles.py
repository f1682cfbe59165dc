"""The console's articles: import by URL, feed or uploaded file (in the background, its progress
in the database for any worker to show), the list with search and filters, edit, publish,
unpublish, delete, summaries made again, and each article's engagement. Editors and operators
(the articles part of the console); forms with CSRF, FR/EN."""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from readtoearn.accounts import roles
from readtoearn.accounts.models import User
from readtoearn.articles import editing
from readtoearn.articles import jobs as import_jobs
from readtoearn.articles import service as articles
from readtoearn.articles.fetch import check_url
from readtoearn.articles.importer import ALL_SUFFIXES
from readtoearn.articles.models import Article, ImportJob
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import InvalidInput, NotFound, ReadToEarnError
from readtoearn.quests import service as quests
from readtoearn.reading import article_stats
from readtoearn.reading.rules import READ_STATUS_LABELS
from readtoearn.summaries import service as summaries
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    ArticlesOperator,
    ArticlesOperatorAlone,
    DatabaseDep,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator/articles", include_in_schema=False)

PAGE_SIZE = 25
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
Filter = Annotated[str, Query(max_length=200)]
NOTICES = {
    "saved": "The changes were saved.",
    "unchanged": "Nothing changed.",
    "published": "The article is published: readers see it again.",
    "unpublished": "The article is unpublished: readers no longer see it.",
    "deleted": "The article was deleted: readers no longer see it, and its reads are kept.",
    "summarised": "The summary, the key figures and the quiz were made again.",
}
ERRORS = {
    "title_empty": "The title is empty.",
    "title_long": "The title is too long.",
    "key_points_many": "There are too many key points (12 at most).",
    "category_name": "A category needs letters or digits.",
    "category_long": "The name of a category is too long (200 characters at most).",
    "duplicate": "Another article already has this title and the same text.",
    "import_empty": "Give the address of an article or a feed, or choose a file.",
    "import_url": "This address is not an http(s) URL.",
    "import_type": "This kind of file cannot be imported.",
    "import_size": "The file is too large.",
    "import_busy": "You have too many imports running: wait for one to finish.",
    "imports_busy": "Too many imports are running: wait for one to finish.",
}
STATUS_LABELS = {
    articles.PUBLISHED: "Published",
    articles.UNPUBLISHED: "Unpublished",
    articles.DELETED: "Deleted",
}
# The verdicts a finished read can have, in the words of the readers' pages.
VERDICT_LABELS = {k: v for k, v in READ_STATUS_LABELS.items() if k != "open"}


def _jobs(request: Request) -> import_jobs.ImportJobs:
    """This process's running console imports (made with the app)."""
    jobs: import_jobs.ImportJobs = request.app.state.import_jobs
    return jobs


def _forget_pages(request: Request) -> None:
    """This process's cached pages go at once; other workers see the catalogue's new version."""
    request.app.state.page_cache.forget()


def _article(session: Session, article_id: str) -> Article:
    return articles.get_article(session, article_id, hidden=True)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- the list


@router.get("", response_class=HTMLResponse)
def articles_page(
    request: Request,
    operator: ArticlesOperator,
    session: SessionDep,
    q: Filter = "",
    language: Filter = "",
    category: Filter = "",
    author: Filter = "",
    status: Filter = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    wanted_status = status if status in articles.STATUSES else None
    items, total = articles.list_articles(
        session,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        category_slug=category or None,
        author_slug=author or None,
        status=wanted_status,
        language=language if language in articles.SUPPORTED_LANGUAGES else None,
        title_search=q,
    )
    filters = {
        "q": q, "language": language, "category": category, "author": author, "status": status
    }  # fmt: skip
    kept = {k: v for k, v in filters.items() if v}
    pages = max(1, math.ceil(total / PAGE_SIZE))
    context = {
        "articles": items,
        "statuses": {a.id: articles.status_of(a) for a in items},
        "status_labels": STATUS_LABELS,
        "total": total,
        "page": page,
        "pages": pages,
        "previous_url": _list_url(kept, page - 1) if page > 1 else None,
        "next_url": _list_url(kept, page + 1) if page < pages else None,
        "filters": filters,
        "languages": articles.SUPPORTED_LANGUAGES,
        "categories": articles.list_categories(session),
        "authors": articles.list_authors(session),
        "error": None,
    }
    return render(request, "operator/articles.html", context)


def _list_url(kept: dict[str, str], page: int) -> str:
    return "/operator/articles?" + urlencode({**kept, "page": page})


# --------------------------------------------------------------------------- importing


def _import_page(
    request: Request, *, error: str | None = None, url: str = "", status_code: int = 200
) -> HTMLResponse:
    kinds = ", ".join(s for s in ALL_SUFFIXES if not s.endswith(".gz"))
    context = {"error": error, "url": url, "kinds": kinds}
    return render(request, "operator/article_import.html", context, status_code=status_code)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, operator: ArticlesOperator) -> HTMLResponse:
    return _import_page(request)


# The operator is looked up alone: the job's row is written in a transaction of its own, which on
# SQLite could not begin while this request held one.
@router.post("/import", response_model=None)
async def start_import(
    request: Request,
    operator: ArticlesOperatorAlone,
    _csrf: CsrfChecked,
    database: DatabaseDep,
    settings: SettingsDep,
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    url = str(form.get("url") or "").strip()
    upload = form.get("file")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            source, label, cleanup = await _saved_upload(settings, upload)
            kind = "file"
        elif url:
            try:
                check_url(url)
            except InvalidInput:
                raise InvalidInput("not an http(s) URL", code="import_url") from None
            source, label, cleanup, kind = url, url, None, "url"
        else:
            raise InvalidInput("nothing to import", code="import_empty")
    except ReadToEarnError as exc:
        message = ERRORS.get(exc.code, exc.message)
        return _import_page(request, error=message, url=url, status_code=status_of(exc))
    finally:
        await form.close()
    jobs = _jobs(request)
    try:
        # Admitted on the event loop before a thread is taken, as a request's session is.
        async with database.admitted(write=True):
            job_id = await run_in_threadpool(
                jobs.start,
                database,
                settings,
                source=source,
                kind=kind,
                label=label,
                by_id=operator.id,
                then=_summarise(settings),
                on_change=request.app.state.page_cache.forget,
                cleanup=cleanup,
            )
    except ReadToEarnError as exc:  # too many imports running, or busy: nothing started
        if cleanup is not None:
            cleanup.unlink(missing_ok=True)
        message = ERRORS.get(exc.code, exc.message)
        return _import_page(request, error=message, url=url, status_code=status_of(exc))
    return RedirectResponse(f"/operator/articles/imports/{job_id.hex}", status_code=303)


def _summarise(settings: Settings) -> Any:
    return lambda session, article: summaries.summarise_at_import(session, article, settings)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def _saved_upload(settings: Settings, upload: UploadFile) -> tuple[str, str, Path]:
    """The upload in a file of the data directory with its own suffix (the importer reads files
    by their kind); refused when of a kind it does not read, or too large."""
    name = Path(upload.filename or "").name
    lowered = name.lower()
    suffix = next(
        (s for s in sorted(ALL_SUFFIXES, key=len, reverse=True) if lowered.endswith(s)), ""
    )
    if not suffix:
        raise InvalidInput("unknown file type", code="import_type")
    limit = settings.fetch_max_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput("file too large", code="import_size")
    folder = Path(settings.data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False)  # noqa: SIM115
    with handle:
        handle.write(data)
    return handle.name, _SAFE_NAME.sub("_", name)[:200], Path(handle.name)


def _job(session: Session, operator: User, job_id: str) -> dict[str, Any]:
    """The import as its page shows it, seen by whoever started it and by operators (another
    editor's is not found), from whichever worker runs it."""
    job: ImportJob | None = import_jobs.get_job(session, job_id)
    if job is None or (job.by_id != operator.id and roles.role_of(operator) != roles.Role.OPERATOR):
        raise NotFound("no import has this id (it may be old)")
    return import_jobs.describe(session, job, utcnow())


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def import_status_page(
    request: Request, operator: ArticlesOperator, session: SessionDep, job_id: str
) -> HTMLResponse:
    state = _job(session, operator, job_id)
    return render(request, "operator/article_job.html", {"state": state})


@router.get("/imports/{job_id}/status")
def import_status(operator: ArticlesOperator, session: SessionDep, job_id: str) -> JSONResponse:
    return JSONResponse(_job(session, operator, job_id))


# --------------------------------------------------------------------------- one article


def _article_page(
    request: Request,
    session: Session,
    article: Article,
    *,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = form or {
        "title": article.title,
        "lead": article.lead,
        "categories": "\n".join(c.name for c in article.categories),
        "key_points": "\n".join(article.key_points or []),
    }
    context = {
        "article": article,
        "status": articles.status_of(article),
        "status_labels": STATUS_LABELS,
        # Open quests with this article as a step: hidden, it leaves their readers stuck.
        "quests": quests.quests_with_article(session, article.id),
        "form": values,
        "error": error,
        "notice": notice,
    }
    return render(request, "operator/article.html", context, status_code=status_code)


@router.get("/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    operator: ArticlesOperator,
    session: SessionDep,
    article_id: str,
    done: str = "",
) -> HTMLResponse:
    article = _article(session, article_id)
    return _article_page(request, session, article, notice=NOTICES.get(done))


@router.post("/{article_id}", response_model=None)
async def edit_article(
    request: Request,
    operator: ArticlesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    article_id: str,
) -> HTMLResponse | RedirectResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    article = _article(session, article_id)
    try:
        changed = editing.edit_article(
            session,
            article,
            settings,
            title=form.get("title", ""),
            lead=form.get("lead", ""),
            categories=_lines(form.get("categories", "")),
            key_points=_lines(form.get("key_points", "")),
            by=operator,
        )
        if changed:  # the summary belongs to the article's words: made again for the new ones
            summaries.summarise_at_import(session, article, settings)
    except ReadToEarnError as exc:
        message = ERRORS.get(exc.code, exc.message)
        return _article_page(
            request, session, article, error=message, form=form, status_code=status_of(exc)
        )
    if changed:
        _forget_pages(request)
    return _done(article, "saved" if changed else "unchanged")


def _done(article: Article, what: str) -> RedirectResponse:
    return RedirectResponse(f"/operator/articles/{article.id}?done={what}", status_code=303)


def _set_status(
    request: Request, session: Session, operator: User, article_id: str, status: str
) -> RedirectResponse:
    article = _article(session, article_id)
    if editing.set_status(session, article, status, by=operator):
        _forget_pages(request)
        return _done(article, status)
    return _done(article, "unchanged")


@router.post("/{article_id}/publish")
def publish(
    request: Request,
    operator: ArticlesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    article_id: str,
) -> RedirectResponse:
    return _set_status(request, session, operator, article_id, articles.PUBLISHED)


@router.post("/{article_id}/unpublish")
def unpublish(
    request: Request,
    operator: ArticlesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    article_id: str,
) -> RedirectResponse:
    return _set_status(request, session, operator, article_id, articles.UNPUBLISHED)


@router.post("/{article_id}/delete")
def delete(
    request: Request,
    operator: ArticlesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    article_id: str,
) -> RedirectResponse:
    return _set_status(request, session, operator, article_id, articles.DELETED)


@router.post("/{article_id}/summarise")
def summarise(
    request: Request,
    operator: ArticlesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    article_id: str,
) -> RedirectResponse:
    article = _article(session, article_id)
    summaries.resummarise(session, article, settings, by=operator)
    _forget_pages(request)
    return _done(article, "summarised")


@router.get("/{article_id}/engagement", response_class=HTMLResponse)
def engagement_page(
    request: Request, operator: ArticlesOperator, session: SessionDep, article_id: str
) -> Response:
    article = _article(session, article_id)
    stats = article_stats.get_engagement(session, article.id, article.reading_seconds)
    context = {
        "article": article,
        "stats": stats,
        "verdict_labels": VERDICT_LABELS,
        "status": articles.status_of(article),
        "status_labels": STATUS_LABELS,
    }
    return render(request, "operator/article_engagement.html", context)
