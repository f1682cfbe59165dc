"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from readtoearn.db import Database
from readtoearn.errors import Busy
from readtoearn.web.deps import DatabaseDep

router = APIRouter(tags=["operations"])

# A crowd of writers must not make a live worker look dead: health waits this long at most.
HEALTH_WAIT_S = 0.5


def _ping(database: Database) -> None:
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/healthz", summary="200 when the database answers (or is busy, but up)")
async def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        async with database.admitted(write=False, wait_s=HEALTH_WAIT_S):
            await run_in_threadpool(_ping, database)
    except Busy:  # every connection is in use: busy, not down
        return JSONResponse({"status": "ok", "database": "busy"})
    except Exception:  # any driver failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
