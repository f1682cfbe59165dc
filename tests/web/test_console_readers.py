"""The console's readers: search, a reader's file, points adjusted with a reason through the
ledger, and the reader's data exported as JSON."""

from __future__ import annotations

import json
import re

import pytest

from readtoearn.accounts import roles, trail
from readtoearn.accounts import service as accounts
from readtoearn.db import utcnow
from readtoearn.fraud import readers, sightings
from readtoearn.fraud.sightings import Seen
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf

KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
def boss(client, session, settings):  # type: ignore[no-untyped-def]
    return as_operator(client, session, settings)


def test_readers_are_found_by_email_or_name(client, session, settings, boss) -> None:
    make_reader(session, settings, "ada")
    make_reader(session, settings, "grace")
    session.commit()
    by_mail = client.get("/operator/readers", params={"q": "ADA@example"})
    assert by_mail.status_code == 200
    assert "ada@example.org" in by_mail.text and "grace@example.org" not in by_mail.text
    by_name = client.get("/operator/readers", params={"q": "grac"})
    assert "grace@example.org" in by_name.text
    none = client.get("/operator/readers", params={"q": "%"})
    assert "No reader matches." in none.text, "wildcards are searched for, not used"


def test_a_reader_file_shows_wallet_reads_redemptions_and_links(
    client, session, settings, boss
) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    twin, _ = make_reader(session, settings, "twin")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    make_read(session, ada.id, article.id)
    rewards.grant_points(session, ada.id, 35, "welcome")
    pass_ = rewards.create_reward(
        session,
        rewards.RewardDraft(
            kind=rewards.RewardKind.PREMIUM, name_en="Pass", cost=5, premium_days=3
        ),
    )
    redemption = rewards.redeem(session, ada.id, pass_.slug, "r1").redemption
    seen = Seen(device="d" * 32, address="a" * 32)
    sightings.record(session, ada.id, seen, utcnow())
    sightings.record(session, twin.id, seen, utcnow())
    session.commit()
    page = client.get(f"/operator/readers/{ada.id}")
    assert page.status_code == 200, page.text
    assert re.search(r'data-figure="available"><span class="operator__figure">30<', page.text)
    assert re.search(r'data-figure="pending"><span class="operator__figure">10<', page.text)
    assert 'data-status="held"' in page.text and "Chips" in page.text
    assert "twin@example.org" in page.text and "2 devices or addresses in common" in page.text
    listed = re.search(r'<ul data-list="redemptions">(.*?)</ul>', page.text, re.S)
    assert listed, "the redemptions are listed"
    [item] = re.findall(r'<li data-redemption="([^"]+)">([^<]*)</li>', listed.group(1))
    assert item[0] == str(redemption.id)
    assert item[1].startswith("Pass · 5 points · Handed over · "), item[1]
    assert "No redemption yet." not in page.text
    assert client.get("/operator/readers/not-an-id").status_code == 404


def test_points_are_adjusted_both_ways_with_a_reason(client, session, settings, boss) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    session.commit()
    path = f"/operator/readers/{ada.id}"
    page = client.get(path)
    token = csrf(client, path)
    key = KEY.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": token, "points": "40", "reason": "Contest prize", "key": key}
    first = client.post(f"{path}/adjust", data=form, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].endswith("done=adjusted")
    replay = client.post(f"{path}/adjust", data=form, follow_redirects=False)
    assert replay.status_code == 303, "the same form sent twice adjusts once"
    session.expire_all()
    assert wallet(session, ada.id) == (40, 0)

    key2 = KEY.search(client.get(path).text).group(1)  # type: ignore[union-attr]
    back = {"csrf_token": token, "points": "-15", "reason": "Duplicate prize", "key": key2}
    assert client.post(f"{path}/adjust", data=back, follow_redirects=False).status_code == 303
    key3 = KEY.search(client.get(path).text).group(1)  # type: ignore[union-attr]
    too_much = {"csrf_token": token, "points": "-500", "reason": "Oops", "key": key3}
    refused = client.post(f"{path}/adjust", data=too_much)
    assert refused.status_code == 422
    assert "The reader cannot spend that many points" in refused.text
    no_reason = client.post(f"{path}/adjust", data={**too_much, "points": "5", "reason": " "})
    assert no_reason.status_code == 400 and "Give a reason" in no_reason.text
    session.expire_all()
    assert wallet(session, ada.id) == (25, 0)
    assert ledger.audit(session).ok
    actions = trail.list_actions(session, trail.TrailFilter(target=str(ada.id)))
    assert sorted((a.action, a.after["points"], a.note) for a in actions) == [
        ("points.adjust", -15, "Duplicate prize"),
        ("points.grant", 40, "Contest prize"),
    ]


def test_a_support_adjusts_but_an_editor_cannot_open_readers(client, session, settings) -> None:
    ada, _ = make_reader(session, settings, "ada")
    helper = as_operator(client, session, settings, "help@example.org")
    roles.set_role(session, helper, roles.Role.EDITOR, by=None)
    session.commit()
    assert client.get(f"/operator/readers/{ada.id}").status_code == 403
    roles.set_role(session, helper, roles.Role.SUPPORT, by=None)
    session.commit()
    assert client.get(f"/operator/readers/{ada.id}").status_code == 200


def test_a_reader_data_export(client, session, settings, boss) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    make_read(session, ada.id, article.id, status="credited")
    session.commit()
    answer = client.get(f"/operator/readers/{ada.id}/export")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (f'attachment; filename="reader-{ada.id}.json"')
    data = json.loads(answer.text)
    assert data["account"]["email"] == "ada@example.org"
    assert [r["article"] for r in data["reads"]] == ["Chips"]
    assert data["wallet"]["available"] == 10
    assert sum(m["amount"] for m in data["movements"]) == 10
    session.expire_all()
    [entry] = trail.list_actions(session, trail.TrailFilter(action="reader.export"))
    assert entry.target_id == str(ada.id) and entry.actor_id == boss.id


def test_the_reader_pages_in_french(client, session, settings, boss) -> None:
    ada, _ = make_reader(session, settings, "ada")
    session.commit()
    page = client.get(f"/operator/readers/{ada.id}", headers={"Accept-Language": "fr"})
    assert "Ajuster les points" in page.text and "Exporter les données" in page.text


def test_a_reader_is_erased_and_the_ledger_stays_whole(client, session, settings, boss) -> None:
    fund(session, 1000)
    ada, bearer = make_reader(session, settings, "ada")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    make_read(session, ada.id, article.id, status="credited")
    rewards.grant_points(session, ada.id, 30, "welcome")
    sightings.record(session, ada.id, Seen(device="d" * 32, address="a" * 32), utcnow())
    session.commit()
    path = f"/operator/readers/{ada.id}"
    token = csrf(client, path)
    wrong = client.post(f"{path}/erase", data={"csrf_token": token, "confirm": "bob@example.org"})
    assert wrong.status_code == 400 and "e-mail address to confirm the erasure" in wrong.text
    done = client.post(
        f"{path}/erase",
        data={"csrf_token": token, "confirm": "ADA@example.org"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=erased")
    session.expire_all()
    user = accounts.get_user(session, ada.id)
    assert user.email.startswith("erased-") and user.display_name == "Erased reader"
    assert user.password_hash is None and not user.is_active
    assert accounts.get_user_by_email(session, "ada@example.org") is None
    assert wallet(session, ada.id) == (0, 0), "the spendable points went back to the budget"
    assert ledger.audit(session).ok
    api = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 401, "the reader's tokens are gone"
    data = readers.export_reader(session, ada.id, by=None)
    assert data["sightings"] == [] and "ada@" not in json.dumps(data)
    assert [r["article"] for r in data["reads"]] == ["Chips"], "the history stays, anonymous"
    [entry] = trail.list_actions(session, trail.TrailFilter(action="reader.erase"))
    assert entry.after == {"points_returned": 40} and "ada@" not in json.dumps(
        [entry.before, entry.after, entry.note]
    )
    again = client.get(path)
    assert "Erase the reader" not in again.text


def test_an_operator_is_not_erased_while_they_hold_a_role(client, session, settings, boss) -> None:
    path = f"/operator/readers/{boss.id}"
    token = csrf(client, path)
    answer = client.post(f"{path}/erase", data={"csrf_token": token, "confirm": boss.email})
    assert answer.status_code == 409 and "Take the console role away" in answer.text
