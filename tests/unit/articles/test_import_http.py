"""Fetching URLs from a real HTTP server on 127.0.0.1: time, size, redirects, content types."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from readtoearn.articles.fetch import FetchError, fetch
from readtoearn.config import Settings

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
FIFTY_MB = 50 * 1024 * 1024

Route = Callable[[BaseHTTPRequestHandler], None]


class LocalSite:
    """A tiny web server for tests: each path answers with a function of the request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.sent: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                route = site.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                with suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = answer
        return self.url + path

    def redirect(self, path: str, target: str) -> str:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", target)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = answer
        return self.url + path

    def stream(self, path: str, total: int, *, declare: bool, delay: float = 0.0) -> str:
        """A body of `total` bytes sent in chunks; `sent[path]` counts what left the server."""
        self.sent[path] = 0

        def answer(handler: BaseHTTPRequestHandler) -> None:
            if delay:
                time.sleep(delay)
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            if declare:
                handler.send_header("Content-Length", str(total))
            handler.end_headers()
            chunk = b"<p>" + b"x" * 65_529 + b"</p>"
            while self.sent[path] < total:
                handler.wfile.write(chunk)
                self.sent[path] += len(chunk)

        self.routes[path] = answer
        return self.url + path

    def __enter__(self) -> LocalSite:
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def local_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with local_site() as s:
        yield s


@pytest.fixture
def limits(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, fetch_timeout_s=1.0, fetch_max_bytes=1_000_000, fetch_max_redirects=2
    )


def test_a_page_is_fetched(site: LocalSite, limits: Settings) -> None:
    url = site.page("/story", (PAGES / "en-news.html").read_bytes())
    fetched = fetch(url, limits)
    assert fetched.kind == "html"
    assert fetched.charset == "utf-8"
    assert b"Harbour City" in fetched.body


def test_redirects_are_followed_within_the_limit(site: LocalSite, limits: Settings) -> None:
    final = site.page("/final", b"<html><body><p>here</p></body></html>")
    site.redirect("/b", "/final")
    start = site.redirect("/a", "/b")
    fetched = fetch(start, limits)
    assert fetched.url == final


def test_too_many_redirects(site: LocalSite, limits: Settings) -> None:
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(site.url + "/loop", limits)


def test_a_declared_50_mb_body_is_refused_without_reading_it(
    site: LocalSite, limits: Settings
) -> None:
    url = site.stream("/huge", FIFTY_MB, declare=True)
    with pytest.raises(FetchError, match=r"too large \(50.0 MB; limit 1.0 MB\)"):
        fetch(url, limits)
    time.sleep(0.2)
    assert site.sent["/huge"] < FIFTY_MB // 4


def test_an_undeclared_50_mb_body_is_cut_at_the_limit(site: LocalSite, limits: Settings) -> None:
    url = site.stream("/endless", FIFTY_MB, declare=False)
    with pytest.raises(FetchError, match="too large"):
        fetch(url, limits)
    time.sleep(0.2)
    assert site.sent["/endless"] < FIFTY_MB // 4


def test_a_slow_server_times_out(site: LocalSite, limits: Settings) -> None:
    url = site.stream("/slow", 10, declare=True, delay=3)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s"):
        fetch(url, limits)
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "video/mp4"])
def test_other_content_types_are_refused(
    site: LocalSite, limits: Settings, content_type: str
) -> None:
    url = site.page("/file", b"\x89PNG\r\n\x1a\n", content_type)
    with pytest.raises(FetchError, match=f"unsupported content type '{content_type}'"):
        fetch(url, limits)


def test_http_errors_and_unreachable_hosts(site: LocalSite, limits: Settings) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(site.url + "/missing", limits)
    with pytest.raises(FetchError, match="not an http"):
        fetch("ftp://example.org/file", limits)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch(f"http://127.0.0.1:{port}/story", limits)


def test_an_injected_client_is_used(limits: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "https://news.example/new"})
        return httpx.Response(200, html="<html><body><p>moved</p></body></html>")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        fetched = fetch("https://news.example/old", limits, client)
    assert fetched.url == "https://news.example/new"
    assert fetched.body.endswith(b"</html>")
