"""Server-rendered pages."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from readtoearn.articles import service as articles
from readtoearn.config import Settings
from readtoearn.web.deps import SessionDep
from readtoearn.web.templating import make_templates, render

router = APIRouter(include_in_schema=False)


def install(app: FastAPI, settings: Settings) -> None:
    """Attach the templates and the HTML error page to the app."""
    app.state.templates = make_templates(settings)

    def render_error(request: Request, status: int, message: str) -> HTMLResponse:
        return render(
            request, "pages/error.html", {"status": status, "message": message}, status_code=status
        )

    app.state.render_error = render_error


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    items, total = articles.list_articles(session, limit=30)
    return render(request, "pages/home.html", {"articles": items, "total": total})
