"""The audit trail: operator actions recorded with who, when and before/after, listed and
filtered on /operator/trail and its JSON twin; the team page that gives roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from readtoearn.accounts import roles, trail
from readtoearn.accounts import service as accounts
from readtoearn.db import utcnow
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_operator import csrf, sign_in

pytestmark = pytest.mark.real_day


def as_operator(client: TestClient, session, settings, email: str = "boss@example.org"):  # type: ignore[no-untyped-def]
    sign_in(client, session, settings, operator=True, email=email)
    return accounts.get_user_by_email(session, email)


def held(session, settings, name: str = "held"):  # type: ignore[no-untyped-def]
    fund(session, 1000)
    reader = make_reader(session, settings, name)[0]
    article = make_article(session, settings, title=name, url=f"https://news.example/{name}")
    read = make_read(session, reader.id, article.id)
    session.commit()
    return read


def test_approving_a_read_on_the_page_is_recorded(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    read = held(session, settings)
    token = csrf(client, "/operator/reviews")
    answer = client.post(
        f"/operator/reviews/{read.id}/approve",
        data={"csrf_token": token, "note": "looks human"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.expire_all()
    [entry] = trail.list_actions(session, trail.TrailFilter(action="read"))
    assert entry.action == "read.approve"
    assert entry.actor_id == boss.id and entry.actor_email == "boss@example.org"
    assert entry.target_kind == "read" and entry.target_id == str(read.id)
    assert entry.before["status"] == "held" and entry.after["status"] == "credited"
    assert entry.note == "looks human"

    page = client.get("/operator/trail")
    assert page.status_code == 200
    assert 'data-action="read.approve"' in page.text
    assert "Approved a held read" in page.text and "looks human" in page.text
    # The fields read as words, not as the code's names.
    assert '<dt data-field="transfer_id">Ledger transfer</dt>' in page.text
    assert '<dt data-field="status">Status</dt>' in page.text
    french = client.get("/operator/trail", headers={"Accept-Language": "fr"})
    assert '<dt data-field="transfer_id">Mouvement du registre</dt>' in french.text
    assert '<dt data-field="status">Statut</dt>' in french.text


def test_a_refused_decision_leaves_no_entry(client, session, settings) -> None:
    as_operator(client, session, settings)
    read = held(session, settings)
    token = csrf(client, "/operator/reviews")
    client.post(f"/operator/reviews/{read.id}/approve", data={"csrf_token": token})
    refused = client.post(f"/operator/reviews/{read.id}/reject", data={"csrf_token": token})
    assert refused.status_code == 409
    session.expire_all()
    assert [e.action for e in trail.list_actions(session)] == ["read.approve"]


def test_a_grant_and_a_release_are_recorded(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    fund(session, 500)
    reader, _ = make_reader(session, settings, "gift")
    bearer = accounts.issue_api_token(session, settings, boss).token
    session.commit()
    body = {"email": "gift@example.org", "points": 40, "reason": "A tip-off"}
    headers = {"Authorization": f"Bearer {bearer}", "Idempotency-Key": "g-1"}
    assert client.post("/api/v1/operator/grants", json=body, headers=headers).status_code == 201
    assert client.post("/api/v1/operator/grants", json=body, headers=headers).status_code == 201
    token = csrf(client)
    client.post("/operator/release", data={"csrf_token": token})
    session.expire_all()
    grants = trail.list_actions(session, trail.TrailFilter(action="points.grant"))
    assert len(grants) == 1, "a replayed grant is not a second action"
    assert grants[0].target_id == str(reader.id) and grants[0].after["points"] == 40
    assert grants[0].note == "A tip-off" and grants[0].actor_id == boss.id
    [release] = trail.list_actions(session, trail.TrailFilter(action="budget"))
    assert release.action == "budget.release" and release.actor_id == boss.id


def test_the_trail_filters_by_operator_action_object_and_dates(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    other = accounts.create_user(
        session, settings, email="other@example.org", password=None, is_operator=True
    )
    now = utcnow()
    trail.record_action(session, boss, "reward.withdraw", target=("reward", "r1"), now=now)
    trail.record_action(
        session, other, "reward.restore", target=("reward", "r1"), now=now - timedelta(days=3)
    )
    trail.record_action(session, None, "budget.fund", after={"points": 9}, now=now)
    session.commit()

    def shown(**query: str) -> list[str]:
        page = client.get("/operator/trail", params=query)
        assert page.status_code == 200, page.text
        return [line.split('"')[1] for line in page.text.split("data-action=")[1:]]

    assert sorted(shown()) == ["budget.fund", "reward.restore", "reward.withdraw"]
    assert shown(actor="other@") == ["reward.restore"]
    assert shown(actor="cli") == ["budget.fund"]
    assert sorted(shown(action="reward")) == ["reward.restore", "reward.withdraw"]
    assert shown(action="reward.restore") == ["reward.restore"]
    assert sorted(shown(target="r1")) == ["reward.restore", "reward.withdraw"]
    today = now.date().isoformat()
    assert sorted(shown(since=today)) == ["budget.fund", "reward.withdraw"]
    earlier = (now - timedelta(days=2)).date().isoformat()
    assert shown(until=earlier) == ["reward.restore"]
    assert "command line" in client.get("/operator/trail", params={"actor": "cli"}).text


def test_a_bad_date_is_a_message_not_an_error(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/trail", params={"since": "yesterday"})
    assert page.status_code == 400
    assert "Dates are written YYYY-MM-DD." in page.text
    api = client.get("/api/v1/operator/trail", params={"since": "yesterday"})
    assert api.status_code == 400 and api.json()["error"]["code"] == "date"


def test_the_trail_pages_through_many_actions(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    start = utcnow()
    for i in range(trail.PAGE + 5):
        trail.record_action(
            session, boss, "test.step", note=f"n{i}", now=start + timedelta(seconds=i)
        )
    session.commit()
    first = client.get("/operator/trail", params={"action": "test.step"})
    assert first.text.count('data-action="test.step"') == trail.PAGE
    assert "n54" in first.text and "n0<" not in first.text
    assert 'rel="next" href="/operator/trail?action=test.step&amp;page=2"' in first.text
    second = client.get("/operator/trail", params={"action": "test.step", "page": 2})
    assert second.text.count('data-action="test.step"') == 5
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_the_trail_as_json(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    trail.record_action(session, boss, "user.role", target=("user", boss.id), before={"role": None})
    session.commit()
    body = client.get("/api/v1/operator/trail", params={"action": "user.role"}).json()
    assert [(a["action"], a["actor_email"], a["before"]) for a in body] == [
        ("user.role", "boss@example.org", {"role": None})
    ]


# ---------------------------------------------------------------- the team page


def test_an_operator_gives_a_role_and_it_is_recorded(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    helper, _ = make_reader(session, settings, "helper")
    session.commit()
    token = csrf(client, "/operator/team")
    answer = client.post(
        "/operator/team",
        data={"csrf_token": token, "email": "Helper@example.org", "role": "support", "note": "x"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=changed")
    session.expire_all()
    assert roles.role_of(accounts.get_user(session, helper.id)) is roles.Role.SUPPORT
    [entry] = trail.list_actions(session, trail.TrailFilter(action="user.role"))
    assert entry.actor_id == boss.id and entry.before["role"] is None
    assert entry.after["role"] == "support"
    page = client.get("/operator/team?done=changed")
    assert 'data-email="helper@example.org"' in page.text and "The role was changed." in page.text

    client.post(
        "/operator/team", data={"csrf_token": token, "email": "helper@example.org", "role": "none"}
    )
    session.expire_all()
    assert roles.role_of(accounts.get_user(session, helper.id)) is None


def test_the_team_form_refuses_what_it_cannot_do(client, session, settings) -> None:
    as_operator(client, session, settings)
    token = csrf(client, "/operator/team")
    own = client.post(
        "/operator/team", data={"csrf_token": token, "email": "boss@example.org", "role": "editor"}
    )
    assert own.status_code == 403 and "cannot change your own role" in own.text
    nobody = client.post(
        "/operator/team", data={"csrf_token": token, "email": "ghost@example.org", "role": "editor"}
    )
    assert nobody.status_code == 404 and "No account has this e-mail." in nobody.text
    make_reader(session, settings, "someone")
    session.commit()
    odd = client.post(
        "/operator/team", data={"csrf_token": token, "email": "someone@example.org", "role": "god"}
    )
    assert odd.status_code == 400 and "Choose one of the roles offered." in odd.text
    forged = client.post(
        "/operator/team", data={"email": "someone@example.org", "role": "operator"}
    )
    assert forged.status_code == 403
    session.expire_all()
    assert trail.count_actions(session) == 0


def test_the_team_page_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/team", headers={"Accept-Language": "fr"})
    assert "Équipe et rôles" in page.text and "Enregistrer le rôle" in page.text
    trail_page = client.get("/operator/trail", headers={"Accept-Language": "fr"})
    assert "Journal des actions" in trail_page.text


def test_every_action_label_has_a_french_name() -> None:
    from readtoearn.web import i18n
    from readtoearn.web.routes.operator_trail import ACTION_LABELS

    french = i18n.translations("fr")
    assert [label for label in ACTION_LABELS.values() if french.gettext(label) == label] == []


def test_every_field_label_has_a_french_name_of_its_own() -> None:
    """And none borrows another page's word for a different thing (one merged catalogue)."""
    from readtoearn.web import i18n
    from readtoearn.web.routes.operator_trail import FIELD_LABELS

    french = i18n.translations("fr")
    same = {"Points", "Source", "Stock", "Image", "Logo", "Sponsor"}
    untranslated = [label for label in FIELD_LABELS.values() if french.gettext(label) == label]
    assert sorted(set(untranslated) - same) == []
    assert len(set(FIELD_LABELS.values())) == len(FIELD_LABELS)
