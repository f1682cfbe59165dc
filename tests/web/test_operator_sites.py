"""The operators' pages for sites: register one, its keys and webhooks shown once, revoked, the
delivery log and its re-send; CSRF, roles, French, and every action in the audit trail."""

from __future__ import annotations

import re

from sqlalchemy import select

from readtoearn.accounts.models import EmailNotice, OperatorAction
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteReader
from tests.readers import make_reader
from tests.web.test_operator import csrf, sign_in


def test_an_operator_runs_a_site_from_the_console(client, session, settings) -> None:
    sign_in(client, session, settings, operator=True, email="op@example.org")
    token = csrf(client, "/operator/sites")
    made = client.post(
        "/operator/sites",
        data={"csrf_token": token, "name": "Daily News", "origins": "https://news.example\n"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    page = client.get(made.headers["location"])
    assert "The site is registered." in page.text and "https://news.example" in page.text
    site_id = page_url.rsplit("/", 1)[1]

    secret = client.post(
        f"{page_url}/secrets", data={"csrf_token": token, "kid": "k1"}, follow_redirects=False
    )
    assert secret.status_code == 200 and 'data-shown="secret"' in secret.text
    shown = re.search(r"<code data-secret>([^<]+)</code>", secret.text)
    assert shown and len(shown.group(1)) >= 32
    assert shown.group(1) not in client.get(page_url).text  # once only

    key = client.post(
        f"{page_url}/keys",
        data={"csrf_token": token, "scopes": ["articles:write", "webhooks"], "name": "CMS"},
    )
    api_key = re.search(r"<code data-secret>(rtk_[^<]+)</code>", key.text)
    assert api_key, key.text
    found = sites.authenticate_key(session, api_key.group(1), sites.Scope.WEBHOOKS)
    assert str(found.site.id) == site_id

    bad = client.post(f"{page_url}/keys", data={"csrf_token": token, "scopes": ["root"]})
    assert bad.status_code == 400 and "scopes are some of" in bad.text

    hook = client.post(
        f"{page_url}/webhooks",
        data={
            "csrf_token": token,
            "url": "https://news.example/hook",
            "events": ["points.expiring"],
        },
    )
    assert hook.status_code == 200 and "whsec_" in hook.text

    # A delivery in the log, sent again from the page.
    site = sites.get_site(session, site_id)
    reader, _token = make_reader(session, settings, name="logged")
    session.add(SiteReader(site_id=site.id, external_id="1", user_id=reader.id))
    session.flush()
    session.add(EmailNotice(user_id=reader.id, kind="points_expiring", key="k"))
    session.commit()
    [delivery] = sites.list_deliveries(session, site)
    assert f'data-delivery="{delivery.id}"' in client.get(page_url).text
    again = client.post(
        f"{page_url}/deliveries/{delivery.id}/resend",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303 and again.headers["location"].endswith("done=resent")

    revoked = client.post(
        f"{page_url}/secrets/k1/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert 'data-kid="k1"' in client.get(page_url).text

    actions = session.scalars(
        select(OperatorAction.action).where(OperatorAction.target_id == site_id)
    ).all()
    assert set(actions) >= {
        "sites.site.create", "sites.secret.add", "sites.key.create", "sites.webhook.add",
        "sites.webhook.resend", "sites.secret.revoke",
    }  # fmt: skip
    french = client.get(page_url, headers={"Accept-Language": "fr"})
    assert "Clés de connexion" in french.text and "Renvoyer" in french.text


def test_forms_need_their_token_and_the_operator_role(client, session, settings) -> None:
    sign_in(client, session, settings, operator=False, email="reader@example.org")
    assert client.get("/operator/sites").status_code == 403
    client.cookies.clear()
    sign_in(client, session, settings, operator=True, email="op@example.org")
    refused = client.post("/operator/sites", data={"name": "X", "origins": "https://x.example"})
    assert refused.status_code == 403
    assert sites.list_sites(session) == []
    token = csrf(client, "/operator/sites")
    wrong = client.post(
        "/operator/sites", data={"csrf_token": token, "name": "X", "origins": "x.example"}
    )
    assert wrong.status_code == 400 and "not an origin" in wrong.text
    assert client.get("/operator/sites/not-a-site").status_code == 404
