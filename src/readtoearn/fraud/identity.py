"""Keyed hashes of who is behind a request, and the signed device id (docs/privacy.md).

Devices and addresses are kept only as keyed BLAKE2b hashes: equal inputs give equal hashes, so the
signals can link accounts, but a stored hash says nothing about the address or the cookie without
the server's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

_DEVICE = b"rte-device-v1"
HASH_BYTES = 16  # 32 hex characters


@lru_cache(maxsize=16)
def _key(secret: str, purpose: str) -> bytes:
    person = f"rte-{purpose}"[:16].encode()
    return hashlib.blake2b(secret.encode(), digest_size=32, person=person).digest()


def keyed(secret: str, kind: str, value: str) -> str:
    """The keyed hash of a device id or an address group, as 32 hex characters."""
    digest = hashlib.blake2b(value.encode(), key=_key(secret, kind), digest_size=HASH_BYTES)
    return digest.hexdigest()


def _device_mac(secret: str, device: str) -> str:
    mac = hmac.digest(_key(secret, "devsig"), _DEVICE + b"|" + device.encode(), "sha256")
    return mac[:12].hex()


def sign_device(secret: str, device: str) -> str:
    """The cookie value for a device id: the id and its MAC."""
    return f"{device}.{_device_mac(secret, device)}"


def verify_device(secret: str, cookie: str | None) -> str | None:
    """The device id a cookie carries when the server signed it; None otherwise."""
    if not cookie or len(cookie) > 100 or "." not in cookie:
        return None
    device, _, mac = cookie.rpartition(".")
    if not device or not hmac.compare_digest(mac, _device_mac(secret, device)):
        return None
    return device
