"""Every reward kind (code, premium, physical, draw) goes through the console's whole life:
created, its edit form sent back as the page renders it, edited, withdrawn from the store (the
page and the API) and put back, each step in the audit trail."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from readtoearn.accounts import trail
from readtoearn.rewards import service as rewards
from tests.web.test_console_rewards import create
from tests.web.test_console_trail import as_operator

EXTRA = {
    "code": {},
    "premium": {"premium_days": "30"},
    "physical": {"stock": "4"},
    "draw": {"stock": "1"},
}


def edit_form(client: TestClient, reward_id: str) -> dict[str, str]:
    """The edit form's fields as the page fills them in."""
    page = BeautifulSoup(client.get(f"/operator/rewards/{reward_id}").text, "html.parser")
    form = page.select_one(f'form[action="/operator/rewards/{reward_id}"]')
    assert form is not None
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields |= {t["name"]: t.get_text() for t in form.select("textarea[name]")}
    return fields


def in_store(client: TestClient, name: str) -> bool:
    on_page = name in client.get("/rewards").text
    in_api = name in {r.get("name") for r in client.get("/api/v1/rewards").json()}
    assert on_page == in_api
    return on_page


@pytest.mark.parametrize("kind", list(EXTRA))
def test_each_kind_is_edited_withdrawn_and_restored(client, session, settings, kind) -> None:
    boss = as_operator(client, session, settings)
    name = f"The {kind} prize"
    reward_id = create(
        client,
        kind,
        name_en=name,
        per_reader_limit="2",
        available_from="2026-01-01T08:00",
        **EXTRA[kind],
    )
    assert in_store(client, name)

    form = edit_form(client, reward_id)
    assert form["available_from"] == "2026-01-01T08:00" and form["per_reader_limit"] == "2"
    unchanged = client.post(f"/operator/rewards/{reward_id}", data=form, follow_redirects=False)
    assert unchanged.headers["location"].endswith("done=unchanged"), "the form round-trips"
    changed = {**form, "cost": "65", "name_fr": f"Le prix {kind}"}
    if kind == "premium":
        changed["premium_days"] = "60"
    saved = client.post(f"/operator/rewards/{reward_id}", data=changed, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    session.expire_all()
    reward = rewards.get_reward(session, reward_id)
    assert (reward.cost, reward.name_fr) == (65, f"Le prix {kind}")
    [edit] = trail.list_actions(session, trail.TrailFilter(action="reward.edit"))
    expected_after = {"cost": 65, "name_fr": f"Le prix {kind}"}
    if kind == "premium":
        expected_after["premium_days"] = 60
        assert edit.before["premium_days"] == 30
    assert edit.after == expected_after, "only what changed is recorded"
    assert edit.before["cost"] == 50 and not edit.before["name_fr"]
    assert edit.actor_id == boss.id

    token = form["csrf_token"]
    out = client.post(
        f"/operator/rewards/{reward_id}/withdraw", data={"csrf_token": token, "note": "paused"}
    )
    assert out.status_code == 200 and "it has left the store" in out.text
    assert not in_store(client, name)
    assert client.get("/operator/rewards").text.count('data-state="withdrawn"') == 1
    back = client.post(f"/operator/rewards/{reward_id}/restore", data={"csrf_token": token})
    assert back.status_code == 200 and "The reward is back in the store." in back.text
    assert in_store(client, name)
    session.expire_all()
    actions = [a.action for a in reversed(trail.list_actions(session, trail.TrailFilter()))]
    assert actions == ["reward.create", "reward.edit", "reward.withdraw", "reward.restore"]
    [withdrawn] = trail.list_actions(session, trail.TrailFilter(action="reward.withdraw"))
    assert withdrawn.note == "paused"
