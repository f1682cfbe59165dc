"""The trust commands: `rewards awaiting|approve|refuse`, `review expire|forget`, and
`review appeals list|approve|reject`, through click's CliRunner on a fresh SQLite file."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine, utcnow
from readtoearn.fraud import appeals
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import Sighting
from readtoearn.fraud.sightings import Seen, record
from readtoearn.fraud.trust import TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, make_reader
from tests.unit.fraud.factories import make_read

SECRET = "cli-test-secret-key-that-is-long-enough-0123"
REVIEW = TrustRules(
    require_verified_email=False, min_account_days=0, min_read_days=0, review_above_points=100
)


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


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def with_db(env: dict[str, str], work):  # type: ignore[no-untyped-def]
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session(write=True) as session:
            return work(session)
    finally:
        database.dispose()


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )


def outbox(tmp_path: Path) -> list[str]:
    return [p.read_text() for p in sorted((tmp_path / "outbox").glob("*.eml"))]


def test_rewards_awaiting_approve_and_refuse(env, tmp_path) -> None:
    settings = settings_for(tmp_path)

    def setup(session) -> list[str]:
        ledger.fund_budget(session, 10_000, ledger.transfer_id("cli-fund"))
        reader = make_reader(session, settings, "ada")[0]
        accounts.create_user(
            session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
        )
        rewards.grant_points(session, reader.id, 1000, "welcome")
        slug = rewards.create_reward(
            session, rewards.RewardDraft(kind=RewardKind.DRAW, name_en="Trip", cost=300)
        ).slug
        return [
            str(rewards.redeem(session, reader.id, slug, k, rules=REVIEW).redemption.id)
            for k in ("a", "b")
        ]

    first, second = with_db(env, setup)
    listed = run(env, "rewards", "awaiting")
    assert listed.exit_code == 0, listed.output
    assert first in listed.output and second in listed.output and "ada@example.org" in listed.output
    approved = run(env, "rewards", "approve", first, "--note", "ok", "--by", "op@example.org")
    assert approved.exit_code == 0, approved.output
    assert f"redemption {first}: approved; now entered" in approved.output
    again = run(env, "rewards", "approve", first)
    assert "already, nothing changed" in again.output
    assert run(env, "rewards", "refuse", second).exit_code == 2  # --note is required
    refused = run(env, "rewards", "refuse", second, "--note", "one trip is enough")
    assert refused.exit_code == 0 and "refused; now cancelled" in refused.output
    clash = run(env, "rewards", "refuse", first, "--note", "no")
    assert clash.exit_code == 1 and "already approved" in clash.output
    assert "Traceback" not in clash.output
    not_op = run(env, "rewards", "approve", second, "--by", "ada@example.org")
    assert not_op.exit_code == 1 and "is not an operator" in not_op.output
    assert "no redemption waits" in run(env, "rewards", "awaiting").output
    assert len(outbox(tmp_path)) == 2  # the reader is told of each decision
    assert run(env, "audit").exit_code == 0


def test_review_expire_and_forget(env, tmp_path) -> None:
    settings = settings_for(tmp_path)
    now = utcnow()

    def setup(session) -> tuple[str, str]:
        ledger.fund_budget(session, 1000, ledger.transfer_id("cli-fund"))
        reader = make_reader(session, settings, "ada")[0]
        old = make_article(session, settings, title="Old", url="https://news.example/old")
        young = make_article(session, settings, title="Young", url="https://news.example/young")
        stale = make_read(session, reader.id, old.id, completed_at=now - timedelta(days=31))
        fresh = make_read(session, reader.id, young.id, completed_at=now - timedelta(days=2))
        record(session, reader.id, Seen("dev", "net"), now - timedelta(days=100))
        return str(stale.id), str(fresh.id)

    stale, fresh = with_db(env, setup)
    expired = run(env, "review", "expire")
    assert expired.exit_code == 0, expired.output
    assert "1 held read(s) expired, 10 point(s) back in the budget" in expired.output
    assert "0 held read(s) expired" in run(env, "review", "expire").output
    later = (now + timedelta(days=29)).isoformat()
    assert "1 held read(s) expired" in run(env, "review", "expire", "--now", later).output
    assert run(env, "review", "expire", "--now", "yesterday").exit_code == 1

    def decisions(session) -> list[str | None]:
        return [getattr(reviews.get_review(session, r), "decision", None) for r in (stale, fresh)]

    assert with_db(env, decisions) == ["expired", "expired"]
    [first, second] = outbox(tmp_path)
    assert "Old" in first and "Young" in second

    forgot = run(env, "review", "forget")
    assert forgot.exit_code == 0, forgot.output
    assert "deleted 2 sighting(s)" in forgot.output
    assert with_db(env, lambda s: s.scalar(select(func.count()).select_from(Sighting))) == 0
    assert run(env, "audit").exit_code == 0


def test_review_appeals(env, tmp_path) -> None:
    settings = settings_for(tmp_path)

    def setup(session) -> list[str]:
        ledger.fund_budget(session, 1000, ledger.transfer_id("cli-fund"))
        reader = make_reader(session, settings, "ada")[0]
        made = []
        for n, status in enumerate(("held", "rejected")):
            story = make_article(session, settings, title=f"S{n}", url=f"https://news.example/{n}")
            read = make_read(session, reader.id, story.id, status=status, reasons=("automation",))
            appeal = appeals.file_appeal(
                session, reader.id, read.id, f"appeal {n}", appeal_days=14, now=utcnow()
            )
            made.append(str(appeal.id))
        return made

    held, rejected = with_db(env, setup)
    listed = run(env, "review", "appeals", "list")
    assert listed.exit_code == 0, listed.output
    assert held in listed.output and "appeal 1" in listed.output
    approved = run(env, "review", "appeals", "approve", held, "--note", "fine")
    assert approved.exit_code == 0, approved.output
    assert "approved; the read is credited (10 point(s))" in approved.output
    rejected_out = run(env, "review", "appeals", "reject", rejected, "--note", "no")
    assert "rejected; the read is rejected" in rejected_out.output
    clash = run(env, "review", "appeals", "approve", rejected)
    assert clash.exit_code == 1 and "already rejected" in clash.output
    missing = run(env, "review", "appeals", "approve", str(uuid.uuid4()))
    assert missing.exit_code == 1 and "no appeal" in missing.output
    assert "no appeal waits" in run(env, "review", "appeals", "list").output
    assert run(env, "audit").exit_code == 0
