"""CSV exports for the console: the ledger (all of it, or one account, over a period), reads,
redemptions and readers, streamed a page at a time so that a million rows never sit in memory.

Each page is read in a short transaction of its own, after the last row of the page before
(keyset pagination on time and id), and turned into CSV text right away. A cell that a
spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return) is
written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles.models import Article
from readtoearn.db import Database
from readtoearn.errors import InvalidInput, NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode, Transfer
from readtoearn.reading.models import Read
from readtoearn.rewards.models import Redemption, Reward

PAGE = 2000
KINDS = ("ledger", "reads", "redemptions", "readers")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFilter:
    since: datetime | None = None
    until: datetime | None = None
    account: str = ""  # ledger only: "", "budget", "funding", a reader's e-mail, an account id


@dataclass(frozen=True)
class _Plan:
    header: Sequence[str]
    query: Any  # a Select of one entity, or of an entity and some columns
    time: InstrumentedAttribute[Any]
    key: InstrumentedAttribute[Any]
    row: Callable[[Any], Sequence[Any]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def resolve_account(session: Session, account: str) -> uuid.UUID | None:
    """The ledger account an export names: none (all), a system account, a reader's wallet by
    e-mail, or an account id."""
    text = account.strip()
    if not text:
        return None
    if text.lower() in ("budget", "funding"):
        code = AccountCode.BUDGET if text.lower() == "budget" else AccountCode.FUNDING
        return ledger.account_id(code)
    if "@" in text:
        user = session.scalar(select(User).where(User.email == text.lower()))
        if user is None:
            raise NotFound("no reader has this e-mail", code="reader_not_found")
        return ledger.get_or_create_wallet(session, user.id)
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(
            "name the account as budget, funding, a reader's e-mail or an account id",
            code="account",
        ) from None


def _ledger_plan(account_id: uuid.UUID | None) -> _Plan:
    t = Transfer
    query = select(t)
    if account_id is not None:
        query = query.where(
            or_(t.debit_account_id == account_id, t.credit_account_id == account_id)
        )
    return _Plan(
        header=(
            "transfer_id", "created_at", "code", "flags", "debit_account_id",
            "credit_account_id", "amount", "pending_id", "reversal_of", "metadata",
        ),
        query=query,
        time=t.created_at,
        key=t.id,
        row=lambda r: (
            r.id, r.created_at, r.code, r.flags, r.debit_account_id, r.credit_account_id,
            r.amount, r.pending_id, r.reversal_of, r.meta,
        ),
    )  # fmt: skip


def _reads_plan() -> _Plan:
    query = select(Read, Article.title).join(Article, Article.id == Read.article_id)
    return _Plan(
        header=(
            "read_id", "started_at", "completed_at", "reader_id", "article_id", "article",
            "status", "verdict", "points", "quiz_points", "active_seconds", "reasons",
        ),
        query=query,
        time=Read.started_at,
        key=Read.id,
        row=lambda r: (
            r[0].id, r[0].started_at, r[0].completed_at, r[0].reader_id, r[0].article_id, r[1],
            r[0].status, r[0].verdict, r[0].points, r[0].quiz_points, r[0].active_ms // 1000,
            ";".join(r[0].reasons or ()),
        ),
    )  # fmt: skip


def _redemptions_plan() -> _Plan:
    query = (
        select(Redemption, Reward.name_en, User.email)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(User, User.id == Redemption.reader_id)
    )
    return _Plan(
        header=(
            "redemption_id", "created_at", "reader_id", "reader_email", "reward_id", "reward",
            "status", "cost", "shipped_at", "delivered_at", "tracking_note", "risk",
        ),
        query=query,
        time=Redemption.created_at,
        key=Redemption.id,
        row=lambda r: (
            r[0].id, r[0].created_at, r[0].reader_id, r[2], r[0].reward_id, r[1], r[0].status,
            r[0].cost, r[0].shipped_at, r[0].delivered_at, r[0].tracking_note, r[0].risk,
        ),
    )  # fmt: skip


def _readers_plan() -> _Plan:
    return _Plan(
        header=(
            "reader_id", "created_at", "email", "display_name", "language", "email_verified_at",
            "last_login_at", "active", "console_role",
        ),
        query=select(User),
        time=User.created_at,
        key=User.id,
        row=lambda u: (
            u.id, u.created_at, u.email, u.display_name, u.language, u.email_verified_at,
            u.last_login_at, u.is_active, (u.console_role or "operator") if u.is_operator else "",
        ),
    )  # fmt: skip


def _plan(session: Session, kind: str, wanted: ExportFilter) -> _Plan:
    if kind == "ledger":
        return _ledger_plan(resolve_account(session, wanted.account))
    if kind == "reads":
        return _reads_plan()
    if kind == "redemptions":
        return _redemptions_plan()
    if kind == "readers":
        return _readers_plan()
    raise NotFound(f"no export named {kind}", code="export_not_found")


def stream_csv(database: Database, kind: str, wanted: ExportFilter) -> Iterator[str]:
    """The export as CSV text, a page of rows per chunk, the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with database.session() as session:
        plan = _plan(session, kind, wanted)
    writer.writerow(plan.header)
    yield _drain(buffer)
    last: tuple[Any, Any] | None = None
    while True:
        query = plan.query
        if wanted.since is not None:
            query = query.where(plan.time >= wanted.since)
        if wanted.until is not None:
            query = query.where(plan.time < wanted.until)
        if last is not None:
            query = query.where(
                or_(plan.time > last[0], and_(plan.time == last[0], plan.key > last[1]))
            )
        query = query.order_by(plan.time, plan.key).limit(PAGE)
        with database.session() as session:
            rows = session.execute(query).unique().all()
            for found in rows:
                writer.writerow([_cell(v) for v in plan.row(_entity(found))])
            if rows:
                tail = _entity(rows[-1])
                first = tail[0] if isinstance(tail, tuple) else tail
                last = (getattr(first, plan.time.key), getattr(first, plan.key.key))
            session.expunge_all()
        yield _drain(buffer)
        if len(rows) < PAGE:
            return


def _entity(row: Any) -> Any:
    """A row of one entity is that entity; a row of several columns stays a tuple."""
    return row[0] if len(row) == 1 else tuple(row)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def start_export(session: Session, kind: str, wanted: ExportFilter, *, by: Any) -> None:
    """Check an export before it streams, and record who took it (the audit trail)."""
    _plan(session, kind, wanted)
    after = {
        "since": wanted.since,
        "until": wanted.until,
        "account": wanted.account or None,
    }
    record_action(session, by, f"export.{kind}", after=after)
