"""The review queue: approving posts a held read's points, rejecting voids them, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import ReadReview
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode, Transfer
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, fund, make_reader, wallet
from tests.unit.fraud.factories import make_read


@pytest.fixture
def reader(session, settings):
    return make_reader(session, settings, "held")[0]


@pytest.fixture
def operator(session, settings):
    return accounts.create_user(
        session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
    )


def article(session, settings, n: int):
    return make_article(session, settings, title=f"Article {n}", url=f"https://news.example/{n}")


def budget(session) -> int:
    return ledger.balance(session, ledger.account_id(AccountCode.BUDGET)).available


def assert_audit_clean(session) -> None:
    report = ledger.audit(session)
    assert report.ok, report.render()


def test_approving_posts_the_pending_credit(session, settings, reader, operator) -> None:
    fund(session, 100)
    read = make_read(session, reader.id, article(session, settings, 1).id)
    assert wallet(session, reader.id) == (0, 10)
    assert budget(session) == 90
    assert [h.read.id for h in reviews.list_held(session)] == [read.id]

    review = reviews.approve(session, read.id, operator.id, "  looked fine  ")

    assert wallet(session, reader.id) == (10, 0)
    assert budget(session) == 90
    assert (read.status, read.verdict, read.reasons) == ("credited", "credited", ["read_in_full"])
    assert (review.decision, review.operator_id, review.note) == (
        "approved",
        operator.id,
        "looked fine",
    )
    assert review.reasons == ["automation"] and review.points == 10
    assert review.decided_at.tzinfo is not None
    assert reviews.list_held(session) == [] and reviews.count_held(session) == 0
    assert reviews.get_review(session, str(read.id)).id == review.id
    assert_audit_clean(session)


def test_rejecting_voids_the_pending_credit(session, settings, reader, operator) -> None:
    fund(session, 100)
    read = make_read(session, reader.id, article(session, settings, 1).id)
    review = reviews.reject(session, str(read.id), operator.id, "a script")
    assert wallet(session, reader.id) == (0, 0)
    assert budget(session) == 100
    assert (read.status, read.points, read.reasons) == ("rejected", 0, ["automation"])
    assert review.decision == "rejected" and review.points == 10
    assert review.transfer_id is not None
    assert_audit_clean(session)


def test_decisions_are_idempotent_and_final(session, settings, reader, operator) -> None:
    fund(session, 100)
    first = make_read(session, reader.id, article(session, settings, 1).id)
    second = make_read(session, reader.id, article(session, settings, 2).id)
    approved = reviews.approve(session, first.id, operator.id, "ok")
    assert reviews.approve(session, first.id, None, "again").id == approved.id
    rejected = reviews.reject(session, second.id, operator.id)
    assert reviews.reject(session, second.id, operator.id).id == rejected.id

    with pytest.raises(Conflict) as exc:
        reviews.reject(session, first.id, operator.id)
    assert exc.value.code == "already_decided"
    with pytest.raises(Conflict):
        reviews.approve(session, second.id, operator.id)

    assert wallet(session, reader.id) == (10, 0)
    assert budget(session) == 90
    count = session.scalar(select(func.count()).select_from(ReadReview))
    resolutions = session.scalar(
        select(func.count()).select_from(Transfer).where(Transfer.pending_id.is_not(None))
    )
    assert (count, resolutions) == (2, 2)
    assert_audit_clean(session)


def test_only_held_reads_can_be_decided(session, settings, reader, operator) -> None:
    fund(session, 100)
    credited = make_read(
        session,
        reader.id,
        article(session, settings, 1).id,
        status="credited",
        reasons=("read_in_full",),
    )
    with pytest.raises(Conflict) as exc:
        reviews.approve(session, credited.id, operator.id)
    assert exc.value.code == "not_held"
    with pytest.raises(NotFound):
        reviews.approve(session, uuid.uuid4(), operator.id)
    with pytest.raises(NotFound):
        reviews.reject(session, "not-a-read", operator.id)
    held = make_read(session, reader.id, article(session, settings, 2).id)
    with pytest.raises(InvalidInput):
        reviews.approve(session, held.id, operator.id, "x" * 2001)
    assert held.status == "held"


def test_approving_a_budget_empty_hold_needs_budget(session, settings, reader, operator) -> None:
    read = make_read(session, reader.id, article(session, settings, 1).id)
    assert read.transfer_id is None
    assert read.reasons == ["automation", "budget_empty"]
    assert reviews.list_held(session)[0].budget_empty

    with pytest.raises(Unprocessable) as exc:
        reviews.approve(session, read.id, operator.id)
    assert exc.value.code == "budget_empty"
    assert "fund the budget" in exc.value.message
    assert reviews.get_review(session, read.id) is None
    assert read.status == "held"

    fund(session, 50)
    review = reviews.approve(session, read.id, operator.id)
    assert review.transfer_id == read.transfer_id is not None
    assert wallet(session, reader.id) == (10, 0)
    assert budget(session) == 40
    assert_audit_clean(session)


def test_rejecting_a_budget_empty_hold_moves_no_points(session, settings, reader, operator) -> None:
    read = make_read(session, reader.id, article(session, settings, 1).id)
    review = reviews.reject(session, read.id, operator.id)
    assert review.transfer_id is None
    assert read.reasons == ["automation"]
    assert wallet(session, reader.id) == (0, 0)
    assert_audit_clean(session)


def test_release_pays_budget_holds_oldest_first(session, settings, reader, operator) -> None:
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    clean = [
        make_read(
            session,
            reader.id,
            article(session, settings, n).id,
            status="credited",
            reasons=("read_in_full",),
            completed_at=start + timedelta(minutes=n),
        )
        for n in (1, 2)
    ]
    suspicious = make_read(
        session,
        reader.id,
        article(session, settings, 3).id,
        completed_at=start + timedelta(minutes=3),
    )
    assert [r.status for r in clean] == ["held", "held"]
    assert clean[0].reasons == ["budget_empty"]
    assert reviews.release_budget_holds(session) == reviews.Release(0, 0, 3)

    fund(session, 15)
    assert reviews.release_budget_holds(session) == reviews.Release(1, 10, 2)
    assert (clean[0].status, clean[0].reasons) == ("credited", ["read_in_full"])
    assert clean[1].status == "held" and clean[1].transfer_id is None
    assert wallet(session, reader.id) == (10, 0)

    ledger.fund_budget(session, 100, ledger.transfer_id("more"))
    assert reviews.release_budget_holds(session) == reviews.Release(2, 20, 0)
    assert clean[1].status == "credited"
    # The suspicious read now has its points reserved, and still waits for an operator.
    assert suspicious.status == "held" and suspicious.transfer_id is not None
    assert suspicious.reasons == ["automation"]
    assert wallet(session, reader.id) == (20, 10)
    assert [h.read.id for h in reviews.list_held(session)] == [suspicious.id]
    assert reviews.release_budget_holds(session) == reviews.Release(0, 0, 0)

    reviews.approve(session, suspicious.id, operator.id)
    assert wallet(session, reader.id) == (30, 0)
    assert budget(session) == 115 - 30
    assert_audit_clean(session)


def test_recent_decisions_name_the_operator(session, settings, reader, operator) -> None:
    fund(session, 100)
    a = make_read(session, reader.id, article(session, settings, 1).id)
    b = make_read(session, reader.id, article(session, settings, 2).id)
    now = datetime.now(UTC)
    reviews.approve(session, a.id, operator.id, now=now - timedelta(minutes=1))
    reviews.reject(session, b.id, None, "from the command line", now=now)
    latest = reviews.list_reviews(session)
    assert [(r.read_id, email) for r, email in latest] == [(b.id, None), (a.id, "op@example.org")]
