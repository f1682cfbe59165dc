"""JSON API v1: bearer tokens for API clients, integrators' sign-in, the current reader, and the
proof-of-work challenges the token and redemption routes ask for."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.accounts.service import IssuedToken
from readtoearn.web.client import request_address
from readtoearn.web.credentials import bearer
from readtoearn.web.deps import CurrentReader, PlainCommitterDep, SessionDep, SettingsDep
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.sessions import RateLimiterDep, check_login
from readtoearn.web.trust import ProofOfWorkDep, TokenGate

router = APIRouter(prefix="/api/v1", tags=["accounts"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    422: {"model": ErrorOut},
    429: {"model": ErrorOut},
}


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assertion: Annotated[str, Field(min_length=3, max_length=8192)]


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_at: datetime

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenOut:
        return cls(token=issued.token, expires_at=issued.expires_at)


class ReaderOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    language: str
    is_operator: bool
    email_verified: bool

    @classmethod
    def of(cls, reader: User) -> ReaderOut:
        return cls(
            id=reader.id,
            email=reader.email,
            display_name=reader.display_name,
            language=reader.language,
            is_operator=reader.is_operator,
            email_verified=accounts.is_email_verified(reader),
        )


@router.post(
    "/auth/token",
    summary="Exchange an e-mail and password for a bearer token",
    responses=ERRORS,
)
async def create_token(
    body: Credentials,
    request: Request,
    _gate: TokenGate,
    committer: PlainCommitterDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenOut:
    # The password is checked outside any writing transaction; the token shares a commit.
    checked = await check_login(request, limiter, email=body.email, password=body.password)
    issued = await committer.run(lambda s: accounts.token_for_login(s, settings, checked))
    return TokenOut.of(issued)


@router.delete(
    "/auth/token",
    status_code=204,
    summary="Revoke the bearer token presented",
    responses={401: {"model": ErrorOut}},
)
def revoke_token(
    request: Request,
    session: SessionDep,
    authorization: Annotated[str, Header(max_length=500)] = "",
) -> Response:
    scheme, _, token = authorization.strip().partition(" ")
    accounts.revoke_api_token(session, token.strip() if scheme.lower() == "bearer" else None)
    request.app.state.readers.forget(bearer(token.strip()))
    return Response(status_code=204)


@router.post(
    "/auth/exchange",
    summary="Trade an integrator's signed assertion for a reader token",
    responses={**ERRORS, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
def exchange(
    body: Assertion,
    request: Request,
    _gate: TokenGate,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut:
    address = request_address(request, settings)
    issued = accounts.exchange_assertion(session, settings, body.assertion, signup_address=address)
    return TokenOut.of(issued)


@router.get("/me", summary="The signed-in reader", responses={401: {"model": ErrorOut}})
def me(reader: CurrentReader) -> ReaderOut:
    return ReaderOut.of(reader)


@router.get(
    "/pow/challenge",
    summary="A proof-of-work challenge (ALTCHA), to solve and send in the X-Altcha header",
)
async def pow_challenge(pow_: ProofOfWorkDep) -> JSONResponse:
    # One challenge per request (a hash and a signature): no cache may hand one to two clients.
    return JSONResponse(pow_.challenge(), headers={"Cache-Control": "no-store"})
