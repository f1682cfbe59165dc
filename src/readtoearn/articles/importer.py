"""Importing articles from pages, URLs, feeds and JSON: sources become items, items drafts, and
`store` saves each draft in the transaction of the command or request that imports it."""

from __future__ import annotations

import gzip
import html as htmllib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
import httpx
import lxml.html
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from readtoearn.articles import text as textlib
from readtoearn.articles.extract import (
    clean_fragment,
    extract_article,
    looks_binary,
    parse_datetime,
)
from readtoearn.articles.fetch import Fetched, fetch, new_client, sniff
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Article
from readtoearn.articles.service import MIN_WORDS, SUPPORTED_LANGUAGES, save_article
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput, ReadToEarnError

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
FEED_SUFFIXES = (".xml", ".rss", ".atom", ".xml.gz", ".rss.gz", ".atom.gz")
JSON_SUFFIXES = (".json", ".json.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
ALL_SUFFIXES = PAGE_SUFFIXES + FEED_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES
JSON_FIELDS = (
    "url, title, html or text, language, published_at, authors, categories, image, "
    "description, lead, key_points, modified_at, translations"
)


@dataclass
class ImportItem:
    """One article to import: a label for messages, and how to build its draft (a picklable
    partial where it can be, so that `readtoearn import --workers` runs it in a worker process)."""

    label: str
    kind: str  # html, url, feed or json: stored as the article's source
    load: Callable[[], ArticleDraft]


@dataclass
class ImportOutcome:
    """What happened to one item: the stored article's figures, or why it failed."""

    label: str
    error: str = ""
    id: str = ""
    created: bool = False
    title: str = ""
    language: str = ""
    words: int = 0
    reading_minutes: int = 0
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    def as_json(self) -> dict[str, Any]:
        """The outcome as one JSON object (the CLI's --json line)."""
        if not self.ok:
            return {"source": self.label, "error": self.error}
        return {
            "id": self.id,
            "status": "created" if self.created else "updated",
            "language": self.language,
            "words": self.words,
            "reading_minutes": self.reading_minutes,
            "title": self.title,
            "url": self.url,
            "source": self.label,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass
class Importer:
    """Turns sources into items and items into drafts; `store` saves a draft in the caller's
    transaction (the command or request owns it)."""

    settings: Settings
    client: httpx.Client | None = None
    _own_client: bool = field(default=False, init=False)

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()

    def __getstate__(self) -> dict[str, Any]:
        # Sent to a worker process without its HTTP client: the worker opens its own.
        return {**self.__dict__, "client": None, "_own_client": False}

    def _http(self) -> httpx.Client:
        if self.client is None:
            self.client = new_client(self.settings)
            self._own_client = True
        return self.client

    def fetch(self, url: str) -> Fetched:
        return fetch(url, self.settings, self._http())

    # ----------------------------------------------------------------- sources

    def items(self, source: str) -> list[ImportItem]:
        """The items of one source; a source that cannot be read is one failing item."""
        try:
            return list(self._expand(source))
        except ReadToEarnError as exc:
            return [_failing(source, exc.message)]
        except OSError as exc:
            return [_failing(source, exc.strerror or str(exc))]
        except Exception as exc:  # a parsing library failing on odd input: one line, no trace
            return [_failing(source, f"cannot read: {_one_line(exc)}")]

    def _expand(self, source: str) -> Iterator[ImportItem]:
        if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.IGNORECASE):
            yield from self._expand_url(source)
            return
        path = Path(source)
        if not path.exists():
            raise InvalidInput("no such file")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p) in ALL_SUFFIXES)
            if not files:
                raise InvalidInput("no importable files in this folder")
            for file in files:
                yield from self.items(str(file))
            return
        suffix = _suffix(path)
        if suffix in PAGE_SUFFIXES:
            yield ImportItem(source, "html", partial(_page_file, self, path))
        elif suffix in FEED_SUFFIXES:
            yield from self._feed_items(self._read(path), source, base=None)
        elif suffix in JSON_SUFFIXES:
            yield from _json_items(self._read(path), source, lines=False)
        elif suffix in JSONL_SUFFIXES:
            yield from _json_items(self._read(path), source, lines=True)
        else:
            kinds = ", ".join(s for s in ALL_SUFFIXES if not s.endswith(".gz"))
            shown = path.suffix or "no extension"
            raise InvalidInput(f"unknown file type ({shown}); expected one of {kinds}")

    def _expand_url(self, url: str) -> Iterator[ImportItem]:
        fetched = self.fetch(url)
        kind = fetched.kind
        if kind == "html":
            yield ImportItem(
                url,
                "url",
                partial(extract_article, fetched.body, fetched.url, charset=fetched.charset),
            )
        elif kind == "feed":
            yield from self._feed_items(fetched.body, url, base=fetched.url)
        elif kind == "json":
            lines = fetched.content_type in ("application/x-ndjson", "application/jsonl")
            yield from _json_items(fetched.body, url, lines=lines)
        else:
            raise InvalidInput(
                f"not a page, a feed or JSON ({fetched.content_type or 'no content type'})"
            )

    def _read(self, path: Path) -> bytes:
        """A file's bytes (gunzipped), refusing files over the size limit."""
        limit = self.settings.fetch_max_bytes
        size = path.stat().st_size
        if size > limit:
            raise InvalidInput(f"file too large ({_mb(size)}; limit {_mb(limit)})")
        if size == 0:
            raise InvalidInput("the file is empty")
        if path.name.lower().endswith(".gz"):
            try:
                with gzip.open(path, "rb") as handle:
                    data = handle.read(limit + 1)
            except (OSError, EOFError) as exc:
                raise InvalidInput(f"not a readable gzip file ({exc})") from None
            if len(data) > limit:
                raise InvalidInput(f"file too large once decompressed (over {_mb(limit)})")
            if not data.strip():
                raise InvalidInput("the file is empty")
            return data
        return path.read_bytes()

    # ----------------------------------------------------------------- feeds

    def _feed_items(self, data: bytes, source: str, base: str | None) -> Iterator[ImportItem]:
        if looks_binary(data):
            raise InvalidInput("this is a binary file, not a feed")
        if sniff(data) != "feed":
            raise InvalidInput("not an RSS or Atom feed")
        parsed = feedparser.parse(data, response_headers={"content-location": base or ""})
        if not parsed.get("version") or (not parsed.entries and parsed.get("bozo")):
            raise InvalidInput("not an RSS or Atom feed")
        if not parsed.entries:
            raise InvalidInput("the feed has no entries")
        language = parsed.feed.get("language") or None
        for index, entry in enumerate(parsed.entries, start=1):
            label = entry.get("link") or f"{source} entry {index}"
            yield ImportItem(label, "feed", _bind_entry(self, entry, language))

    def entry_draft(self, entry: Any, feed_language: str | None) -> ArticleDraft:
        """A feed entry as a draft: its full content when carried, else its page, fetched."""
        link = entry.get("link") or None
        content = _full_content(entry)
        if content:
            body, key_points = clean_fragment(content, link)
            if textlib.count_words(textlib.text_of(textlib.sanitise_html(body))) >= MIN_WORDS:
                draft = ArticleDraft(
                    title=entry.get("title", ""),
                    html=body,
                    canonical_url=link,
                    key_points=key_points,
                )
                return _merge_entry(draft, entry, feed_language)
        if not link:
            raise InvalidInput("the entry has no full content and no link to its page")
        fetched = self.fetch(link)
        if fetched.kind != "html":
            raise InvalidInput(f"the entry's link is not a page ({fetched.content_type})")
        draft = extract_article(fetched.body, fetched.url, charset=fetched.charset)
        draft.canonical_url = draft.canonical_url or link
        return _merge_entry(draft, entry, feed_language)

    # ----------------------------------------------------------------- loading

    def load(self, item: ImportItem) -> ArticleDraft | ImportOutcome:
        """The item's draft, or the outcome saying why there is none (before any transaction:
        loading may fetch pages); never raises."""
        try:
            return item.load()
        except ReadToEarnError as exc:
            return ImportOutcome(item.label, error=exc.message)
        except OSError as exc:
            return ImportOutcome(item.label, error=exc.strerror or str(exc))
        except Exception as exc:  # an extraction library failing on odd input
            return ImportOutcome(item.label, error=f"cannot extract: {_one_line(exc)}")


# --------------------------------------------------------------------------- storing


def store(
    session: Session,
    item: ImportItem,
    draft: ArticleDraft,
    settings: Settings,
    *,
    then: Callable[[Session, Article], object] | None = None,
) -> ImportOutcome:
    """Save one draft in a savepoint of the caller's transaction (the caller commits), then run
    `then` on the saved article (the summary made at import); never raises for the item."""
    try:
        with session.begin_nested():
            saved = save_article(session, draft, settings, source=item.kind)
        article = saved.article
        if then is not None:
            then(session, article)
        return ImportOutcome(
            item.label,
            id=str(article.id),
            created=saved.created,
            title=article.title,
            language=article.language,
            words=article.word_count,
            reading_minutes=article.reading_minutes,
            url=article.canonical_url,
            created_at=article.created_at,
            updated_at=article.updated_at,
        )
    except ReadToEarnError as exc:
        return ImportOutcome(item.label, error=exc.message)
    except SQLAlchemyError as exc:
        return ImportOutcome(item.label, error=database_error(exc))


def database_error(exc: SQLAlchemyError) -> str:
    """A database failure in one line, for an item's outcome."""
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return f"database error: {detail}"


def _failing(label: str, message: str) -> ImportItem:
    def load() -> ArticleDraft:
        raise InvalidInput(message)

    return ImportItem(label, "import", load)


def _bind_entry(importer: Importer, entry: Any, language: str | None) -> Callable[[], ArticleDraft]:
    return partial(importer.entry_draft, entry, language)


def _page_file(importer: Importer, path: Path) -> ArticleDraft:
    return extract_article(importer._read(path))


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(ALL_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _mb(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB"


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


# --------------------------------------------------------------------------- feed entries


def _full_content(entry: Any) -> str:
    """The entry's full HTML (content:encoded, Atom content), when the feed carries it."""
    best = ""
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if content.get("type", "text/html") in ("text/plain",):
            value = _text_to_html(value)
        if len(value) > len(best):
            best = value
    return best


def _merge_entry(draft: ArticleDraft, entry: Any, feed_language: str | None) -> ArticleDraft:
    """Fill what the page did not say with what the feed entry says."""
    draft.title = draft.title or entry.get("title", "")
    if draft.published_at is None:
        draft.published_at = parse_datetime(entry.get("published")) or parse_datetime(
            entry.get("updated")
        )
    if draft.modified_at is None:
        # The entry's own <updated> only (feedparser's get() falls back to the publication).
        draft.modified_at = parse_datetime(dict.get(entry, "updated"))
    if not draft.authors:
        for author in entry.get("authors") or []:
            if author.get("name"):
                draft.authors.append(AuthorDraft(name=author["name"], url=author.get("href")))
    if not draft.categories:
        draft.categories = [
            t.get("label") or t.get("term") for t in entry.get("tags") or [] if t.get("term")
        ]
    if not draft.description and entry.get("summary"):
        draft.description = _plain(entry["summary"])[:500]
    # The channel's <language> is not trusted for each entry: feeds mix languages, so an entry
    # without its own declaration is detected from its text.
    del feed_language
    draft.language = draft.language or _entry_language(entry)
    if not draft.image_url:
        draft.image_url = _entry_image(entry)
    return draft


def _plain(html: str) -> str:
    """Text of a fragment that may or may not hold block elements."""
    clean = textlib.sanitise_html(html)
    if not clean:
        return ""
    return textlib.normalise_space(
        lxml.html.fragment_fromstring(clean, create_parent="div").text_content()
    )


def _entry_language(entry: Any) -> str | None:
    for content in entry.get("content") or []:
        if content.get("language"):
            return str(content["language"])
    return None


def _entry_image(entry: Any) -> str | None:
    for media in (entry.get("media_content") or []) + (entry.get("media_thumbnail") or []):
        url = media.get("url")
        if url and (media.get("medium") in (None, "image") or "image" in media.get("type", "")):
            return str(url)
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/"):
            return str(link.get("href"))
    return None


# --------------------------------------------------------------------------- JSON records


def _json_items(data: bytes, source: str, *, lines: bool) -> Iterator[ImportItem]:
    if looks_binary(data):
        raise InvalidInput("this is a binary file, not JSON")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("JSON must be UTF-8 text") from None
    if lines:
        found = False
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            found = True
            label = f"{source} line {number}"
            try:
                record = json.loads(line)
            except ValueError as exc:
                yield _failing(label, f"not valid JSON ({_json_error(exc)})")
                continue
            yield ImportItem(label, "json", _bind_record(record))
        if not found:
            raise InvalidInput("the file has no records")
        return
    try:
        data_value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON ({_json_error(exc)})") from None
    if isinstance(data_value, dict) and isinstance(data_value.get("articles"), list):
        data_value = data_value["articles"]
    records = data_value if isinstance(data_value, list) else [data_value]
    if not records:
        raise InvalidInput("the file has no records")
    for number, record in enumerate(records, start=1):
        label = f"{source} #{number}" if len(records) > 1 else source
        yield ImportItem(label, "json", _bind_record(record))


def _json_error(exc: ValueError) -> str:
    return str(exc).splitlines()[0]


def _bind_record(record: Any) -> Callable[[], ArticleDraft]:
    return partial(record_draft, record)


def record_draft(record: Any) -> ArticleDraft:
    """A JSON article record as a draft, refusing missing fields and wrong types."""
    if not isinstance(record, dict):
        raise InvalidInput(f"each record must be a JSON object with {JSON_FIELDS}")
    title = _string(record, "title")
    html = _string(record, "html")
    text = _string(record, "text")
    if not html and not text:
        raise InvalidInput("the record has neither 'html' nor 'text'")
    url = _string(record, "url") or None
    if url and not re.match(r"^https?://", url):
        raise InvalidInput("'url' must be an http(s) URL")
    published_raw = _string(record, "published_at")
    published = parse_datetime(published_raw) if published_raw else None
    if published_raw and published is None:
        raise InvalidInput("'published_at' must be an ISO 8601 date and time")
    modified_raw = _string(record, "modified_at")
    modified = parse_datetime(modified_raw) if modified_raw else None
    if modified_raw and modified is None:
        raise InvalidInput("'modified_at' must be an ISO 8601 date and time")
    image_url, image_alt, image_caption = _image(record.get("image"))

    if html and re.search(r"<html|<body", html[:2000], re.IGNORECASE):
        # A whole page: extract it, then let the record's own fields win.
        draft = extract_article(html, url)
        draft.title = title or draft.title
    else:
        if not title:
            raise InvalidInput("the record has no 'title'")
        draft = ArticleDraft(title=title, html=html or _text_to_html(text))
    draft.canonical_url = url or draft.canonical_url
    draft.language = _string(record, "language") or draft.language
    draft.published_at = published or draft.published_at
    draft.modified_at = modified or draft.modified_at
    draft.description = _string(record, "description") or draft.description
    draft.lead = _string(record, "lead") or draft.lead
    draft.authors = _authors(record.get("authors", record.get("author"))) or draft.authors
    draft.categories = _strings(record, "categories") or draft.categories
    draft.key_points = _strings(record, "key_points") or draft.key_points
    draft.translations = _strings(record, "translations") or draft.translations
    if image_url:
        draft.image_url, draft.image_alt, draft.image_caption = image_url, image_alt, image_caption
    return draft


def _string(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be a string")
    return value.strip()


def _strings(record: dict[str, Any], key: str) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"'{key}' must be a list of strings")
    return [v for v in value if v.strip()]


def _authors(value: Any) -> list[AuthorDraft]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    result = []
    for item in items:
        if isinstance(item, str) and item.strip():
            result.append(AuthorDraft(name=item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            bio, url = item.get("bio", ""), item.get("url")
            if not isinstance(bio, str) or not (url is None or isinstance(url, str)):
                raise InvalidInput("an author's 'bio' and 'url' must be strings")
            bios = _bios(item.get("bios"))
            result.append(AuthorDraft(name=item["name"], bio=bio, url=url, bios=bios))
        else:
            raise InvalidInput(
                "'authors' must be a list of names or {name, bio, bios, url} objects"
            )
    return result


def _bios(value: Any) -> dict[str, str]:
    """An author's bios by language: {"en": "...", "fr": "..."}."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        lang in SUPPORTED_LANGUAGES and isinstance(text, str) for lang, text in value.items()
    ):
        languages = " and ".join(f"'{lang}'" for lang in SUPPORTED_LANGUAGES)
        raise InvalidInput(f"an author's 'bios' must map {languages} to strings")
    return {lang: text for lang, text in value.items() if text.strip()}


def _image(value: Any) -> tuple[str | None, str, str]:
    if value is None or value == "":
        return None, "", ""
    url, alt, caption = value, "", ""
    if isinstance(value, dict):
        url, alt, caption = value.get("url"), value.get("alt", ""), value.get("caption", "")
    if (
        isinstance(url, str)
        and re.match(r"^https?://", url)
        and isinstance(alt, str)
        and isinstance(caption, str)
    ):
        return url, alt, caption
    raise InvalidInput("'image' must be an http(s) URL or an object {url, alt, caption}")


def _text_to_html(text: str) -> str:
    """Plain text as paragraphs: blank lines separate them (or single lines when none)."""
    blocks = re.split(r"\n\s*\n", text.strip())
    if len(blocks) == 1:
        blocks = text.strip().splitlines()
    return "".join(f"<p>{htmllib.escape(b.strip())}</p>" for b in blocks if b.strip())
