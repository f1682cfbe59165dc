"""The console's budget page: funding with a note (once per form), held reads paid from it, and
the history of fundings and releases."""

from __future__ import annotations

import re

from readtoearn.fraud import dashboard
from readtoearn.ledger import service as ledger
from tests.factories import make_article
from tests.readers import make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf

KEY = re.compile(r'name="key" value="([^"]+)"')


def test_an_operator_funds_the_budget_and_held_reads_are_paid(client, session, settings) -> None:
    as_operator(client, session, settings)
    reader, _ = make_reader(session, settings, "ada")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    make_read(session, reader.id, article.id, reasons=("budget_empty",))
    session.commit()
    page = client.get("/operator/budget")
    assert page.status_code == 200
    token = csrf(client, "/operator/budget")
    key = KEY.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": token, "amount": "500", "note": "November", "key": key}
    done = client.post("/operator/budget/fund", data=form)
    assert done.status_code == 200
    assert "500 points added to the budget." in done.text
    assert "1 held read was paid from the budget." in done.text
    client.post("/operator/budget/fund", data=form)  # the same form again funds nothing
    session.expire_all()
    programme = dashboard.get_programme(session, settings)
    assert programme.funded_total == 500 and programme.budget_available == 490
    assert ledger.audit(session).ok
    history = client.get("/operator/budget").text
    assert history.count('data-action="budget.fund"') == 1 and "November" in history


def test_bad_amounts_are_messages(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/budget")
    token = csrf(client, "/operator/budget")
    key = KEY.search(page.text).group(1)  # type: ignore[union-attr]
    for amount in ("", "ten", "0", "-5"):
        answer = client.post(
            "/operator/budget/fund", data={"csrf_token": token, "amount": amount, "key": key}
        )
        assert answer.status_code == 400, amount
        assert "Fund a whole number of points, at least 1." in answer.text
    session.expire_all()
    assert dashboard.get_programme(session, settings).funded_total == 0


def test_the_budget_page_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/budget", headers={"Accept-Language": "fr"})
    assert "Alimenter le budget" in page.text
