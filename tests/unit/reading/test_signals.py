"""Each named check on a finished read, on a real database (docs/fraud.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.db import new_id
from readtoearn.fraud import sightings
from readtoearn.reading import signals
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.rules import Reason
from tests.conftest import TRUST_GATES_OFF
from tests.factories import make_article

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


@pytest.fixture
def on(settings: Settings) -> Settings:
    """The settings with every signal at its shipped default (the suite turns them off)."""
    names = [n.removeprefix("READTOEARN_").lower() for n in TRUST_GATES_OFF]
    return settings.model_copy(update={n: Settings.model_fields[n].default for n in names})


def reader(session, settings, name: str, **fields):
    user = accounts.create_user(session, settings, email=f"{name}@example.org", password=None)
    for key, value in fields.items():
        setattr(user, key, value)
    session.flush()
    return user


def read(session, user, article, *, status="credited", at=NOW, device=None, address=None, beats=()):
    row = Read(
        id=new_id(), reader_id=user.id, article_id=article.id, status=status, started_at=at,
        last_beat_at=at, completed_at=at if status != "open" else None, nonce="00" * 8,
        device=device, address=address, page_view=True, flags=[], paragraphs_seen=[], reasons=[],
    )  # fmt: skip
    session.add(row)
    session.flush()
    for seq, (paragraphs, scroll, inputs, gap) in enumerate(beats, start=1):
        session.add(
            ReadBeat(
                read_id=row.id, seq=seq, received_at=at + timedelta(seconds=gap * seq),
                claimed_ms=12_000, credited_ms=12_000, scroll_max=scroll,
                new_paragraphs=paragraphs, new_words=paragraphs * 20, visible=True,
                focused=True, events={"wheel": inputs},
            )
        )  # fmt: skip
    session.flush()
    return row


def findings(session, settings, row: Read) -> signals.Findings:
    beats = sorted(row.beats, key=lambda b: b.seq)
    return signals.run_checks(signals.Context(session, settings, row, beats, NOW))


@pytest.fixture
def article(session, settings):
    return make_article(session, settings, paragraphs=12)


SCRIPT = [(2, 0.15, 5, 12.0), (2, 0.3, 7, 12.0), (3, 0.55, 4, 12.0), (2, 0.7, 6, 12.0),
          (2, 0.85, 5, 12.0), (1, 1.0, 3, 12.0)]  # fmt: skip


def test_a_plain_read_fires_nothing(session, on, article) -> None:
    ada = reader(session, on, "ada")
    found = findings(session, on, read(session, ada, article, device="d1", address="a1"))
    assert found.reasons == frozenset()
    assert found.risk == 0


def test_the_second_account_on_a_browser_is_held_not_the_first(session, on, article) -> None:
    first, second = reader(session, on, "first"), reader(session, on, "second")
    sightings.record(session, first.id, sightings.Seen(device="dev"), NOW - timedelta(days=3))
    sightings.record(session, second.id, sightings.Seen(device="dev"), NOW)
    assert (
        Reason.SHARED_DEVICE
        not in findings(session, on, read(session, first, article, device="dev")).reasons
    )
    found = findings(session, on, read(session, second, article, device="dev"))
    assert Reason.SHARED_DEVICE in found.reasons
    assert found.evidence["shared_device"]["accounts"] == [str(first.id), str(second.id)]
    assert found.risk == 50


def test_a_busy_device_and_a_busy_address(session, on, article) -> None:
    on = on.model_copy(
        update={"fraud_reads_per_device_per_day": 2, "fraud_readers_per_address_per_day": 2}
    )
    people = [reader(session, on, f"p{i}") for i in range(3)]
    for person in people[:2]:
        read(session, person, article, device="dev", address="net", at=NOW - timedelta(hours=1))
    found = findings(session, on, read(session, people[2], article, device="dev", address="net"))
    assert {Reason.BUSY_DEVICE, Reason.BUSY_ADDRESS} <= found.reasons
    assert found.evidence["busy_address"]["readers_today"] == 2
    # Yesterday's reads do not count today.
    other = reader(session, on, "other")
    read(session, other, article, device="dev2", address="net2", at=NOW - timedelta(days=1))
    assert (
        findings(session, on, read(session, other, article, device="dev2", address="net2")).reasons
        == frozenset()
    )


def test_accounts_made_in_a_burst_from_one_network(session, on, article) -> None:
    on = on.model_copy(update={"fraud_signups_per_address_per_hour": 3})
    made = [
        reader(session, on, f"s{i}", signup_address="net", created_at=NOW - timedelta(minutes=i))
        for i in range(4)
    ]
    found = findings(session, on, read(session, made[0], article))
    assert Reason.SIGNUP_BURST in found.reasons
    assert found.evidence["signup_burst"]["signups_that_hour"] == 4
    lone = reader(session, on, "lone", signup_address="home", created_at=NOW)
    assert Reason.SIGNUP_BURST not in findings(session, on, read(session, lone, article)).reasons


def test_reads_in_lockstep_from_one_network_are_held(session, on, article) -> None:
    first, second = reader(session, on, "bot1"), reader(session, on, "bot2")
    read(session, first, article, address="net", beats=SCRIPT, at=NOW - timedelta(minutes=2))
    found = findings(session, on, read(session, second, article, address="net", beats=SCRIPT))
    assert Reason.LOCKSTEP in found.reasons
    assert found.evidence["lockstep"]["reads"][0]["reader"] == str(first.id)


def test_one_stranger_reading_alike_is_not_lockstep_but_two_are(session, on, article) -> None:
    people = [reader(session, on, f"x{i}") for i in range(3)]
    read(session, people[0], article, address="n0", beats=SCRIPT, at=NOW - timedelta(minutes=1))
    mine = read(session, people[2], article, address="n2", beats=SCRIPT)
    assert Reason.LOCKSTEP not in findings(session, on, mine).reasons
    read(session, people[1], article, address="n1", beats=SCRIPT, at=NOW - timedelta(minutes=3))
    assert Reason.LOCKSTEP in findings(session, on, mine).reasons


def test_people_reading_alike_by_chance_are_not_in_lockstep() -> None:
    F = signals.Feature
    person = [F(2, 0.15, 5, 12.0), F(2, 0.31, 11, 11.2), F(3, 0.52, 2, 12.9), F(2, 0.74, 9, 11.6)]
    other = [F(2, 0.17, 8, 12.4), F(2, 0.29, 3, 12.8), F(3, 0.55, 14, 11.1), F(2, 0.71, 1, 12.2)]
    assert signals.similarity(person, other) < 0.5
    assert signals.similarity(person, person) == 1.0
    assert signals.similarity(person[:3], person[:3]) == 0.0  # too short to tell


def test_one_script_stops_at_the_same_places_whatever_the_beats_timing() -> None:
    # The same wheel steps in two browsers, the beats falling at other moments.
    F = signals.Feature
    first = [F(0, 0.0, 7, 0.0), F(3, 0.4101, 8, 5.0), F(4, 0.8423, 8, 5.0), F(1, 1.0, 8, 5.0)]
    second = [F(1, 0.111, 9, 0.0), F(2, 0.4101, 6, 5.0), F(4, 0.8423, 7, 5.0), F(1, 1.0, 8, 5.0)]
    assert signals.similarity(first, second) == 1.0


def test_browsers_moving_together_are_in_lockstep_whatever_their_beats_phase() -> None:
    """One script scrolls three pages at once; their beats fall at different moments (the reads
    of the stealth farm in tests/browser, as measured under load)."""
    F = signals.Feature
    t = 1_000.0
    first = [F(0, 0.0, 5, 0.0, t), F(2, 0.2107, 6, 5.0, t + 5), F(2, 0.6761, 7, 5.0, t + 10),
             F(3, 1.0, 8, 5.0, t + 15)]  # fmt: skip
    second = [F(0, 0.0, 7, 0.0, t + 2.1), F(3, 0.4101, 8, 5.0, t + 7.1),
              F(4, 0.8423, 8, 5.0, t + 12.1), F(1, 1.0, 6, 5.0, t + 17.1)]  # fmt: skip
    assert signals.similarity(first, second) == 1.0
    # The same reading a minute later is not lockstep: people read alike, not together.
    later = [f._replace(at=f.at + 60) for f in second]
    assert signals.similarity(first, later) < 0.5


def test_the_risk_score_adds_weights_and_stops_at_100(session, on, article) -> None:
    ada = reader(session, on, "solo")
    row = read(session, ada, article)
    row.page_view = False
    found = signals.run_checks(
        signals.Context(session, on, row, [], NOW), frozenset({Reason.AUTOMATION, Reason.TOO_FAST})
    )
    assert found.risk == 100
    assert {Reason.NO_PAGE_VIEW, Reason.AUTOMATION, Reason.TOO_FAST} <= found.reasons


def test_linked_accounts_for_the_operator(session, on) -> None:
    a, b, c = (reader(session, on, n) for n in ("la", "lb", "lc"))
    sightings.record(session, a.id, sightings.Seen(device="d", address="n"), NOW)
    sightings.record(session, b.id, sightings.Seen(device="d"), NOW)
    sightings.record(session, c.id, sightings.Seen(address="n"), NOW)
    sightings.record(session, a.id, sightings.Seen(device="d", address="n"), NOW)  # again: upsert
    assert sightings.linked_to(session, [a.id])[a.id] == {"device": [b.id], "address": [c.id]}
