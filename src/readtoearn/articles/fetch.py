"""Fetching a page or a feed over HTTP: bounded in time, size and redirects."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from readtoearn import __version__
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+xml",
    }
)
JSON_TYPES = frozenset({"application/json", "application/x-ndjson", "application/jsonl"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class FetchError(InvalidInput):
    """A URL could not be fetched: network failure, status, size, type or redirects."""


@dataclass(frozen=True)
class Fetched:
    """A response body that passed every limit."""

    url: str
    content_type: str
    charset: str | None
    body: bytes

    @property
    def kind(self) -> str:
        """'html', 'feed' or 'json', from the content type (or the first bytes when vague)."""
        if self.content_type in HTML_TYPES:
            return "html"
        if self.content_type in FEED_TYPES:
            return "feed"
        if self.content_type in JSON_TYPES:
            return "json"
        return sniff(self.body)


def sniff(body: bytes) -> str:
    """Guess a document's kind from its first bytes."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return "json"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if head.startswith(b"<"):
        return "html"
    return "unknown"


def public_address(host: str, port: int) -> tuple[str, str]:
    """(an address of this host to connect to, '') when every address it resolves to is public;
    ('', why not) when one is not (loopback, private networks, link-local such as a metadata
    service) or the name does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        return "", f"cannot resolve {host}"
    addresses = [str(address[0]) for *_, address in found]
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if not ip.is_global:
            return "", f"refused: {host} is not a public address ({ip})"
    if not addresses:
        return "", f"cannot resolve {host}"
    return addresses[0], ""


def not_public(host: str, port: int) -> str:
    """Why a fetch must not go to this host ('' when it may): see `public_address`."""
    return public_address(host, port)[1]


class PublicOnlyTransport(httpx.HTTPTransport):
    """Sends a request only to a public address: every hop of a redirect passes here, so a
    public URL that redirects into the server's own network is refused too. The connection goes
    to the address checked, never to a second lookup of the name, which a hostile DNS server
    could answer with a private address (DNS rebinding); TLS still verifies the name."""

    def __init__(self) -> None:
        super().__init__()
        # One pool per name: connections are keyed by the address, and two names at one address
        # (a CDN) must not share a connection whose TLS was spoken for the other.
        self._by_name: dict[str, httpx.HTTPTransport] = {}
        self._names_lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        address, refusal = public_address(
            url.host, url.port or (443 if url.scheme == "https" else 80)
        )
        if refusal:
            raise FetchError(refusal)
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=address),
            headers=request.headers,  # the Host header keeps the name
            stream=request.stream,
            extensions={**request.extensions, "sni_hostname": url.host},
        )
        with self._names_lock:
            transport = self._by_name.setdefault(url.host, httpx.HTTPTransport())
        return transport.handle_request(pinned)

    def close(self) -> None:
        with self._names_lock:
            transports, self._by_name = list(self._by_name.values()), {}
        for transport in transports:
            transport.close()
        super().close()

    def __exit__(self, *args: Any) -> None:  # a client used as a context manager ends here
        self.close()


def new_client(settings: Settings, *, public_only: bool = False) -> httpx.Client:
    """An HTTP client with the settings' timeout; redirects are followed by `fetch` itself.
    `public_only`: requests to addresses that are not public are refused (the console's imports)."""
    return httpx.Client(
        transport=PublicOnlyTransport() if public_only else None,
        timeout=httpx.Timeout(settings.fetch_timeout_s),
        follow_redirects=False,
        headers={
            "User-Agent": f"readtoearn/{__version__} (+{settings.base_url})",
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
            "application/xml;q=0.9,application/json;q=0.8,*/*;q=0.5",
        },
    )


def check_url(url: str) -> str:
    """The URL when it is http(s) with a host; FetchError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    return url


def fetch(url: str, settings: Settings, client: httpx.Client | None = None) -> Fetched:
    """GET a URL within the settings' limits (time, bytes, redirects) and return its body."""
    own = client is None
    http = client or new_client(settings)
    try:
        return _fetch(http, check_url(url), settings)
    finally:
        if own:
            http.close()


def _fetch(client: httpx.Client, url: str, settings: Settings) -> Fetched:
    deadline = time.monotonic() + settings.fetch_timeout_s
    current = url
    for _hop in range(settings.fetch_max_redirects + 1):
        try:
            with client.stream("GET", current, follow_redirects=False) as response:
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    current = check_url(urljoin(current, response.headers["location"]))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {current}")
                content_type, charset = _content_type(response.headers.get("content-type", ""))
                if content_type and not _supported(content_type):
                    raise FetchError(f"unsupported content type {content_type!r} at {current}")
                body = _read_bounded(response, settings, deadline)
                return Fetched(str(response.url), content_type, charset, body)
        except httpx.TimeoutException:
            raise FetchError(
                f"timed out after {settings.fetch_timeout_s:g} s fetching {current}"
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {current}: {_describe(exc)}") from None
    raise FetchError(f"more than {settings.fetch_max_redirects} redirects from {url}")


def _read_bounded(response: httpx.Response, settings: Settings, deadline: float) -> bytes:
    limit = settings.fetch_max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"response too large ({_size(int(declared))}; limit {_size(limit)})")
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > limit:
            raise FetchError(f"response too large (over {_size(limit)})")
        if time.monotonic() > deadline:
            raise FetchError(
                f"timed out after {settings.fetch_timeout_s:g} s reading {response.url}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _content_type(header: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return parts[0].lower(), charset


def _supported(content_type: str) -> bool:
    return (
        content_type in HTML_TYPES
        or content_type in FEED_TYPES
        or content_type in JSON_TYPES
        or content_type in ("text/plain", "application/octet-stream")
        or content_type.endswith(("+xml", "+json"))
    )


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB"
