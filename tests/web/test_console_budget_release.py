"""The budget page's "Pay reads held for want of budget": the held reads are paid once the
budget holds points, the page says how many, and the release is in the history and the trail."""

from __future__ import annotations

from readtoearn.accounts import trail
from readtoearn.ledger import service as ledger
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf


def test_the_budget_page_releases_held_reads(client, session, settings) -> None:
    boss = as_operator(client, session, settings)
    ada, _ = make_reader(session, settings, "ada")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    read = make_read(
        session, ada.id, article.id, status="credited", points=40, reasons=("read_in_full",)
    )
    assert read.reasons == ["budget_empty"] and read.transfer_id is None
    fund(session, 1000)  # straight into the ledger: nothing pays the held read yet
    session.commit()
    assert wallet(session, ada.id) == (0, 0)

    token = csrf(client, "/operator/budget")
    done = client.post("/operator/budget/release", data={"csrf_token": token})
    assert done.status_code == 200, done.text
    assert "1 held read was paid from the budget." in done.text
    assert done.text.count('data-action="budget.release"') == 1
    session.expire_all()
    assert sum(wallet(session, ada.id)) == 40
    assert ledger.audit(session).ok
    [entry] = trail.list_actions(session, trail.TrailFilter(action="budget.release"))
    assert entry.actor_id == boss.id

    again = client.post("/operator/budget/release", data={"csrf_token": token})
    assert "1 held read was paid" not in again.text, "nothing is paid twice"
    session.expire_all()
    assert sum(wallet(session, ada.id)) == 40
