"""Events for webhooks, queued in the very transaction that makes them happen (an outbox).

A listener on every session's flush watches four things, wherever the code that changes them
lives: a read reaching a verdict (`read.credited`, `read.held`, `read.rejected`), a redemption
made or fulfilled (`redemption.created`, `redemption.fulfilled`), the reminder that a reader's
points expire soon (`points.expiring`), and a quest completed (`quest.completed`). Nothing is
sent from here: the delivery worker sends what was committed, and a transaction rolled back takes
its events with it.

Read events go to the site that registered the article, or else to the sites the reader signed
in from; the others go to the sites the reader signed in from.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import EmailNotice
from readtoearn.articles.models import Article
from readtoearn.db import utcnow
from readtoearn.quests.models import QuestCompletion
from readtoearn.reading.models import Read
from readtoearn.rewards.models import Redemption, RedemptionStatus
from readtoearn.sites.models import SiteArticle, SiteReader, Webhook, WebhookDelivery
from readtoearn.sites.webhooks import EVENTS, LIVE, build_delivery

VERDICTS = {"credited", "held", "rejected"}
FULFILLED = {
    RedemptionStatus.DONE.value,
    RedemptionStatus.SHIPPED.value,
    RedemptionStatus.WON.value,
}
POINTS_EXPIRING_NOTICE = "points_expiring"


def _changed_to(obj: object, attribute: str) -> str | None:
    """The new value of an attribute changed in this flush, or None."""
    history = inspect(obj).attrs[attribute].history
    if not history.added:
        return None
    value = history.added[0]
    return value if value not in (history.deleted or ()) else None


Happened = tuple[str, str, uuid.UUID, uuid.UUID | None, dict[str, Any]]


def _events_of(session: Session) -> list[Happened]:
    """(event, event id, reader id, article id or None, data) for what this flush changes."""
    found: list[Happened] = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Read):
            status = obj.status if obj in session.new else _changed_to(obj, "status")
            if status in VERDICTS:
                data = {
                    "read_id": str(obj.id),
                    "article_id": str(obj.article_id),
                    "status": status,
                    "points": obj.points,
                    "reasons": list(obj.reasons or []),
                }
                found.append(
                    (
                        f"read.{status}",
                        f"read.{status}:{obj.id}",
                        obj.reader_id,
                        obj.article_id,
                        data,
                    )
                )
        elif isinstance(obj, Redemption):
            data = {"redemption_id": str(obj.id), "reward_id": str(obj.reward_id), "cost": obj.cost}
            if obj in session.new:
                found.append(
                    (
                        "redemption.created",
                        f"redemption.created:{obj.id}",
                        obj.reader_id,
                        None,
                        data | {"status": obj.status},
                    )
                )
            status = obj.status if obj in session.new else _changed_to(obj, "status")
            if status in FULFILLED:
                found.append(
                    (
                        "redemption.fulfilled",
                        f"redemption.fulfilled:{obj.id}",
                        obj.reader_id,
                        None,
                        data | {"status": status},
                    )
                )
        elif (
            isinstance(obj, EmailNotice)
            and obj in session.new
            and obj.kind == POINTS_EXPIRING_NOTICE
        ):
            key = f"points.expiring:{obj.user_id}:{obj.key}"
            found.append(("points.expiring", key, obj.user_id, None, {"notice": obj.key}))
        elif isinstance(obj, QuestCompletion) and obj in session.new:
            data = {"quest_id": str(obj.quest_id), "points": obj.points}
            key = f"quest.completed:{obj.quest_id}:{obj.reader_id}"
            found.append(("quest.completed", key, obj.reader_id, None, data))
    return found


def _queue(session: Session, flush_context: Any, instances: Any) -> None:
    happened = _events_of(session)
    if not happened:
        return
    with session.no_autoflush:
        # Most installations have no webhook at all: then nothing is asked of the database.
        if not LIVE.any(session):
            return
        now = utcnow()
        for name, event_id, reader_id, article_id, data in happened:
            assert name in EVENTS
            _queue_one(session, name, event_id, reader_id, article_id, data, now)


def _queue_one(
    session: Session,
    name: str,
    event_id: str,
    reader_id: uuid.UUID,
    article_id: uuid.UUID | None,
    data: dict[str, Any],
    now: Any,
) -> None:
    links = dict(
        session.execute(
            select(SiteReader.site_id, SiteReader.external_id).where(
                SiteReader.user_id == reader_id
            )
        ).all()
    )
    site_ids = list(links)
    if article_id is not None:
        row = session.execute(
            select(SiteArticle.site_id, Article.canonical_url)
            .select_from(Article)
            .outerjoin(SiteArticle, SiteArticle.article_id == Article.id)
            .where(Article.id == article_id)
        ).first()
        owner, url = row if row is not None else (None, None)
        if owner is not None:
            site_ids = [owner]
        data = data | {"article_url": url}
    if not site_ids:
        return
    hooks = session.scalars(
        select(Webhook).where(Webhook.site_id.in_(site_ids), Webhook.disabled_at.is_(None))
    ).all()
    for hook in hooks:
        if name not in hook.events:
            continue
        taken = select(WebhookDelivery.id).where(
            WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id == event_id
        )
        if session.scalar(taken) is not None:
            continue
        reader = {"id": str(reader_id), "site_user_id": links.get(hook.site_id)}
        session.add(build_delivery(hook, name, event_id, data | {"reader": reader}, now))


def install() -> None:
    """Watch every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", _queue):
        event.listen(Session, "before_flush", _queue)


# Installed when the sites domain is first imported: the app and every command import it.
install()
