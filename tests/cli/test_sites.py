"""`readtoearn sites`, through click's CliRunner on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from readtoearn.cli import cli
from readtoearn.db import Database, make_engine
from readtoearn.errors import Unauthorized
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteAction, SiteKey
from readtoearn.sites.registry import hash_key


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
    }
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=values)
    assert result.exit_code == 0, result.output
    return values


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env)


def lines_of(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)


def stored(env: dict[str, str], what):
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            return what(session)
    finally:
        database.dispose()


def make_site(env: dict[str, str]) -> str:
    result = run(
        env,
        "sites", "create", "--name", "Daily News",
        "--origin", "https://News.example/", "--origin", "http://127.0.0.1:8080",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_site_is_created_listed_and_shown(env) -> None:
    site_id = make_site(env)
    listed = run(env, "sites", "list")
    assert listed.exit_code == 0
    assert f"{site_id}  Daily News  https://news.example http://127.0.0.1:8080" in listed.output
    shown = run(env, "sites", "show", site_id)
    assert shown.exit_code == 0, shown.output
    assert "origins:   https://news.example http://127.0.0.1:8080" in shown.output
    assert "site.create" in shown.output


def test_bad_origins_and_unknown_sites_are_one_line_errors(env) -> None:
    for origin in ("news.example", "https://news.example/path", "https://*.news.example"):
        result = run(env, "sites", "create", "--name", "X", "--origin", origin)
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") or result.output.startswith("error: ")
        assert "origin" in result.output and "Traceback" not in result.output
    result = run(env, "sites", "show", "not-a-site")
    assert result.exit_code == 1 and "no site has this id" in result.output


def test_api_keys_are_shown_once_stored_hashed_and_revocable(env) -> None:
    site_id = make_site(env)
    result = run(env, "sites", "add-key", site_id, "--scope", "articles:write", "--name", "CMS")
    assert result.exit_code == 0, result.output
    fields = lines_of(result.output)
    key, key_id = fields["key"], fields["id"]
    assert key.startswith("rtk_") and len(key) > 40

    def rows(session):
        return [(k.key_hash, k.prefix, k.scopes) for k in session.query(SiteKey)]

    [(stored_hash, prefix, scopes)] = stored(env, rows)
    assert stored_hash == hash_key(key) and key not in stored_hash
    assert scopes == ["articles:write"] and key.startswith(prefix)
    shown = run(env, "sites", "show", site_id)
    assert key not in shown.output and f"{prefix}…" in shown.output

    def check(session):
        return sites.authenticate_key(session, key, sites.Scope.ARTICLES_WRITE).site.name

    assert stored(env, check) == "Daily News"
    assert run(env, "sites", "revoke-key", site_id, key_id).exit_code == 0
    with pytest.raises(Unauthorized):
        stored(env, check)
    assert "revoked" in run(env, "sites", "show", site_id).output
    assert run(env, "sites", "add-key", site_id, "--scope", "everything").exit_code == 2


def test_sign_in_secrets_rotate_by_kid(env) -> None:
    site_id = make_site(env)
    first = run(env, "sites", "add-secret", site_id, "--kid", "2026-a")
    assert first.exit_code == 0, first.output
    assert len(lines_of(first.output)["secret"]) >= 32
    assert run(env, "sites", "add-secret", site_id, "--kid", "2026-a").exit_code == 1
    assert run(env, "sites", "add-secret", site_id, "--kid", "2026-b").exit_code == 0
    assert run(env, "sites", "revoke-secret", site_id, "2026-a").exit_code == 0
    shown = run(env, "sites", "show", site_id).output
    assert "2026-a  HS256  revoked" in shown and "2026-b  HS256  live" in shown
    assert lines_of(first.output)["secret"] not in shown
    assert run(env, "sites", "revoke-secret", site_id, "nope").exit_code == 1

    def actions(session):
        return [a.action for a in session.query(SiteAction).order_by(SiteAction.at)]

    assert stored(env, actions) == [
        "site.create", "secret.add", "secret.add", "secret.revoke",
    ]  # fmt: skip


def test_a_public_key_is_registered_for_es256(env, tmp_path: Path) -> None:
    site_id = make_site(env)
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = tmp_path / "site.pem"
    pem.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = run(env, "sites", "add-secret", site_id, "--alg", "ES256", "--public-key", str(pem))
    assert result.exit_code == 0, result.output
    assert "secret:" not in result.output
    wrong = run(env, "sites", "add-secret", site_id, "--alg", "RS256", "--public-key", str(pem))
    assert wrong.exit_code == 1 and "not for RS256" in wrong.output


def test_webhooks_are_added_listed_resent_and_removed(env) -> None:
    site_id = make_site(env)
    added = run(
        env, "sites", "add-webhook", site_id, "--url", "http://127.0.0.1:9/hooks",
        "--event", "read.credited",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    fields = lines_of(added.output)
    assert fields["secret"].startswith("whsec_") and fields["events"] == "read.credited"
    assert run(env, "sites", "deliveries", site_id).output.strip() == "no deliveries yet"
    assert run(env, "sites", "add-webhook", site_id, "--url", "ftp://x").exit_code == 1
    assert run(env, "sites", "resend", site_id, "not-a-delivery").exit_code == 1
    assert run(env, "sites", "deliver").output.strip() == "0 delivery attempt(s)"
    assert run(env, "sites", "remove-webhook", site_id, fields["id"]).exit_code == 0
    again = run(env, "sites", "remove-webhook", site_id, fields["id"])
    assert again.exit_code == 1 and "no webhook" in again.output
    assert "webhook.add" in run(env, "sites", "show", site_id).output
