"""The reading service against a real database: caps, budget, velocity, idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.clock import ManualClock
from readtoearn.errors import Conflict, Unauthorized
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import Transfer
from readtoearn.reading import beats as beats_module
from readtoearn.reading import service as reading
from readtoearn.reading import tokens
from readtoearn.reading.live import MemoryLiveStore
from readtoearn.reading.reads import owned_read
from readtoearn.reading.snapshot import absorb
from tests.factories import make_article


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store() -> MemoryLiveStore:
    return MemoryLiveStore()


def new_reader(session, settings, name: str = "ada"):
    return accounts.create_user(session, settings, email=f"{name}@example.org", password=None)


def read_fully(session, store, settings, clock, reader, article) -> reading.Outcome:
    """A complete honest read through the service: every paragraph, at a reading pace."""
    view = tokens.sign_view(
        settings.resolved_secret_key,
        article.id,
        clock.now().timestamp(),
        tokens.reader_subject(reader.id),
    )
    started = reading.start_read(
        session, store, settings, clock, reader_id=reader.id, article_id=article.id, view_token=view
    )
    token = started.token
    paragraphs = article.paragraph_count
    for seq in range(1, paragraphs + 4):
        clock.advance(12)
        index = min(seq - 1, paragraphs - 1)
        result = reading.record_beat(
            session,
            store,
            settings,
            clock,
            reader_id=reader.id,
            read_id=str(started.read.id),
            beat=reading.Beat(
                token=token,
                seq=seq,
                active_ms=12_000,
                scroll_max=min(1.0, (index + 1) / paragraphs),
                paragraphs_seen=[index],
                visible=True,
                focused=True,
                events={"wheel": seq % 5 + 1, "scroll": (seq * 7) % 11 + 1},
            ),
        )
        token = result.token
    return reading.complete_read(
        session,
        store,
        settings,
        clock,
        reader_id=reader.id,
        read_id=str(started.read.id),
        token=token,
    )


def articles_for(session, settings, count: int):
    return [
        make_article(
            session, settings, url=f"https://n.example/{i}", title=f"Story {i}", paragraphs=4
        )
        for i in range(count)
    ]


def test_credits_come_from_the_budget(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 100, ledger.transfer_id("fund"))
    reader = new_reader(session, settings)
    (article,) = articles_for(session, settings, 1)
    outcome = read_fully(session, store, settings, clock, reader, article)
    assert outcome.verdict == "credited"
    budget = ledger.balance(session, ledger.programme_budget(session))
    assert budget.available == 90
    assert ledger.audit(session).ok


def test_an_empty_budget_holds_the_read_and_says_so(session, store, settings, clock) -> None:
    reader = new_reader(session, settings)
    (article,) = articles_for(session, settings, 1)
    outcome = read_fully(session, store, settings, clock, reader, article)
    assert outcome.verdict == "held"
    assert "budget_empty" in outcome.reasons
    assert outcome.points == 10
    assert outcome.read.transfer_id is None
    assert session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_the_daily_cap_on_reads(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 1000, ledger.transfer_id("fund"))
    capped = settings.model_copy(update={"daily_read_cap": 2, "velocity_max_reads_per_hour": 99})
    reader = new_reader(session, settings)
    verdicts = [
        read_fully(session, store, capped, clock, reader, article).verdict
        for article in articles_for(session, settings, 3)
    ]
    assert verdicts == ["credited", "credited", "rejected"]
    wallet = ledger.balance(session, ledger.get_or_create_wallet(session, reader.id))
    assert wallet.posted == 20


def test_the_daily_cap_on_points(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 1000, ledger.transfer_id("fund"))
    capped = settings.model_copy(update={"daily_points_cap": 25})
    reader = new_reader(session, settings)
    outcomes = [
        read_fully(session, store, capped, clock, reader, article)
        for article in articles_for(session, settings, 3)
    ]
    assert [o.verdict for o in outcomes] == ["credited", "credited", "rejected"]
    assert outcomes[-1].reasons == ("daily_limit",)


def test_unusual_velocity_is_held(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 1000, ledger.transfer_id("fund"))
    quick = settings.model_copy(update={"velocity_max_reads_per_hour": 2})
    reader = new_reader(session, settings)
    verdicts = [
        read_fully(session, store, quick, clock, reader, article).verdict
        for article in articles_for(session, settings, 3)
    ]
    assert verdicts == ["credited", "credited", "held"]


def test_points_scale_with_reading_time_when_asked(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 1000, ledger.transfer_id("fund"))
    scaled = settings.model_copy(update={"points_scale_by_time": True})
    reader = new_reader(session, settings)
    article = make_article(session, settings, paragraphs=60)
    assert article.reading_minutes == 6
    assert read_fully(session, store, scaled, clock, reader, article).points == 15  # 10 x 6 / 4


def test_one_rewarded_read_per_reader_and_article(session, store, settings, clock) -> None:
    ledger.fund_budget(session, 1000, ledger.transfer_id("fund"))
    reader = new_reader(session, settings)
    (article,) = articles_for(session, settings, 1)
    read_fully(session, store, settings, clock, reader, article)
    with pytest.raises(Conflict):
        reading.start_read(
            session, store, settings, clock, reader_id=reader.id, article_id=article.id
        )


def test_an_integrators_signed_page_view_counts(session, store, settings, clock) -> None:
    secret = "an-integrator-secret-that-is-long-enough-0123"
    integrated = settings.model_copy(update={"integrator_secret": secret})
    reader = new_reader(session, settings)
    reader.external_id = "their-7"
    (article,) = articles_for(session, settings, 1)
    view = tokens.sign_view(
        secret, article.id, clock.now().timestamp(), tokens.external_subject("their-7")
    )
    started = reading.start_read(
        session,
        store,
        integrated,
        clock,
        reader_id=reader.id,
        article_id=article.id,
        view_token=view,
    )
    assert started.read.page_view is True
    stale = tokens.sign_view(
        secret, article.id, clock.now().timestamp() - 7 * 3600, tokens.external_subject("their-8")
    )
    other = new_reader(session, settings, "bob")
    other.external_id = "their-8"
    late = reading.start_read(
        session,
        store,
        integrated,
        clock,
        reader_id=other.id,
        article_id=article.id,
        view_token=stale,
    )
    assert late.read.page_view is False


def test_the_token_just_signed_is_taken_without_its_check_and_no_other_is(
    session, store, settings, clock, monkeypatch
) -> None:
    """A beat carrying the very token this process signed for the read's state is credited
    without parsing it or checking its MAC again; a replayed, altered or unknown token still
    gets the whole check and the same answers as before."""
    checked: list[str] = []
    check = beats_module.check_chain

    def counted(read, token, settings_):  # type: ignore[no-untyped-def]
        checked.append(token)
        return check(read, token, settings_)

    monkeypatch.setattr(beats_module, "check_chain", counted)
    reader = new_reader(session, settings)
    (article,) = articles_for(session, settings, 1)
    started = reading.start_read(
        session, store, settings, clock, reader_id=reader.id, article_id=article.id
    )

    def beat(token: str, seq: int, the_store=store) -> reading.BeatResult:
        return reading.record_beat(
            session, the_store, settings, clock, reader_id=reader.id,
            read_id=str(started.read.id),
            beat=reading.Beat(
                token=token, seq=seq, active_ms=12_000, scroll_max=0.2, paragraphs_seen=[0],
                visible=True, focused=True, events={"wheel": 2},
            ),
        )  # fmt: skip

    clock.advance(12)
    first = beat(started.token, 1)
    assert checked == []  # the token signed at the start
    clock.advance(12)
    second = beat(first.token, 2)
    assert checked == [] and second.active_seconds == 24
    with pytest.raises(Conflict) as replayed:
        beat(first.token, 2)
    assert replayed.value.code == "out_of_order" and checked == [first.token]
    altered = second.token[:-2] + ("AA" if second.token[-2:] != "AA" else "BB")
    with pytest.raises(Unauthorized):
        beat(altered, 3)
    assert checked[-1] == altered
    # A state read back from the database (another process, a restart) has no token of ours:
    # the same token is checked whole, and accepted.
    absorb(session, store, owned_read(session, reader.id, started.read.id))
    elsewhere = MemoryLiveStore()
    clock.advance(12)
    third = beat(second.token, 3, elsewhere)
    assert checked[-1] == second.token and third.active_seconds == 36
