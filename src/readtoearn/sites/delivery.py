"""Sending the queued webhook deliveries: claim the due ones, POST each (outside any transaction),
record what came back.

A claim is a lease (`locked_until`) taken by a conditional update, so several workers (or a worker
and `readtoearn sites deliver`) never send one delivery at once, and a worker that dies mid-way
leaves its claims to expire: the delivery is sent again, and receivers deduplicate by the event's
`id`. A delivery that fails is tried again after 10 s, 20 s, 40 s… (at most an hour apart), for
`webhook_retry_hours` after it was queued; then it is marked failed.

A webhook's address is the publisher's to choose (an API key with the `webhooks` scope adds one),
so the server would otherwise post wherever it is told, its own network included: a delivery
whose host resolves to an address that is not public (loopback, private, link-local, the cloud's
metadata service) is refused and logged as such, unless `webhook_private_addresses` is set (a
receiver on the same network, tests).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from readtoearn.articles.fetch import FetchError, PublicOnlyTransport
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.sites.models import DeliveryStatus, Webhook, WebhookDelivery
from readtoearn.sites.webhooks import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

BATCH = 20
LEASE_S = 120
FIRST_RETRY_S = 10
MAX_RETRY_S = 3600


def backoff_s(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones."""
    return int(min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    url: str
    secret: str
    event: str
    payload: str


def claim_due(session: Session, now: datetime, *, limit: int = BATCH) -> list[Claimed]:
    """Take a lease on up to `limit` deliveries that are due (the caller commits)."""
    free = or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now)
    rows = session.execute(
        select(WebhookDelivery.id, Webhook.url, Webhook.secret, WebhookDelivery.event,
               WebhookDelivery.payload)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
            WebhookDelivery.next_attempt_at <= now,
            Webhook.disabled_at.is_(None),
            free,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()  # fmt: skip
    claimed = []
    for row in rows:
        taken = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row.id, free)
            .values(locked_until=now + timedelta(seconds=LEASE_S))
        )
        if getattr(taken, "rowcount", 0) == 1:
            claimed.append(Claimed(row.id, row.url, row.secret, row.event, row.payload))
    return claimed


def post(client: httpx.Client, claimed: Claimed, at: int) -> tuple[int | None, str]:
    """POST one delivery, signed at Unix time `at`: (HTTP status or None, error in one line)."""
    body = claimed.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "readtoearn-webhooks",
        "Readtoearn-Event": claimed.event,
        "Readtoearn-Delivery": str(claimed.id),
        SIGNATURE_HEADER: sign(claimed.secret, body, at),
    }
    try:
        response = client.post(claimed.url, content=body, headers=headers)
    except FetchError as exc:  # the address was not public when connecting
        return None, exc.message[:500]
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return response.status_code, error


def refusal(url: str) -> str:
    """Why a delivery must not go to this URL ('' when it may): its host is not public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        return f"cannot resolve {host!r}"
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return f"refused: {host} is not a public address ({ip})"
    return ""


def record_result(
    session: Session,
    settings: Settings,
    delivery_id: uuid.UUID,
    status: int | None,
    error: str,
    now: datetime,
) -> WebhookDelivery | None:
    """What came of one attempt: delivered, tried again later, or failed for good."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        return None
    row.attempts += 1
    row.locked_until = None
    row.last_status = status
    row.last_error = error
    if status is not None and 200 <= status < 300:
        row.status = DeliveryStatus.DELIVERED.value
        row.delivered_at = now
    elif now - row.created_at >= timedelta(hours=settings.webhook_retry_hours):
        row.status = DeliveryStatus.FAILED.value
    else:
        row.next_attempt_at = now + timedelta(seconds=backoff_s(row.attempts))
    return row


def deliver_due(
    database: Database, settings: Settings, clock: Clock, client: httpx.Client | None = None
) -> int:
    """One round: claim what is due, send it, record it. Returns how many were sent."""
    with database.session(write=True) as session:
        claimed = claim_due(session, clock.now())
    if not claimed:
        return 0
    own = client is None
    # The connection goes to the address checked, not to a second lookup of the name (which a
    # hostile DNS server could answer with a private address: DNS rebinding).
    transport = None if settings.webhook_private_addresses else PublicOnlyTransport()
    http = client or httpx.Client(
        timeout=settings.webhook_timeout_s, follow_redirects=False, transport=transport
    )
    try:
        for item in claimed:
            error = "" if settings.webhook_private_addresses else refusal(item.url)
            status = None
            if not error:
                status, error = post(http, item, int(clock.now().timestamp()))
            if error:
                log.info("webhook %s to %s: %s", item.event, item.url, error)
            with database.session(write=True) as session:
                record_result(session, settings, item.id, status, error, clock.now())
    finally:
        if own:
            http.close()
    return len(claimed)
