"""The console's rewards: the catalogue with withdrawn rewards, create and edit every kind with an
uploaded image, withdraw and restore, code pools from CSV (previewed first), draws run with their
seed shown, and items followed from "to ship" to "delivered" (the reader e-mailed at each step).
Operators only (the rewards part of the console); forms with CSRF, FR/EN."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from readtoearn.config import Settings
from readtoearn.errors import InvalidInput, NotFound, ReadToEarnError
from readtoearn.fraud.notices import Notifier
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import REDEMPTION_LABELS, Reward, RewardKind
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import RewardsOperator, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.sessions import EmailBackendDep
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator/rewards", include_in_schema=False)
images_router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "code": "A code from a pool (voucher, discount)",
    "premium": "Premium access for some days",
    "physical": "An item sent by post",
    "draw": "An entry into a draw",
}
# The kind in a word, for the list (translated in console.po).
KIND_NAMES = {"code": "Code", "premium": "Premium", "physical": "Item by post", "draw": "Draw"}
# What each finished action says on the reward's page (translated in console.po).
NOTICES = {
    "created": "The reward was created.",
    "saved": "The changes were saved.",
    "unchanged": "Nothing changed.",
    "image": "The image was replaced.",
    "withdrawn": "The reward was withdrawn: it has left the store.",
    "restored": "The reward is back in the store.",
    "codes": "The codes were imported.",
    "drawn": "The draw was run.",
    "shipped": "Marked as shipped: the reader was e-mailed.",
    "delivered": "Marked as delivered: the reader was e-mailed.",
}
ERRORS = {
    "image_missing": "Choose an image file.",
    "image_too_large": "The image is too large.",
    "image_type": "The image must be a JPEG, PNG, WebP or GIF picture.",
    "csv_size": "The file is too large.",
    "csv_encoding": "The file is not UTF-8 text.",
    "csv_format": "The file is not a CSV file we can read.",
    "csv_empty": "The file holds no code.",
    "draw_closed": "This draw has been run: it cannot be offered again.",
    "not_awaiting_shipment": "This item is not waiting to be shipped.",
    "not_shipped": "This item has not been shipped.",
    "slug_taken": "Another reward already has this name: choose another.",
    "form": "Check the form: a number or a date is not written as expected.",
}

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=200)]


def _int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: a whole number", code="form") from None


def _when(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("a date is not written as expected", code="form") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _fields(form: dict[str, str]) -> dict[str, Any]:
    """The editable fields of a reward, parsed from the form."""
    return {
        "name_en": form.get("name_en", ""),
        "name_fr": form.get("name_fr", ""),
        "description_en": form.get("description_en", ""),
        "description_fr": form.get("description_fr", ""),
        "cost": _int(form.get("cost", ""), "cost") or 0,
        "per_reader_limit": _int(form.get("per_reader_limit", ""), "limit"),
        "available_from": _when(form.get("available_from", "")),
        "available_until": _when(form.get("available_until", "")),
        "min_lifetime_points": _int(form.get("min_lifetime_points", ""), "minimum"),
        "premium_days": _int(form.get("premium_days", ""), "days"),
    }


async def _form(request: Request) -> tuple[dict[str, str], StarletteUpload | None]:
    data = await request.form()
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    upload = data.get("image")
    has_file = isinstance(upload, StarletteUpload) and upload.filename
    return fields, upload if has_file else None  # type: ignore[return-value]


async def _image(settings: Settings, upload: StarletteUpload) -> str:
    # One byte past the limit is enough to refuse it, without reading a huge upload whole.
    data = await upload.read(settings.reward_image_max_bytes + 1)
    return rewards.store_image(
        settings.data_dir,
        data,
        max_bytes=settings.reward_image_max_bytes,
        max_px=settings.reward_image_max_px,
    )


def _message(exc: ReadToEarnError) -> str:
    return ERRORS.get(exc.code, exc.message)


# --------------------------------------------------------------------------- the list, new


@router.get("", response_class=HTMLResponse)
def rewards_page(request: Request, operator: RewardsOperator, session: SessionDep) -> HTMLResponse:
    every = rewards.list_rewards(session, include_inactive=True)
    context = {
        "rewards": every,
        "stock": rewards.stock_by_reward(session, every),
        "kind_names": KIND_NAMES,
    }
    return render(request, "operator/rewards.html", context)


def _new_page(
    request: Request, kind: str, form: dict[str, str], error: str | None, status_code: int = 200
) -> HTMLResponse:
    context = {
        "kind": kind,
        "kind_labels": KIND_LABELS,
        "form": form,
        "error": error,
        "reward": None,
    }
    return render(request, "operator/reward_new.html", context, status_code=status_code)


@router.get("/new", response_class=HTMLResponse)
def new_reward_page(
    request: Request, operator: RewardsOperator, kind: str = "code"
) -> HTMLResponse:
    return _new_page(request, kind if kind in KIND_LABELS else "code", {}, None)


@router.post("/new", response_model=None)
async def create_reward(
    request: Request,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse | RedirectResponse:
    form, upload = await _form(request)
    kind = form.get("kind", "")
    try:
        return await _create(request, session, settings, operator, form, upload, kind)
    finally:
        await (await request.form()).close()  # the upload's spooled file, as soon as done


async def _create(
    request: Request,
    session: SessionDep,
    settings: Settings,
    operator: Any,
    form: dict[str, str],
    upload: StarletteUpload | None,
    kind: str,
) -> HTMLResponse | RedirectResponse:
    try:
        if kind not in KIND_LABELS:
            raise InvalidInput("choose a kind of reward", code="form")
        fields = _fields(form)
        stock = _int(form.get("stock", ""), "stock")
        image_url = await _image(settings, upload) if upload is not None else None
        draft = rewards.RewardDraft(
            kind=RewardKind(kind), stock=stock, image_url=image_url, **fields
        )
        reward = rewards.add_reward(session, draft, by=operator)
    except ReadToEarnError as exc:
        return _new_page(request, kind or "code", form, _message(exc), status_of(exc))
    return RedirectResponse(f"/operator/rewards/{reward.id}?done=created", status_code=303)


# --------------------------------------------------------------------------- one reward


def _reward_page(
    request: Request,
    session: SessionDep,
    reward: Reward,
    *,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    preview: rewards.CodePreview | None = None,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    kind = rewards.kind_of(reward)
    context = {
        "reward": reward,
        "kind": kind,
        "kind_labels": KIND_LABELS,
        "kind_names": KIND_NAMES,
        "stock_left": rewards.stock_left(session, reward),
        "entries": rewards.count_entries(session, reward.id) if kind.has_draw else 0,
        "winners": rewards.list_winners(session, reward.id) if reward.drawn_at else [],
        "to_fulfil": rewards.list_to_fulfil(session, reward.id) if kind.needs_address else [],
        "status_labels": REDEMPTION_LABELS,
        "error": error,
        "notice": notice,
        "form": form,
        "preview": preview,
        **(extra or {}),
    }
    template = "operator/codes_preview.html" if preview else "operator/reward.html"
    return render(request, template, context, status_code=status_code)


def _found(session: SessionDep, reward_id: str) -> Reward:
    return rewards.get_reward(session, reward_id)


@router.get("/{reward_id}", response_class=HTMLResponse)
def reward_page(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    session: SessionDep,
    done: str = "",
    added: int | None = None,
    refused: int | None = None,
) -> HTMLResponse:
    reward = _found(session, reward_id)
    extra = {"added": added, "refused": refused}
    return _reward_page(request, session, reward, notice=NOTICES.get(done), extra=extra)


def _back(reward: Reward, done: str, **more: Any) -> RedirectResponse:
    query = urlencode({"done": done, **more})
    return RedirectResponse(f"/operator/rewards/{reward.id}?{query}", status_code=303)


@router.post("/{reward_id}", response_model=None)
async def edit_reward(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    form, _upload = await _form(request)
    try:
        changed = rewards.edit_reward(session, str(reward.id), _fields(form), by=operator)
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), form=form, status_code=status_of(exc)
        )
    return _back(reward, "saved" if changed else "unchanged")


@router.post("/{reward_id}/image", response_model=None)
async def replace_image(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    image: UploadFile | None = None,
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    try:
        if image is None or not image.filename:
            raise InvalidInput("choose an image file", code="image_missing")
        url = await _image(settings, image)
        rewards.edit_reward(session, str(reward.id), {"image_url": url}, by=operator)
    except ReadToEarnError as exc:
        return _reward_page(request, session, reward, error=_message(exc), status_code=400)
    return _back(reward, "image")


@router.post("/{reward_id}/withdraw")
def withdraw(
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    reward = rewards.withdraw_reward(session, reward_id, by=operator, note=note)
    return _back(reward, "withdrawn")


@router.post("/{reward_id}/restore", response_model=None)
def restore(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        reward = rewards.restore_reward(session, reward_id, by=operator, note=note)
    except ReadToEarnError as exc:
        reward = _found(session, reward_id)
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _back(reward, "restored")


@router.post("/{reward_id}/codes/preview", response_class=HTMLResponse)
async def preview_codes(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    file: UploadFile | None = None,
) -> HTMLResponse:
    reward = _found(session, reward_id)
    try:
        if file is None or not file.filename:
            raise InvalidInput("choose a CSV file", code="csv_empty")
        data = await file.read(settings.code_csv_max_bytes + 1)
        codes = rewards.read_codes_csv(data, max_bytes=settings.code_csv_max_bytes)
        preview = rewards.preview_codes(session, str(reward.id), codes)
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _reward_page(request, session, reward, preview=preview)


@router.post("/{reward_id}/codes", response_model=None)
def import_codes(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    codes: Annotated[str, Form(max_length=50_000_000)] = "",
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    values = [line.strip() for line in codes.splitlines() if line.strip()]
    try:
        if not values:
            raise InvalidInput("the file holds no code", code="csv_empty")
        done = rewards.add_codes(session, str(reward.id), values, by=operator)
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _back(reward, "codes", added=done.added, refused=done.duplicates)


@router.post("/{reward_id}/draw", response_model=None)
def run_draw(
    request: Request,
    reward_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    winners: Annotated[str, Form(max_length=10)] = "",
    seed: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    try:
        count = _int(winners, "winners")
        if count is None:
            raise InvalidInput("say how many winners to draw", code="form")
        rewards.run_draw(session, str(reward.id), count, by=operator, seed=seed)
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _back(reward, "drawn")


@router.post("/{reward_id}/redemptions/{redemption_id}/ship", response_model=None)
def ship(
    request: Request,
    reward_id: str,
    redemption_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    tracking_note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    try:
        _own(session, reward, redemption_id)
        rewards.ship_item(
            session,
            redemption_id,
            tracking_note,
            by=operator,
            notifier=Notifier.of(settings, backend),
        )
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _back(reward, "shipped")


@router.post("/{reward_id}/redemptions/{redemption_id}/deliver", response_model=None)
def deliver(
    request: Request,
    reward_id: str,
    redemption_id: str,
    operator: RewardsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
) -> HTMLResponse | RedirectResponse:
    reward = _found(session, reward_id)
    try:
        _own(session, reward, redemption_id)
        rewards.deliver_item(
            session, redemption_id, by=operator, notifier=Notifier.of(settings, backend)
        )
    except ReadToEarnError as exc:
        return _reward_page(
            request, session, reward, error=_message(exc), status_code=status_of(exc)
        )
    return _back(reward, "delivered")


def _own(session: SessionDep, reward: Reward, redemption_id: str) -> None:
    """The redemption the form names must be one of this reward's."""
    redemption = rewards.get_redemption(session, redemption_id)
    if redemption.reward_id != reward.id:
        raise NotFound("no such redemption of this reward", code="redemption_not_found")


# --------------------------------------------------------------------------- images


@images_router.get("/rewards/images/{name}")
def reward_image(name: str, settings: SettingsDep) -> Response:
    """A reward's uploaded image (public: the store shows it)."""
    path = rewards.image_path(settings.data_dir, name)
    if path is None:
        raise NotFound("no such image", code="image_not_found")
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return FileResponse(path, media_type="image/webp", headers=headers)
