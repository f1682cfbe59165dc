"""A read's identity and its chain of tokens: who owns it, which token it expects next."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.errors import Conflict, NotFound
from readtoearn.reading import tokens
from readtoearn.reading.models import Read

OPEN = "open"


def read_uuid(read_id: str | uuid.UUID) -> uuid.UUID:
    """A read id from the client; NotFound when it is not one."""
    try:
        return read_id if isinstance(read_id, uuid.UUID) else uuid.UUID(str(read_id))
    except ValueError:
        raise NotFound("no read has this id") from None


def owned_read(session: Session, reader_id: uuid.UUID, read_id: str | uuid.UUID) -> Read:
    """A reader's own read, locked for this transaction; 404 for anyone else's."""
    query = select(Read).where(Read.id == read_uuid(read_id)).with_for_update()
    # populate_existing: the row may have changed (a flush of its live state) since this session
    # last loaded it.
    read = session.scalar(query.execution_options(populate_existing=True))
    # Another reader's read is reported as absent, so ids cannot be probed.
    if read is None or read.reader_id != reader_id:
        raise NotFound("no read has this id")
    return read


def sign(settings: Settings, read: Any, seq: int, nonce: str) -> str:
    """The chain token for beat `seq` of a read (a Read, or a row with the same columns)."""
    claims = tokens.ChainToken(read_id=read.id, seq=seq, nonce=nonce)
    return tokens.sign_chain(settings.resolved_secret_key, read.reader_id, read.article_id, claims)


def check_chain(read: Any, token: str, settings: Settings) -> tokens.ChainToken:
    """The token's claims when it is the one this read expects next (a Read, or a row)."""
    claims = tokens.verify_chain(
        settings.resolved_secret_key, token, read.reader_id, read.article_id, read.id
    )
    if claims.seq != read.next_seq or claims.nonce != read.nonce:
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    return claims
