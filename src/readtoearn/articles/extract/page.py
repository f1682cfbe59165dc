"""A whole page read: pre-cleaning, trafilatura for the main text, our own metadata reader."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement

from readtoearn.articles.extract.boxes import (
    attach_captions,
    find_lead,
    first_paragraph_as_lead,
    pop_key_points,
    tidy_body,
)
from readtoearn.articles.extract.chrome import drop_element, fix_lazy_images, remove_chrome
from readtoearn.articles.extract.decoding import clean_text, decode_html, parse_html
from readtoearn.articles.extract.metadata import PageMetadata
from readtoearn.articles.extract.nodes import http_url, inner_html
from readtoearn.articles.extract.patterns import MAX_CAPTION_CHARS
from readtoearn.articles.extract.rules import RULES, Rules
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.articles.text import normalise_space
from readtoearn.errors import InvalidInput


def extract_article(
    page: str | bytes, url: str | None = None, *, charset: str | None = None, rules: Rules = RULES
) -> ArticleDraft:
    """An article draft from a whole page: body with sub-headings, key points, lead, metadata."""
    text = decode_html(page, charset) if isinstance(page, bytes) else clean_text(page)
    root = parse_html(text)
    base = _base_url(root, url)
    meta = PageMetadata(root, base)

    image_url, image_alt, image_caption = meta.image()
    fix_lazy_images(root, base)
    key_points = pop_key_points(root) if rules.key_points else []
    remove_chrome(root, rules)
    captions = take_captions(root) if rules.captions else {}
    lead_element = find_lead(root) if rules.lead_class else None
    lead = normalise_space(lead_element.text_content()) if lead_element is not None else ""
    if lead_element is not None:
        drop_element(lead_element)

    body = extract_body(root, base, precision=rules.mode != "default", rules=rules)
    if body is None:
        raise InvalidInput("no article text found in the page")
    title = meta.title()
    body = tidy_body(body, title=title, lead=lead, hero=image_url, key_points=key_points)
    if captions:
        body = attach_captions(body, captions)
    if not lead:
        lead, body = first_paragraph_as_lead(body)
    if not title:
        raise InvalidInput("the page has no title")
    return ArticleDraft(
        title=title,
        html=body,
        canonical_url=meta.canonical_url() or http_url(url),
        description=meta.description(),
        lead=lead,
        language=meta.language(),
        published_at=meta.published_at(),
        modified_at=meta.modified_at(),
        authors=meta.authors(),
        categories=meta.categories(),
        image_url=image_url,
        image_alt=image_alt,
        image_caption=image_caption,
        key_points=key_points,
        site_name=meta.site_name(),
        translations=meta.translations(),
    )


def extract_body(
    root: HtmlElement, base: str | None, *, precision: bool = True, rules: Rules = RULES
) -> str | None:
    """The main text as HTML (headings, paragraphs, lists, quotes, images), or None."""
    options: dict[str, Any] = {
        "url": base,
        "output_format": "html",
        "include_comments": False,
        "include_images": True,
        "include_tables": True,
        "include_formatting": True,
        "include_links": True,
    }
    result = trafilatura.extract(copy.deepcopy(root), favor_precision=precision, **options)
    found = len(_text(result)) if result else 0
    if precision and rules.mode == "fallback" and found < rules.short_body_chars:
        # Precision mode sometimes keeps only a stray box of a page; when the default mode
        # finds several times more text, that text is the article.
        fallback = trafilatura.extract(copy.deepcopy(root), **options)
        if fallback and len(_text(fallback)) > max(found * 3, found + 200):
            result = fallback
    return result or None


def clean_fragment(html: str, base: str | None = None) -> tuple[str, list[str]]:
    """A feed entry's full content with chrome and its key-points box removed."""
    root = lxml.html.fragment_fromstring(clean_text(html), create_parent="div")
    fix_lazy_images(root, base)
    key_points = pop_key_points(root)
    remove_chrome(root)
    return inner_html(root), key_points


def take_captions(root: HtmlElement) -> dict[str, str]:
    """Each figure's caption by its image's source, taken out of the page for trafilatura."""
    captions: dict[str, str] = {}
    for figure in list(root.iter()):
        if not isinstance(figure, HtmlElement) or not _is_figure(figure):
            continue
        caption, image = _caption_of(figure), figure.find(".//img")
        if caption is None or image is None:
            continue
        text = normalise_space(caption.text_content())
        source = image.get("src", "")
        if text and source and len(text) <= MAX_CAPTION_CHARS:
            captions.setdefault(source, text)
            drop_element(caption)
    return captions


def _is_figure(element: HtmlElement) -> bool:
    # WordPress's classic editor writes <div class="wp-caption"> where HTML5 has <figure>.
    return element.tag == "figure" or "wp-caption" in element.get("class", "").split()


def _caption_of(figure: HtmlElement) -> HtmlElement | None:
    caption = figure.find(".//figcaption")
    if caption is not None:
        return caption
    return next(
        (e for e in figure.iter() if "wp-caption-text" in str(e.get("class", "")).split()), None
    )


def _text(html: str) -> str:
    try:
        return normalise_space(lxml.html.fromstring(html).text_content())
    except (lxml.etree.ParserError, ValueError):
        return ""


def _base_url(root: HtmlElement, url: str | None) -> str | None:
    base = root.find(".//base[@href]")
    if base is not None:
        return urljoin(url or "", base.get("href", "")) or url
    return url
