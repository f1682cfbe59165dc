"""The operator's figures: reads by verdict per period, budget, points owed and their cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from readtoearn.fraud import dashboard
from readtoearn.fraud import service as reviews
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CREDITED = {"status": "credited", "reasons": ("read_in_full",)}


def test_an_empty_programme_owes_nothing(session, settings) -> None:
    board = dashboard.get_dashboard(session, settings, NOW)
    assert board.today == dashboard.ReadCounts()
    assert board.programme.budget_available == 0
    assert board.programme.outstanding == 0
    assert board.programme.liability == Decimal("0.00")
    assert board.held_waiting == 0 and board.top_articles == []


def test_figures_follow_the_reads_and_the_ledger(session, settings) -> None:
    fund(session, 1000)
    ann = make_reader(session, settings, "ann")[0]
    bob = make_reader(session, settings, "bob")[0]
    popular = make_article(session, settings, title="Popular", url="https://news.example/p")
    quiet = make_article(session, settings, title="Quiet", url="https://news.example/q")
    old = make_article(session, settings, title="Old", url="https://news.example/o")
    today = NOW - timedelta(hours=2)
    this_week = NOW - timedelta(days=3)
    make_read(session, ann.id, popular.id, completed_at=today, **CREDITED)
    make_read(session, bob.id, popular.id, completed_at=this_week, **CREDITED)
    make_read(session, ann.id, quiet.id, completed_at=this_week, **CREDITED)
    make_read(session, ann.id, old.id, completed_at=NOW - timedelta(days=10), **CREDITED)
    held = make_read(session, bob.id, quiet.id, completed_at=today)
    make_read(session, bob.id, old.id, status="rejected", reasons=("too_fast",), completed_at=today)
    make_read(session, ann.id, popular.id, status="open", completed_at=today)

    board = dashboard.get_dashboard(session, settings, NOW)
    assert board.today == dashboard.ReadCounts(
        credited=1, held=1, rejected=1, open=1, points_credited=10
    )
    assert board.week == dashboard.ReadCounts(
        credited=3, held=1, rejected=1, open=1, points_credited=30
    )
    assert board.held_waiting == 1
    assert [(a.title, a.credited) for a in board.top_articles] == [("Popular", 2), ("Quiet", 1)]

    p = board.programme
    # Four credited reads and one held: 40 posted, 10 pending, out of 1000 funded.
    assert (p.funded_total, p.budget_available, p.budget_reserved) == (1000, 950, 10)
    assert (p.wallets, p.wallets_posted, p.wallets_pending, p.outstanding) == (2, 40, 10, 50)
    assert p.liability == Decimal("0.50") and p.currency == "EUR"

    reviews.reject(session, held.id, None)
    dear = settings.model_copy(update={"point_value": Decimal("0.25")})
    p = dashboard.get_programme(session, dear)
    assert (p.budget_available, p.outstanding, p.liability) == (960, 40, Decimal("10.00"))
