"""The trust gates at the door (docs/accounts.md): proof of work and rate limits, for pages and
the API alike.

Rates are counted per address group (the keyed hash of the client's /24 or /64, see
web/client.py) and per reader where there is one. Requests with no address at all share one
bucket, so a front end that hides addresses limits everyone together rather than no one.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from readtoearn.accounts.pow import ProofOfWork, make_replay_store
from readtoearn.config import Settings
from readtoearn.web.client import request_address
from readtoearn.web.deps import ReaderAlone
from readtoearn.web.sessions import get_rate_limiter

POW_HEADER = "x-altcha"
POW_FIELD = "altcha"
UNKNOWN_ADDRESS = "unknown"
_lock = threading.Lock()


def get_proof_of_work(request: Request) -> ProofOfWork:
    """The app's proof-of-work checker (its replay store in process, or Redis)."""
    state = request.app.state
    checker: ProofOfWork | None = getattr(state, "proof_of_work", None)
    if checker is None:
        with _lock:
            checker = getattr(state, "proof_of_work", None)
            if checker is None:
                checker = ProofOfWork(state.settings, make_replay_store(state.settings))
                state.proof_of_work = checker
    return checker


def address_key(request: Request) -> str:
    """The key of the client's address group for the rate limits."""
    settings: Settings = request.app.state.settings
    return request_address(request, settings) or UNKNOWN_ADDRESS


def gate(
    request: Request,
    rates: Sequence[tuple[str, tuple[str, ...]]],
    *,
    proof: str | None = None,
    needs_proof: bool = True,
) -> None:
    """Count the request against each (rate, key) in turn, then check its proof of work:
    RateLimited, ProofRequired or ProofInvalid. Blocking (Redis): call it from a thread."""
    limiter = get_rate_limiter(request)
    for rate, key in rates:
        limiter.limit(rate, *key)
    if needs_proof:
        get_proof_of_work(request).verify(proof)


async def agate(
    request: Request,
    rates: Sequence[tuple[str, tuple[str, ...]]],
    *,
    proof: str | None = None,
    needs_proof: bool = True,
) -> None:
    """`gate` from async code, in a thread."""
    await run_in_threadpool(gate, request, rates, proof=proof, needs_proof=needs_proof)


async def token_gate(request: Request) -> None:
    """For the API routes that hand out bearer tokens: rate_limit_token per address group, and
    a proof of work in the X-Altcha header."""
    settings: Settings = request.app.state.settings
    rates = [(settings.rate_limit_token, ("token", address_key(request)))]
    await agate(request, rates, proof=request.headers.get(POW_HEADER))


def check_redeem(request: Request, reader_id: uuid.UUID, proof: str | None) -> None:
    """For a redemption (page or API): rate_limit_redeem per reader, and a proof of work."""
    settings: Settings = request.app.state.settings
    gate(request, [(settings.rate_limit_redeem, ("redeem", str(reader_id)))], proof=proof)


async def redeem_gate(request: Request, reader: ReaderAlone) -> None:
    """For API redemptions: `check_redeem` with the proof of work of the X-Altcha header."""
    await run_in_threadpool(check_redeem, request, reader.id, request.headers.get(POW_HEADER))


async def start_read_gate(request: Request, reader: ReaderAlone) -> None:
    """For starting a read: rate_limit_start_read per reader and per address group."""
    settings: Settings = request.app.state.settings
    rate = settings.rate_limit_start_read
    rates = [
        (rate, ("start_read", "reader", str(reader.id))),
        (rate, ("start_read", "address", address_key(request))),
    ]
    await agate(request, rates, needs_proof=False)


TokenGate = Annotated[None, Depends(token_gate)]
RedeemGate = Annotated[None, Depends(redeem_gate)]
StartReadGate = Annotated[None, Depends(start_read_gate)]
ProofOfWorkDep = Annotated[ProofOfWork, Depends(get_proof_of_work)]
