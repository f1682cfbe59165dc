"""Key figures of a text: every sentence searched by every finder, repeats dropped."""

from __future__ import annotations

import re
from dataclasses import replace

from readtoearn.summaries.figures.context import hedges_of, subject_of
from readtoearn.summaries.figures.finders import (
    count_figures,
    date_figures,
    money_figures,
    percent_figures,
)
from readtoearn.summaries.figures.model import Figure
from readtoearn.summaries.figures.numbers import numerals_in
from readtoearn.summaries.sentences import split_sentences


def extract_figures(text: str, language: str, *, limit: int | None = None) -> list[Figure]:
    """Every key figure of a text, in reading order, each figure once."""
    found: list[Figure] = []
    seen: set[tuple[str, str, str]] = set()
    sentences = split_sentences(text, language)
    names = known_names(sentences)
    for index, sentence in enumerate(sentences):
        for figure in figures_in_sentence(sentence, language, index, names=names):
            if figure.key in seen:
                continue
            seen.add(figure.key)
            found.append(figure)
            if limit and len(found) >= limit:
                return found
    return found


def known_names(sentences: list[str]) -> frozenset[str]:
    """Capitalised words seen inside sentences: names, unlike a sentence's first word. A word
    seen only first in its sentences ("Revenue rose", "Net profit") is not taken for a name,
    even when the text never writes it in lower case: too many such words are not names. Nor is
    a word the text also writes in lower case ("Police arrested" and "the police")."""
    names = set()
    lower = set()
    for sentence in sentences:
        for match in re.finditer(r"(?<=[\w,;:)] )[A-ZÀ-Ý][\w&.-]+", sentence):
            names.add(match.group().rstrip("."))
        lower.update(re.findall(r"(?<![\w'’-])[a-zà-ÿ][\w&-]+", sentence))
    return frozenset(name for name in names if name.lower() not in lower)


def figures_in_sentence(
    sentence: str, language: str, index: int = 0, *, names: frozenset[str] | None = None
) -> list[Figure]:
    """The figures of one sentence, left to right, without overlaps."""
    lang = "fr" if language == "fr" else "en"
    taken: list[tuple[int, int]] = []
    figures: list[Figure] = []
    numerals = numerals_in(sentence, lang)
    finders = (
        lambda: date_figures(sentence, lang, index),
        lambda: money_figures(sentence, lang, index, numerals),
        lambda: percent_figures(sentence, lang, index, numerals),
        lambda: count_figures(sentence, lang, index, numerals),
    )
    for finder in finders:
        for figure in finder():
            if any(figure.start < end and start < figure.end for start, end in taken):
                continue
            taken.append((figure.start, figure.end))
            figures.append(figure)
    figures.sort(key=lambda f: f.start)
    result: list[Figure] = []
    for f in figures:
        hedges = hedges_of(sentence, f.start, f.end, lang, f.kind)
        previous = result[-1] if result else None
        if (
            not hedges
            and previous is not None
            and previous.kind == f.kind
            and CONVERSION_RE.fullmatch(sentence, previous.end, f.start)
        ):
            hedges = previous.hedges  # "about 2,300 tons (2,095 metric tons)": the same amount
        result.append(
            replace(f, hedges=hedges, subject=subject_of(sentence, f.start, f.end, names, lang))
        )
    return result


# A conversion of the figure before, in brackets: it has that figure's hedges.
CONVERSION_RE = re.compile(r"\s*\(\s*")
