"""`readtoearn quests` and `readtoearn sponsors`, through click's CliRunner on a SQLite file:
compose a quest with options and from JSON, list, show, close; a sponsor created, funded (once
per key) and reported; bad input is one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from readtoearn.accounts import trail
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from tests.factories import make_article


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
        "READTOEARN_BASE_URL": "https://news.example",
    }
    assert run(values, "db", "upgrade").exit_code == 0
    return values


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def database(env: dict[str, str]) -> Database:
    return Database(make_engine(env["READTOEARN_DATABASE_URL"]))


@pytest.fixture
def article_ids(env: dict[str, str], tmp_path: Path) -> list[str]:
    db = database(env)
    settings = Settings(data_dir=tmp_path, secret_key=env["READTOEARN_SECRET_KEY"])
    with db.session(write=True) as s:
        ids = [
            str(make_article(s, settings, title=f"CLI {n}", url=f"https://x.example/{n}").id)
            for n in range(2)
        ]
    db.dispose()
    return ids


def test_compose_list_show_close(env, article_ids) -> None:
    a, b = article_ids
    made = run(
        env, "quests", "create", "--title", "Markets week", "--points", "50",
        "--read", a, "--read", b, "--link", "https://partner.example", "--cap", "10",
        "--until", "2030-01-01", "--min-trust", "verified",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    quest_id, slug = made.output.split()
    assert slug == "markets-week"
    listed = run(env, "quests", "list")
    assert "markets-week" in listed.output and "0/10 done" in listed.output
    shown = run(env, "quests", "show", slug)
    assert shown.exit_code == 0 and "minimum trust  verified" in shown.output
    assert "step 3: link https://partner.example" in shown.output
    assert run(env, "quests", "close", quest_id).output.strip() == "closed markets-week"
    again = run(env, "quests", "close", slug)
    assert again.exit_code == 1 and "closed already" in again.output
    assert "markets-week" not in run(env, "quests", "list").output
    assert "markets-week" in run(env, "quests", "list", "--all").output


def test_a_partner_quest_from_json_with_a_funded_sponsor(env, article_ids, tmp_path) -> None:
    made = run(
        env, "sponsors", "create", "--name", "Acme Bank",
        "--link", "https://acme.example", "--logo", "https://acme.example/logo.png",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "report: https://news.example/sponsors/report/" in made.output
    funded = run(env, "sponsors", "fund", "acme-bank", "500", "--key", "dec", "--note", "Dec")
    assert funded.exit_code == 0 and "the sponsor has 500 point(s) left" in funded.output
    again = run(env, "sponsors", "fund", "acme-bank", "500", "--key", "dec", "--note", "Dec")
    assert "already funded with this key" in again.output and "500 point(s) left" in again.output
    other = run(env, "sponsors", "fund", "acme-bank", "900", "--key", "dec")
    assert other.exit_code == 1 and "this key was already used" in other.output
    spec = {
        "title": "Saving, explained",
        "points": 60,
        "sponsor": "acme-bank",
        "steps": [
            {"kind": "read", "article": article_ids[0]},
            {
                "kind": "quiz",
                "quiz": {"questions": [{"prompt": "?", "choices": ["a", "b"], "answer": 0}]},
            },
        ],
    }
    path = tmp_path / "quest.json"
    path.write_text(json.dumps(spec))
    created = run(env, "quests", "create", "--file", str(path))
    assert created.exit_code == 0, created.output
    shown = run(env, "quests", "show", "saving-explained")
    assert "sponsor Acme Bank (acme-bank)" in shown.output
    assert "sponsor budget left  500 points" in shown.output
    report = run(env, "sponsors", "report", "acme-bank")
    assert "funded 500, paid 0, remaining 500" in report.output
    as_csv = run(env, "sponsors", "report", "acme-bank", "--csv")
    assert as_csv.output.splitlines() == ["date,completions,points_paid", "total,0,0"]
    run(env, "quests", "close", "saving-explained")
    db = database(env)
    with db.session() as s:
        sponsor = quests.get_sponsor(s, "acme-bank")
        assert quests.sponsor_available(s, sponsor.id) == 500
        assert ledger.audit(s).ok
        # Every operator action is in the audit trail, by the command line (no actor); the
        # funding made again with its key is not a second action.
        actions = [(a.action, a.actor_id) for a in trail.list_actions(s)]
        assert sorted(actions) == [
            ("quest.close", None),
            ("quest.create", None),
            ("sponsor.create", None),
            ("sponsor.fund", None),
        ]
        (funding,) = trail.list_actions(s, trail.TrailFilter(action="sponsor.fund"))
        assert funding.after["points"] == 500 and funding.note == "Dec"
        assert funding.target_id == str(sponsor.id)
        assert sponsor.report_token not in str([a.after for a in trail.list_actions(s)])
    db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("quests", "create", "--title", "T"), "give --title and --points"),
        (("quests", "create", "--title", "T", "--points", "5"), "1 to 20 steps"),
        (("quests", "create", "--title", "T", "--points", "5", "--read", "nope"), "no article"),
        (
            ("quests", "create", "--title", "T", "--points", "5", "--link", "ftp://x"),
            "http(s)",
        ),
        (
            (
                "quests",
                "create",
                "--title",
                "T",
                "--points",
                "5",
                "--link",
                "https://x.example",
                "--sponsor",
                "ghost",
            ),
            "no sponsor ghost",
        ),
        (("quests", "show", "ghost"), "no such quest"),
        (("sponsors", "fund", "ghost", "5"), "no sponsor ghost"),
        (("sponsors", "create", "--name", "X", "--link", "javascript:alert(1)"), "http(s)"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(env, args, message) -> None:
    result = run(env, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_quest_file_that_is_not_json(env, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    result = run(env, "quests", "create", "--file", str(path))
    assert result.exit_code == 1 and "not valid JSON" in result.output
    path.write_text(json.dumps({"title": "T"}))
    result = run(env, "quests", "create", "--file", str(path))
    assert result.exit_code == 1 and "not as documented" in result.output
