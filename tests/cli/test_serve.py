"""`readtoearn serve` without READTOEARN_BASE_URL: the links the site prints name the address it
listens on, not always :8000."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from readtoearn.cli.serve import base_url_for
from tests.live import free_socket

STARTUP_TIMEOUT_S = 60


def test_the_base_url_is_where_serve_listens() -> None:
    assert base_url_for("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert base_url_for("news.example.org", 80) == "http://news.example.org:80"
    # Every address (a container, a LAN): links name this machine's loopback, never a Host
    # header a client chose.
    assert base_url_for("0.0.0.0", 8123) == "http://127.0.0.1:8123"
    assert base_url_for("::", 9000) == "http://127.0.0.1:9000"
    assert base_url_for("::1", 9000) == "http://[::1]:9000"


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READTOEARN_")}
    return env | {"READTOEARN_DATA_DIR": str(data), "READTOEARN_PAGE_CACHE_ENTRIES": "0"} | extra


def _wait_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/robots.txt", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("serve did not answer in time")


@pytest.mark.parametrize("base_url", [None, "https://news.example.org"])
def test_serve_prints_links_with_its_own_port(tmp_path: Path, base_url: str | None) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # the port, free for serve to take
    extra = {"READTOEARN_BASE_URL": base_url} if base_url else {}
    env = _env(tmp_path, **extra)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "readtoearn", "serve", "--port", str(port), "--no-demo"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        local = f"http://127.0.0.1:{port}"
        _wait_up(local, server, log)
        expected = base_url or local
        assert f"Sitemap: {expected}/sitemap.xml" in httpx.get(f"{local}/robots.txt").text
        record = tmp_path / "article.json"
        sentence = "The harbour authority approved a new ferry line to the islands on Monday."
        record.write_text(
            json.dumps(
                {
                    "title": "A ferry line to the islands",
                    "text": "\n\n".join(f"{sentence} ({i})" for i in range(6)),
                    "language": "en",
                }
            )
        )
        done = subprocess.run(
            [sys.executable, "-m", "readtoearn", "import", "--json", "--workers", "1", str(record)],
            env=env,
            capture_output=True,
            timeout=120,
            check=True,
        )
        article_id = json.loads(done.stdout.decode().splitlines()[0])["id"]
        page = httpx.get(f"{local}/articles/{article_id}", follow_redirects=True, timeout=10)
        assert page.status_code == 200
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.text)
        assert canonical is not None
        assert canonical.group(1).startswith(f"{expected}/articles/{article_id}/")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_the_derived_address_reaches_the_app_and_no_further(tmp_path: Path, monkeypatch) -> None:
    """In-process (the demo's tests run serve this way): the app sees the address while it runs,
    and the environment is left as it was."""
    from click.testing import CliRunner

    from readtoearn.cli import cli
    from readtoearn.config import get_settings

    seen: list[str] = []
    monkeypatch.delenv("READTOEARN_BASE_URL", raising=False)
    monkeypatch.setattr(
        "readtoearn.cli.serve.uvicorn.run", lambda *a, **k: seen.append(get_settings().base_url)
    )
    env = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
        "READTOEARN_SECRET_KEY": "serve-test-secret-key-that-is-long-enough-0123",
    }
    result = CliRunner().invoke(
        cli, ["serve", "--no-demo", "--host", "0.0.0.0", "--port", "8123"], env=env
    )
    assert result.exit_code == 0, result.output
    assert seen == ["http://127.0.0.1:8123"]
    assert "links use http://127.0.0.1:8123: set READTOEARN_BASE_URL" in result.output
    assert "READTOEARN_BASE_URL" not in os.environ
