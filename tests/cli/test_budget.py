"""`readtoearn budget` and `readtoearn review`, through click's CliRunner on a fresh SQLite file."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from readtoearn.accounts import service as accounts
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode, Transfer
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, make_reader
from tests.unit.fraud.factories import make_read

SECRET = "cli-test-secret-key-that-is-long-enough-0123"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": SECRET,
    }
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=values)
    assert result.exit_code == 0, result.output
    return values


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env)


def figures(output: str) -> dict[str, str]:
    """`budget show` as {label: value}."""
    return {m[0]: m[1] for m in re.findall(r"^(\S.*?)  +(\S.*)$", output, re.M)}


def with_db(env: dict[str, str], work):  # type: ignore[no-untyped-def]
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session(write=True) as session:
            return work(session)
    finally:
        database.dispose()


def held_reads(env: dict[str, str], tmp_path: Path, n: int = 1, **kwargs) -> list[str]:
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )

    def work(session) -> list[str]:
        reader = make_reader(session, settings, "held")[0]
        accounts.create_user(
            session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
        )
        ids = []
        for i in range(n):
            article = make_article(
                session, settings, title=f"Article {i}", url=f"https://news.example/{i}"
            )
            ids.append(str(make_read(session, reader.id, article.id, **kwargs).id))
        return ids

    return with_db(env, work)


def test_show_on_a_new_programme(env) -> None:
    shown = run(env, "budget", "show")
    assert shown.exit_code == 0, shown.output
    values = figures(shown.output)
    assert values["budget available"] == "0 points"
    assert values["outstanding"] == "0 points"
    assert values["liability"] == "0.00 EUR (at 0.01 EUR a point)"


def test_each_funding_is_a_new_transfer(env) -> None:
    first = run(env, "budget", "fund", "500", "--note", "launch")
    assert first.exit_code == 0, first.output
    assert "funded 500 point(s)" in first.output
    assert "the budget holds 500 point(s)" in first.output
    second = run(env, "budget", "fund", "500")
    assert "the budget holds 1000 point(s)" in second.output
    ids = re.findall(r"transfer ([0-9a-f-]{36})", first.output + second.output)
    assert len(set(ids)) == 2

    def notes(session):
        return [session.get(Transfer, uuid.UUID(i)).meta for i in ids]

    assert with_db(env, notes) == [{"source": "cli", "note": "launch"}, {"source": "cli"}]
    values = figures(run(env, "budget", "show").output)
    assert values["funded in all"] == "1000 points"
    assert run(env, "audit").exit_code == 0


def test_bad_amounts_are_refused(env) -> None:
    for amount in ("0", "-5", "ten"):
        result = run(env, "budget", "fund", amount)
        assert result.exit_code == 2
        assert "Traceback" not in result.output


def test_review_approve_and_reject(env, tmp_path) -> None:
    assert "no read is held" in run(env, "review", "list").output
    run(env, "budget", "fund", "100")
    first, second = held_reads(env, tmp_path, 2)
    listed = run(env, "review", "list")
    assert first in listed.output and second in listed.output
    assert "automation" in listed.output and "reserved" in listed.output
    values = figures(run(env, "budget", "show").output)
    assert values["in wallets, pending"] == "20 points"
    assert values["held reads to review"] == "2"

    approved = run(env, "review", "approve", first, "--note", "fine", "--by", "op@example.org")
    assert approved.exit_code == 0, approved.output
    assert approved.output.strip() == f"read {first}: approved (10 point(s))"
    assert run(env, "review", "approve", first).exit_code == 0  # again: nothing changes
    rejected = run(env, "review", "reject", second)
    assert rejected.output.strip() == f"read {second}: rejected (10 point(s))"

    clash = run(env, "review", "reject", first)
    assert clash.exit_code == 1
    assert clash.output.strip() == f"Error: read {first} was already approved"
    values = figures(run(env, "budget", "show").output)
    assert values["in wallets, spendable"] == "10 points"
    assert values["in wallets, pending"] == "0 points"
    assert values["budget available"] == "90 points"
    assert values["liability"].startswith("0.10 EUR")
    assert run(env, "audit").exit_code == 0


def test_review_refusals_are_one_line(env, tmp_path) -> None:
    (read,) = held_reads(env, tmp_path, 1)
    for args, message in (
        (("review", "approve", "nope"), "no read 'nope'"),
        (("review", "approve", read, "--by", "held@example.org"), "is not an operator"),
        (("review", "approve", read), "the budget holds 0 point(s), this read needs 10"),
    ):
        result = run(env, *args)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_funding_pays_reads_held_for_want_of_budget(env, tmp_path) -> None:
    reads = held_reads(env, tmp_path, 3, status="credited", reasons=("read_in_full",))
    assert "waits for budget" in run(env, "review", "list").output
    funded = run(env, "budget", "fund", "25")
    assert "paid 2 read(s) held for want of budget (20 point(s))" in funded.output
    assert "1 read(s) still wait for budget" in funded.output
    assert reads[2] in run(env, "review", "list").output
    run(env, "budget", "fund", "5")
    assert "no read is held" in run(env, "review", "list").output
    values = figures(run(env, "budget", "show").output)
    assert (values["budget available"], values["in wallets, spendable"]) == (
        "0 points",
        "30 points",
    )
    assert "no read waits for budget" in run(env, "budget", "release").output


def test_serve_funds_the_demo_budget_once(env, monkeypatch) -> None:
    started = []
    monkeypatch.setattr("readtoearn.cli.serve.uvicorn.run", lambda *a, **k: started.append(k))
    first = run(env, "serve")
    assert first.exit_code == 0, first.output
    assert "demo budget: funded with 100000 points" in first.output
    assert "readtoearn users create --operator" in first.output
    second = run(env, "serve")
    assert "demo budget" not in second.output
    assert len(started) == 2

    def funded(session) -> int:  # what came into the budget (the demo reader's check-in spends)
        return ledger.balance(session, ledger.account_id(AccountCode.BUDGET)).credits_posted

    assert with_db(env, funded) == 100_000


def test_the_operations_guide_shows_what_budget_show_prints(env) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    block = guide.split("```\nbudget available", 1)[1].split("```", 1)[0]
    documented = set(figures("budget available" + block))
    assert documented == set(figures(run(env, "budget", "show").output))


def test_serve_keeps_connections_longer_than_any_beat_interval(env, monkeypatch) -> None:
    """A tracker reuses its connection between beats: a server that closed idle connections
    sooner than the interval could close one just as a beat is sent on it."""
    started: list[dict[str, object]] = []
    monkeypatch.setattr("readtoearn.cli.serve.uvicorn.run", lambda *a, **k: started.append(k))
    assert run(env, "serve", "--no-demo").exit_code == 0
    longest_interval = Settings.model_fields["beat_interval_s"].metadata[-1].le
    assert started[0]["timeout_keep_alive"] > longest_interval
