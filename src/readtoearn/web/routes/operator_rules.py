"""The programme's rules in the console: points per read, scaling by time, daily caps, expiry and
the quiz bonus, each change recorded; a rule the environment sets is shown and cannot be changed.
Operators only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from readtoearn.errors import InvalidInput, ReadToEarnError
from readtoearn.fraud import programme
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import RulesOperator, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator/rules", include_in_schema=False)

LABELS = {
    "points_per_read": "Points for a genuine read",
    "points_scale_by_time": "Scale the points by the article's reading time",
    "daily_read_cap": "Reads rewarded per reader and day, at most",
    "daily_points_cap": "Points per reader and day, at most",
    "points_expiry_days": "Points expire after this many days (empty: never)",
    "quiz_bonus_points": "Bonus for a quiz answered right",
}
BOOLEAN = frozenset({"points_scale_by_time"})
ERRORS = {
    "rule": "This value is not allowed: see the rule marked below.",
    "rule_locked": "This rule is set by the environment: change it there.",
}
NOTICES = {"saved": "The rules were saved: they apply from now on.", "same": "Nothing changed."}


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    bad: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    locked = request.app.state.locked_rules
    context = {
        "rules": programme.list_rules(session, settings, locked),
        "labels": LABELS,
        "boolean": BOOLEAN,
        "error": error,
        "notice": notice,
        "bad": bad,
    }
    return render(request, "operator/rules.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def rules_page(
    request: Request,
    operator: RulesOperator,
    session: SessionDep,
    settings: SettingsDep,
    done: str = "",
) -> HTMLResponse:
    return _page(request, session, settings, notice=NOTICES.get(done))


def _changes(form: dict[str, str], locked: frozenset[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in programme.RULES:
        if name in locked:
            continue
        if name in BOOLEAN:
            changes[name] = form.get(name) == "on"
            continue
        text = form.get(name, "").strip()
        if not text and name == "points_expiry_days":
            changes[name] = None
            continue
        try:
            changes[name] = int(text)
        except ValueError:
            raise InvalidInput(f"{name}: a whole number", code=f"rule:{name}") from None
    return changes


@router.post("", response_model=None)
async def save_rules(
    request: Request,
    operator: RulesOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse | RedirectResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    locked = request.app.state.locked_rules
    try:
        changed = programme.change_rules(
            session, settings, locked, _changes(form, locked), by=operator
        )
    except ReadToEarnError as exc:
        bad = exc.code.split(":", 1)[1] if exc.code.startswith("rule:") else ""
        message = ERRORS.get(exc.code.split(":", 1)[0], exc.message)
        return _page(request, session, settings, error=message, bad=bad, status_code=status_of(exc))
    return RedirectResponse(f"/operator/rules?done={'saved' if changed else 'same'}", 303)
