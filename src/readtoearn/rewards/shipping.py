"""A shipping address for a physical item: the fields kept, and what each must be."""

from __future__ import annotations

from typing import Any

from readtoearn.errors import Unprocessable

ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code", "city", "country")
REQUIRED_ADDRESS_FIELDS = ("name", "line1", "postal_code", "city", "country")
ADDRESS_FIELD_MAX = 200


def clean_address(address: dict[str, Any] | None) -> dict[str, str]:
    """A shipping address with the fields we keep; InvalidInput when one is missing."""
    if not isinstance(address, dict):
        raise Unprocessable(
            "this reward is shipped: give a shipping address", code="address_required"
        )
    clean: dict[str, str] = {}
    for name in ADDRESS_FIELDS:
        value = address.get(name) or ""
        if not isinstance(value, str) or len(value) > ADDRESS_FIELD_MAX:
            raise Unprocessable(f"shipping address: {name} is not valid", code="address_invalid")
        if value.strip():
            clean[name] = value.strip()
    missing = [name for name in REQUIRED_ADDRESS_FIELDS if name not in clean]
    if missing:
        raise Unprocessable(
            f"shipping address: {', '.join(missing).replace('_', ' ')} missing",
            code="address_required",
        )
    return clean
