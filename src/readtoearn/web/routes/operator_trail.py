"""The console's audit trail and its team: every operator action, filterable, and who holds
which role (operators only; FR/EN, CSRF on the form)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from readtoearn.accounts import roles, trail
from readtoearn.errors import InvalidInput, ReadToEarnError
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import SessionDep, TeamOperator, TrailOperator
from readtoearn.web.errors import status_of
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/operator", tags=["operator"])

# What each action of the trail is called on the page (translated in console.po).
ACTION_LABELS = {
    "read.approve": "Approved a held read",
    "read.reject": "Rejected a held read",
    "appeal.approve": "Approved an appeal",
    "appeal.reject": "Rejected an appeal",
    "redemption.approve": "Approved a redemption",
    "redemption.refuse": "Refused a redemption",
    "points.grant": "Granted points",
    "budget.fund": "Funded the budget",
    "budget.release": "Paid reads held for want of budget",
    "user.role": "Changed a role",
    "quest.create": "Created a quest",
    "quest.close": "Closed a quest",
    "sponsor.create": "Added a sponsor",
    "sponsor.fund": "Funded a sponsor",
    "rules.change": "Changed a rule of the programme",
    "points.adjust": "Took points back",
    "reward.create": "Created a reward",
    "reward.edit": "Edited a reward",
    "reward.withdraw": "Withdrew a reward",
    "reward.restore": "Put a reward back in the store",
    "reward.codes": "Imported codes",
    "reward.draw": "Ran a draw",
    "redemption.ship": "Shipped an item",
    "redemption.deliver": "Marked an item delivered",
    "reader.export": "Exported a reader's data",
    "reader.erase": "Erased a reader",
    "reader.freeze": "Froze a reader",
    "reader.unfreeze": "Unfroze a reader",
    "export.ledger": "Exported the ledger",
    "export.reads": "Exported the reads",
    "export.redemptions": "Exported the redemptions",
    "export.readers": "Exported the readers",
    "article.import": "Imported an article",
    "article.edit": "Edited an article",
    "article.publish": "Published an article",
    "article.unpublish": "Unpublished an article",
    "article.delete": "Deleted an article",
    "article.summarise": "Made an article's summary again",
    "author.bio": "Changed an author's bio",
    "sites.site.create": "Registered a publisher's site",
    "sites.site.origins": "Changed a site's allowed origins",
    "sites.secret.add": "Added a site's sign-in secret",
    "sites.secret.revoke": "Revoked a site's sign-in secret",
    "sites.key.create": "Made an API key for a site",
    "sites.key.revoke": "Revoked a site's API key",
    "sites.webhook.add": "Added a site's webhook",
    "sites.webhook.remove": "Removed a site's webhook",
    "sites.webhook.resend": "Sent a webhook delivery again",
}
# What kind of object an entry touched (translated in console.po).
# What the fields of an entry's before and after are called on the page (translated in
# console.po); a field without a label shows its name with spaces.
FIELD_LABELS = {
    "account": "Account",
    "active": "Active",
    "added": "Added",
    "available_from": "Available from",
    "available_until": "Available until",
    "backend": "Summariser",
    "bio": "Biography",
    "categories": "Categories",
    "completions": "Completions so far",
    "cost": "Cost in points",
    "decision": "Decision",
    "description_en": "Description (English)",
    "description_fr": "Description (French)",
    "duplicates": "Duplicates",
    "email": "E-mail",
    "ends_at": "Ends",
    "entries": "Entries",
    "figures": "Key figures",
    "frozen": "Frozen",
    "image_url": "Image",
    "key_points": "Key points",
    "kind": "Kind",
    "lead": "Lead",
    "link": "Link",
    "logo_url": "Logo",
    "max_completions": "Cap on completions",
    "min_lifetime_points": "Points earned needed",
    "min_trust": "Minimum trust",
    "model": "Model",
    "name": "Name",
    "name_en": "Name (English)",
    "name_fr": "Name (French)",
    "paid_reads": "Reads paid",
    "per_reader_limit": "Limit per reader",
    "points": "Points",
    "points_returned": "Points returned",
    "premium_days": "Premium days",
    "read": "Read of an article",
    "read_status": "Status of the read",
    "reading_minutes": "Reading time (minutes)",
    "reason": "Reason",
    "reasons": "Reasons",
    "reward": "Reward",
    "role": "Role",
    "seed": "Seed of the draw",
    "since": "Since",
    "slug": "Short name",
    "source": "Source",
    "sponsor": "Sponsor",
    "starts_at": "Starts",
    "status": "Status",
    "steps": "Steps",
    "stock": "Stock",
    "summaries": "Summaries",
    "title": "Title",
    "tracking_note": "Tracking note",
    "transfer_id": "Ledger transfer",
    "until": "Until",
    "value": "Value",
    "waiting": "Waiting",
    "winners": "Winners",
}
TARGET_LABELS = {
    "appeal": "Appeal",
    "article": "Article",
    "author": "Author",
    "quest": "Quest",
    "read": "Read of an article",
    "redemption": "Redemption",
    "reward": "Reward",
    "rule": "Rule",
    "site": "Site",
    "sponsor": "Sponsor",
    "user": "Account",
}
ROLE_LABELS = {
    "operator": "Operator: everything",
    "editor": "Editor: articles only",
    "support": "Support: readers and review, no budget",
}
TEAM_ERRORS = {
    "user_not_found": "No account has this e-mail.",
    "role": "Choose one of the roles offered.",
    "own_role": "You cannot change your own role: ask another operator.",
}
TEAM_NOTICES = {"changed": "The role was changed.", "unchanged": "That was already their role."}


def _day(value: str, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{field}: a date as YYYY-MM-DD", code="date") from None


def _filter_of(actor: str, action: str, target: str, since: str, until: str) -> trail.TrailFilter:
    end = _day(until, "until")
    return trail.TrailFilter(
        actor=actor,
        action=action,
        target=target,
        since=_day(since, "since"),
        # "until" names the last day shown, whole.
        until=end + timedelta(days=1) if end else None,
    )


Text = Annotated[str, Query(max_length=254)]


@router.get("/trail", response_class=HTMLResponse)
def trail_page(
    request: Request,
    operator: TrailOperator,
    session: SessionDep,
    actor: Text = "",
    action: Text = "",
    target: Text = "",
    since: Text = "",
    until: Text = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    query = {"actor": actor, "action": action, "target": target, "since": since, "until": until}
    context: dict[str, Any] = {
        "query": query,
        "labels": ACTION_LABELS,
        "target_labels": TARGET_LABELS,
        "field_labels": FIELD_LABELS,
        "names": sorted({*ACTION_LABELS, *trail.list_action_names(session)}),
        "page": page,
        "entries": [],
        "total": 0,
        "per_page": trail.PAGE,
        "error": None,
        "newer_url": None,
        "older_url": None,
    }
    try:
        wanted = _filter_of(actor, action, target, since, until)
    except ReadToEarnError:
        context["error"] = "Dates are written YYYY-MM-DD."
        return render(request, "operator/trail.html", context, status_code=400)
    context["entries"] = trail.list_actions(
        session, wanted, limit=trail.PAGE, offset=(page - 1) * trail.PAGE
    )
    total = context["total"] = trail.count_actions(session, wanted)
    kept = {k: v for k, v in query.items() if v}
    if page > 1:
        context["newer_url"] = "/operator/trail?" + urlencode({**kept, "page": page - 1})
    if page * trail.PAGE < total:
        context["older_url"] = "/operator/trail?" + urlencode({**kept, "page": page + 1})
    return render(request, "operator/trail.html", context)


class ActionOut(BaseModel):
    id: str
    at: str
    actor_id: str | None
    actor_email: str
    action: str
    target_kind: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str


@api_router.get(
    "/trail",
    responses={status: {"model": ErrorOut} for status in (400, 401, 403, 422)},
    summary="The audit trail of operator actions, newest first, filtered",
)
def trail_api(
    operator: TrailOperator,
    session: SessionDep,
    actor: Text = "",
    action: Text = "",
    target: Text = "",
    since: Text = "",
    until: Text = "",
    limit: Annotated[int, Query(ge=1, le=500)] = trail.PAGE,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> list[ActionOut]:
    wanted = _filter_of(actor, action, target, since, until)
    return [
        ActionOut(
            id=str(a.id),
            at=a.at.isoformat(),
            actor_id=str(a.actor_id) if a.actor_id else None,
            actor_email=a.actor_email,
            action=a.action,
            target_kind=a.target_kind,
            target_id=a.target_id,
            before=a.before,
            after=a.after,
            note=a.note,
        )
        for a in trail.list_actions(session, wanted, limit=limit, offset=offset)
    ]


def _team_page(
    request: Request,
    session: SessionDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "members": [(u, roles.role_of(u)) for u in roles.list_operators(session)],
        "role_labels": ROLE_LABELS,
        "error": error,
        "notice": notice,
    }
    return render(request, "operator/team.html", context, status_code=status_code)


@router.get("/team", response_class=HTMLResponse)
def team_page(
    request: Request, operator: TeamOperator, session: SessionDep, done: str = ""
) -> HTMLResponse:
    return _team_page(request, session, notice=TEAM_NOTICES.get(done))


@router.post("/team", response_model=None)
def change_role(
    request: Request,
    operator: TeamOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=trail.MAX_NOTE)] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        changed = roles.change_role(session, operator, email, role, note=note)
    except ReadToEarnError as exc:
        message = TEAM_ERRORS.get(exc.code, exc.message)
        return _team_page(request, session, error=message, status_code=status_of(exc))
    return RedirectResponse(
        f"/operator/team?done={'changed' if changed else 'unchanged'}", status_code=303
    )
