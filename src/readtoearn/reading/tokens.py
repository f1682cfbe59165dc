"""Signed tokens of the tracker protocol: the beat chain and the page view.

A chain token binds a reader, an article, a read, a sequence number and a one-time nonce. Only its
holder can send the next beat, exactly once: the server keeps the nonce it expects next.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from readtoearn.errors import Unauthorized

_CHAIN = b"rte-chain-v2"
_VIEW = b"rte-view-v2"
MAC_BYTES = 16
# A chain token's body: read id, seq, nonce (then, since tokens carry it, the article id).
_SHORT_BODY = 16 + 4 + 8


# URL-safe base64 without padding, straight on binascii: beats sign and check a token each.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Decode; ValueError when the text is not base64 (binascii.Error and non-ASCII are)."""
    raw = text.encode("ascii").translate(_FROM_URLSAFE)
    return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))


def _mac(secret: str, domain: bytes, *parts: bytes) -> bytes:
    message = b"|".join((domain, *parts))
    return hmac.digest(secret.encode(), message, "sha256")[:MAC_BYTES]


def new_nonce() -> str:
    return os.urandom(8).hex()


class ChainToken(NamedTuple):
    read_id: uuid.UUID
    seq: int
    nonce: str
    # The article, carried by tokens signed since beats run as one Redis script: the MAC can be
    # checked before the read's state is loaded. None in a token signed before.
    article_id: uuid.UUID | None = None


@lru_cache(maxsize=16)
def _chain_key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), digest_size=32, person=_CHAIN).digest()


def _chain_mac(secret: str, reader_id: uuid.UUID, article_id: uuid.UUID, body: bytes) -> bytes:
    # Keyed BLAKE2b is a MAC in its own right (RFC 7693), four times cheaper than HMAC-SHA256
    # here: every beat checks one chain token and signs the next. The parts have fixed lengths.
    message = reader_id.bytes + article_id.bytes + body
    return hashlib.blake2b(message, key=_chain_key(secret), digest_size=MAC_BYTES).digest()


def sign_chain(secret: str, reader_id: uuid.UUID, article_id: uuid.UUID, token: ChainToken) -> str:
    """The token the client must present with beat `seq` of a read."""
    body = (
        token.read_id.bytes
        + struct.pack(">I", token.seq)
        + bytes.fromhex(token.nonce)
        + article_id.bytes
    )
    return f"{_b64(body)}.{_b64(_chain_mac(secret, reader_id, article_id, body))}"


def parse_chain(text: str) -> tuple[ChainToken, bytes, bytes]:
    """Split a token into its claims, its body and its MAC; Unauthorized when malformed."""
    try:
        body_text, mac_text = text.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, TypeError):
        raise Unauthorized("the read token is not valid", code="bad_token") from None
    if len(body) not in (_SHORT_BODY, _SHORT_BODY + 16) or len(mac) != MAC_BYTES:
        raise Unauthorized("the read token is not valid", code="bad_token")
    claims = ChainToken(
        read_id=uuid.UUID(bytes=body[:16]),
        seq=struct.unpack(">I", body[16:20])[0],
        nonce=body[20:28].hex(),
        article_id=uuid.UUID(bytes=body[28:]) if len(body) > _SHORT_BODY else None,
    )
    return claims, body, mac


def chain_mac_ok(
    secret: str, reader_id: uuid.UUID, article_id: uuid.UUID, body: bytes, mac: bytes
) -> bool:
    """Whether `mac` is this reader's MAC of a token body for this article."""
    return hmac.compare_digest(mac, _chain_mac(secret, reader_id, article_id, body))


def verify_chain(
    secret: str, text: str, reader_id: uuid.UUID, article_id: uuid.UUID, read_id: uuid.UUID
) -> ChainToken:
    """The claims of a token issued to this reader for this read; Unauthorized otherwise."""
    claims, body, mac = parse_chain(text)
    expected = _chain_mac(secret, reader_id, article_id, body)
    carried = claims.article_id
    if (
        not hmac.compare_digest(mac, expected)
        or claims.read_id != read_id
        or (carried is not None and carried != article_id)
    ):
        raise Unauthorized("this read token was not issued for this read", code="bad_token")
    return claims


def reader_subject(reader_id: uuid.UUID) -> str:
    """The subject of a view token served to a signed-in reader."""
    return f"r:{reader_id}"


def device_subject(device_id: str) -> str:
    """The subject of a view token served to a browser that is not signed in."""
    return f"d:{device_id}"


def external_subject(external_id: str) -> str:
    """The subject of a view token an integrator signs for one of its users (docs/api.md)."""
    return f"u:{external_id}"


def sign_view(secret: str, article_id: uuid.UUID, at: float, subject: str) -> str:
    """A token the article page carries, proving the read started from a page view served to
    `subject` (a reader, or a device): a token copied to anyone else proves nothing."""
    stamp = struct.pack(">Q", int(at))
    mac = _mac(secret, _VIEW, article_id.bytes, stamp, subject.encode())
    return f"{_b64(stamp)}.{_b64(mac)}"


def verify_view(
    secret: str,
    text: str | None,
    article_id: uuid.UUID,
    subjects: Iterable[str],
    max_age_s: int,
    now: float,
) -> bool:
    """True when the token was signed for this article's page, for one of `subjects`, within
    max_age_s seconds."""
    if not text:
        return False
    try:
        stamp_text, mac_text = text.split(".")
        stamp, mac = _unb64(stamp_text), _unb64(mac_text)
        issued = struct.unpack(">Q", stamp)[0]
    except (ValueError, TypeError, struct.error):
        return False
    if not -60 <= now - issued <= max_age_s:
        return False
    return any(
        hmac.compare_digest(mac, _mac(secret, _VIEW, article_id.bytes, stamp, s.encode()))
        for s in subjects
    )
