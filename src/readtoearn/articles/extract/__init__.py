"""Main text and metadata of a news page: pre-cleaning, trafilatura, and our own metadata reader."""

from __future__ import annotations

from readtoearn.articles.extract.boxes import find_lead, pop_key_points, tidy_body
from readtoearn.articles.extract.chrome import fix_lazy_images, remove_chrome
from readtoearn.articles.extract.decoding import decode_html, looks_binary, parse_html
from readtoearn.articles.extract.metadata import PageMetadata, iter_text_blocks, parse_datetime
from readtoearn.articles.extract.page import clean_fragment, extract_article, extract_body
from readtoearn.articles.extract.patterns import (
    ARTICLE_TYPES,
    CALL_TO_ACTION,
    CHROME_PHRASES,
    CHROME_TEXT,
    CHROME_WORDS,
    CONTROL_CHARS,
    DISCLAIMER_TEXT,
    FEED_FOOTER,
    HOME_CRUMBS,
    KEY_POINTS_CLASS,
    KEY_POINTS_TITLE,
    LAZY_SRC_ATTRS,
    LEAD_CLASS,
    MAX_BOX_CHARS,
    MAX_CHROME_SHARE,
    META_CHARSET,
    MIN_LEAD_CHARS,
    PROMO_TEXT,
    PROTECTED_TAGS,
    SHORT_BODY_CHARS,
    XML_DECLARATION,
)

__all__ = [
    "ARTICLE_TYPES",
    "CALL_TO_ACTION",
    "CHROME_PHRASES",
    "CHROME_TEXT",
    "CHROME_WORDS",
    "CONTROL_CHARS",
    "DISCLAIMER_TEXT",
    "FEED_FOOTER",
    "HOME_CRUMBS",
    "KEY_POINTS_CLASS",
    "KEY_POINTS_TITLE",
    "LAZY_SRC_ATTRS",
    "LEAD_CLASS",
    "MAX_BOX_CHARS",
    "MAX_CHROME_SHARE",
    "META_CHARSET",
    "MIN_LEAD_CHARS",
    "PROMO_TEXT",
    "PROTECTED_TAGS",
    "SHORT_BODY_CHARS",
    "XML_DECLARATION",
    "PageMetadata",
    "clean_fragment",
    "decode_html",
    "extract_article",
    "extract_body",
    "find_lead",
    "fix_lazy_images",
    "iter_text_blocks",
    "looks_binary",
    "parse_datetime",
    "parse_html",
    "pop_key_points",
    "remove_chrome",
    "tidy_body",
]
