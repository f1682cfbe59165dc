"""JSON API v1 for a publisher's pages: readers signed in by the site's JWT, and what the script
tag (static/embed.js) needs to know about the page it sits on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.sites import service as sites
from readtoearn.web.client import request_address
from readtoearn.web.deps import ClockDep, PlainCommitterDep, SettingsDep
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.trust import address_key, agate

router = APIRouter(prefix="/api/v1/sites", tags=["publishers"])
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422, 429)
}


class SignInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=8192)]


class ReaderOut(BaseModel):
    id: str
    display_name: str
    email: str


class SignedInOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type
    expires_at: datetime
    reader: ReaderOut


class EmbedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    sso: Annotated[str, Field(max_length=8192)] | None = None


class EmbedArticleOut(BaseModel):
    id: str
    title: str
    page_url: str
    # The fingerprint of each paragraph the server counts, in order (see sites/embed.py).
    paragraphs: list[str]
    points: int


class EmbedOut(BaseModel):
    article: EmbedArticleOut
    reader: ReaderOut | None
    token: str | None
    view_token: str | None
    rewarded: str | None
    beat_interval_s: int
    join_url: str
    login_url: str


async def embed_gate(request: Request) -> None:
    """rate_limit_embed per address group."""
    settings = request.app.state.settings
    rate = [(settings.rate_limit_embed, ("embed", address_key(request)))]
    await agate(request, rate, needs_proof=False)


EmbedGate = Annotated[None, Depends(embed_gate)]


def _reader(user: Any) -> ReaderOut:
    return ReaderOut(id=str(user.id), display_name=user.display_name, email=user.email)


@router.post(
    "/{site_id}/sign-in",
    responses=ERRORS,
    summary="Trade a site's sign-in token (JWT) for a reader's bearer token",
)
async def sign_in(
    site_id: str,
    body: SignInIn,
    request: Request,
    _gate: EmbedGate,
    committer: PlainCommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> SignedInOut:
    origin = request.headers.get("origin")
    address = request_address(request, settings)

    def work(session: Session) -> SignedInOut:
        issued = sites.sign_in_reader(
            session, settings, clock, site_id, body.token, origin=origin, address=address
        )
        return SignedInOut(
            token=issued.token, expires_at=issued.expires_at, reader=_reader(issued.user)
        )

    return await committer.run(work)


@router.post(
    "/{site_id}/embed",
    responses=ERRORS,
    summary="The article of a publisher's page, its paragraphs and its reader (for embed.js)",
)
async def embed(
    site_id: str,
    body: EmbedIn,
    request: Request,
    _gate: EmbedGate,
    committer: PlainCommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> EmbedOut:
    origin = request.headers.get("origin")
    address = request_address(request, settings)
    base = settings.base_url.rstrip("/")

    def work(session: Session) -> EmbedOut:
        site = sites.get_site(session, site_id)
        found = sites.open_embed(
            session, settings, clock, site,
            origin=origin, url=body.url, sso=body.sso or None, signup_address=address,
        )  # fmt: skip
        article = found.article
        return EmbedOut(
            article=EmbedArticleOut(
                id=str(article.id),
                title=article.title,
                page_url=f"{base}/articles/{article.id}/{article.slug}",
                paragraphs=found.fingerprints,
                points=found.points,
            ),
            reader=_reader(found.reader) if found.reader is not None else None,
            token=found.token.token if found.token is not None else None,
            view_token=found.view_token,
            rewarded=found.rewarded,
            beat_interval_s=settings.beat_interval_s,
            join_url=f"{base}/account/signup",
            login_url=f"{base}/account/login",
        )

    return await committer.run(work)
