"""Key figures: money, counts, percentages and dates found in French and English sentences.

Our own extractor, because the number parsers on PyPI read French scale words badly: each
figure keeps the words as written ("jusqu'à 50 milliards de dollars"), a normalised value
(50000000000 USD), its hedge ("up_to"), its subject when the sentence makes it clear, and the
sentence it came from. Spelled-out numbers are read with text2num; display goes through Babel.
"""

from __future__ import annotations

from readtoearn.summaries.figures.context import PROPER_RE
from readtoearn.summaries.figures.display import (
    COMPACT_FROM,
    HEDGE_LABELS,
    figure_from_dict,
    figure_to_dict,
    format_figure,
    format_normalised,
    hedge_label,
)
from readtoearn.summaries.figures.model import Figure, Hedge, Kind, NumberStyle
from readtoearn.summaries.figures.numbers import Numeral, parse_number
from readtoearn.summaries.figures.search import extract_figures, figures_in_sentence, known_names
from readtoearn.summaries.figures.vocabulary import (
    ADJECTIVE_END_RE,
    CONNECTORS,
    COUNT_NOUN_RE,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    ENGLISH_BILLION,
    FRENCH_ADJECTIVES_BEFORE,
    FUNCTION_WORDS,
    HEDGE_PATTERNS,
    MODALS,
    MONTH_NAMES,
    MONTHS,
    NOT_COUNTED,
    NUM,
    NUMBER_WORDS,
    ORDINALS,
    PARTICIPLE_RE,
    PERCENT_AFTER,
    SCALE_RE,
    SCALES,
    SPACE,
    SPELLED_RE,
)

__all__ = [
    "ADJECTIVE_END_RE",
    "COMPACT_FROM",
    "CONNECTORS",
    "COUNT_NOUN_RE",
    "CURRENCY_AFTER",
    "CURRENCY_BEFORE",
    "CURRENCY_SYMBOLS",
    "CURRENCY_WORDS",
    "ENGLISH_BILLION",
    "FRENCH_ADJECTIVES_BEFORE",
    "FUNCTION_WORDS",
    "HEDGE_LABELS",
    "HEDGE_PATTERNS",
    "MODALS",
    "MONTHS",
    "MONTH_NAMES",
    "NOT_COUNTED",
    "NUM",
    "NUMBER_WORDS",
    "ORDINALS",
    "PARTICIPLE_RE",
    "PERCENT_AFTER",
    "PROPER_RE",
    "SCALES",
    "SCALE_RE",
    "SPACE",
    "SPELLED_RE",
    "Figure",
    "Hedge",
    "Kind",
    "NumberStyle",
    "Numeral",
    "extract_figures",
    "figure_from_dict",
    "figure_to_dict",
    "figures_in_sentence",
    "format_figure",
    "format_normalised",
    "hedge_label",
    "known_names",
    "parse_number",
]
