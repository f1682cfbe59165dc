"""JSON API v1: the rewards catalogue and redemptions (with an Idempotency-Key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import TrustRules
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import Redemption
from readtoearn.web import client, i18n
from readtoearn.web.deps import (
    ClockDep,
    CommitterDep,
    CurrentReader,
    IdempotencyKey,
    OptionalReader,
    ReaderAlone,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.sessions import EmailBackendDep
from readtoearn.web.trust import RedeemGate

router = APIRouter(prefix="/api/v1", tags=["rewards"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422)
}
Text200 = Annotated[str, Field(max_length=200)]


class RewardOut(BaseModel):
    id: str
    slug: str
    kind: str
    name: str
    description: str
    image_url: str | None
    cost: int
    stock_left: int | None
    per_reader_limit: int | None
    available_from: datetime | None
    available_until: datetime | None
    min_lifetime_points: int | None
    premium_days: int | None
    affordable: bool
    can_redeem: bool
    reason: str | None


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text200 = ""
    line1: Text200 = ""
    line2: Text200 = ""
    postal_code: Text200 = ""
    city: Text200 = ""
    country: Text200 = ""


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shipping_address: AddressIn | None = None


class RedemptionOut(BaseModel):
    id: str
    reward_id: str
    reward_name: str
    kind: str
    status: str
    cost: int
    code: str | None
    shipping_address: dict[str, str] | None
    created_at: datetime
    # The risk score (0-100) and its signals (docs/fraud.md).
    risk: int
    reasons: list[str]

    @classmethod
    def of(cls, redemption: Redemption, language: str) -> RedemptionOut:
        code = redemption.code
        return cls(
            id=str(redemption.id),
            reward_id=str(redemption.reward_id),
            reward_name=redemption.reward.name(language),
            kind=redemption.reward.kind,
            status=redemption.status,
            cost=redemption.cost,
            code=code.code if code is not None and not redemption.code_burned else None,
            shipping_address=redemption.shipping_address,
            created_at=redemption.created_at,
            risk=redemption.risk,
            reasons=list(redemption.reasons or ()),
        )


def _language(request: Request, default: str) -> str:
    return i18n.negotiate(request, default)


def _out(item: rewards.StoreItem, language: str) -> RewardOut:
    r = item.reward
    return RewardOut(
        id=str(r.id),
        slug=r.slug,
        kind=r.kind,
        name=r.name(language),
        description=r.description(language),
        image_url=r.image_url,
        cost=r.cost,
        stock_left=item.stock_left,
        per_reader_limit=r.per_reader_limit,
        available_from=r.available_from,
        available_until=r.available_until,
        min_lifetime_points=r.min_lifetime_points,
        premium_days=r.premium_days,
        affordable=item.affordable,
        can_redeem=item.blocked is None,
        reason=item.blocked,
    )


@router.get("/rewards", summary="The rewards catalogue")
def list_rewards(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> list[RewardOut]:
    rules = TrustRules.of(settings)
    store = rewards.get_store(
        session, reader.id if reader else None, as_of=clock.now(), rules=rules
    )
    language = _language(request, settings.default_language)
    return [_out(item, language) for item in store.items]


@router.get("/rewards/{reward_id}", responses=ERRORS, summary="One reward")
def get_reward(
    request: Request,
    reward_id: str,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RewardOut:
    reader_id, rules = reader.id if reader else None, TrustRules.of(settings)
    _store, item = rewards.get_store_item(
        session, reader_id, reward_id, as_of=clock.now(), rules=rules
    )
    return _out(item, _language(request, settings.default_language))


@router.post(
    "/rewards/{reward_id}/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    responses={**ERRORS, 429: {"model": ErrorOut}},
    summary="Redeem a reward (send an Idempotency-Key: a retry never charges twice)",
)
async def redeem(
    request: Request,
    reward_id: str,
    reader: ReaderAlone,
    committer: CommitterDep,
    key: IdempotencyKey,
    _gate: RedeemGate,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    body: RedeemIn | None = None,
) -> JSONResponse:
    address = body.shipping_address.model_dump() if body and body.shipping_address else None
    reader_id, language = reader.id, _language(request, reader.language)
    seen = Seen(client.request_device(request, settings), client.request_address(request, settings))
    rules = TrustRules.of(settings)
    notifier = Notifier.of(settings, backend)

    def work(session: Session) -> tuple[RedemptionOut, bool]:
        done = rewards.redeem(
            session,
            reader_id,
            reward_id,
            key,
            shipping_address=address,
            as_of=clock.now(),
            rules=rules,
            seen=seen,
            notifier=notifier,
        )
        return RedemptionOut.of(done.redemption, language), done.created

    # Redemptions share a commit with other readers' (readtoearn.batch); the key keeps a retry
    # from charging twice.
    out, created = await committer.run(work)
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers=headers)


@router.get("/me/redemptions", responses=ERRORS, summary="The reader's rewards")
def my_redemptions(
    request: Request, reader: CurrentReader, session: SessionDep
) -> list[RedemptionOut]:
    language = _language(request, reader.language)
    return [
        RedemptionOut.of(r, language)
        for r in rewards.list_redemptions(session, reader_id=reader.id)
    ]
