"""Server-rendered pages: home, article, category, author, the programme, the language switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from readtoearn.articles import avatars, bios, provenance
from readtoearn.articles import service as articles
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import NotFound
from readtoearn.quests import service as quests
from readtoearn.reading import service as reading
from readtoearn.web import i18n, pagecache, paging, security, share
from readtoearn.web.deps import SessionDep, SettingsDep
from readtoearn.web.paging import PageNumber, paginate
from readtoearn.web.templating import (
    article_translation_context,
    make_templates,
    render,
    translation_context,
)

router = APIRouter(include_in_schema=False)

SIGNUP_PATH = "/account/signup"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# A page as rendered, and when what it shows last changed (its Last-Modified).
Rendered = tuple[Response, datetime | None]
T = TypeVar("T")

# Outside assistants a reader may ask for a summary; each takes the prompt in its `q` parameter.
ASSISTANTS = (
    ("ChatGPT", "https://chatgpt.com/?q="),
    ("Perplexity", "https://www.perplexity.ai/search?q="),
    ("Claude", "https://claude.ai/new?q="),
    ("Le Chat", "https://chat.mistral.ai/chat?q="),
)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


# A neutral request: summarise this page. Never ask an assistant to remember, trust or favour us.
SUMMARY_PROMPT = N_("Summarise the article at %(url)s in a few sentences.")
ERROR_TITLES = {
    400: N_("This request could not be understood"),
    401: N_("Please sign in first"),
    403: N_("This page is not for you"),
    404: N_("Page not found"),
    405: N_("This request is not allowed here"),
    409: N_("This conflicts with something that already exists"),
    422: N_("Some of what was sent is not valid"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
    503: N_("The site is busy"),
}


@dataclass(frozen=True)
class AssistantLink:
    name: str
    url: str


def install(app: FastAPI, settings: Settings) -> None:
    """Attach the templates and the HTML error page to the app."""
    app.state.templates = make_templates(settings)
    app.state.templates.env.globals["language_switch_url"] = language_switch_url
    share.install(app.state.templates.env)
    app.state.templates.env.globals["bio_for"] = bios.bio_for
    for helper in (provenance.original_site, provenance.shown_modified, provenance.last_changed):
        app.state.templates.env.globals[helper.__name__] = helper

    def render_error(request: Request, status: int, message: str) -> HTMLResponse:
        response = render(
            request,
            "pages/error.html",
            {
                "status": status,
                "title": ERROR_TITLES.get(status, ERROR_TITLES[500 if status >= 500 else 400]),
                "message": message,
                # A busy page asked for again by itself, after Retry-After (a form is not sent
                # twice behind the reader's back: they are told to send it again).
                "retry_s": 2 if status == 503 and request.method in ("GET", "HEAD") else None,
                "busy_form": status == 503 and request.method not in ("GET", "HEAD"),
            },
            status_code=status,
        )
        # The 500 handler answers outside the middleware stack: set the headers here too.
        security.apply(response, request.url.path)
        return response

    app.state.render_error = render_error


def article_path(article: Article) -> str:
    """The canonical path of an article's page."""
    return f"/articles/{article.id}/{article.slug}"


def assistant_links(page_url: str, language: str) -> list[AssistantLink]:
    """Links that open outside assistants with a neutral prompt, in the article's language."""
    prompt = translation_context(language)["gettext"](SUMMARY_PROMPT, url=page_url)
    return [AssistantLink(name, base + quote(prompt, safe="")) for name, base in ASSISTANTS]


def _offset(page: int) -> int:
    return (page - 1) * paging.PAGE_SIZE


async def _shared(request: Request, work: Callable[[Session], Rendered]) -> Response:
    """A page anonymous readers share: from the page cache, or rendered once and kept there
    (web/pagecache.py); rendered for a signed-in reader alone and never kept by a cache."""
    state = request.app.state
    database, settings = state.db, state.settings
    cache: pagecache.PageCache = state.page_cache
    if cache.stale(settings.page_cache_check_s):
        cache.observe(await _in_session(database, reading.get_pages_version))
    if not pagecache.is_anonymous(request):
        response, _ = await _in_session(database, work)
        return pagecache.private(response)
    key = pagecache.key_of(request, i18n.negotiate(request, settings.default_language))
    page = cache.get(key)
    if page is None:
        version = cache.version
        response, last_modified = await _in_session(database, work)
        if response.status_code != 200 or not isinstance(response, HTMLResponse):
            return response  # a redirect to the canonical path: nothing to keep
        page = pagecache.freeze(response, last_modified)
        cache.put(key, page, version)
    return pagecache.respond(request, page, settings)


async def _in_session(database: Database, work: Callable[[Session], T]) -> T:
    """`work` in one read transaction, admitted on the event loop, run (and committed) in one
    trip to the thread pool."""
    async with database.admitted(write=False):
        return await run_in_threadpool(_run_in_session, database, work)


def _run_in_session(database: Database, work: Callable[[Session], T]) -> T:
    with database.session() as session:
        return work(session)


def _latest(items: list[Article]) -> datetime | None:
    return max((a.updated_at for a in items), default=None)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, page: PageNumber = 1) -> Response:
    def work(session: Session) -> Rendered:
        items, total = articles.list_articles(session, limit=paging.PAGE_SIZE, offset=_offset(page))
        context = {"articles": items, "pagination": paginate(page, total)}
        return render(request, "pages/home.html", context), _latest(items)

    return await _shared(request, work)


@router.get("/articles/{article_id}")
def article_short(request: Request, article_id: str, session: SessionDep) -> Response:
    """/articles/{id} lives at its canonical path, with the slug."""
    article = articles.get_article(session, article_id)
    return _redirect_to_canonical(request, article)


@router.get("/articles/{article_id}/{slug}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str, slug: str) -> Response:
    """The article. Signed out, the same page for everyone of a language (cached); what is the
    visitor's own (their browser's page-view token) comes from the tracker's JSON call."""
    state = request.app.state
    settings: Settings = state.settings
    reader = getattr(request.state, "user", None)
    # The generated summary and key figures show when stored (at import); "Summary" asks for
    # them on demand, as a plain link that works without JavaScript.
    show_summary = request.query_params.get("summary") == "1"

    language = i18n.negotiate(request, settings.default_language)
    cache: pagecache.PageCache = state.page_cache

    def work(session: Session) -> Rendered:
        # What every reader's page shares (the article, its body, summary and figures) is read
        # once per catalogue version; a signed-in reader's page then reads only their own part.
        key = (article_id, slug, language, show_summary)
        page: reading.ArticlePage | None = cache.view(key)
        if page is None:
            version = cache.version
            page = reading.get_article_page(
                session,
                state.db,
                settings,
                state.clock,
                article_id=article_id,
                slug=slug,
                reader_id=None,
                device_id=None,
                language=language,
                with_summary=show_summary,
            )
            cache.keep_view(key, page, version)
        article = page.article
        if page.moved:
            return _redirect_to_canonical(request, article), None
        page_url = settings.base_url.rstrip("/") + article_path(article)
        panel, premium_until, quest_steps = None, None, []
        if reader is not None:
            # A signed-out visitor's view is counted by the tracker's JSON call instead.
            state.views.count(article.id, state.clock.now())
            mine = reading.get_reader_part(
                session, settings, state.clock, article=article, reader_id=reader.id
            )
            panel, premium_until = mine.panel, mine.premium_until
            # "Step 2 of 4 of <quest>" for a signed-in reader (anonymous pages are shared: the
            # tracker's JSON call is the place for what is the reader's own).
            quest_steps = quests.steps_for_article(
                session, reader.id, article.id, settings=settings, now=state.clock.now()
            )
        # The share links, related articles and editions are the article's, not the reader's:
        # read once per catalogue version too (a signed-in reader's page reads only its part).
        extras_key = ("extras", article.id, page_url)
        extras: dict[str, Any] | None = cache.view(extras_key)
        if extras is None:
            version = cache.version
            extras = share.article_extras(session, article, page_url, settings.base_url)
            cache.keep_view(extras_key, extras, version)
        context = {
            "article": article,
            "article_path": article_path(article),
            "body_html": page.body_html,
            "page_url": page_url,
            "assistants": assistant_links(page_url, article.language),
            "panel": panel,
            "digest": page.digest,
            "figures": page.figures,
            "show_summary": show_summary,
            "premium_until": premium_until,
            "quest_steps": quest_steps,
            **extras,
            **article_translation_context(article.language),
        }
        return render(request, "articles/article.html", context), article.updated_at

    return await _shared(request, work)


def _redirect_to_canonical(request: Request, article: Article) -> RedirectResponse:
    target = article_path(article)
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=301)


@router.get("/categories/{slug}", response_class=HTMLResponse)
async def category_page(request: Request, slug: str, page: PageNumber = 1) -> Response:
    def work(session: Session) -> Rendered:
        category = articles.get_category(session, slug)
        items, total = articles.list_articles(
            session, limit=paging.PAGE_SIZE, offset=_offset(page), category_slug=category.slug
        )
        context = {"category": category, "articles": items, "pagination": paginate(page, total)}
        return render(request, "articles/category.html", context), _latest(items)

    return await _shared(request, work)


@router.get("/authors/{slug}", response_class=HTMLResponse)
async def author_page(request: Request, slug: str, page: PageNumber = 1) -> Response:
    def work(session: Session) -> Rendered:
        author = articles.get_author(session, slug)
        items, total = articles.list_articles(
            session, limit=paging.PAGE_SIZE, offset=_offset(page), author_slug=author.slug
        )
        context = {"author": author, "articles": items, "pagination": paginate(page, total)}
        return render(request, "articles/author.html", context), _latest(items)

    return await _shared(request, work)


@router.get("/authors/{slug}/avatar.svg")
def author_avatar(slug: str, session: SessionDep) -> Response:
    """The author's generated avatar (no upload, no outside service)."""
    author = articles.get_author(session, slug)
    return Response(
        avatars.avatar_svg(author.name),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/join", response_class=HTMLResponse)
def join(request: Request) -> HTMLResponse:
    """What the Read to Earn programme is, and the way in once sign-up exists."""
    return render(request, "pages/join.html", {"signup_url": SIGNUP_PATH})


@router.get("/language")
def choose_language(
    settings: SettingsDep,
    lang: Annotated[str, Query(max_length=8)],
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> RedirectResponse:
    """Remember the reader's interface language in a cookie, then go back where they were."""
    if lang not in i18n.LANGUAGES:
        raise NotFound("this language is not available")
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(
        i18n.LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.base_url.lower().startswith("https://"),  # as every cookie of the site
    )
    return response


def language_switch_url(request: Request, language: str) -> str:
    """The switcher's link for one language, coming back to the current page."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    here = request.url.path + ("?" + urlencode(query) if query else "")
    return "/language?" + urlencode({"lang": language, "next": here})


def _local_path(target: str) -> str:
    """Only paths on this site: never an open redirect to another host."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    return target
