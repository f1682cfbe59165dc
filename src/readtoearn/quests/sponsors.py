"""Sponsors: who they are, the ledger account their quests pay from, funding it, and the private
report they are sent (completions per day, points paid, what remains)."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.trail import record_action
from readtoearn.articles.text import slugify
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import AccountCode, AccountFlags, TransferCode
from readtoearn.quests.models import Quest, QuestCompletion, Sponsor
from readtoearn.quests.urls import checked_url

log = logging.getLogger(__name__)

MAX_FUNDING = 10**12


@dataclass(frozen=True)
class SponsorDraft:
    """A sponsor as an operator describes it."""

    name: str
    slug: str | None = None
    logo_url: str | None = None
    link_url: str | None = None


@dataclass(frozen=True)
class Funding:
    """A funding of a sponsor's account: its transfer, whether it happened now, the balance."""

    transfer_id: uuid.UUID
    created: bool
    available: int


@dataclass(frozen=True)
class ReportDay:
    day: date
    completions: int
    points: int


@dataclass(frozen=True)
class QuestLine:
    quest: Quest
    completions: int
    points: int


@dataclass(frozen=True)
class SponsorReport:
    """What a sponsor sees: its budget, what it paid, per day and per quest."""

    sponsor: Sponsor
    funded: int
    paid: int
    remaining: int
    completions: int
    days: list[ReportDay]
    quests: list[QuestLine]

    @property
    def budget_spent(self) -> bool:
        """Too little left to pay any of the sponsor's open quests."""
        open_points = [q.quest.points for q in self.quests if q.quest.status == "open"]
        return bool(open_points) and self.remaining < min(open_points)


def sponsor_account(session: Session, sponsor_id: uuid.UUID) -> uuid.UUID:
    """The ledger account a sponsor's quests pay from (never below zero)."""
    return ledger.ensure_account(
        session,
        AccountCode.SPONSOR,
        owner_id=sponsor_id,
        flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def sponsor_available(session: Session, sponsor_id: uuid.UUID) -> int:
    """The points a sponsor's account can still pay (read only: 0 before its account exists)."""
    return available(session, ledger.account_id(AccountCode.SPONSOR, owner_id=sponsor_id))


def available(session: Session, account_id: uuid.UUID) -> int:
    """What an account can pay now, or 0 when it does not exist yet (nothing is written)."""
    try:
        return ledger.balance(session, account_id).available
    except NotFound:
        return 0


def create_sponsor(
    session: Session,
    draft: SponsorDraft,
    *,
    by: str = "",
    actor: uuid.UUID | None = None,
    trail: bool = True,
) -> Sponsor:
    """Add a sponsor, its empty account and its private report link (the action goes to the
    audit trail; the report's token never does)."""
    name = draft.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a sponsor's name is 1 to 200 characters", code="invalid_sponsor")
    slug = slugify(draft.slug or name)
    if session.scalar(select(Sponsor.id).where(Sponsor.slug == slug)) is not None:
        raise Conflict(f"a sponsor with the slug {slug!r} exists already", code="slug_taken")
    sponsor = Sponsor(
        slug=slug,
        name=name,
        logo_url=checked_url(draft.logo_url, "the logo URL"),
        link_url=checked_url(draft.link_url, "the sponsor's link"),
        report_token=secrets.token_urlsafe(32),
    )
    session.add(sponsor)
    session.flush()
    sponsor_account(session, sponsor.id)
    if trail:
        after = {"slug": slug, "name": name, "logo_url": sponsor.logo_url, "link": sponsor.link_url}
        record_action(session, actor, "sponsor.create", target=("sponsor", sponsor.id), after=after)
    log.info("sponsor %s created by %s", sponsor.slug, by or "an operator")
    return sponsor


def get_sponsor(session: Session, ref: str | uuid.UUID) -> Sponsor:
    """A sponsor by id or slug; NotFound when there is none."""
    sponsor: Sponsor | None = None
    try:
        sponsor = session.get(Sponsor, uuid.UUID(str(ref)))
    except ValueError:
        sponsor = session.scalar(select(Sponsor).where(Sponsor.slug == str(ref)))
    if sponsor is None:
        raise NotFound(f"no sponsor {ref}", code="sponsor_not_found")
    return sponsor


def list_sponsors(session: Session) -> list[Sponsor]:
    """Every sponsor, by name."""
    return list(session.scalars(select(Sponsor).order_by(Sponsor.name)))


def sponsor_funding_id(key: str) -> uuid.UUID:
    """The transfer of the funding made with `key`: the same key funds once."""
    return ledger.transfer_id(f"sponsor-funding:{key}")


def fund_sponsor(
    session: Session,
    ref: str | uuid.UUID,
    amount: int,
    *,
    key: str | None = None,
    note: str = "",
    by: str = "",
    actor: uuid.UUID | None = None,
    trail: bool = True,
) -> Funding:
    """Move points from the operator's funding account into a sponsor's account."""
    if not 1 <= amount <= MAX_FUNDING:
        raise InvalidInput(f"fund between 1 and {MAX_FUNDING} points", code="invalid_amount")
    sponsor = get_sponsor(session, ref)
    transfer = sponsor_funding_id(key) if key else ledger.transfer_id(f"sponsor:{uuid.uuid4()}")
    metadata: dict[str, Any] = {"sponsor_id": str(sponsor.id), "by": by or "operator"}
    if note.strip():
        metadata["note"] = note.strip()[:200]
    try:
        result = ledger.transfer(
            session,
            TransferSpec(
                id=transfer,
                debit_account_id=ledger.system_account(session, AccountCode.FUNDING),
                credit_account_id=sponsor_account(session, sponsor.id),
                amount=amount,
                code=TransferCode.SPONSOR_FUNDING,
                metadata=metadata,
            ),
        )
    except ledger.LedgerError as refused:
        if refused.result.code.value.startswith("exists_with_different"):
            raise Conflict(
                "this key was already used for another funding: use a new key",
                code="idempotency_key_reused",
            ) from None
        raise
    if trail and result.created:
        after = {"points": amount, "transfer_id": transfer}
        record_action(
            session,
            actor,
            "sponsor.fund",
            target=("sponsor", sponsor.id),
            after=after,
            note=note.strip(),
        )
    log.info("sponsor %s funded with %d point(s) by %s", sponsor.slug, amount, by or "operator")
    return Funding(transfer, result.created, sponsor_available(session, sponsor.id))


def get_sponsor_report(session: Session, token: str) -> SponsorReport:
    """The report behind a sponsor's private link; NotFound for any other token."""
    sponsor = None
    if 20 <= len(token) <= 64:
        sponsor = session.scalar(select(Sponsor).where(Sponsor.report_token == token))
    if sponsor is None or not secrets.compare_digest(sponsor.report_token, token):
        raise NotFound("there is no report at this address", code="report_not_found")
    return build_report(session, sponsor)


def build_report(session: Session, sponsor: Sponsor) -> SponsorReport:
    """A sponsor's report: funded, paid and remaining points, per day and per quest (UTC days)."""
    c = QuestCompletion
    rows = session.execute(
        select(c.quest_id, c.completed_at, c.points).where(c.sponsor_id == sponsor.id)
    ).all()
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    per_quest: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for quest_id, completed_at, points in rows:
        for bucket in (per_day[completed_at.date()], per_quest[quest_id]):
            bucket[0] += 1
            bucket[1] += points
    quests = list(
        session.scalars(select(Quest).where(Quest.sponsor_id == sponsor.id).order_by(Quest.slug))
    )
    balance = ledger.balance(session, sponsor_account(session, sponsor.id))
    return SponsorReport(
        sponsor=sponsor,
        funded=balance.credits_posted,
        paid=balance.debits_posted,
        remaining=balance.available,
        completions=len(rows),
        days=[ReportDay(d, n, p) for d, (n, p) in sorted(per_day.items())],
        quests=[QuestLine(q, *per_quest.get(q.id, [0, 0])) for q in quests],
    )


def report_csv(report: SponsorReport) -> str:
    """The report's days as CSV: date, completions, points paid (then the totals)."""
    lines = ["date,completions,points_paid"]
    lines += [f"{d.day.isoformat()},{d.completions},{d.points}" for d in report.days]
    lines.append(f"total,{report.completions},{report.paid}")
    return "\r\n".join(lines) + "\r\n"
