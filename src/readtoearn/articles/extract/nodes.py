"""Small helpers over parsed pages: an element's inner HTML, absolute URLs."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.html import HtmlElement


def inner_html(element: HtmlElement) -> str:
    parts = [element.text or ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in element)
    return "".join(parts).strip()


def http_url(url: str | None) -> str | None:
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def absolute_url(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("data:"):
        return None
    joined = urljoin(base, value) if base else value
    return joined if urlsplit(joined).scheme in ("http", "https") else None
