"""Operators' pages for publishers' sites: register a site, set its origins, add and revoke its
sign-in keys, API keys and webhooks, read the delivery log and send a delivery again.

Forms carry the CSRF token; each action is one service call, recorded with the operator (the
site's log and the audit trail). A secret is shown once, on the page that answers its creation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.errors import ReadToEarnError
from readtoearn.sites import service as sites
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import RulesOperator, SessionDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator/sites", include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]
Lines = Annotated[str, Form(max_length=20_000)]
Many = Annotated[list[str], Form(max_length=20)]

# What each kind of secret shown once is called on the page (translated in sites.po).
SHOWN = {
    "secret": "The sign-in secret of key {name}. Copy it now: it is not shown again.",
    "key": "The new API key. Copy it now: only its hash is kept.",
    "webhook": "The webhook's signing secret. Copy it now: it is not shown again.",
}
NOTICES = {
    "created": "The site is registered.",
    "origins": "The allowed origins are saved.",
    "revoked": "Revoked.",
    "removed": "The webhook is removed.",
    "resent": "The delivery is queued again.",
}


def _actor(operator: User) -> str:
    return f"operator:{operator.email}"


def _site_page(
    request: Request,
    session: Session,
    site_id: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    shown: tuple[str, str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    site = sites.get_site(session, site_id)
    context: dict[str, Any] = {
        "site": site,
        "secrets": sites.list_secrets(session, site),
        "keys": sites.list_keys(session, site),
        "webhooks": sites.list_webhooks(session, site),
        "deliveries": sites.list_deliveries(session, site, limit=50),
        "actions": sites.list_actions(session, site, limit=20),
        "scopes": [s.value for s in sites.Scope],
        "events": sites.EVENTS,
        "error": error,
        "notice": notice,
        # (which, its name, the secret): shown on this answer only.
        "shown": shown,
        "shown_texts": SHOWN,
    }
    return render(request, "sites/site.html", context, status_code=status_code)


def _list_page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"sites": sites.list_sites(session), "error": error}
    return render(request, "sites/list.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, operator: RulesOperator, session: SessionDep) -> HTMLResponse:
    return _list_page(request, session)


@router.post("", response_model=None)
def create(
    request: Request,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    origins: Lines = "",
) -> HTMLResponse | RedirectResponse:
    try:
        site = sites.create_site(
            session, name=name, origins=origins.split(), actor=_actor(operator)
        )
    except ReadToEarnError as exc:
        return _list_page(request, session, error=exc.message, status_code=status_of(exc))
    return RedirectResponse(f"/operator/sites/{site.id}?done=created", status_code=303)


@router.get("/{site_id}", response_class=HTMLResponse)
def site_page(
    request: Request, site_id: str, operator: RulesOperator, session: SessionDep, done: str = ""
) -> HTMLResponse:
    return _site_page(request, session, site_id, notice=NOTICES.get(done))


def _act(
    request: Request,
    session: Session,
    site_id: str,
    action: Any,
    done: str = "",
) -> HTMLResponse | RedirectResponse:
    """Run one service call on the site; its error on the page, or back to the page."""
    try:
        shown = action(sites.get_site(session, site_id))
    except ReadToEarnError as exc:
        if exc.code == "site_not_found":
            raise
        return _site_page(request, session, site_id, error=exc.message, status_code=status_of(exc))
    if shown is not None:  # a secret: shown once, on this answer
        return _site_page(request, session, site_id, shown=shown)
    return RedirectResponse(f"/operator/sites/{site_id}?done={done}", status_code=303)


@router.post("/{site_id}/origins", response_model=None)
def set_origins(
    request: Request,
    site_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    origins: Lines = "",
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> None:
        sites.set_origins(session, site, origins.split(), actor=_actor(operator))

    return _act(request, session, site_id, action, "origins")


@router.post("/{site_id}/secrets", response_model=None)
def add_secret(
    request: Request,
    site_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    kid: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> tuple[str, str, str]:
        added = sites.add_secret(session, site, actor=_actor(operator), kid=kid.strip() or None)
        return ("secret", added.row.kid, added.secret or "")

    return _act(request, session, site_id, action)


@router.post("/{site_id}/secrets/{kid}/revoke", response_model=None)
def revoke_secret(
    request: Request,
    site_id: str,
    kid: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> None:
        sites.revoke_secret(session, site, kid, actor=_actor(operator))

    return _act(request, session, site_id, action, "revoked")


@router.post("/{site_id}/keys", response_model=None)
def add_key(
    request: Request,
    site_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    scopes: Many = [],  # noqa: B006 - FastAPI copies form defaults
    name: Annotated[str, Form(max_length=120)] = "",
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> tuple[str, str, str]:
        issued = sites.create_key(session, site, scopes=scopes, name=name, actor=_actor(operator))
        return ("key", issued.row.prefix, issued.key)

    return _act(request, session, site_id, action)


@router.post("/{site_id}/keys/{key_id}/revoke", response_model=None)
def revoke_key(
    request: Request,
    site_id: str,
    key_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> None:
        sites.revoke_key(session, site, key_id, actor=_actor(operator))

    return _act(request, session, site_id, action, "revoked")


@router.post("/{site_id}/webhooks", response_model=None)
def add_webhook(
    request: Request,
    site_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    url: Text = "",
    events: Many = [],  # noqa: B006 - FastAPI copies form defaults
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> tuple[str, str, str]:
        hook = sites.add_webhook(session, site, url=url, events=events, actor=_actor(operator))
        return ("webhook", hook.url, hook.secret)

    return _act(request, session, site_id, action)


@router.post("/{site_id}/webhooks/{webhook_id}/remove", response_model=None)
def remove_webhook(
    request: Request,
    site_id: str,
    webhook_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> None:
        sites.remove_webhook(session, site, webhook_id, actor=_actor(operator))

    return _act(request, session, site_id, action, "removed")


@router.post("/{site_id}/deliveries/{delivery_id}/resend", response_model=None)
def resend(
    request: Request,
    site_id: str,
    delivery_id: str,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
) -> HTMLResponse | RedirectResponse:
    def action(site: sites.Site) -> None:
        sites.resend(session, site, delivery_id, actor=_actor(operator))

    return _act(request, session, site_id, action, "resent")
