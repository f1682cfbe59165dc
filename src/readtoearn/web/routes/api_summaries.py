"""JSON API v1: an article's summary, "In brief" bullets and key figures."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel

from readtoearn.summaries import service as summaries
from readtoearn.summaries.figures import Figure, format_figure, format_normalised, hedge_label
from readtoearn.web.deps import DatabaseDep, SettingsDep
from readtoearn.web.i18n import negotiate
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1", tags=["summaries"])


class SummaryOut(BaseModel):
    article_id: uuid.UUID
    language: str
    summary: str
    in_brief: list[str]
    editorial_in_brief: list[str]
    backend: str
    fallback: bool


class FigureOut(BaseModel):
    kind: str
    text: str
    value: str
    unit: str
    period: str | None
    display: str
    normalised: str
    hedges: list[str]
    hedge_labels: list[str]
    subject: str | None
    sentence: str

    @classmethod
    def of(cls, figure: Figure, locale: str) -> FigureOut:
        return cls(
            kind=figure.kind.value,
            text=figure.text,
            value=str(figure.value),
            unit=figure.unit,
            period=figure.period,
            display=format_figure(figure, locale),
            normalised=format_normalised(figure, locale),
            hedges=[h.value for h in figure.hedges],
            hedge_labels=[hedge_label(h, locale) for h in figure.hedges],
            subject=figure.subject,
            sentence=figure.sentence,
        )


class KeyFiguresOut(BaseModel):
    article_id: uuid.UUID
    language: str
    locale: str
    figures: list[FigureOut]


@router.get(
    "/articles/{article_id}/summary",
    summary="The article's summary and In brief bullets (generated beside the editorial ones)",
    responses={404: {"model": ErrorOut}},
)
def get_summary(article_id: str, database: DatabaseDep, settings: SettingsDep) -> SummaryOut:
    view = summaries.get_summary(database, article_id, settings)
    return SummaryOut(
        article_id=view.article_id,
        language=view.language,
        summary=view.summary,
        in_brief=view.in_brief,
        editorial_in_brief=view.editorial_in_brief,
        backend=view.backend,
        fallback=view.fallback_from is not None,
    )


@router.get(
    "/articles/{article_id}/key-figures",
    summary="The article's key figures, shown in the reader's locale (?lang= or Accept-Language)",
    responses={404: {"model": ErrorOut}},
)
def get_key_figures(
    article_id: str, request: Request, database: DatabaseDep, settings: SettingsDep
) -> KeyFiguresOut:
    locale = negotiate(request, settings.default_language)
    view = summaries.get_summary(database, article_id, settings)
    return KeyFiguresOut(
        article_id=view.article_id,
        language=view.language,
        locale=locale,
        figures=[FigureOut.of(f, locale) for f in view.figures],
    )
