"""Interface translations (fr, en) through Babel, and the choice of language per request."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LANGUAGES = ("en", "fr")
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANG_COOKIE = "lang"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language: every .po file of its folder, merged.

    English is the source language; each domain keeps its own .po file (pages.po, accounts.po...).
    """
    files = sorted((TRANSLATIONS_DIR / language / "LC_MESSAGES").glob("*.po"))
    if language == "en" or not files:
        return NullTranslations()
    merged: Translations | None = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        merged = part if merged is None else merged.merge(part)
    assert merged is not None
    return merged


def negotiate(request: Request, default: str = "en") -> str:
    """The interface language: ?lang=, then the lang cookie, then Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    header = request.headers.get("accept-language", "")
    for language in _parse_accept_language(header):
        if language in LANGUAGES:
            return language
    return default


def _parse_accept_language(header: str) -> list[str]:
    weighted = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weighted.append((-quality, index, tag.split("-")[0]))
    return [tag for _q, _i, tag in sorted(weighted) if _q < 0]


def locale_of(language: str) -> Locale:
    return Locale.parse(language)
