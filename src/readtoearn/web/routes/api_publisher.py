"""JSON API v1 for publishers: register, replace and delete a site's articles with its API key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.sites import service as sites
from readtoearn.web.deps import PlainCommitterDep, SessionDep, SettingsDep
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.site_keys import site_caller

router = APIRouter(prefix="/api/v1", tags=["publishers"])
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 413, 422)
}
ArticlesCaller = Annotated[sites.Caller, Depends(site_caller(sites.Scope.ARTICLES_WRITE))]

Text = Annotated[str, Field(max_length=60_000)]
Short = Annotated[str, Field(max_length=2000)]


class ImageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Short
    alt: Short = ""
    caption: Short = ""


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=200)]
    url: Short | None = None
    bio: Short = ""
    # Bios by language; `bio` alone is taken as the article's language's.
    bios: dict[Literal["en", "fr"], Short] | None = None


class ArticleIn(BaseModel):
    """An article by its canonical `url` alone (fetched from the site), or with its `html` (a
    whole page, or the article's body with a `title`), or with `title` and `text`."""

    model_config = ConfigDict(extra="forbid")

    url: Short | None = None
    html: Text | None = None
    title: Annotated[str, Field(max_length=500)] | None = None
    text: Text | None = None
    language: Annotated[str, Field(max_length=8)] | None = None
    published_at: Annotated[str, Field(max_length=64)] | None = None
    modified_at: Annotated[str, Field(max_length=64)] | None = None
    description: Short | None = None
    lead: Short | None = None
    authors: Annotated[list[AuthorIn], Field(max_length=20)] | None = None
    categories: (
        Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] | None
    ) = None
    key_points: Annotated[list[Short], Field(max_length=10)] | None = None
    # The canonical URLs of the same article in other languages (links its editions: hreflang).
    translations: Annotated[list[Short], Field(max_length=10)] | None = None
    image: ImageIn | None = None


class RegisteredOut(BaseModel):
    id: str
    url: str | None
    page_url: str
    title: str
    status: str
    created: bool
    paragraphs: int
    word_count: int
    reading_minutes: int
    updated_at: datetime


class DeletedOut(BaseModel):
    """An object's id and what became of it."""

    id: str
    status: str


def _out(registered: sites.Registered, base_url: str) -> RegisteredOut:
    article = registered.article
    return RegisteredOut(
        id=str(article.id),
        url=article.canonical_url,
        page_url=f"{base_url.rstrip('/')}/articles/{article.id}/{article.slug}",
        title=article.title,
        status="created" if registered.created else "updated",
        created=registered.created,
        paragraphs=article.paragraph_count,
        word_count=article.word_count,
        reading_minutes=article.reading_minutes,
        updated_at=article.updated_at,
    )


@router.post(
    "/articles",
    responses=ERRORS,
    status_code=201,
    summary="Register (or update) one of the site's articles, by canonical URL",
)
async def register(
    body: ArticleIn, caller: ArticlesCaller, committer: PlainCommitterDep, settings: SettingsDep
) -> JSONResponse:
    record = body.model_dump(exclude_none=True)
    # Fetching the page (when only its URL is sent) happens before any transaction.
    draft = await run_in_threadpool(sites.load_draft, settings, caller.site, record)

    def work(session: Session) -> RegisteredOut:
        site = sites.get_site(session, caller.site.id)
        return _out(sites.register_article(session, settings, site, draft), settings.base_url)

    out = await committer.run(work)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if out.created else 200)


@router.put(
    "/articles/{article_id}",
    responses=ERRORS,
    summary="Replace one of the site's articles",
)
async def replace(
    article_id: str,
    body: ArticleIn,
    caller: ArticlesCaller,
    committer: PlainCommitterDep,
    settings: SettingsDep,
) -> RegisteredOut:
    record = body.model_dump(exclude_none=True)
    draft = await run_in_threadpool(
        lambda: sites.load_draft(settings, caller.site, record, replacing=True)
    )

    def work(session: Session) -> RegisteredOut:
        site = sites.get_site(session, caller.site.id)
        updated = sites.update_article(session, settings, site, article_id, draft)
        return _out(updated, settings.base_url)

    return await committer.run(work)


@router.delete(
    "/articles/{article_id}",
    responses=ERRORS,
    summary="Delete one of the site's articles (withdrawn instead when it has been read)",
)
async def delete(
    article_id: str, caller: ArticlesCaller, committer: PlainCommitterDep
) -> DeletedOut:
    def work(session: Session) -> DeletedOut:
        site = sites.get_site(session, caller.site.id)
        return DeletedOut(id=article_id, status=sites.withdraw_article(session, site, article_id))

    return await committer.run(work)


# -- webhooks ------------------------------------------------------------------------------------

WebhooksCaller = Annotated[sites.Caller, Depends(site_caller(sites.Scope.WEBHOOKS))]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Short
    events: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)] = list(
        sites.EVENTS
    )


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime
    # Only when it is created: the secret that signs its deliveries.
    secret: str | None = None


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    event: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


def _webhook_out(hook: sites.Webhook, *, secret: bool = False) -> WebhookOut:
    return WebhookOut(
        id=str(hook.id),
        url=hook.url,
        events=list(hook.events),
        created_at=hook.created_at,
        secret=hook.secret if secret else None,
    )


def _actor(caller: sites.Caller) -> str:
    return f"key:{caller.key.prefix}"


@router.get("/webhooks", responses=ERRORS, summary="The site's webhooks")
def list_webhooks(caller: WebhooksCaller, session: SessionDep) -> list[WebhookOut]:
    site = sites.get_site(session, caller.site.id)
    return [_webhook_out(h) for h in sites.list_webhooks(session, site)]


@router.post("/webhooks", status_code=201, responses=ERRORS, summary="Add a webhook")
def add_webhook(body: WebhookIn, caller: WebhooksCaller, session: SessionDep) -> WebhookOut:
    site = sites.get_site(session, caller.site.id)
    hook = sites.add_webhook(session, site, url=body.url, events=body.events, actor=_actor(caller))
    return _webhook_out(hook, secret=True)


@router.delete("/webhooks/{webhook_id}", responses=ERRORS, summary="Remove a webhook")
def remove_webhook(webhook_id: str, caller: WebhooksCaller, session: SessionDep) -> WebhookOut:
    site = sites.get_site(session, caller.site.id)
    return _webhook_out(sites.remove_webhook(session, site, webhook_id, actor=_actor(caller)))


@router.get("/webhook-deliveries", responses=ERRORS, summary="The delivery log, newest first")
def list_deliveries(
    caller: WebhooksCaller,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryOut]:
    site = sites.get_site(session, caller.site.id)
    return [
        DeliveryOut(
            id=str(d.id),
            webhook_id=str(d.webhook_id),
            event=d.event,
            status=d.status,
            attempts=d.attempts,
            last_status=d.last_status,
            last_error=d.last_error,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            payload=json.loads(d.payload),
        )
        for d in sites.list_deliveries(session, site, limit=limit)
    ]


@router.post(
    "/webhook-deliveries/{delivery_id}/resend",
    responses=ERRORS,
    summary="Queue a delivery again, now",
)
def resend_delivery(delivery_id: str, caller: WebhooksCaller, session: SessionDep) -> DeletedOut:
    site = sites.get_site(session, caller.site.id)
    delivery = sites.resend(session, site, delivery_id, actor=_actor(caller))
    return DeletedOut(id=str(delivery.id), status=delivery.status)
