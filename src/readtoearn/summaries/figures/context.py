"""A figure's context in its sentence: its hedges and its subject."""

from __future__ import annotations

import re
from decimal import Decimal

from readtoearn.summaries.figures.model import Hedge, Kind
from readtoearn.summaries.figures.vocabulary import (
    CURRENCY_WORDS,
    FUNCTION_WORDS,
    HEDGE_PATTERNS,
    MODALS,
    SCALES,
    SPACE,
)


def hedges_of(sentence: str, start: int, end: int, language: str, kind: Kind) -> tuple[Hedge, ...]:
    before = sentence[max(0, start - 40) : start]
    hedges: list[Hedge] = []
    if kind != Kind.DATE:
        for pattern, hedge in HEDGE_PATTERNS[language]:
            if re.search(r"(?:^|\W)(?:" + pattern + r")" + SPACE + r"*(?:\S+" + SPACE + r")?$",
                         before, flags=re.IGNORECASE):  # fmt: skip
                hedges.append(hedge)
                break
    clause = re.split(r"[;:]", sentence[:start])[-1]
    # "could raise $50bn" or "16 000 postes pourraient suivre": the modal before, or right after.
    after = " ".join(sentence[end:].split()[:3])
    if re.search(MODALS[language], clause, flags=re.IGNORECASE) or (
        kind != Kind.DATE and re.search(MODALS[language], after, flags=re.IGNORECASE)
    ):
        hedges.append(Hedge.COULD)
    return tuple(hedges)


PROPER_RE = re.compile(
    r"(?:(?:M\.|Mme|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)" + SPACE + r")?"
    r"[A-ZÀ-Ý][\w'’&.-]*(?:"
    + SPACE
    + r"(?:(?:de|du|des|of|la|le|von|van|d['’])"
    + SPACE
    + r")?[A-ZÀ-Ý][\w'’&.-]*)*"
)


def subject_of(
    sentence: str, start: int, end: int, known: frozenset[str] | None = None
) -> str | None:
    """The proper name the figure is about: the last one before it, else the first after it."""
    names = []
    for match in PROPER_RE.finditer(sentence):
        name = re.sub(r"^(?:[LlDdCcJjNnSs]|[Qq]u)['’]", "", match.group().rstrip(".'’-"))
        words = name.split()
        at_start = not sentence[: match.start()].strip(" «“\"'(—–-")
        if at_start and known is not None and words and len(words) == 1 and words[0] not in known:
            continue  # a sentence's first word, capitalised only for being first
        while words and words[0].lower().strip("'’") in FUNCTION_WORDS:
            words.pop(0)
        if not words or (match.start() < end and start < match.end()):
            continue
        first = words[0].lower()
        if first in FUNCTION_WORDS or first in SCALES or first in CURRENCY_WORDS:
            continue
        if re.fullmatch(r"[TQH]\d", words[0]):
            continue
        names.append((match.start(), " ".join(words)))
    before = [name for position, name in names if position < start]
    if before:
        return before[-1]
    after = [name for position, name in names if position >= end]
    return after[0] if after else None


def clean_value(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent ("5E+10" -> 50000000000)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal
