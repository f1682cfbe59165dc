"""Console roles: every operator route belongs to one part of the console, and each role opens
exactly its parts (operator: everything; editor: articles; support: readers and review)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from readtoearn.accounts import roles
from readtoearn.accounts import service as accounts
from readtoearn.web.csrf import CSRF_COOKIE, CSRF_HEADER, token_for
from readtoearn.web.sessions import SESSION_COOKIE

A = roles.Area
# Every operator route and the part of the console it belongs to: a new route must be added here.
ROUTES: dict[tuple[str, str], roles.Area] = {
    ("GET", "/operator"): A.DASHBOARD,
    ("POST", "/operator/audit"): A.BUDGET,
    ("POST", "/operator/release"): A.BUDGET,
    ("GET", "/operator/reviews"): A.REVIEWS,
    ("POST", "/operator/reviews/{read_id}/approve"): A.REVIEWS,
    ("POST", "/operator/reviews/{read_id}/reject"): A.REVIEWS,
    ("GET", "/operator/redemptions"): A.REVIEWS,
    ("POST", "/operator/redemptions/{redemption_id}/approve"): A.REVIEWS,
    ("POST", "/operator/redemptions/{redemption_id}/refuse"): A.REVIEWS,
    ("POST", "/operator/appeals/{appeal_id}/approve"): A.REVIEWS,
    ("POST", "/operator/appeals/{appeal_id}/reject"): A.REVIEWS,
    ("GET", "/operator/sites"): A.RULES,
    ("POST", "/operator/sites"): A.RULES,
    ("GET", "/operator/sites/{site_id}"): A.RULES,
    ("POST", "/operator/sites/{site_id}/origins"): A.RULES,
    ("POST", "/operator/sites/{site_id}/secrets"): A.RULES,
    ("POST", "/operator/sites/{site_id}/secrets/{kid}/revoke"): A.RULES,
    ("POST", "/operator/sites/{site_id}/keys"): A.RULES,
    ("POST", "/operator/sites/{site_id}/keys/{key_id}/revoke"): A.RULES,
    ("POST", "/operator/sites/{site_id}/webhooks"): A.RULES,
    ("POST", "/operator/sites/{site_id}/webhooks/{webhook_id}/remove"): A.RULES,
    ("POST", "/operator/sites/{site_id}/deliveries/{delivery_id}/resend"): A.RULES,
    ("GET", "/operator/trail"): A.TRAIL,
    ("GET", "/operator/team"): A.TEAM,
    ("POST", "/operator/team"): A.TEAM,
    ("GET", "/api/v1/operator/dashboard"): A.DASHBOARD,
    ("POST", "/api/v1/operator/grants"): A.BUDGET,
    ("GET", "/api/v1/operator/redemptions"): A.REVIEWS,
    ("POST", "/api/v1/operator/redemptions/{redemption_id}/approve"): A.REVIEWS,
    ("POST", "/api/v1/operator/redemptions/{redemption_id}/refuse"): A.REVIEWS,
    ("GET", "/api/v1/operator/appeals"): A.REVIEWS,
    ("POST", "/api/v1/operator/appeals/{appeal_id}/approve"): A.REVIEWS,
    ("POST", "/api/v1/operator/appeals/{appeal_id}/reject"): A.REVIEWS,
    ("GET", "/api/v1/operator/trail"): A.TRAIL,
    ("GET", "/operator/budget"): A.BUDGET,
    ("POST", "/operator/budget/fund"): A.BUDGET,
    ("POST", "/operator/budget/release"): A.BUDGET,
    ("GET", "/operator/charts"): A.DASHBOARD,
    ("GET", "/operator/rules"): A.RULES,
    ("POST", "/operator/rules"): A.RULES,
    ("GET", "/operator/exports"): A.EXPORTS,
    ("GET", "/operator/exports/{kind}.csv"): A.EXPORTS,
    ("GET", "/operator/readers"): A.READERS,
    ("GET", "/operator/readers/{reader_id}"): A.READERS,
    ("POST", "/operator/readers/{reader_id}/adjust"): A.READERS,
    ("GET", "/operator/readers/{reader_id}/export"): A.READERS,
    ("POST", "/operator/readers/{reader_id}/erase"): A.READERS,
    ("POST", "/operator/readers/{reader_id}/freeze"): A.READERS,
    ("POST", "/operator/readers/{reader_id}/unfreeze"): A.READERS,
    ("GET", "/operator/articles"): A.ARTICLES,
    ("GET", "/operator/articles/import"): A.ARTICLES,
    ("POST", "/operator/articles/import"): A.ARTICLES,
    ("GET", "/operator/articles/imports/{job_id}"): A.ARTICLES,
    ("GET", "/operator/articles/imports/{job_id}/status"): A.ARTICLES,
    ("GET", "/operator/articles/{article_id}"): A.ARTICLES,
    ("POST", "/operator/articles/{article_id}"): A.ARTICLES,
    ("POST", "/operator/articles/{article_id}/publish"): A.ARTICLES,
    ("POST", "/operator/articles/{article_id}/unpublish"): A.ARTICLES,
    ("POST", "/operator/articles/{article_id}/delete"): A.ARTICLES,
    ("POST", "/operator/articles/{article_id}/summarise"): A.ARTICLES,
    ("GET", "/operator/articles/{article_id}/engagement"): A.ARTICLES,
    ("GET", "/operator/rewards"): A.REWARDS,
    ("GET", "/operator/rewards/new"): A.REWARDS,
    ("POST", "/operator/rewards/new"): A.REWARDS,
    ("GET", "/operator/rewards/{reward_id}"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/image"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/withdraw"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/restore"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/codes/preview"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/codes"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/draw"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/redemptions/{redemption_id}/ship"): A.REWARDS,
    ("POST", "/operator/rewards/{reward_id}/redemptions/{redemption_id}/deliver"): A.REWARDS,
}
WHO = ("reader", "editor", "support", "operator")


def operator_routes(app) -> dict[tuple[str, str], APIRoute]:  # type: ignore[no-untyped-def]
    found = {}
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path_format or ""
        if isinstance(route, APIRoute) and path.startswith(("/operator", "/api/v1/operator")):
            for method in set(context.methods or ()) - {"HEAD"}:
                found[(method, path)] = route
    return found


def role_areas(route: APIRoute) -> list[str]:
    """The areas of the role checks a route depends on, however deep."""
    areas, stack = [], list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        name = getattr(dep.call, "__name__", "")
        if name.startswith(("operator_for_", "operator_alone_for_")):
            areas.append(name.rsplit("_for_", 1)[1])
        stack.extend(dep.dependencies)
    return areas


def test_every_operator_route_is_in_the_table_with_one_role_check(app) -> None:
    found = operator_routes(app)
    assert sorted(found) == sorted(ROUTES)
    for key, route in found.items():
        assert role_areas(route) == [ROUTES[key].value], key


def test_each_role_opens_what_its_description_says() -> None:
    assert roles.AREAS[roles.Role.OPERATOR] == frozenset(roles.Area)
    assert roles.AREAS[roles.Role.EDITOR] == {A.ARTICLES}
    assert roles.AREAS[roles.Role.SUPPORT] == {A.DASHBOARD, A.READERS, A.REVIEWS}
    assert A.BUDGET not in roles.AREAS[roles.Role.SUPPORT]


def signed_in(client: TestClient, session, settings, who: str) -> TestClient:  # type: ignore[no-untyped-def]
    user = accounts.create_user(
        session,
        settings,
        email=f"{who}@example.org",
        password=None,
        is_operator=who != "reader",
    )
    if who in ("editor", "support"):
        roles.set_role(session, user, roles.Role(who), by=None)
    secret = accounts.start_session(session, settings, user)
    session.commit()
    client.cookies.set(SESSION_COOKIE, secret)
    cookie = "c" * 43
    client.cookies.set(CSRF_COOKIE, cookie)
    client.headers[CSRF_HEADER] = token_for(settings.resolved_secret_key, cookie, secret)
    client.headers["Accept"] = "application/json"
    client.headers["Idempotency-Key"] = "roles-test"
    return client


def allowed(who: str, area: roles.Area) -> bool:
    return who != "reader" and area in roles.AREAS[roles.Role(who)]


@pytest.mark.parametrize("who", WHO)
def test_every_route_answers_each_role_by_its_table(client, session, settings, who) -> None:
    signed_in(client, session, settings, who)
    some_id = str(uuid.uuid4())
    for (method, path), area in sorted(ROUTES.items()):
        names = (
            "read_id", "redemption_id", "appeal_id", "reward_id", "reader_id", "site_id", "kid",
            "key_id", "webhook_id", "delivery_id", "job_id", "article_id",
        )  # fmt: skip
        url = path.format(**dict.fromkeys(names, some_id), kind="readers")
        answer = client.request(method, url, follow_redirects=False)
        code = answer.json().get("error", {}).get("code") if answer.status_code == 403 else None
        if allowed(who, area):
            assert code not in ("role_forbidden", "operators_only"), (who, method, url)
            assert answer.status_code < 500, (who, method, url, answer.text)
        else:
            assert answer.status_code == 403, (who, method, url, answer.status_code)
            expected = "operators_only" if who == "reader" else "role_forbidden"
            assert code == expected, (who, method, url)


def test_the_navigation_shows_only_what_the_role_opens(client, session, settings) -> None:
    signed_in(client, session, settings, "support")
    page = client.get("/operator", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'href="/operator/reviews"' in page.text
    assert 'href="/operator/trail"' not in page.text
    assert 'href="/operator/team"' not in page.text


def test_a_support_sees_the_dashboard_but_not_its_budget_buttons(client, session, settings) -> None:
    signed_in(client, session, settings, "support")
    page = client.get("/operator", headers={"Accept": "text/html"})
    assert 'action="/operator/release"' not in page.text
    assert 'action="/operator/audit"' not in page.text


def test_an_unknown_role_opens_nothing(session, settings) -> None:
    user = accounts.create_user(
        session, settings, email="odd@example.org", password=None, is_operator=True
    )
    user.console_role = "superuser"
    assert roles.role_of(user) is None
    assert not any(roles.may(user, area) for area in roles.Area)


def test_an_operator_without_a_recorded_role_is_an_operator(session, settings) -> None:
    user = accounts.create_user(
        session, settings, email="old@example.org", password=None, is_operator=True
    )
    assert user.console_role is None
    assert roles.role_of(user) is roles.Role.OPERATOR
