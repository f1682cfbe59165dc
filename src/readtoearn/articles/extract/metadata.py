"""A page's metadata: title, authors, dates, categories, image, from meta tags, JSON-LD and
the page itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement

from readtoearn.articles.extract.chrome import best_from_srcset, class_names, text_length
from readtoearn.articles.extract.nodes import absolute_url
from readtoearn.articles.extract.patterns import (
    ARTICLE_TYPES,
    HOME_CRUMBS,
    LAZY_SRC_ATTRS,
    MAX_BOX_CHARS,
)
from readtoearn.articles.interfaces import AuthorDraft
from readtoearn.articles.text import normalise_space


class PageMetadata:
    """Metadata read from JSON-LD, OpenGraph, meta tags and the page's own markup."""

    def __init__(self, root: HtmlElement, base: str | None) -> None:
        self.root = root
        self.base = base
        self.meta = _meta_tags(root)
        self.nodes = list(_json_ld_nodes(root))
        self.by_id = {node["@id"]: node for node in self.nodes if isinstance(node.get("@id"), str)}
        self.article = next((n for n in self.nodes if _types(n) & ARTICLE_TYPES), None)
        self.author_box = _author_box(root)

    def _first_meta(self, *names: str) -> str:
        for name in names:
            value = self.meta.get(name)
            if value:
                return value
        return ""

    def _ld(self, key: str) -> Any:
        if self.article is None:
            return None
        return self._resolve(self.article.get(key))

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(value["@id"], value)
        return value

    def title(self) -> str:
        """Headline: OpenGraph, JSON-LD, the page's <h1>, then <title>."""
        headline = self._ld("headline") or self._ld("name")
        candidates = [
            self._first_meta("og:title", "twitter:title"),
            headline if isinstance(headline, str) else "",
        ]
        h1 = self.root.find(".//h1")
        if h1 is not None:
            candidates.append(h1.text_content())
        title_element = self.root.find(".//title")
        if title_element is not None and title_element.text:
            candidates.append(_strip_site_suffix(title_element.text))
        for candidate in candidates:
            clean = normalise_space(candidate or "")
            if clean:
                return clean
        return ""

    def description(self) -> str:
        """The page's summary line (meta description, OpenGraph, JSON-LD)."""
        ld = self._ld("description")
        return normalise_space(
            self._first_meta("description", "og:description", "twitter:description")
            or (ld if isinstance(ld, str) else "")
        )

    def site_name(self) -> str:
        publisher = self._ld("publisher")
        name = publisher.get("name") if isinstance(publisher, dict) else None
        return normalise_space(self._first_meta("og:site_name") or (name or ""))

    def canonical_url(self) -> str | None:
        """link rel=canonical, og:url, JSON-LD url, made absolute."""
        for link in self.root.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split():
                absolute = absolute_url(link.get("href"), self.base)
                if absolute:
                    return absolute
        ld = self._ld("url") or self._ld("mainEntityOfPage")
        if isinstance(ld, dict):
            ld = ld.get("@id") or ld.get("url")
        for value in (self._first_meta("og:url"), ld if isinstance(ld, str) else None):
            absolute = absolute_url(value, self.base)
            if absolute:
                return absolute
        return None

    def translations(self) -> list[str]:
        """The page's editions in other languages: <link rel="alternate" hreflang>, absolute."""
        found = []
        for link in self.root.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            hreflang = (link.get("hreflang") or "").strip().lower()
            if "alternate" in rel and hreflang and hreflang != "x-default":
                absolute = absolute_url(link.get("href"), self.base)
                if absolute:
                    found.append(absolute)
        return list(dict.fromkeys(found))[:20]

    def language(self) -> str | None:
        """Declared language: <html lang>, og:locale, JSON-LD inLanguage, content-language."""
        ld = self._ld("inLanguage")
        if isinstance(ld, dict):
            ld = ld.get("name") or ld.get("alternateName")
        for value in (
            self.root.get("lang") or self.root.get("xml:lang"),
            self._first_meta("og:locale"),
            ld if isinstance(ld, str) else None,
            self._first_meta("content-language", "language", "dc.language"),
        ):
            if value and value.strip():
                return value.strip().replace("_", "-").split("-")[0].lower()
        return None

    def published_at(self) -> datetime | None:
        """Publication time with its zone: JSON-LD, article:published_time, <time datetime>."""
        candidates = [
            self._ld("datePublished"),
            self._first_meta("article:published_time", "og:published_time"),
            self._first_meta("datepublished", "date", "dc.date", "dc.date.issued", "pubdate"),
            self._ld("dateCreated"),
        ]
        for element in self.root.iter("time"):
            if element.get("itemprop") == "datePublished" or "published" in class_names(element):
                candidates.insert(3, element.get("datetime"))
        for element in self.root.xpath(".//*[@itemprop='datePublished']"):
            candidates.append(element.get("content") or element.get("datetime"))
        candidates.extend(element.get("datetime") for element in self.root.iter("time"))
        for value in candidates:
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed
        return None

    def modified_at(self) -> datetime | None:
        """When the publisher last changed the article: JSON-LD dateModified,
        article:modified_time, og:updated_time, <time itemprop=dateModified> or class "updated"."""
        candidates = [
            self._ld("dateModified"),
            self._first_meta("article:modified_time", "og:updated_time", "datemodified"),
            self._first_meta("dc.date.modified", "last-modified", "lastmod"),
        ]
        for element in self.root.xpath(".//*[@itemprop='dateModified']"):
            candidates.append(element.get("content") or element.get("datetime"))
        for element in self.root.iter("time"):
            names = class_names(element)
            if re.search(r"\b(updated|modified)\b", names):
                candidates.append(element.get("datetime"))
        for value in candidates:
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed
        return None

    def authors(self) -> list[AuthorDraft]:
        """Authors from JSON-LD, meta tags or bylines, with bio and page from an author box."""
        result: list[AuthorDraft] = []
        for item in _as_list(self._ld("author")):
            item = self._resolve(item)
            if isinstance(item, str):
                result.append(AuthorDraft(name=item))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                url = item.get("url") if isinstance(item.get("url"), str) else None
                bio = item.get("description")
                bio = bio if isinstance(bio, str) else ""
                url = absolute_url(url, self.base)
                result.append(AuthorDraft(name=item["name"], bio=bio, url=url))
        if not result:
            for link in self.root.xpath(".//a[@rel='author']"):
                result.append(
                    AuthorDraft(
                        name=link.text_content(), url=absolute_url(link.get("href"), self.base)
                    )
                )
        if not result:
            name = self._first_meta("author", "article:author", "dc.creator", "parsely-author")
            if name and not name.startswith(("http://", "https://")):
                names = re.split(r"\s*(?:,| and | et )\s*", name)
                result.extend(AuthorDraft(name=n) for n in names)
        result = [a for a in result if normalise_space(a.name)]
        for author in result:
            author.name = normalise_space(author.name)
        if self.author_box is not None:
            box_name, bio, url = self.author_box
            for author in result:
                if not box_name or box_name.casefold() == author.name.casefold():
                    author.bio = author.bio or bio
                    author.url = author.url or absolute_url(url, self.base)
                    break
            if not result and box_name:
                result.append(AuthorDraft(name=box_name, bio=bio, url=absolute_url(url, self.base)))
        unique: dict[str, AuthorDraft] = {}
        for author in result:
            unique.setdefault(author.name.casefold(), author)
        return list(unique.values())

    def categories(self) -> list[str]:
        """Breadcrumbs (JSON-LD BreadcrumbList), article:section, articleSection, category links."""
        names: list[str] = []
        for node in self.nodes:
            if "BreadcrumbList" in _types(node):
                names.extend(self._crumbs(node))
        section = self._ld("articleSection")
        names.extend(s for s in _as_list(section) if isinstance(s, str))
        names.extend(v for k, v in self.meta.items_all() if k == "article:section")
        for link in self.root.iter("a"):
            rel = (link.get("rel") or "").lower().split()
            if "category" in rel:
                names.append(link.text_content())
        result: list[str] = []
        seen: set[str] = set()
        title = self.title().casefold()
        for name in names:
            clean = normalise_space(name)
            key = clean.casefold()
            if not clean or key in seen or key in HOME_CRUMBS or key == title or len(clean) > 80:
                continue
            seen.add(key)
            result.append(clean)
        return result

    def _crumbs(self, node: dict[str, Any]) -> list[str]:
        items = [i for i in _as_list(node.get("itemListElement")) if isinstance(i, dict)]
        items.sort(key=lambda i: _int(i.get("position")))
        names = []
        for item in items:
            name = item.get("name")
            inner = self._resolve(item.get("item"))
            if not isinstance(name, str) and isinstance(inner, dict):
                name = inner.get("name")
            if isinstance(name, str):
                names.append(name)
        # The last crumb is usually the article itself.
        if len(names) > 1 and normalise_space(names[-1]).casefold() == self.title().casefold():
            names = names[:-1]
        return names

    def image(self) -> tuple[str | None, str, str]:
        """Hero image URL, its alt text and caption: OpenGraph, JSON-LD, then the first figure."""
        ld = self._ld("image")
        ld_url = None
        for item in _as_list(ld):
            item = self._resolve(item)
            if isinstance(item, str):
                ld_url = item
            elif isinstance(item, dict) and isinstance(item.get("url"), str):
                ld_url = item["url"]
            if ld_url:
                break
        url = absolute_url(self._first_meta("og:image", "og:image:url", "twitter:image"), self.base)
        url = url or absolute_url(ld_url, self.base)
        alt = self._first_meta("og:image:alt", "twitter:image:alt")
        caption = ""
        figure = self._hero_figure(url)
        if figure is not None:
            img = next(figure.iter("img"), None)
            if img is not None:
                src = _image_source(img, self.base)
                url = url or src
                alt = alt or img.get("alt", "")
            figcaption = next(figure.iter("figcaption"), None)
            if figcaption is not None:
                caption = normalise_space(figcaption.text_content())
        return url, normalise_space(alt), caption

    def _hero_figure(self, url: str | None) -> HtmlElement | None:
        figures = list(self.root.iter("figure"))
        if url:
            name = urlsplit(url).path.rsplit("/", 1)[-1].split(".")[0]
            for figure in figures:
                for img in figure.iter("img"):
                    src = _image_source(img, self.base) or ""
                    if src == url or (name and name in src):
                        return figure
            return None
        return figures[0] if figures else None


class _MetaTags:
    """<meta> tags by name or property, lower-cased; first value wins, all kept."""

    def __init__(self) -> None:
        self.values: list[tuple[str, str]] = []

    def add(self, key: str, value: str) -> None:
        self.values.append((key, value))

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.values if k == key), None)

    def items_all(self) -> list[tuple[str, str]]:
        return list(self.values)


def _meta_tags(root: HtmlElement) -> _MetaTags:
    tags = _MetaTags()
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        key = key or meta.get("http-equiv", "")
        value = meta.get("content")
        if key and value and value.strip():
            tags.add(key.strip().lower(), value.strip())
    return tags


def _json_ld_nodes(root: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in root.xpath(".//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!\[CDATA\[|<!--)|(\]\]>|-->)\s*$", "", raw)
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def _types(node: dict[str, Any]) -> set[str]:
    return {t for t in _as_list(node.get("@type")) if isinstance(t, str)}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _strip_site_suffix(title: str) -> str:
    parts = re.split(r"\s+[|–—-]\s+", title.strip())
    return parts[0] if len(parts) > 1 and len(parts[0]) > 10 else title


def _author_box(root: HtmlElement) -> tuple[str, str, str | None] | None:
    """Name, bio and page of the author box (about-the-author), when the page has one."""
    for element in root.iter():
        if not isinstance(element, HtmlElement):
            continue
        names = class_names(element)
        if not names or not re.search(
            r"author[-_]?(box|bio|info|card)|about[-_](the[-_])?author|authorbox", names, re.I
        ):
            continue
        if text_length(element) > MAX_BOX_CHARS:
            continue
        name = ""
        url = None
        for candidate in element.xpath(
            ".//*[contains(@class,'name') or @rel='author' or self::h2 or self::h3 or self::h4"
            " or self::strong]"
        ):
            text = normalise_space(candidate.text_content())
            if text and len(text) < 80:
                name = re.sub(r"^(about|à propos de|par|by)\s+", "", text, flags=re.I)
                link = candidate if candidate.tag == "a" else candidate.find(".//a[@href]")
                url = link.get("href") if link is not None else None
                break
        bios = [
            normalise_space(p.text_content())
            for p in element.xpath(".//p | .//*[contains(@class,'bio') or contains(@class,'desc')]")
        ]
        bio = max((b for b in bios if b != name), key=len, default="")
        if name or bio:
            return name, bio, url
    return None


def _image_source(img: HtmlElement, base: str | None) -> str | None:
    for attr in (*LAZY_SRC_ATTRS, "src"):
        value = img.get(attr)
        if value and not value.startswith("data:"):
            return absolute_url(value, base)
    srcset = best_from_srcset(img.get("data-srcset") or img.get("srcset") or "")
    return absolute_url(srcset, base)


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 or RFC 822 text; a time with no zone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


def iter_text_blocks(html: str) -> Iterable[str]:
    """Plain text of each block of article HTML (for tests and the benchmark)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iter("p", "h2", "h3", "h4", "li", "blockquote"):
        text = normalise_space(element.text_content())
        if text:
            yield text
