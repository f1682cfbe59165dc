"""The tracker protocol's answers, and every error path: a clear 4xx, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_article
from tests.readers import Client, fund, make_reader

UNKNOWN = "0190f0f0-0000-7000-8000-000000000000"


@pytest.fixture
def article(session, settings):
    article = make_article(session, settings, paragraphs=12)
    session.commit()
    return article


@pytest.fixture
def tracker(client, clock, settings, article, session) -> Client:
    fund(session)
    _, bearer = make_reader(session, settings, "ada")
    session.commit()
    return Client(client, clock, settings, article, bearer)


def error(response) -> str:
    return response.json()["error"]["code"]


def test_start_answers_the_protocol(tracker, settings) -> None:
    response = tracker.start()
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"read_id", "token", "beat_interval_s", "required"}
    assert body["beat_interval_s"] == settings.beat_interval_s
    assert body["required"]["points"] == settings.points_per_read
    assert body["required"]["paragraphs"] == 13  # the lead (paragraph 0) and twelve


def test_starting_again_resumes_and_retires_the_old_chain(tracker) -> None:
    tracker.start()
    first_read, first_token = tracker.read_id, tracker.token
    again = tracker.start()
    assert again.status_code == 200
    assert again.json()["read_id"] == first_read
    assert again.json()["resumed"] is True
    stale = tracker.beat(token=first_token)
    assert stale.status_code == 409
    assert tracker.beat().status_code == 200


def test_beats_answer_a_new_token_and_progress(tracker) -> None:
    tracker.start()
    first_token = tracker.token
    response = tracker.beat(paragraphs=[0, 1, 2], scroll=0.2)
    body = response.json()
    assert response.status_code == 200
    assert body["token"] != first_token
    assert body["active_seconds"] == 12.0
    assert 0 < body["progress"] < 1
    assert body["end_reached"] is False


def test_a_reader_must_sign_in(client, article) -> None:
    response = client.post("/api/v1/reads", json={"article_id": str(article.id)})
    assert response.status_code == 401
    assert error(response) == "unauthorized"
    bad = client.post(
        "/api/v1/reads",
        json={"article_id": str(article.id)},
        headers={"Authorization": "Bearer nope"},
    )
    assert bad.status_code == 401


def test_unknown_article_is_404(tracker) -> None:
    tracker.article.id = UNKNOWN  # type: ignore[assignment]
    response = tracker.http.post(
        "/api/v1/reads", json={"article_id": UNKNOWN}, headers=tracker.headers
    )
    assert response.status_code == 404
    assert error(response) == "not_found"


def test_another_readers_read_is_404_and_a_forged_token_401(tracker, session, settings) -> None:
    tracker.start()
    _, other = make_reader(session, settings, "eve")
    session.commit()
    response = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats",
        json={"token": tracker.token, "seq": 1, "active_ms": 1000},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 404
    forged = tracker.token[:-4] + ("AAAA" if not tracker.token.endswith("AAAA") else "BBBB")
    assert tracker.beat(token=forged).status_code == 401
    assert tracker.beat(token="garbage").status_code == 401
    assert tracker.beat(token="a.b").status_code == 401


def test_out_of_order_seq_is_409(tracker) -> None:
    tracker.start()
    response = tracker.beat(seq=5)
    assert response.status_code == 409
    assert error(response) == "out_of_order"


@pytest.mark.parametrize(
    "patch",
    [
        {"active_ms": -5},
        {"active_ms": "lots"},
        {"seq": 0},
        {"scroll_max": 1.5},
        {"paragraphs_seen": [-1]},
        {"paragraphs_seen": "all"},
        {"events": {"scroll": -3}},
        {"token": ""},
    ],
)
def test_malformed_beats_are_422(tracker, patch) -> None:
    tracker.start()
    body = {"token": tracker.token, "seq": 1, "active_ms": 1000, **patch}
    response = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats", json=body, headers=tracker.headers
    )
    assert response.status_code == 422, response.text
    assert error(response) == "invalid"


def test_a_paragraph_the_article_does_not_have_is_422(tracker) -> None:
    tracker.start()
    response = tracker.beat(paragraphs=[13])  # 0 is the lead, 1-12 the body
    assert response.status_code == 422
    assert "paragraph" in response.json()["error"]["message"]


def test_not_json_is_refused(tracker) -> None:
    tracker.start()
    response = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats",
        content=b"token=x&seq=1",
        headers={**tracker.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    broken = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats",
        content=b"{not json",
        headers={**tracker.headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    # JSON sent as text/plain (what a form on another site can send without asking): refused.
    body = json.dumps({"token": tracker.token, "seq": 1, "active_ms": 1000}).encode()
    plain = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats",
        content=body,
        headers={**tracker.headers, "Content-Type": "text/plain"},
    )
    assert plain.status_code == 422
    assert plain.json()["error"]["message"] == "request: expected JSON"
    typed = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats",
        content=body,
        headers={**tracker.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert typed.status_code == 200


def test_huge_bodies_are_413(tracker) -> None:
    tracker.start()
    body = {"token": tracker.token, "seq": 1, "active_ms": 1, "padding": "x" * 200_000}
    response = tracker.http.post(
        f"/api/v1/reads/{tracker.read_id}/beats", json=body, headers=tracker.headers
    )
    assert response.status_code == 413
    assert error(response) == "payload_too_large"


def test_unknown_read_is_404(tracker) -> None:
    tracker.start()
    for read_id in (UNKNOWN, "not-a-uuid"):
        response = tracker.http.post(
            f"/api/v1/reads/{read_id}/complete", json={"token": "x"}, headers=tracker.headers
        )
        assert response.status_code == 404


def test_a_finished_read_takes_no_more_beats(tracker) -> None:
    tracker.start()
    tracker.read_like_a_human()
    assert tracker.complete().json()["verdict"] == "credited"
    response = tracker.beat()
    assert response.status_code == 409
    assert error(response) == "read_closed"


def test_incomplete_reads_say_why_in_plain_words(tracker) -> None:
    tracker.start()
    tracker.beat(paragraphs=[0, 1])
    result = tracker.complete().json()
    assert result["verdict"] == "incomplete"
    assert result["points"] == 0
    assert "not_enough_time" in result["reasons"]
    assert any("reading time" in m for m in result["messages"])
    # Still open: the reader goes on.
    assert tracker.beat().status_code == 200


def test_another_readers_finished_read_looks_unknown(
    tracker, client, clock, settings, article, session
) -> None:
    """Guards against a read-id oracle: a beat on another reader's finished read got
    409 read_closed where an unknown id got 404, which told that the id exists."""
    tracker.start()
    tracker.read_like_a_human()
    assert tracker.complete().json()["verdict"] == "credited"
    _, bearer = make_reader(session, settings, "eve")
    session.commit()
    eve = Client(client, clock, settings, article, bearer)
    eve.read_id, eve.token = tracker.read_id, tracker.token
    theirs = eve.beat()
    eve.read_id = UNKNOWN
    unknown = eve.beat()
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
