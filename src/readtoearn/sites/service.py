"""The public face of the sites domain: sites and keys, the article API, readers' sign-in by
token, the embed's lookup and webhooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.sites import outbox as _outbox  # noqa: F401 - queues events on flush
from readtoearn.sites.catalogue import (
    Registered,
    check_own_url,
    find_article,
    find_articles_by_url,
    get_site_article,
    load_draft,
    register_article,
    update_article,
    withdraw_article,
)
from readtoearn.sites.delivery import backoff_s, claim_due, deliver_due, record_result
from readtoearn.sites.embed import Embedded, fingerprint, open_embed, tracked_paragraphs
from readtoearn.sites.models import (
    DeliveryStatus,
    Scope,
    Site,
    SiteAction,
    SiteKey,
    SiteReader,
    SiteSecret,
    Webhook,
    WebhookDelivery,
)
from readtoearn.sites.registry import (
    AddedSecret,
    Caller,
    IssuedKey,
    add_secret,
    authenticate_key,
    create_key,
    create_site,
    get_live_secret,
    get_site,
    is_allowed_origin,
    list_actions,
    list_keys,
    list_secrets,
    list_sites,
    normalise_origin,
    origin_of,
    revoke_key,
    revoke_secret,
    set_origins,
)
from readtoearn.sites.sso import (
    Identity,
    forget_seen_tokens,
    sign_in,
    sign_in_reader,
    verify_token,
)
from readtoearn.sites.webhooks import (
    EVENTS,
    SIGNATURE_HEADER,
    add_webhook,
    get_webhook,
    list_deliveries,
    list_webhooks,
    remove_webhook,
    resend,
    sign,
    verify_signature,
)

__all__ = [
    "EVENTS",
    "SIGNATURE_HEADER",
    "AddedSecret",
    "Caller",
    "DeliveryStatus",
    "Embedded",
    "Identity",
    "IssuedKey",
    "Registered",
    "Scope",
    "Site",
    "SiteAction",
    "SiteKey",
    "SiteReader",
    "SiteSecret",
    "Webhook",
    "WebhookDelivery",
    "add_secret",
    "add_webhook",
    "authenticate_key",
    "backoff_s",
    "check_own_url",
    "claim_due",
    "create_key",
    "create_site",
    "deliver_due",
    "find_article",
    "find_articles_by_url",
    "fingerprint",
    "forget_seen_tokens",
    "get_live_secret",
    "get_site",
    "get_site_article",
    "get_webhook",
    "is_allowed_origin",
    "list_actions",
    "list_all_origins",
    "list_deliveries",
    "list_keys",
    "list_secrets",
    "list_sites",
    "list_webhooks",
    "load_draft",
    "normalise_origin",
    "open_embed",
    "origin_of",
    "record_result",
    "register_article",
    "remove_webhook",
    "resend",
    "revoke_key",
    "revoke_secret",
    "set_origins",
    "sign",
    "sign_in",
    "sign_in_reader",
    "tracked_paragraphs",
    "update_article",
    "verify_signature",
    "verify_token",
    "withdraw_article",
]


def list_all_origins(session: Session) -> set[str]:
    """Every origin some site allows (for CORS)."""
    return {origin for origins in session.scalars(select(Site.origins)) for origin in origins}
