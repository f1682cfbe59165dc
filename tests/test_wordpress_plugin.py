"""The WordPress plugin (integrations/wordpress/): its signer and ours agree on shared test
vectors, its PHP is valid, and its build script packages it."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from readtoearn.config import Settings
from readtoearn.sites import service as sites

PLUGIN = Path(__file__).resolve().parents[1] / "integrations" / "wordpress"
VECTORS = json.loads((PLUGIN / "tests" / "vectors.json").read_text())
PHP = shutil.which("php")
needs_php = pytest.mark.skipif(
    PHP is None, reason="php-cli is not installed (apt-get install php-cli)"
)


def test_the_vectors_sign_readers_in_here(session) -> None:
    site = sites.create_site(session, name="WordPress", origins=["https://wp.example"], actor="t")
    sites.add_secret(session, site, actor="t", kid=VECTORS["kid"], material=VECTORS["secret"])
    settings = Settings(secret_key="x" * 32)
    for case in VECTORS["cases"]:
        at = datetime.fromtimestamp(case["claims"]["iat"] + 5, tz=UTC)
        identity = sites.verify_token(session, settings, site, case["token"], at)
        assert identity.external_id == case["claims"]["sub"]
        assert identity.name == case["claims"]["name"]


@needs_php
def test_the_plugins_signer_makes_the_same_tokens() -> None:
    result = subprocess.run(
        [PHP, str(PLUGIN / "tests" / "run.php")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all passed" in result.stdout


@needs_php
def test_every_php_file_is_valid() -> None:
    for path in sorted(PLUGIN.rglob("*.php")):
        lint = subprocess.run([PHP, "-l", str(path)], capture_output=True, text=True, timeout=60)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_build_script_packages_the_plugin(tmp_path: Path) -> None:
    copy = tmp_path / "wordpress"
    shutil.copytree(PLUGIN, copy, ignore=shutil.ignore_patterns("dist"))
    subprocess.run(["sh", str(copy / "build.sh")], check=True, capture_output=True, timeout=60)
    with zipfile.ZipFile(copy / "dist" / "readtoearn.zip") as archive:
        names = set(archive.namelist())
    assert {
        "readtoearn/readtoearn.php",
        "readtoearn/uninstall.php",
        "readtoearn/includes/class-readtoearn-jwt.php",
        "readtoearn/includes/settings.php",
        "readtoearn/includes/articles.php",
    } <= names
