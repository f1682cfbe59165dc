"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from readtoearn.web.deps import DatabaseDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="200 when the database answers")
def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any driver failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
