"""The Jinja2 environment: autoescaped, with gettext for the interface and the article."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from readtoearn.config import Settings
from readtoearn.web import i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    # The templates ship with the package: they change with a new release (a restart), so a
    # render need not look at every template file's time on disk again.
    env.auto_reload = False
    env.add_extension("jinja2.ext.i18n")
    # Translations are chosen per request and passed in the context, never installed globally.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["settings"] = settings
    env.filters["datetime"] = _format_datetime
    env.filters["date"] = _format_date
    env.filters["time"] = _format_time
    env.filters["local"] = local_datetime
    env.filters["isoformat"] = _isoformat
    env.globals["static"] = _static_url
    return templates


@cache
def _static_url(path: str) -> str:
    """A /static URL that changes when the file does, so browsers may cache it for long."""
    try:
        version = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return f"/static/{path}"
    return f"/static/{path}?v={version}"


def local_datetime(value: datetime | None, offset_min: int | None) -> datetime | None:
    """An aware datetime moved to a fixed UTC offset in minutes (the publisher's own zone)."""
    if value is None:
        return None
    return value.astimezone(timezone(timedelta(minutes=offset_min or 0)))


def _isoformat(value: datetime | None) -> str:
    return value.isoformat(timespec="minutes") if value is not None else ""


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    """Babel's locale for a language, parsed once (a page formats several dates)."""
    return Locale.parse(language)


def _format_date(value: datetime | None, language: str = "en", fmt: str = "long") -> str:
    if value is None:
        return ""
    return format_date(value, format=fmt, locale=_locale(language))


def _format_time(value: datetime | None, language: str = "en", fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_time(value, format=fmt, locale=_locale(language), tzinfo=value.tzinfo)


def _format_datetime(value: datetime | None, language: str = "en", fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=fmt, locale=_locale(language), tzinfo=value.tzinfo)


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page in the request's interface language."""
    templates: Jinja2Templates = request.app.state.templates
    settings: Settings = request.app.state.settings
    language = i18n.negotiate(request, settings.default_language)
    full = {
        "lang": language,
        "current_user": getattr(request.state, "user", None),
        **translation_context(language),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    response.headers["Content-Language"] = language
    # The language depends on these request headers: shared caches must key on them.
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def translation_context(language: str) -> dict[str, Any]:
    """gettext, ngettext and _ for one language, %-formatting their keyword arguments."""
    catalogue = i18n.translations(language)

    def gettext(message: str, **variables: Any) -> str:
        text = catalogue.gettext(message)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        text = catalogue.ngettext(singular, plural, n)
        if isinstance(n, int) and abs(n) >= 1000 and "%(num)d" in text and "num" not in variables:
            # Counts from a thousand are grouped as the language writes them (1,500; 1 500).
            text = text.replace("%(num)d", "%(num)s")
            return text % {"num": format_decimal(n, locale=language), **variables}
        return text % {"num": n, **variables}

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def article_translation_context(language: str) -> dict[str, Any]:
    """`at` and `atn`: gettext and ngettext in an article's own language, for its labels."""
    own = translation_context(language)
    return {"at": own["gettext"], "atn": own["ngettext"], "article_lang": language}
