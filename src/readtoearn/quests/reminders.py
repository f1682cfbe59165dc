"""Reminders by e-mail that bring readers back: points about to expire, a followed quest about to
close.

Each reminder is recorded in `email_notices` under a key (the end of the period a points notice
covers, the quest's id) in the transaction that decides to send it, and leaves after the commit:
a sweep run twice, or by two workers at once, sends it once. A points notice covers everything
expiring in the next two windows, so a reader who earns every day hears at most once a window,
and every lot is announced between one and two windows before it goes. Only readers who confirmed
their address and did not turn reminders off are written to; each message carries a link that
turns them off without signing in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.email import EmailBackend, OutgoingEmail
from readtoearn.accounts.models import EmailNotice, User
from readtoearn.accounts.preferences import reminders_off_link
from readtoearn.config import Settings
from readtoearn.db import Database, after_commit, run_in_transaction
from readtoearn.ledger import service as ledger
from readtoearn.quests.views import ClosingQuest, list_closing_quests

log = logging.getLogger(__name__)

POINTS_EXPIRING = "points_expiring"
NEVER = datetime.min.replace(tzinfo=UTC)  # no notice yet
QUEST_CLOSING = "quest_closing"

# (subject, body) per language; the body is formatted with the fields named in it.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        POINTS_EXPIRING: (
            "{points} of your points expire soon",
            "Hello {name},\n\n{points} of your points expire between {first} and {last}. "
            "Spend them on a reward before they go:\n\n{rewards}\n\n"
            "Your points and when each expires: {wallet}\n",
        ),
        QUEST_CLOSING: (
            "\u201c{quest}\u201d closes soon",
            "Hello {name},\n\nThe quest \u201c{quest}\u201d closes on {closes}. You have done "
            "{done} of its {total} steps; finish it to earn {points} points:\n\n{link}\n",
        ),
    },
    "fr": {
        POINTS_EXPIRING: (
            "{points} de vos points expirent bientôt",
            "Bonjour {name},\n\n{points} de vos points expirent entre le {first} et le {last}. "
            "Échangez-les contre une récompense avant qu'ils ne disparaissent :\n\n{rewards}\n\n"
            "Vos points et leurs dates d'expiration : {wallet}\n",
        ),
        QUEST_CLOSING: (
            "« {quest} » se termine bientôt",
            "Bonjour {name},\n\nLa quête « {quest} » se termine le {closes}. Vous avez fait "
            "{done} de ses {total} étapes ; terminez-la pour gagner {points} points :\n\n{link}\n",
        ),
    },
}
FOOTER = {
    "en": "\n--\nYou get this reminder from {site}. To stop reminders: {off}\n",
    "fr": "\n--\nCe rappel vous est envoyé par {site}. Pour ne plus en recevoir : {off}\n",
}


@dataclass(frozen=True)
class ReminderReport:
    """How many reminders a sweep decided to send."""

    points_expiring: int = 0
    quests_closing: int = 0

    @property
    def total(self) -> int:
        return self.points_expiring + self.quests_closing


@dataclass(frozen=True)
class Reminders:
    """Where reminders go and what they link to."""

    backend: EmailBackend
    settings: Settings

    def message(self, user: User, kind: str, **fields: object) -> OutgoingEmail:
        """The reminder of `kind` for a reader, in their language, with its way out."""
        language = user.language if user.language in TEXTS else "en"
        subject, body = TEXTS[language][kind]
        base = self.settings.base_url.rstrip("/")
        off = reminders_off_link(base, self.settings.resolved_secret_key, user.id)
        values = {"name": user.display_name, "site": self.settings.site_name, **fields}
        text = body.format(**values) + FOOTER[language].format(off=off, **values)
        return OutgoingEmail(
            to=user.email,
            subject=f"{self.settings.site_name}: {subject.format(**values)}",
            body=text,
            headers=(
                ("List-Unsubscribe", f"<{off}>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ),
        )

    def queue(self, session: Session, mail: OutgoingEmail, kind: str) -> None:
        backend = self.backend

        def send() -> None:
            try:
                backend.send(mail)
            except OSError:  # recorded as sent: one lost reminder beats a reader spammed
                log.warning("could not send a %s reminder", kind)

        after_commit(session, send)


def _record(session: Session, user_id: uuid.UUID, kind: str, key: str, now: datetime) -> bool:
    """Note that a reminder goes out; False when it already went (here or in another worker)."""
    try:
        with session.begin_nested():
            session.add(EmailNotice(user_id=user_id, kind=kind, key=key, sent_at=now))
    except IntegrityError:
        return False
    return True


def _reachable(user: User) -> bool:
    return bool(user.is_active and user.email_reminders and user.email_verified_at is not None)


def _day(when: datetime, language: str) -> str:
    return format_date(when.date(), format="long", locale=language if language in TEXTS else "en")


def send_points_expiring(session: Session, now: datetime, reminders: Reminders) -> int:
    """E-mail each reader whose points expire within the window and were not announced yet."""
    settings = reminders.settings
    expiry_days = settings.points_expiry_days
    if expiry_days is None:
        return 0
    window = timedelta(days=settings.reminder_expiry_days)
    life = timedelta(days=expiry_days + 1)
    # A lot credited on day D expires at the midnight after D + expiry_days: those expiring in
    # the next window were credited in this span (a day of margin on each side).
    owners = ledger.list_wallet_owners_credited(
        session, since=now - life - timedelta(days=1), until=now + window - life + timedelta(days=1)
    )
    announced_until = _announced_until(session, owners)
    sent = 0
    for reader_id in owners:
        user = session.get(User, reader_id)
        if user is None or not _reachable(user):
            continue
        wallet = ledger.account_id(ledger.AccountCode.WALLET, owner_id=reader_id)
        lots = ledger.list_expiring(session, wallet, expiry_days)
        announced = announced_until.get(reader_id, NEVER)
        if not any(now < when <= now + window and when > announced for when, _ in lots):
            continue
        until = now + 2 * window
        coming = [(when, points) for when, points in lots if now < when <= until]
        if not _record(session, reader_id, POINTS_EXPIRING, until.isoformat(), now):
            continue
        base = settings.base_url.rstrip("/")
        mail = reminders.message(
            user,
            POINTS_EXPIRING,
            points=sum(points for _, points in coming),
            first=_day(coming[0][0], user.language),
            last=_day(coming[-1][0], user.language),
            rewards=f"{base}/rewards",
            wallet=f"{base}/account/wallet",
        )
        reminders.queue(session, mail, POINTS_EXPIRING)
        sent += 1
    return sent


def _announced_until(session: Session, reader_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The end of the period each reader's last points notice covered, in one query."""
    rows = session.execute(
        select(EmailNotice.user_id, func.max(EmailNotice.key))
        .where(EmailNotice.user_id.in_(reader_ids), EmailNotice.kind == POINTS_EXPIRING)
        .group_by(EmailNotice.user_id)
    )
    return {user_id: datetime.fromisoformat(key) for user_id, key in rows}


def send_quests_closing(
    session: Session,
    now: datetime,
    reminders: Reminders,
    closing: Callable[[Session, datetime, timedelta], Iterable[ClosingQuest]] | None = None,
) -> int:
    """E-mail each reader once about each followed quest that closes within the window."""
    settings = reminders.settings
    window = timedelta(days=settings.reminder_quest_closing_days)
    if closing is None:
        closing = partial(list_closing_quests, settings=settings)
    sent = 0
    for item in closing(session, now, window):
        user = session.get(User, item.reader_id)
        if user is None or not _reachable(user):
            continue
        if not _record(session, item.reader_id, QUEST_CLOSING, str(item.quest_id), now):
            continue
        mail = reminders.message(
            user,
            QUEST_CLOSING,
            quest=item.title_fr if user.language == "fr" and item.title_fr else item.title,
            closes=_day(item.closes_at, user.language),
            done=item.steps_done,
            total=item.steps_total,
            points=item.points,
            link=item.link,
        )
        reminders.queue(session, mail, QUEST_CLOSING)
        sent += 1
    return sent


def send_reminders(
    db: Database, now: datetime, settings: Settings, backend: EmailBackend
) -> ReminderReport:
    """Send what is due: each kind in its own transaction, every reminder once."""
    reminders = Reminders(backend, settings)
    expiring = run_in_transaction(db, lambda s: send_points_expiring(s, now, reminders))
    closing = run_in_transaction(db, lambda s: send_quests_closing(s, now, reminders))
    return ReminderReport(points_expiring=expiring, quests_closing=closing)
