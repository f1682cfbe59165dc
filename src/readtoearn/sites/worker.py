"""The background task `serve` runs for the sites: send due webhook deliveries every
`webhook_poll_s` seconds, and forget used sign-in token ids once they have expired."""

from __future__ import annotations

import asyncio
import logging
import time

from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.sites.delivery import deliver_due
from readtoearn.sites.sso import forget_seen_tokens

log = logging.getLogger(__name__)

FORGET_EVERY_S = 3600.0


def _forget(database: Database, clock: Clock) -> None:
    with database.session(write=True) as session:
        forget_seen_tokens(session, clock.now())


async def run(database: Database, settings: Settings, clock: Clock) -> None:
    """Forever (until cancelled): deliveries, and now and then the sweep of used token ids. The
    queue is a table, so a restart loses nothing: the next round sends what is due."""
    next_forget = time.monotonic()
    while True:
        try:
            while await asyncio.to_thread(deliver_due, database, settings, clock):
                pass  # a full batch: there may be more due right away
        except Exception:  # retried at the next round; the app carries on
            log.exception("sending webhook deliveries failed")
        if time.monotonic() >= next_forget:
            next_forget = time.monotonic() + FORGET_EVERY_S
            try:
                await asyncio.to_thread(_forget, database, clock)
            except Exception:  # retried at the next sweep
                log.exception("forgetting expired sign-in token ids failed")
        await asyncio.sleep(settings.webhook_poll_s)
