"""The public face of the sites domain: sites and keys, the article API, readers' sign-in by
token, the embed's lookup and webhooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from readtoearn.sites.embed import Embedded, fingerprint, open_embed, tracked_paragraphs
from readtoearn.sites.models import Scope, Site, SiteAction, SiteKey, SiteSecret
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

__all__ = [
    "AddedSecret",
    "Caller",
    "Embedded",
    "Identity",
    "IssuedKey",
    "Registered",
    "Scope",
    "Site",
    "SiteAction",
    "SiteKey",
    "SiteSecret",
    "add_secret",
    "authenticate_key",
    "check_own_url",
    "create_key",
    "create_site",
    "find_article",
    "find_articles_by_url",
    "fingerprint",
    "forget_seen_tokens",
    "get_live_secret",
    "get_site",
    "get_site_article",
    "is_allowed_origin",
    "list_actions",
    "list_all_origins",
    "list_keys",
    "list_secrets",
    "list_sites",
    "load_draft",
    "normalise_origin",
    "open_embed",
    "origin_of",
    "register_article",
    "revoke_key",
    "revoke_secret",
    "set_origins",
    "sign_in",
    "sign_in_reader",
    "tracked_paragraphs",
    "update_article",
    "verify_token",
    "withdraw_article",
]


def list_all_origins(session: Session) -> set[str]:
    """Every origin some site allows (for CORS)."""
    return {origin for origins in session.scalars(select(Site.origins)) for origin in origins}
