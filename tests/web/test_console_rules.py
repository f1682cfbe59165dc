"""The programme's rules from the console: stored, applied once committed, recorded, and the
environment's values winning (shown, not changeable)."""

from __future__ import annotations

import re
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

from readtoearn.accounts import service as accounts
from readtoearn.accounts import trail
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.fraud import programme
from readtoearn.fraud.models import ProgrammeRule
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import SECRET
from tests.live import free_socket, serve
from tests.readers import STRONG_PASSWORD
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf

FORM = {
    "points_per_read": "10",
    "points_scale_by_time": "",
    "daily_read_cap": "20",
    "daily_points_cap": "500",
    "points_expiry_days": "",
    "quiz_bonus_points": "5",
}


def test_an_operator_changes_the_rules_and_they_apply(client, session, settings) -> None:
    as_operator(client, session, settings)
    token = csrf(client, "/operator/rules")
    form = {**FORM, "csrf_token": token, "points_per_read": "25", "points_expiry_days": "365"}
    form["points_scale_by_time"] = "on"
    done = client.post("/operator/rules", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=saved")
    assert settings.points_per_read == 25, "applied to the running settings once committed"
    assert settings.points_expiry_days == 365 and settings.points_scale_by_time is True
    session.expire_all()
    stored = {r.name: r.value for r in session.query(ProgrammeRule)}
    assert stored == {
        "points_per_read": 25,
        "points_expiry_days": 365,
        "points_scale_by_time": True,
    }
    changes = trail.list_actions(session, trail.TrailFilter(action="rules.change"))
    assert {(c.target_id, c.before["value"], c.after["value"]) for c in changes} == {
        ("points_per_read", 10, 25),
        ("points_expiry_days", None, 365),
        ("points_scale_by_time", False, True),
    }
    page = client.get("/operator/rules?done=saved")
    assert 'data-rule="points_per_read" data-source="console"' in page.text
    again = client.post("/operator/rules", data={**form}, follow_redirects=False)
    assert again.headers["location"].endswith("done=same")


def test_stored_rules_apply_when_a_process_starts(client, session, settings, database, clock):  # type: ignore[no-untyped-def]
    session.add(ProgrammeRule(name="daily_read_cap", value=3))
    session.commit()
    fresh = settings.model_copy()
    from fastapi.testclient import TestClient

    with TestClient(create_app(fresh, database=database, clock=clock)):
        assert fresh.daily_read_cap == 3


def test_bad_values_are_refused_and_nothing_changes(client, session, settings) -> None:
    as_operator(client, session, settings)
    token = csrf(client, "/operator/rules")
    for field, value in (("points_per_read", "0"), ("daily_read_cap", "many")):
        answer = client.post("/operator/rules", data={**FORM, "csrf_token": token, field: value})
        assert answer.status_code == 400
        assert "This value is not allowed" in answer.text
        assert re.search(rf'data-rule="{field}"[^>]*class="form-error"', answer.text)
    assert settings.points_per_read == 10
    session.expire_all()
    assert session.query(ProgrammeRule).count() == 0


def test_the_environment_wins_and_is_shown(client, session, settings, database, clock) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tests.web.test_console_trail import as_operator as sign_in

    pinned = settings.model_copy(update={"points_per_read": 7})
    assert "points_per_read" in programme.locked_rules(pinned)
    session.add(ProgrammeRule(name="points_per_read", value=99))
    session.commit()
    with TestClient(create_app(pinned, database=database, clock=clock)) as other:
        assert pinned.points_per_read == 7, "the stored value does not override the environment"
        sign_in(other, session, pinned)
        page = other.get("/operator/rules")
        assert 'data-rule="points_per_read" data-source="environment"' in page.text
        assert "READTOEARN_POINTS_PER_READ" in page.text
        token = csrf(other, "/operator/rules")
        # A locked rule sent anyway (a forged form) is ignored, the others saved.
        forged = {**FORM, "csrf_token": token, "daily_read_cap": "9", "points_per_read": "50"}
        other.post("/operator/rules", data=forged)
        assert pinned.points_per_read == 7 and pinned.daily_read_cap == 9


def test_the_rules_page_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/rules", headers={"Accept-Language": "fr"})
    assert "Règles du programme" in page.text


def test_a_change_reaches_the_other_worker_processes(
    committing_database: Database, tmp_path: Path
) -> None:
    """Two servers on one database, as two workers: the rules an operator saves through one are
    applied by the other within its rules_poll_s, with no restart."""
    db = committing_database
    tag = uuid.uuid4().hex[:8]
    base = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=0,
        webhook_poll_s=0,
    )
    # Each worker has its own settings, as separate processes do.
    first = base.model_copy(update={"rules_poll_s": 0})
    second = base.model_copy(update={"rules_poll_s": 0.1})
    with db.session(write=True) as s:
        boss = accounts.create_user(
            s, base, email=f"boss-{tag}@example.org", password=STRONG_PASSWORD, is_operator=True
        )
        cookie = accounts.start_session(s, base, boss)
        s.query(ProgrammeRule).delete()
    socks = [free_socket(), free_socket()]
    with ExitStack() as servers:
        for settings, sock in zip((first, second), socks, strict=True):
            servers.enter_context(serve(create_app(settings, database=db), sock))
        url = f"http://127.0.0.1:{socks[0].getsockname()[1]}"
        with httpx.Client(base_url=url, cookies={SESSION_COOKIE: cookie}, timeout=30) as web:
            page = web.get("/operator/rules")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, page.text
            form = {**FORM, "csrf_token": token.group(1), "daily_read_cap": "7"}
            done = web.post("/operator/rules", data=form, follow_redirects=False)
            assert done.status_code == 303, done.text
        assert first.daily_read_cap == 7, "the worker that saved it applies it at once"
        deadline = time.monotonic() + 10
        while second.daily_read_cap != 7 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.daily_read_cap == 7, "the other worker follows without a restart"
    with db.session(write=True) as s:
        s.query(ProgrammeRule).delete()


def test_the_rules_page_shows_what_is_stored_not_a_stale_copy(client, session, settings) -> None:  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    # Saved through another worker a moment ago: this process has not looked yet.
    session.add(ProgrammeRule(name="quiz_bonus_points", value=9))
    session.commit()
    page = client.get("/operator/rules")
    assert re.search(r'name="quiz_bonus_points"[^>]*value="9"', page.text), page.text
    assert settings.quiz_bonus_points == 9
