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

__all__ = [
    "AddedSecret",
    "Caller",
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
    "origin_of",
    "register_article",
    "revoke_key",
    "revoke_secret",
    "set_origins",
    "update_article",
    "withdraw_article",
]


def list_all_origins(session: Session) -> set[str]:
    """Every origin some site allows (for CORS)."""
    return {origin for origins in session.scalars(select(Site.origins)) for origin in origins}
