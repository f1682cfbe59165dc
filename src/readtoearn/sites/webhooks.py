"""Webhooks: the addresses a site gives for its events, their signatures, and the queue of
deliveries (a table: it survives restarts, and every worker may take from it).

A delivery is signed like Stripe's: the header `Readtoearn-Signature: t=<unix time>,v1=<hex>`,
where v1 is HMAC-SHA256 of `"<t>.<body>"` under the webhook's secret. The receiver recomputes it
and refuses a `t` more than a few minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.errors import InvalidInput, NotFound
from readtoearn.sites.models import DeliveryStatus, Site, Webhook, WebhookDelivery
from readtoearn.sites.registry import record

EVENTS = (
    "read.credited",
    "read.held",
    "read.rejected",
    "redemption.created",
    "redemption.fulfilled",
    "points.expiring",
    "quest.completed",
)
SIGNATURE_HEADER = "Readtoearn-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
MAX_WEBHOOKS_PER_SITE = 10


class LiveWebhooks:
    """Whether any webhook is live, remembered for a few seconds: most installations have none,
    and then a verdict's flush need not ask the database. Adding or removing one in this process
    forgets the answer at once; another process sees a first webhook within `ttl_s`."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._until = 0.0
        self._live = False

    def any(self, session: Session) -> bool:
        if time.monotonic() >= self._until:
            query = select(Webhook.id).where(Webhook.disabled_at.is_(None)).limit(1)
            self._live = session.scalar(query) is not None
            self._until = time.monotonic() + self.ttl_s
        return self._live

    def forget(self) -> None:
        self._until = 0.0


LIVE = LiveWebhooks()


def sign(secret: str, body: bytes, at: int) -> str:
    """The signature header's value for a body sent at Unix time `at`."""
    mac = hmac.new(secret.encode(), str(at).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify_signature(
    secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300
) -> bool:
    """What a receiver does (in Python): the header signs this body, recently."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - at) > tolerance_s:
        return False
    expected = sign(secret, body, at).rpartition("v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _events(events: list[str]) -> list[str]:
    wrong = sorted(set(events) - set(EVENTS))
    if wrong or not events:
        raise InvalidInput(f"events are some of {', '.join(EVENTS)}", code="invalid_event")
    return sorted(set(events))


def _url(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > 2000:
        raise InvalidInput("a webhook's URL is an http(s) address", code="invalid_url")
    return url


def add_webhook(
    session: Session, site: Site, *, url: str, events: list[str], actor: str
) -> Webhook:
    """A new webhook for a site, with a fresh secret (shown to the caller once, here)."""
    count = len(list_webhooks(session, site))
    if count >= MAX_WEBHOOKS_PER_SITE:
        raise InvalidInput(f"at most {MAX_WEBHOOKS_PER_SITE} webhooks per site", code="too_many")
    hook = Webhook(
        site_id=site.id,
        url=_url(url),
        secret=SECRET_PREFIX + secrets.token_urlsafe(32),
        events=_events(events),
    )
    session.add(hook)
    session.flush()
    LIVE.forget()
    record(session, site, actor, "webhook.add", webhook_id=str(hook.id), url=hook.url)
    return hook


def list_webhooks(session: Session, site: Site) -> list[Webhook]:
    """A site's live webhooks, oldest first."""
    query = select(Webhook).where(Webhook.site_id == site.id, Webhook.disabled_at.is_(None))
    return list(session.scalars(query.order_by(Webhook.created_at, Webhook.id)))


def get_webhook(session: Session, site: Site, webhook_id: str | uuid.UUID) -> Webhook:
    """One of the site's webhooks, or NotFound (another site's included)."""
    try:
        key = webhook_id if isinstance(webhook_id, uuid.UUID) else uuid.UUID(str(webhook_id))
    except ValueError:
        raise NotFound("the site has no webhook with this id", code="webhook_not_found") from None
    hook = session.get(Webhook, key)
    if hook is None or hook.site_id != site.id or hook.disabled_at is not None:
        raise NotFound("the site has no webhook with this id", code="webhook_not_found")
    return hook


def remove_webhook(session: Session, site: Site, webhook_id: str, *, actor: str) -> Webhook:
    """Stop sending to a webhook (its delivery log stays)."""
    hook = get_webhook(session, site, webhook_id)
    hook.disabled_at = utcnow()
    LIVE.forget()
    record(session, site, actor, "webhook.remove", webhook_id=str(hook.id))
    return hook


def list_deliveries(
    session: Session, site: Site, *, webhook_id: str | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    """The delivery log of a site's webhooks, newest first."""
    query = (
        select(WebhookDelivery)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(Webhook.site_id == site.id)
    )
    if webhook_id is not None:
        query = query.where(WebhookDelivery.webhook_id == get_webhook(session, site, webhook_id).id)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit)))


def resend(session: Session, site: Site, delivery_id: str, *, actor: str) -> WebhookDelivery:
    """Queue a delivery again, now (whatever became of it), with its same body and id."""
    try:
        key = uuid.UUID(str(delivery_id))
    except ValueError:
        raise NotFound("no delivery of this site has this id", code="delivery_not_found") from None
    delivery = session.get(WebhookDelivery, key)
    hook = session.get(Webhook, delivery.webhook_id) if delivery is not None else None
    if delivery is None or hook is None or hook.site_id != site.id:
        raise NotFound("no delivery of this site has this id", code="delivery_not_found")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = utcnow()
    delivery.locked_until = None
    delivery.created_at = utcnow()  # a new day of retries
    record(session, site, actor, "webhook.resend", delivery_id=str(delivery.id))
    return delivery


def build_delivery(
    hook: Webhook, event: str, event_id: str, data: dict[str, Any], now: datetime
) -> WebhookDelivery:
    """A delivery of one event to one webhook, its body fixed once (the same on every attempt)."""
    body = {
        "id": str(uuid.uuid5(hook.id, event_id)),
        "type": event,
        "created": int(now.timestamp()),
        "site_id": str(hook.site_id),
        "data": data,
    }
    return WebhookDelivery(
        webhook_id=hook.id,
        event=event,
        event_id=event_id,
        payload=json.dumps(body, separators=(",", ":"), sort_keys=True),
        next_attempt_at=now,
        created_at=now,
    )
