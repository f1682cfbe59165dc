"""The console's CSV exports: the ledger by account and period, reads, redemptions and readers,
streamed page by page with nothing skipped or repeated (and in bounded memory), and spreadsheet
formulas defused."""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from readtoearn.accounts import trail
from readtoearn.db import utcnow
from readtoearn.fraud import exports
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import Transfer, TransferCode
from readtoearn.rewards import service as rewards
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator

pytestmark = pytest.mark.real_day


@pytest.fixture
def boss(client, session, settings):  # type: ignore[no-untyped-def]
    return as_operator(client, session, settings)


def rows(client, path: str, **params: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment;" in answer.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_the_ledger_export_by_account_and_period(client, session, settings, boss) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    bob, _ = make_reader(session, settings, "bob")
    rewards.grant_points(session, ada.id, 30, "welcome")
    rewards.grant_points(session, bob.id, 20, "welcome")
    session.commit()
    every = rows(client, "/operator/exports/ledger.csv")
    assert len(every) == 3 and {r["code"] for r in every} == {"funding", "adjustment"}
    wallet = str(ledger.get_or_create_wallet(session, ada.id))
    mine = rows(client, "/operator/exports/ledger.csv", account="ada@example.org")
    assert [(r["amount"], r["credit_account_id"]) for r in mine] == [("30", wallet)]
    budget = rows(client, "/operator/exports/ledger.csv", account="budget")
    assert len(budget) == 3
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert rows(client, "/operator/exports/ledger.csv", since=tomorrow) == []
    today = utcnow().date().isoformat()
    assert len(rows(client, "/operator/exports/ledger.csv", since=today, until=today)) == 3


def test_reads_redemptions_and_readers(client, session, settings, boss) -> None:
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    make_read(session, ada.id, article.id, status="credited")
    pass_ = rewards.create_reward(
        session,
        rewards.RewardDraft(
            kind=rewards.RewardKind.PREMIUM, name_en="Pass", cost=5, premium_days=3
        ),
    )
    rewards.redeem(session, ada.id, pass_.slug, "r1")
    session.commit()
    [read] = rows(client, "/operator/exports/reads.csv")
    assert (read["article"], read["status"], read["points"]) == ("Chips", "credited", "10")
    [redemption] = rows(client, "/operator/exports/redemptions.csv")
    assert (redemption["reward"], redemption["reader_email"]) == ("Pass", "ada@example.org")
    readers = rows(client, "/operator/exports/readers.csv")
    assert {r["email"]: r["console_role"] for r in readers} == {
        "ada@example.org": "",
        "boss@example.org": "operator",
    }


def test_pages_follow_each_other_without_gaps_or_repeats(
    client, session, settings, boss, monkeypatch
) -> None:
    monkeypatch.setattr(exports, "PAGE", 2)
    fund(session, 1000)
    for n in range(6):
        reader, _ = make_reader(session, settings, f"r{n}")
        rewards.grant_points(session, reader.id, n + 1, "welcome")
    session.commit()
    got = rows(client, "/operator/exports/ledger.csv")
    ids = [r["transfer_id"] for r in got]
    assert len(ids) == 7 and len(set(ids)) == 7
    assert sorted(int(r["amount"]) for r in got) == [1, 2, 3, 4, 5, 6, 1000]
    assert [r["created_at"] for r in got] == sorted(r["created_at"] for r in got)


def peak_bytes(run: Callable[[], object]) -> int:
    """Python's peak allocations while `run` runs, above what was allocated before it."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    before, _peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    try:
        run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return peak - before


def test_a_long_ledger_streams_in_bounded_memory(  # type: ignore[no-untyped-def]
    client, session, settings, boss, database, monkeypatch
):
    """Ten pages of transfers drained through the route chunk by chunk take a fraction of the
    memory their rows take loaded whole. Pages of 1,000 rows instead of 2,000 keep the test quick
    with the same ratio; bench/exports.py measures 100,000 rows at the real size."""
    monkeypatch.setattr(exports, "PAGE", 1_000)
    total = 10 * exports.PAGE
    fund(session, total * 10)
    readers = [ledger.get_or_create_wallet(session, make_reader(session, settings, f"r{n}")[0].id)
               for n in range(20)]  # fmt: skip
    budget = ledger.programme_budget(session)
    for start in range(1, total, 1000):
        specs = [
            TransferSpec(
                id=uuid.uuid4(), debit_account_id=budget, credit_account_id=readers[n % 20],
                amount=1 + n % 7, code=TransferCode.READ_REWARD,
                metadata={"read_id": str(uuid.uuid4())},
            )
            for n in range(start, min(start + 1000, total))
        ]  # fmt: skip
        assert all(r.ok for r in ledger.create_transfers(session, specs))
    session.commit()
    session.expunge_all()
    empty = client.get("/operator/exports/ledger.csv", params={"since": "2999-01-01"})
    assert empty.status_code == 200  # the route built and warm: not counted below
    drained = {"rows": 0, "chunks": 0}

    def stream() -> None:
        with client.stream("GET", "/operator/exports/ledger.csv") as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_raw():
                drained["rows"] += chunk.count(b"\r\n")
                drained["chunks"] += 1

    def load_whole() -> None:
        with database.session() as other:
            everything = other.scalars(select(Transfer).order_by(Transfer.created_at)).all()
            assert len(everything) == total

    streamed, whole = peak_bytes(stream), peak_bytes(load_whole)
    assert drained["rows"] == total + 1, "every transfer and the header"
    assert drained["chunks"] > total // exports.PAGE, "sent a page at a time"
    assert streamed * 3 < whole, (streamed, whole)


def test_spreadsheet_formulas_are_written_as_text(client, session, settings, boss) -> None:
    user, _ = make_reader(session, settings, "eve")
    user.display_name = '=HYPERLINK("http://evil.example","click")'
    session.commit()
    readers = rows(client, "/operator/exports/readers.csv")
    [eve] = [r for r in readers if r["email"] == "eve@example.org"]
    assert eve["display_name"] == "'" + '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/operator/exports/ledger.csv", {"since": "monday"}, 400, "Dates are written"),
        ("/operator/exports/ledger.csv", {"account": "nobody@example.org"}, 404, "No account"),
        ("/operator/exports/ledger.csv", {"account": "my wallet"}, 400, "Name the account"),
        ("/operator/exports/secrets.csv", {}, 404, "There is no such export."),
    ],
)
def test_bad_requests_are_messages(client, session, settings, boss, path, params, status, message):  # type: ignore[no-untyped-def]
    answer = client.get(path, params=params)
    assert answer.status_code == status and message in answer.text


def test_each_export_is_in_the_trail(client, session, settings, boss) -> None:
    rows(client, "/operator/exports/readers.csv")
    session.expire_all()
    [entry] = trail.list_actions(session, trail.TrailFilter(action="export"))
    assert entry.action == "export.readers" and entry.actor_id == boss.id


def test_the_exports_page_in_french(client, session, settings, boss) -> None:
    page = client.get("/operator/exports", headers={"Accept-Language": "fr"})
    assert "Télécharger le CSV" in page.text
