"""Freezing a reader (issue #14): from the console with a reason, recorded in the trail; a frozen
reader earns and spends nothing, and is told why (on /account, in the wallet API, in a read's
verdict)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from readtoearn.accounts import roles, trail
from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.clock import ManualClock
from readtoearn.fraud import freezes
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf

KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
def boss(client, session, settings):  # type: ignore[no-untyped-def]
    return as_operator(client, session, settings)


def test_an_operator_freezes_and_unfreezes_a_reader_with_a_reason(
    client, session, settings, boss
) -> None:
    fund(session, 1000)
    ada, bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 30, "welcome")
    session.commit()
    path = f"/operator/readers/{ada.id}"
    token = csrf(client, path)
    no_csrf = client.post(f"{path}/freeze", data={"reason": "Farm"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    no_reason = client.post(f"{path}/freeze", data={"csrf_token": token, "reason": "  "})
    assert no_reason.status_code == 400 and "Give a reason for freezing" in no_reason.text
    done = client.post(
        f"{path}/freeze",
        data={"csrf_token": token, "reason": "Shares a device with a farm"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=frozen")
    page = client.get(path)
    assert 'data-frozen="true"' in page.text and "Shares a device with a farm" in page.text
    assert 'action="/operator/readers/' + str(ada.id) + '/unfreeze"' in page.text
    again = client.post(f"{path}/freeze", data={"csrf_token": token, "reason": "twice"})
    assert again.status_code == 409 and "already frozen" in again.text

    # A grant is refused with a message; taking points back still works.
    key = KEY.search(page.text).group(1)  # type: ignore[union-attr]
    grant = {"csrf_token": token, "points": "40", "reason": "Prize", "key": key}
    refused = client.post(f"{path}/adjust", data=grant)
    assert refused.status_code == 403 and "The reader is frozen" in refused.text
    key2 = KEY.search(client.get(path).text).group(1)  # type: ignore[union-attr]
    back = {"csrf_token": token, "points": "-10", "reason": "Farmed points", "key": key2}
    assert client.post(f"{path}/adjust", data=back, follow_redirects=False).status_code == 303
    session.expire_all()
    assert wallet(session, ada.id) == (20, 0)

    exported = client.get(f"{path}/export").json()
    assert exported["freeze"]["reason"] == "Shares a device with a farm", "their right of access"
    # The reader is told, on the API and on their page.
    api = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 200
    body = api.json()
    assert body["frozen"] is True and body["freeze"]["reason"] == "Shares a device with a farm"

    undone = client.post(
        f"{path}/unfreeze",
        data={"csrf_token": token, "reason": "Checked: a family computer"},
        follow_redirects=False,
    )
    assert undone.status_code == 303 and undone.headers["location"].endswith("done=unfrozen")
    assert 'data-frozen="true"' not in client.get(path).text
    not_frozen = client.post(f"{path}/unfreeze", data={"csrf_token": token, "reason": "again"})
    assert not_frozen.status_code == 409
    api = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"})
    assert api.json()["frozen"] is False and api.json()["freeze"] is None
    rewards.grant_points(session, ada.id, 5, "back")
    assert wallet(session, ada.id) == (25, 0)
    assert ledger.audit(session).ok

    session.expire_all()
    entries = trail.list_actions(session, trail.TrailFilter(target=str(ada.id)))
    by_action = {e.action: e for e in entries}
    frozen, unfrozen = by_action["reader.freeze"], by_action["reader.unfreeze"]
    assert frozen.actor_id == boss.id and frozen.note == "Shares a device with a farm"
    assert frozen.before == {"frozen": False}
    assert frozen.after == {"frozen": True, "reason": "Shares a device with a farm"}
    assert unfrozen.before["reason"] == "Shares a device with a farm"
    assert unfrozen.after == {"frozen": False} and unfrozen.note == "Checked: a family computer"
    trail_page = client.get(f"/operator/trail?target={ada.id}")
    assert "Froze a reader" in trail_page.text and "Unfroze a reader" in trail_page.text


def test_a_support_freezes_but_an_editor_cannot(client, session, settings) -> None:
    ada, _ = make_reader(session, settings, "ada")
    helper = as_operator(client, session, settings, "help@example.org")
    roles.set_role(session, helper, roles.Role.SUPPORT, by=None)
    session.commit()
    path = f"/operator/readers/{ada.id}"
    token = csrf(client, path)
    form = {"csrf_token": token, "reason": "Chargeback"}
    assert client.post(f"{path}/freeze", data=form, follow_redirects=False).status_code == 303
    roles.set_role(session, helper, roles.Role.EDITOR, by=None)
    session.commit()
    refused = client.post(f"{path}/unfreeze", data=form, follow_redirects=False)
    assert refused.status_code == 403
    session.expire_all()
    assert freezes.get_freeze(session, ada.id) is not None


def test_the_frozen_reader_sees_why_on_their_account_page(client, session, settings) -> None:
    ada, _ = make_reader(session, settings, "ada")
    freezes.freeze_reader(session, ada.id, "Unusual activity under review", by=None)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()
    page = client.get("/account")
    assert page.status_code == 200
    assert "Your account is frozen" in page.text
    assert "Unusual activity under review" in page.text
    french = client.get("/account", headers={"Accept-Language": "fr"})
    assert "Votre compte est gelé" in french.text
    points = client.get("/account/wallet")
    assert points.status_code == 200 and "Unusual activity under review" in points.text


def test_the_console_speaks_french_about_freezing(client, session, settings, boss) -> None:
    ada, _ = make_reader(session, settings, "ada")
    session.commit()
    page = client.get(f"/operator/readers/{ada.id}", headers={"Accept-Language": "fr"})
    assert "Geler le lecteur" in page.text


def test_a_frozen_reader_read_is_rejected_with_the_reason(client, clock, session, settings) -> None:
    fund(session)
    article = make_article(session, settings, paragraphs=12)
    ada, bearer = make_reader(session, settings, "ada")
    session.commit()
    tracker = Client(client, clock, settings, article, bearer)
    assert tracker.start().status_code == 201
    tracker.read_like_a_human()
    freezes.freeze_reader(session, ada.id, "Chargeback", by=None)
    session.commit()
    answer = tracker.complete()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verdict"] == "rejected" and body["points"] == 0
    assert body["reasons"] == ["account_frozen"]
    assert "Your account is frozen" in body["messages"][0], "the tracker's panel says why"
    session.expire_all()
    assert wallet(session, ada.id) == (0, 0)
    api = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"})
    [read] = api.json()["reads"]
    assert read["verdict"] == "rejected" and "Your account is frozen" in read["messages"][0]
    again = tracker.complete()
    assert again.json()["verdict"] == "rejected", "the same answer when asked again"


def test_a_frozen_reader_completion_fails_alone_in_a_shared_batch(
    committing_database, settings
) -> None:
    """Two completions in one group commit (one ledger call), on a database that really commits
    (each request thread has its own connection): the frozen reader's read is rejected, the
    other reader's is credited, and each hears their own verdict."""
    from readtoearn.batch import BATCH_SIZE, SHARED_CALL

    db = committing_database
    clock = ManualClock()
    tag = uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"freeze-batch:{tag}"))
        article = make_article(s, settings, paragraphs=12, url=f"https://news.example/{tag}")
        ada, ada_bearer = make_reader(s, settings, f"ada-{tag}")
        bob, bob_bearer = make_reader(s, settings, f"bob-{tag}")
        ada_id, bob_id = ada.id, bob.id
    app = create_app(settings, database=db, clock=clock)
    with TestClient(app) as client:
        trackers = [
            Client(client, clock, settings, article, ada_bearer),
            Client(client, clock, settings, article, bob_bearer),
        ]
        for tracker in trackers:
            assert tracker.start().status_code == 201
            tracker.read_like_a_human()
        with db.session(write=True) as s:
            freezes.freeze_reader(s, ada_id, "Chargeback", by=None)

        committer = app.state.committer
        gate, running = threading.Event(), threading.Event()

        def hold(_session):  # type: ignore[no-untyped-def]
            running.set()
            return gate.wait(10)

        batches_before = sum(b.get() for b in BATCH_SIZE._buckets)
        shared_before = SHARED_CALL._sum.get()
        held = committer.submit(hold)
        assert running.wait(10)
        with ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(t.complete) for t in trackers]
            # Both completions wait in the committer's queue before the gate opens.
            deadline = time.monotonic() + 10
            while committer._queue.qsize() < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            gate.set()
            frozen, other = (a.result(timeout=30) for a in answers)
        assert held.result(timeout=30)
    assert frozen.status_code == 200 and other.status_code == 200, (frozen.text, other.text)
    assert frozen.json()["verdict"] == "rejected"
    assert frozen.json()["reasons"] == ["account_frozen"]
    assert other.json()["verdict"] == "credited" and other.json()["points"] > 0
    # The hold's batch, then one batch holding both completions, whose credits shared a call.
    assert sum(b.get() for b in BATCH_SIZE._buckets) - batches_before == 2
    assert SHARED_CALL._sum.get() - shared_before == 2
    with db.session() as s:
        assert wallet(s, ada_id) == (0, 0)
        assert wallet(s, bob_id)[0] == other.json()["points"]
        assert ledger.audit(s).ok


def test_the_api_refuses_a_frozen_reader_grants_and_redemptions(client, session, settings) -> None:
    from tests.web.test_operator_grants import operator_headers

    fund(session, 500)
    ada, bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 100, "welcome")
    reward = rewards.create_reward(
        session,
        rewards.RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium", cost=10, premium_days=7),
    )
    freezes.freeze_reader(session, ada.id, "Chargeback", by=None)
    headers = operator_headers(session, settings)
    session.commit()
    body = {"email": "ada@example.org", "points": 40, "reason": "Prize"}
    grant = client.post("/api/v1/operator/grants", json=body, headers=headers)
    assert grant.status_code == 403, grant.text
    assert grant.json()["error"]["code"] == "reader_frozen"
    redeem = client.post(
        f"/api/v1/rewards/{reward.slug}/redemptions",
        headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": "r1"},
    )
    assert redeem.status_code == 403, redeem.text
    assert redeem.json()["error"]["code"] == "reader_frozen"
    session.expire_all()
    assert wallet(session, ada.id) == (100, 0)


def test_the_review_queue_says_a_held_read_of_a_frozen_reader_cannot_be_approved(
    client, session, settings, boss
) -> None:
    from tests.web.test_operator import held_read

    reader, read = held_read(session, settings, "frosty")
    freezes.freeze_reader(session, reader.id, "Chargeback", by=None)
    session.commit()
    token = csrf(client, "/operator/reviews")
    approve = client.post(f"/operator/reviews/{read.id}/approve", data={"csrf_token": token})
    assert approve.status_code == 403
    assert "frozen" in approve.text
    french = client.post(
        f"/operator/reviews/{read.id}/approve",
        data={"csrf_token": token},
        headers={"Accept-Language": "fr"},
    )
    assert "gelé" in french.text
    reject = client.post(
        f"/operator/reviews/{read.id}/reject",
        data={"csrf_token": token, "note": "frozen reader"},
        follow_redirects=False,
    )
    assert reject.status_code == 303
    session.expire_all()
    assert wallet(session, reader.id) == (0, 0)
    assert ledger.audit(session).ok


def test_nobody_freezes_themselves_and_the_team_is_frozen_only_without_a_role(
    client, session, settings, boss
) -> None:
    helper = as_operator(client, session, settings, "help@example.org")
    roles.set_role(session, helper, roles.Role.SUPPORT, by=None)
    session.commit()
    # Signed in as support: neither their own account nor an operator's can be frozen.
    own = f"/operator/readers/{helper.id}"
    form = {"csrf_token": csrf(client, own), "reason": "Testing"}
    refused = client.post(f"{own}/freeze", data=form)
    assert refused.status_code == 403
    assert "You cannot freeze or unfreeze your own account." in refused.text
    other = f"/operator/readers/{boss.id}"
    team = client.post(f"{other}/freeze", data=form)
    assert team.status_code == 409
    assert "Take the console role away before freezing a member of the team." in team.text
    session.expire_all()
    assert freezes.get_freeze(session, helper.id) is None
    assert freezes.get_freeze(session, boss.id) is None
    assert not trail.list_actions(session, trail.TrailFilter(action="reader.freeze"))
    # Once the role is taken away, the former member is a reader like any other.
    roles.set_role(session, boss, None, by=None)
    session.commit()
    done = client.post(f"{other}/freeze", data=form, follow_redirects=False)
    assert done.status_code == 303
    french = client.post(f"{own}/unfreeze", data=form, headers={"Accept-Language": "fr"})
    assert "Vous ne pouvez ni geler ni dégeler votre propre compte." in french.text


def test_support_takes_points_back_but_gives_none(client, session, settings) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 50, "Welcome")
    helper = as_operator(client, session, settings, "help@example.org")
    roles.set_role(session, helper, roles.Role.SUPPORT, by=None)
    session.commit()
    path = f"/operator/readers/{ada.id}"
    page = client.get(path).text
    form = {"csrf_token": csrf(client, path), "reason": "Goodwill", "key": KEY.search(page)[1]}
    given = client.post(f"{path}/adjust", data={**form, "points": "20"})
    assert given.status_code == 403
    assert "Giving points spends the budget: only an operator can." in given.text
    taken = client.post(f"{path}/adjust", data={**form, "points": "-20"}, follow_redirects=False)
    assert taken.status_code == 303
    session.expire_all()
    assert wallet(session, ada.id)[0] == 30
