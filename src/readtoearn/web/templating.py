"""The Jinja2 environment: autoescaped, with gettext for the interface and the article."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from readtoearn.config import Settings
from readtoearn.web import i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.add_extension("jinja2.ext.i18n")
    # Translations are chosen per request and passed in the context, never installed globally.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["settings"] = settings
    env.filters["datetime"] = _format_datetime
    return templates


def _format_datetime(value: datetime | None, language: str = "en", fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=fmt, locale=language, tzinfo=value.tzinfo)


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page in the request's interface language."""
    templates: Jinja2Templates = request.app.state.templates
    settings: Settings = request.app.state.settings
    language = i18n.negotiate(request, settings.default_language)
    full = {"lang": language, **translation_context(language), **context}
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def translation_context(language: str) -> dict[str, Any]:
    """gettext, ngettext and _ for one language, %-formatting their keyword arguments."""
    catalogue = i18n.translations(language)

    def gettext(message: str, **variables: Any) -> str:
        text = catalogue.gettext(message)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        text = catalogue.ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}
