"""Who is on the other end of a request: the client's address and the browser's device cookie.

The address is the socket's peer, or, when that peer is one of READTOEARN_TRUSTED_PROXIES, the
last X-Forwarded-For entry no trusted proxy added. Signals compare address *groups* (/24 for IPv4,
/64 for IPv6: a household, an office, a carrier's pool) and keep only keyed hashes of them.

The device cookie is a random id the server signs and sets on the first page a browser views.
It is first-party and HttpOnly; the signals keep a keyed hash of it (docs/privacy.md).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readtoearn.config import Settings
from readtoearn.fraud import identity
from readtoearn.web.csrf import SESSION_COOKIE

DEVICE_COOKIE = "rte_device"


@lru_cache(maxsize=32)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.9:443
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(conn: HTTPConnection, settings: Settings) -> str | None:
    """The client's address: the peer, or what trusted proxies say the peer was."""
    peer = _parse(conn.client.host) if conn.client else None
    trusted = _networks(tuple(settings.trusted_proxies))
    if peer is None or not trusted:
        return str(peer) if peer is not None else None
    hops = [h for h in conn.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    current = peer
    # Walk back from the nearest hop while it is one of ours; the first one that is not is the
    # client. A client cannot forge past the proxies, which append what they saw.
    while any(current in net for net in trusted) and hops:
        parsed = _parse(hops.pop())
        if parsed is None:
            break
        current = parsed
    return str(current)


def address_group(ip: str | None, settings: Settings) -> str | None:
    """The keyed hash of the client's address group (/24, /64), or None without an address."""
    if not ip:
        return None
    parsed = _parse(ip)
    if parsed is None:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    prefix = 24 if parsed.version == 4 else 64
    network = ipaddress.ip_network(f"{parsed}/{prefix}", strict=False)
    return identity.keyed(settings.resolved_secret_key, "address", str(network))


def request_address(conn: HTTPConnection, settings: Settings) -> str | None:
    """The keyed hash of the address group this request came from."""
    return address_group(client_ip(conn, settings), settings)


def device_id(conn: HTTPConnection, settings: Settings) -> str | None:
    """The device id of this browser when its cookie is one we signed (set by the middleware)."""
    state_id = conn.scope.get("state", {}).get("device_id")
    if state_id:
        return str(state_id)
    return identity.verify_device(settings.resolved_secret_key, conn.cookies.get(DEVICE_COOKIE))


def device_hash(settings: Settings, device: str | None) -> str | None:
    """The keyed hash of a device id (what the signals keep), or None without one."""
    return identity.keyed(settings.resolved_secret_key, "device", device) if device else None


def request_device(conn: HTTPConnection, settings: Settings) -> str | None:
    """The keyed hash of this browser's device id, or None."""
    return device_hash(settings, device_id(conn, settings))


# Pages every anonymous reader shares (web/pagecache.py): a shared cache must never keep a
# Set-Cookie, so their visitors get the cookie from the tracker's JSON call instead.
SHARED_PAGES = ("/articles/", "/categories/", "/authors/")


def is_shared_page(path: str, cookies: Mapping[str, str]) -> bool:
    """A page served to a visitor who is not signed in (no session cookie), the same for all."""
    return (path == "/" or path.startswith(SHARED_PAGES)) and SESSION_COOKIE not in cookies


def new_device_cookie(settings: Settings) -> tuple[str, str]:
    """A new device id and the Set-Cookie header value that gives it to the browser."""
    device = secrets.token_urlsafe(16)
    cookie = Response()
    cookie.set_cookie(
        DEVICE_COOKIE,
        identity.sign_device(settings.resolved_secret_key, device),
        max_age=settings.device_cookie_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )
    return device, cookie.headers["set-cookie"]


class DeviceCookieMiddleware:
    """Gives every browser that views a page a signed device cookie, once.

    Only page views (GET or HEAD of something that is not the API or a static file) get one; the
    id is put on the request's state so that the page can bind its view token to it. The pages
    anonymous readers share are left alone (see SHARED_PAGES).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or path.startswith(("/api/", "/static/", "/healthz", "/metrics"))
        ):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        if is_shared_page(path, conn.cookies):
            await self.app(scope, receive, send)
            return
        secret = self.settings.resolved_secret_key
        if identity.verify_device(secret, conn.cookies.get(DEVICE_COOKIE)):
            await self.app(scope, receive, send)
            return
        device, value = new_device_cookie(self.settings)
        scope.setdefault("state", {})["device_id"] = device
        header = value.encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
