"""Starting a read, or resuming the open one: the first token of its chain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.articles import service as articles
from readtoearn.articles import text as textlib
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import new_id
from readtoearn.errors import Conflict
from readtoearn.fraud import sightings
from readtoearn.fraud.sightings import Seen
from readtoearn.reading import tokens
from readtoearn.reading.beats import paragraph_words
from readtoearn.reading.live import LiveStore
from readtoearn.reading.models import Read
from readtoearn.reading.reads import sign
from readtoearn.reading.rules import Reason, Verdict, progress
from readtoearn.reading.snapshot import absorb, live_of
from readtoearn.reading.terms import requirements, reward_key, rules_of, state_of


@dataclass(frozen=True)
class Started:
    read: Read
    token: str
    resumed: bool
    required: dict[str, Any]
    progress: float


def start_read(
    session: Session,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    article_id: str | uuid.UUID,
    view_token: str | None = None,
    webdriver: bool = False,
    user_agent: str = "",
    device_id: str | None = None,
    seen: Seen = Seen(),
) -> Started:
    """Open a read of an article (or resume the open one) and issue the first chain token.

    `device_id` is the browser's device cookie (a view token may be bound to it), `seen` the
    keyed hashes of the device and address group, kept on the read for the signals.
    """
    article = articles.get_article(session, article_id)
    key = reward_key(reader_id, article.id)
    rewarded = session.scalar(select(Read).where(Read.reward_key == key))
    if rewarded is not None:
        message = {
            Verdict.CREDITED: "You have already earned points for this article.",
            Verdict.HELD: "Your read of this article is being reviewed.",
        }.get(Verdict(rewarded.status), "Your read of this article was reviewed and not rewarded.")
        raise Conflict(message, code="already_rewarded")
    now = clock.now()
    open_read = select(Read).where(Read.open_key == key).with_for_update()
    read = session.scalar(open_read.execution_options(populate_existing=True))
    resumed = read is not None
    if read is None:
        read = Read(
            id=new_id(),
            reader_id=reader_id,
            article_id=article.id,
            open_key=key,
            started_at=now,
            last_beat_at=now,
            nonce=tokens.new_nonce(),
            user_agent=user_agent[:300],
            flags=[],
            paragraphs_seen=[],
            reasons=[],
        )
        try:
            with session.begin_nested():
                session.add(read)
        except IntegrityError:
            raise Conflict("this article is already being read", code="read_in_progress") from None
    else:
        # A new tab or a reload takes over the read: the previous chain stops working.
        absorb(session, store, read)
        read.nonce = tokens.new_nonce()
        read.last_beat_at = max(read.last_beat_at, now)
    flags = set(read.flags)
    if _viewed(session, settings, article.id, reader_id, view_token, device_id, now):
        read.page_view = True
    # The read is where the reader is now (a resumed read moves with them).
    read.device = seen.device or read.device
    read.address = seen.address or read.address
    sightings.record(session, reader_id, seen, now)
    if webdriver:
        flags.add(Reason.AUTOMATION)
    read.flags = sorted(flags)
    session.flush()
    # The words per paragraph go to the store with the read: beats in Redis credit them there.
    words = paragraph_words(
        session, article.id, article.content_hash, textlib.with_lead(article.lead, article.html)
    )
    token = sign(settings, read, read.next_seq, read.nonce)
    live = live_of(read, article.content_hash, article.word_count, article.paragraph_count, token)
    store.put(live, words)
    return Started(
        read=read,
        token=token,
        resumed=resumed,
        required=requirements(article, settings),
        progress=progress(state_of(read, article), rules_of(settings)),
    )


def _viewed(
    session: Session,
    settings: Settings,
    article_id: uuid.UUID,
    reader_id: uuid.UUID,
    view_token: str | None,
    device_id: str | None,
    now: datetime,
) -> bool:
    """Whether the view token proves a page view served to this reader or this browser.

    Our article pages sign it with the secret key, for the signed-in reader or else the device;
    an integrator's server may sign it with the integrator secret for its own user id.
    """
    if not view_token:
        return False
    at, max_age = now.timestamp(), settings.view_token_max_age_s
    ours = [tokens.reader_subject(reader_id)]
    if device_id:
        ours.append(tokens.device_subject(device_id))
    secret = settings.resolved_secret_key
    if tokens.verify_view(secret, view_token, article_id, ours, max_age, at):
        return True
    if not settings.integrator_secret:
        return False
    external_id = session.scalar(select(User.external_id).where(User.id == reader_id))
    theirs = [tokens.external_subject(external_id)] if external_id else []
    return tokens.verify_view(
        settings.integrator_secret, view_token, article_id, theirs, max_age, at
    )
