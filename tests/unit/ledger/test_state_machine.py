"""Random sequences of ledger operations, checked against an in-memory model after every step.

Fast by default; LEDGER_HYPOTHESIS_EXAMPLES=500 LEDGER_HYPOTHESIS_STEPS=60 for a longer run.
"""

from __future__ import annotations

import copy
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from readtoearn.db import new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import AccountSpec, TransferSpec
from readtoearn.ledger.interfaces import TransferResultCode as R
from readtoearn.ledger.models import AccountCode, AccountFlags, TransferCode, TransferFlags

EXAMPLES = int(os.environ.get("LEDGER_HYPOTHESIS_EXAMPLES", "20"))
STEPS = int(os.environ.get("LEDGER_HYPOTHESIS_STEPS", "20"))
# Debugging a failure: LEDGER_HYPOTHESIS_NO_SHRINK=1 reports it without minimising it.
PHASES = (
    [Phase.explicit, Phase.reuse, Phase.generate]
    if os.environ.get("LEDGER_HYPOTHESIS_NO_SHRINK")
    else list(Phase)
)
P, PO, V, L = (
    TransferFlags.PENDING,
    TransferFlags.POST_PENDING,
    TransferFlags.VOID_PENDING,
    TransferFlags.LINKED,
)


@dataclass
class MAccount:
    ledger: str
    dflag: bool
    cflag: bool
    bal: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # dp, dpo, cp, cpo
    frozen: bool = False

    def broken(self) -> R | None:
        dp, dpo, cp, cpo = self.bal
        if self.dflag and dp + dpo > cpo:
            return R.EXCEEDS_CREDITS
        if self.cflag and cp + cpo > dpo:
            return R.EXCEEDS_DEBITS
        return None


@dataclass
class MTransfer:
    spec: TransferSpec
    debit: uuid.UUID
    credit: uuid.UUID
    amount: int
    ledger: str
    code: str
    expires_at: datetime | None


@dataclass
class Model:
    accounts: dict[uuid.UUID, MAccount]
    transfers: dict[uuid.UUID, MTransfer] = field(default_factory=dict)
    resolved: dict[uuid.UUID, tuple[int, str]] = field(default_factory=dict)
    reversed: set[uuid.UUID] = field(default_factory=set)
    # Posted credits to each wallet (its lots), as (time, amount).
    credits: dict[uuid.UUID, list[tuple[datetime, int]]] = field(default_factory=dict)

    def move(
        self,
        debit: uuid.UUID,
        credit: uuid.UUID,
        amount: int,
        pending: bool,
        stamp: datetime | None = None,
    ) -> R:
        d, c = self.accounts[debit], self.accounts[credit]
        i = 0 if pending else 1
        d.bal[i] += amount
        c.bal[i + 2] += amount
        code = d.broken() or c.broken()
        if code:
            d.bal[i] -= amount
            c.bal[i + 2] -= amount
            return code
        if not pending and credit in self.credits:
            assert stamp is not None
            self.credits[credit].append((stamp, amount))
        return R.OK

    def expire(self, now: datetime, days: int, sink: uuid.UUID) -> tuple[int, int]:
        """Expired remainders, oldest lots spent first, leaving what pending debits hold."""
        cutoff = datetime.combine((now - timedelta(days=days)).date(), time(), UTC)
        count = total = 0
        for wallet, credits in sorted(self.credits.items()):
            dp, dpo, _, cpo = self.accounts[wallet].bal
            old = sum(amount for at, amount in credits if at < cutoff)
            amount = min(old - dpo, cpo - dpo - dp)
            if amount > 0:
                assert self.move(wallet, sink, amount, pending=False) is R.OK
                count += 1
                total += amount
        return count, total

    def apply(self, s: TransferSpec, now: datetime, index: int) -> R:
        """What the ledger must answer, written from the rules rather than from the code."""
        one_of = [f for f in (P, PO, V) if s.flags & f]
        if len(one_of) > 1 or (s.reversal_of and one_of):
            return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        resolving = bool(s.flags & (PO | V))
        if resolving:
            if s.pending_id is None:
                return R.PENDING_ID_MUST_NOT_BE_ZERO
            if s.pending_id == s.id:
                return R.PENDING_ID_MUST_BE_DIFFERENT
            if s.timeout_s is not None:
                return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
            if s.amount is not None and s.amount <= 0:
                return R.AMOUNT_MUST_BE_POSITIVE
        elif s.pending_id is not None:
            return R.PENDING_ID_MUST_BE_ZERO
        elif s.reversal_of is not None:
            if s.amount is not None and s.amount <= 0:
                return R.AMOUNT_MUST_BE_POSITIVE
        else:
            if s.debit_account_id == s.credit_account_id:
                return R.ACCOUNTS_MUST_BE_DIFFERENT
            if s.amount is None or s.amount <= 0:
                return R.AMOUNT_MUST_BE_POSITIVE
            if s.timeout_s is not None and not s.flags & P:
                return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if s.id in self.transfers:
            return self.compare(s, self.transfers[s.id])
        stamp = now + timedelta(microseconds=index)
        if resolving:
            pend = self.transfers.get(s.pending_id)  # type: ignore[arg-type]
            if pend is None:
                return R.PENDING_TRANSFER_NOT_FOUND
            if not pend.spec.flags & P:
                return R.PENDING_TRANSFER_NOT_PENDING
            post = bool(s.flags & PO)
            amount = pend.amount if s.amount is None else s.amount
            if post and amount > pend.amount:
                return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
            if not post and amount != pend.amount:
                return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
            if pend.spec.id in self.resolved:
                flags, code = self.resolved[pend.spec.id]
                if flags & PO:
                    return R.PENDING_TRANSFER_ALREADY_POSTED
                if code == TransferCode.PENDING_TIMEOUT:
                    return R.PENDING_TRANSFER_EXPIRED
                return R.PENDING_TRANSFER_ALREADY_VOIDED
            if pend.expires_at is not None and pend.expires_at <= now:
                return R.PENDING_TRANSFER_EXPIRED
            # A frozen account lets a hold be voided, never posted.
            if post and self.accounts[pend.debit].frozen:
                return R.DEBIT_ACCOUNT_FROZEN
            if post and self.accounts[pend.credit].frozen:
                return R.CREDIT_ACCOUNT_FROZEN
            self.accounts[pend.debit].bal[0] -= pend.amount
            self.accounts[pend.credit].bal[2] -= pend.amount
            if post:
                code = self.move(pend.debit, pend.credit, amount, pending=False, stamp=stamp)
                if code is not R.OK:
                    self.accounts[pend.debit].bal[0] += pend.amount
                    self.accounts[pend.credit].bal[2] += pend.amount
                    return code
            self.resolved[pend.spec.id] = (int(s.flags), str(s.code or pend.code))
            self.transfers[s.id] = MTransfer(
                s, pend.debit, pend.credit, amount, pend.ledger, str(s.code or pend.code), None
            )
            return R.OK
        if s.reversal_of is not None:
            orig = self.transfers.get(s.reversal_of)
            if orig is None:
                return R.REVERSED_TRANSFER_NOT_FOUND
            if orig.spec.flags & (P | V):
                return R.REVERSED_TRANSFER_NOT_POSTED
            if s.amount is not None and s.amount != orig.amount:
                return R.REVERSAL_HAS_DIFFERENT_AMOUNT
            if orig.spec.id in self.reversed:
                return R.REVERSED_TRANSFER_ALREADY_REVERSED
            code = self.move(orig.credit, orig.debit, orig.amount, pending=False, stamp=stamp)
            if code is not R.OK:
                return code
            self.reversed.add(orig.spec.id)
            self.transfers[s.id] = MTransfer(
                s, orig.credit, orig.debit, orig.amount, orig.ledger, str(s.code), None
            )
            return R.OK
        assert s.debit_account_id and s.credit_account_id and s.amount
        if s.debit_account_id not in self.accounts:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        if s.credit_account_id not in self.accounts:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        d, c = self.accounts[s.debit_account_id], self.accounts[s.credit_account_id]
        if d.ledger != c.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        # Only expiry and an operator's adjustment take posted points out of a frozen account;
        # nothing new goes in (reversals and voids pass, above).
        taking_back = s.code in (TransferCode.EXPIRY, TransferCode.ADJUSTMENT)
        if d.frozen and (s.flags & P or not taking_back):
            return R.DEBIT_ACCOUNT_FROZEN
        if c.frozen:
            return R.CREDIT_ACCOUNT_FROZEN
        code = self.move(
            s.debit_account_id, s.credit_account_id, s.amount, bool(s.flags & P), stamp=stamp
        )
        if code is not R.OK:
            return code
        expires = stamp + timedelta(seconds=s.timeout_s) if s.timeout_s else None
        self.transfers[s.id] = MTransfer(
            s, s.debit_account_id, s.credit_account_id, s.amount, d.ledger, str(s.code), expires
        )
        return R.OK

    @staticmethod
    def compare(s: TransferSpec, t: MTransfer) -> R:
        if s.flags != t.spec.flags:
            return R.EXISTS_WITH_DIFFERENT_FLAGS
        if s.pending_id != t.spec.pending_id:
            return R.EXISTS_WITH_DIFFERENT_PENDING_ID
        if s.timeout_s != t.spec.timeout_s:
            return R.EXISTS_WITH_DIFFERENT_TIMEOUT
        if s.debit_account_id is not None and s.debit_account_id != t.debit:
            return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
        if s.credit_account_id is not None and s.credit_account_id != t.credit:
            return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
        if s.amount is not None and s.amount != t.amount:
            return R.EXISTS_WITH_DIFFERENT_AMOUNT
        if s.code is not None and s.code != t.code:
            return R.EXISTS_WITH_DIFFERENT_CODE
        if (s.metadata or {}) != (t.spec.metadata or {}):
            return R.EXISTS_WITH_DIFFERENT_METADATA
        if s.reversal_of != t.spec.reversal_of:
            return R.EXISTS_WITH_DIFFERENT_REVERSAL_OF
        return R.EXISTS

    def apply_batch(self, batch: list[TransferSpec], now: datetime) -> list[R]:
        """Linked chains: all succeed (or were all there already), or none is applied."""
        out: list[R] = []
        i = 0
        while i < len(batch):
            j = i
            while j < len(batch) - 1 and batch[j].flags & L:
                j += 1
            chain = batch[i : j + 1]
            open_chain = bool(chain[-1].flags & L)
            if len(chain) == 1 and not open_chain:
                out.append(self.apply(chain[0], now, i))
                i = j + 1
                continue
            state = (self.accounts, self.transfers, self.resolved, self.reversed, self.credits)
            saved = copy.deepcopy(state)
            codes: list[R] = []
            for k, s in enumerate(chain):
                if any(c not in (R.OK, R.EXISTS) for c in codes):
                    codes.append(R.LINKED_EVENT_FAILED)
                else:
                    codes.append(self.apply(s, now, i + k))
            if open_chain:
                codes[-1] = R.LINKED_EVENT_CHAIN_OPEN
            hard = any(c not in (R.OK, R.EXISTS, R.LINKED_EVENT_FAILED) for c in codes)
            if hard or (R.OK in codes and R.EXISTS in codes):
                self.accounts, self.transfers, self.resolved, self.reversed, self.credits = saved
                codes = [R.LINKED_EVENT_FAILED if c is R.OK else c for c in codes]
            out.extend(codes)
            i = j + 1
        return out

    def void_expired(self, now: datetime) -> int:
        count = 0
        for t in list(self.transfers.values()):
            if t.expires_at and t.expires_at <= now and t.spec.id not in self.resolved:
                self.accounts[t.debit].bal[0] -= t.amount
                self.accounts[t.credit].bal[2] -= t.amount
                self.resolved[t.spec.id] = (int(V), str(TransferCode.PENDING_TIMEOUT))
                count += 1
        return count


def make_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.conn = engine.connect()
            self.outer = self.conn.begin()
            self.session = Session(bind=self.conn, join_transaction_mode="create_savepoint")
            self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
            D = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
            C = AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
            layout = [
                (AccountCode.FUNDING, "points", AccountFlags.NONE),
                (AccountCode.BUDGET, "points", D),
                (AccountCode.WALLET, "points", D),
                (AccountCode.WALLET, "points", D),
                (AccountCode.REDEMPTION, "points", D),
                (AccountCode.ADJUSTMENT, "points", C),
                (AccountCode.STOCK, "stock:x", D),
            ]
            specs = [
                AccountSpec(new_id(), code, led, new_id(), flags) for code, led, flags in layout
            ]
            assert all(r.ok for r in ledger.create_accounts(self.session, specs))
            self.ids = [s.id for s in specs]
            self.model = Model(
                {
                    s.id: MAccount(
                        s.ledger,
                        bool(s.flags & D),
                        bool(s.flags & C),
                    )
                    for s in specs
                }
            )
            self.submitted: list[TransferSpec] = []
            self.sink = ledger.system_account(self.session, AccountCode.EXPIRY)
            self.model.accounts[self.sink] = MAccount("points", dflag=True, cflag=False)
            for spec, (code, _, _) in zip(specs, layout, strict=True):
                if code is AccountCode.WALLET:
                    self.model.credits[spec.id] = []
            fund = TransferSpec(new_id(), self.ids[0], self.ids[1], 300, TransferCode.FUNDING)
            self.submit([fund])

        def teardown(self) -> None:
            self.session.close()
            self.outer.rollback()
            self.conn.close()

        def submit(self, batch: list[TransferSpec]) -> None:
            expected = self.model.apply_batch(batch, self.now)
            got = [r.code for r in ledger.create_transfers(self.session, batch, now=self.now)]
            assert got == expected, (batch, got, expected)
            self.submitted.extend(batch)

        def draw_spec(self, data: st.DataObject) -> TransferSpec:
            kind = data.draw(
                st.sampled_from(
                    [
                        "transfer",
                        "transfer",
                        "pending",
                        "post",
                        "void",
                        "reverse",
                        "replay",
                        "changed",
                    ]
                )
            )
            account = st.sampled_from(self.ids)
            amount = st.integers(0, 80)
            linked = data.draw(st.integers(0, 3)) == 0
            flags = L if linked else TransferFlags.NONE
            known = [t.spec.id for t in self.model.transfers.values()]
            pendings = [t.spec.id for t in self.model.transfers.values() if t.spec.flags & P]
            if kind in ("replay", "changed") and self.submitted:
                old = data.draw(st.sampled_from(self.submitted))
                if kind == "replay":
                    return old
                return replace(old, amount=(old.amount or 0) + 1, metadata={"changed": True})
            if kind in ("post", "void") and pendings:
                pid = data.draw(st.sampled_from(pendings) | st.just(new_id()))
                amt = data.draw(st.none() | amount) if kind == "post" else None
                return TransferSpec(
                    new_id(),
                    amount=amt,
                    flags=flags | (PO if kind == "post" else V),
                    pending_id=pid,
                )
            if kind == "reverse" and known:
                return TransferSpec(
                    new_id(),
                    reversal_of=data.draw(st.sampled_from(known)),
                    code=TransferCode.REVERSAL,
                    flags=flags,
                )
            pending = kind == "pending"
            timeout = data.draw(st.none() | st.integers(1, 120)) if pending else None
            return TransferSpec(
                new_id(),
                debit_account_id=data.draw(account),
                credit_account_id=data.draw(account),
                amount=data.draw(amount),
                code=data.draw(
                    st.sampled_from([TransferCode.ADJUSTMENT, TransferCode.READ_REWARD])
                ),
                flags=flags | (P if pending else TransferFlags.NONE),
                timeout_s=timeout,
                metadata=data.draw(st.none() | st.just({"k": 1})),
            )

        @rule(data=st.data(), size=st.integers(1, 4))
        def batch(self, data: st.DataObject, size: int) -> None:
            self.submit([self.draw_spec(data) for _ in range(size)])

        @rule(data=st.data(), frozen=st.booleans())
        def freeze(self, data: st.DataObject, frozen: bool) -> None:
            aid = data.draw(st.sampled_from(self.ids))
            change = ledger.freeze_account if frozen else ledger.unfreeze_account
            assert change(self.session, aid) is (self.model.accounts[aid].frozen != frozen)
            self.model.accounts[aid].frozen = frozen
            assert ledger.balance(self.session, aid).frozen is frozen
            event("an account frozen" if frozen else "an account unfrozen")

        @rule(seconds=st.integers(0, 90))
        def advance(self, seconds: int) -> None:
            self.now += timedelta(seconds=seconds)

        @rule(days=st.integers(1, 3))
        def advance_days(self, days: int) -> None:
            self.now += timedelta(days=days, hours=days)

        @rule()
        def expire(self) -> None:
            expected = self.model.expire(self.now, 1, self.sink)
            report = ledger.expire(self.session, self.now, expiry_days=1)
            assert (report.accounts, report.points) == expected
            event("expiry moved points" if report.points else "expiry moved nothing")

        @rule()
        def void_expired(self) -> None:
            expected = self.model.void_expired(self.now)
            assert ledger.void_expired_pending(self.session, self.now) == expected

        @invariant()
        def balances_match_the_model(self) -> None:
            for aid, macct in self.model.accounts.items():
                b = ledger.balance(self.session, aid)
                got = [b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted]
                assert got == macct.bal, (aid, got, macct.bal)

        @invariant()
        def audit_passes(self) -> None:
            report = ledger.audit(self.session)
            assert report.ok, report.render()

    return LedgerMachine


def test_ledger_matches_its_model(engine) -> None:
    machine = make_machine(engine)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
