"""Figures stored as JSON and shown in a reader's locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from readtoearn.summaries.figures.model import Figure, Hedge, Kind, NumberStyle


def figure_to_dict(figure: Figure) -> dict[str, object]:
    """A JSON-safe form of a figure, for the summary cache."""
    return {
        "kind": figure.kind.value,
        "text": figure.text,
        "value": str(figure.value),
        "unit": figure.unit,
        "period": figure.period,
        "hedges": [h.value for h in figure.hedges],
        "subject": figure.subject,
        "sentence": figure.sentence,
        "sentence_index": figure.sentence_index,
        "start": figure.start,
        "end": figure.end,
        "number_start": figure.number_start,
        "number_end": figure.number_end,
        "scale": str(figure.scale),
        "style": {
            "thousands": figure.style.thousands,
            "decimal": figure.style.decimal,
            "decimals": figure.style.decimals,
            "spelled": figure.style.spelled,
        },
    }


def figure_from_dict(data: dict[str, Any]) -> Figure:
    """The figure a `figure_to_dict` stored."""
    style = data.get("style") or {}
    return Figure(
        kind=Kind(data["kind"]),
        text=data["text"],
        value=Decimal(data["value"]),
        unit=data["unit"],
        sentence=data["sentence"],
        sentence_index=int(data["sentence_index"]),
        start=int(data["start"]),
        end=int(data["end"]),
        hedges=tuple(Hedge(h) for h in data.get("hedges", [])),
        subject=data.get("subject"),
        period=data.get("period"),
        number_start=int(data.get("number_start", 0)),
        number_end=int(data.get("number_end", 0)),
        scale=Decimal(data.get("scale", "1")),
        style=NumberStyle(
            thousands=style.get("thousands", ""),
            decimal=style.get("decimal", "."),
            decimals=int(style.get("decimals", 0)),
            spelled=bool(style.get("spelled", False)),
        ),
    )


HEDGE_LABELS = {
    "en": {
        Hedge.UP_TO: "up to",
        Hedge.ABOUT: "about",
        Hedge.AT_LEAST: "at least",
        Hedge.MORE_THAN: "more than",
        Hedge.LESS_THAN: "less than",
        Hedge.COULD: "could",
    },
    "fr": {
        Hedge.UP_TO: "jusqu'à",
        Hedge.ABOUT: "environ",
        Hedge.AT_LEAST: "au moins",
        Hedge.MORE_THAN: "plus de",
        Hedge.LESS_THAN: "moins de",
        Hedge.COULD: "pourrait",
    },
}
COMPACT_FROM = Decimal(1_000_000)


def hedge_label(hedge: Hedge, language: str) -> str:
    """A hedge in words, in the reader's language."""
    return HEDGE_LABELS["fr" if language == "fr" else "en"][hedge]


def format_figure(figure: Figure, locale: str) -> str:
    """The normalised value in a reader's locale: "50 Md $US", "$50B", "16,000", "T4 2026".

    Counts give the number only; the thing counted is `figure.unit`.
    """
    from babel.dates import format_date, format_skeleton
    from babel.numbers import (
        format_compact_currency,
        format_compact_decimal,
        format_currency,
        format_decimal,
        format_percent,
    )

    value = figure.value
    if figure.kind == Kind.MONEY:
        if figure.unit == "XXX":
            return format_decimal(value, locale=locale)
        if value >= COMPACT_FROM:
            return format_compact_currency(value, figure.unit, locale=locale, fraction_digits=2)
        return format_currency(value, figure.unit, locale=locale)
    if figure.kind == Kind.COUNT:
        # The thing counted stays in `unit`, in the article's words.
        if value >= COMPACT_FROM:
            return format_compact_decimal(
                value, format_type="long", locale=locale, fraction_digits=2
            )
        return format_decimal(value, locale=locale)
    if figure.kind == Kind.PERCENT:
        return format_percent(value / 100, locale=locale, decimal_quantization=False)
    period = figure.period or str(figure.value)
    year = int(period[:4])
    if figure.unit == "quarter":
        return format_skeleton("yQQQ", date(year, 3 * int(period[-1]), 1), locale=locale)
    if figure.unit == "half":
        half = int(period[-1])
        if locale.startswith("fr"):
            return f"{half}{'er' if half == 1 else 'e'} semestre {year}"
        return f"H{half} {year}"
    if figure.unit == "month":
        return format_skeleton("yMMMM", date(year, int(period[5:7]), 1), locale=locale)
    if figure.unit == "day":
        return format_date(date.fromisoformat(period), "long", locale=locale)
    return str(year)


def format_normalised(figure: Figure, locale: str) -> str:
    """The full normalised value in a reader's locale: "50 000 000 000 USD", "2026-Q4"."""
    from babel.numbers import format_decimal

    if figure.kind == Kind.DATE:
        return figure.period or str(figure.value)
    number = format_decimal(figure.value, locale=locale, decimal_quantization=False)
    if figure.kind == Kind.MONEY:
        return f"{number} {figure.unit}"
    if figure.kind == Kind.PERCENT:
        return f"{number} %" if locale.startswith("fr") else f"{number}%"
    return number
