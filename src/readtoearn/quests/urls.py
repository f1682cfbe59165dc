"""Outside links an operator gives (a sponsor's logo and site, a step's link): http(s) only."""

from __future__ import annotations

from urllib.parse import urlsplit

from readtoearn.errors import InvalidInput


def checked_url(value: str | None, what: str) -> str | None:
    """The URL, stripped, when it is an absolute http(s) address; None when empty."""
    url = (value or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        len(url) > 2000
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise InvalidInput(f"{what} must be an http(s) address", code="invalid_url")
    return url
