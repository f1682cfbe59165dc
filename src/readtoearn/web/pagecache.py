"""Pages that are the same for every anonymous reader of a language, cached and revalidated.

A news site's crowd is signed out and reads the same few articles. Their article, home, category
and author pages carry nothing of the reader (what does comes from the tracker's JSON call), so
one rendering serves them all:
- in this process, per path, query and language, until the catalogue changes (bounded, LRU);
- in a CDN or reverse proxy, which `Cache-Control: public, max-age, stale-while-revalidate`
  allows (docs/operations.md says what the proxy must key on and when it must bypass);
- in the browser, which revalidates with If-None-Match / If-Modified-Since and gets a 304.

Other workers and nodes learn of an edit or an import from the database: the catalogue's version
(the articles' and summaries' counts and latest changes) is read again at most every
READTOEARN_PAGE_CACHE_CHECK_S seconds, and every cached page of an older version is dropped.
A signed-in reader's page is rendered for them and marked `private, no-store`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from readtoearn.config import Settings
from readtoearn.web.csrf import SESSION_COOKIE

PRIVATE = "private, no-store"


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page rendered once for every anonymous reader of a language."""

    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]  # Content-Type, Content-Language, ...
    etag: str
    last_modified: datetime | None


class PageCache:
    """Rendered pages by (path, query, language), for the current catalogue version only; and
    what a signed-in reader's article page shares with everyone's (the article, its body, its
    summary and figures), so that only the reader's own part is read for them."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple[str, str, str], CachedPage] = OrderedDict()
        self._views: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.version: Any = None
        self._checked_at = 0.0

    def get(self, key: tuple[str, str, str]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, str, str], page: CachedPage, version: Any) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            if version != self.version:  # rendered from a catalogue that has changed since
                return
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)

    def view(self, key: tuple[Any, ...]) -> Any:
        """What `keep_view` kept under `key` for the current version, or None."""
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
            return view

    def keep_view(self, key: tuple[Any, ...], view: Any, version: Any) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            if version != self.version:
                return
            self._views[key] = view
            self._views.move_to_end(key)
            while len(self._views) > self.max_entries:
                self._views.popitem(last=False)

    def stale(self, every_s: float) -> bool:
        """Whether the catalogue's version should be read again from the database."""
        return time.monotonic() - self._checked_at >= every_s

    def observe(self, version: Any) -> None:
        """The catalogue's version as just read: a new one empties the cache."""
        with self._lock:
            self._checked_at = time.monotonic()
            if version != self.version:
                self._pages.clear()
                self._views.clear()
                self.version = version

    def forget(self) -> None:
        """Empty the cache and read the version again at the next request (an edit here)."""
        with self._lock:
            self._pages.clear()
            self._views.clear()
            self._checked_at = 0.0


def is_anonymous(request: Request) -> bool:
    """Nobody signed in, and no session cookie (a dead one is cleared with a Set-Cookie, which
    a shared cache must not keep)."""
    return getattr(request.state, "user", None) is None and SESSION_COOKIE not in request.cookies


def key_of(request: Request, language: str) -> tuple[str, str, str]:
    return (request.url.path, request.url.query, language)


def freeze(response: Response, last_modified: datetime | None) -> CachedPage:
    """A rendered page as the cache keeps it; its ETag is a digest of the bytes served."""
    body = bytes(response.body)
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    kept = ("content-type", "content-language", "vary")
    headers = tuple((k, v) for k, v in response.headers.items() if k in kept)
    return CachedPage(body, response.status_code, headers, etag, last_modified)


def _not_modified(request: Request, page: CachedPage) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return page.etag in tags
    since = request.headers.get("if-modified-since")
    if since is None or page.last_modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return page.last_modified.replace(microsecond=0) <= when


def respond(request: Request, page: CachedPage, settings: Settings) -> Response:
    """The cached page, or 304 when the client's copy is the same; public caching headers."""
    headers = {
        "ETag": page.etag,
        "Cache-Control": (
            f"public, max-age={settings.page_cache_max_age_s}, "
            f"stale-while-revalidate={settings.page_cache_stale_s}"
        ),
    }
    if page.last_modified is not None:
        headers["Last-Modified"] = format_datetime(page.last_modified.astimezone(UTC), usegmt=True)
    for name, value in page.headers:
        if name == "vary" or (page.status == 200 and name == "content-language"):
            headers[name] = value
    if page.status == 200 and _not_modified(request, page):
        return Response(status_code=304, headers=headers)
    content_type = dict(page.headers).get("content-type", "text/html; charset=utf-8")
    headers["Content-Type"] = content_type
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(page.body))
        return Response(status_code=page.status, headers=headers)
    return Response(page.body, status_code=page.status, headers=headers)


def private(response: Response) -> Response:
    """A page rendered for one signed-in reader: no shared cache may keep it."""
    response.headers["Cache-Control"] = PRIVATE
    return response


Render = Callable[[], tuple[Response, datetime | None]]
