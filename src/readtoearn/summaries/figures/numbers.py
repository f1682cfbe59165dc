"""Numerals as written: digits with their separators, spelled-out numbers, the scale after them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from readtoearn.summaries.figures.model import NumberStyle
from readtoearn.summaries.figures.vocabulary import (
    CONNECTORS,
    CURRENCY_AFTER,
    ENGLISH_BILLION,
    NUM,
    SCALE_RE,
    SCALES,
    SPACE,
    SPELLED_RE,
)


@dataclass(frozen=True)
class Numeral:
    value: Decimal
    start: int
    end: int
    style: NumberStyle


def parse_number(raw: str, language: str) -> tuple[Decimal, NumberStyle] | None:
    """A written numeral ("16 000", "14,000", "7,5", "1.2") as a Decimal and its style."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ")
    thousands = ""
    decimal = "," if language == "fr" else "."
    if " " in text:
        thousands = " "
        text = text.replace(" ", "")
    # A separator followed by exactly three digits, repeated, is a thousands separator.
    if "," in text and "." in text:
        # Both: the last one is the decimal mark ("1,234,567.5", "1.234,5").
        separator = "." if text.rfind(",") > text.rfind(".") else ","
        thousands = separator
        text = text.replace(separator, "")
    else:
        for separator in (",", "."):
            groups = text.split(separator)
            grouped = all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
            # "1,000,000" is grouped in any language; "14,000" where "," is not the decimal.
            if grouped and (len(groups) > 2 or (len(groups) == 2 and separator != decimal)):
                thousands = separator
                text = text.replace(separator, "")
                break
    decimals = 0
    for separator in (",", "."):
        if separator in text:
            whole, _, fraction = text.partition(separator)
            decimal = separator
            decimals = len(fraction)
            text = f"{whole}.{fraction}"
            break
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value, NumberStyle(thousands=thousands, decimal=decimal, decimals=decimals)


# English groups thousands with commas: a plain space between two numbers separates them
# ("Ward 74 100%": two statistics); French groups them with spaces ("16 000").
NUM_RE = {
    "fr": re.compile(NUM),
    "en": re.compile(NUM.replace(r"[ \u00a0\u202f]", r"[\u00a0\u202f]")),
}


def numerals_in(sentence: str, language: str) -> list[Numeral]:
    """Digit numerals and spelled-out ones ("seize mille", "two hundred")."""
    result = []
    for match in NUM_RE[language].finditer(sentence):
        parsed = parse_number(match.group(), language)
        if parsed:
            result.append(Numeral(parsed[0], match.start(), match.end(), parsed[1]))
    result.extend(_spelled(sentence, language))
    result.sort(key=lambda n: n.start)
    return result


NAME_BEFORE_RE = re.compile(r"[A-ZÀ-Ý][\w'’-]*" + SPACE + r"$")


def _spelled(sentence: str, language: str) -> list[Numeral]:
    from text_to_num import text2num

    result = []
    for match in SPELLED_RE[language].finditer(sentence):
        phrase = match.group()
        tokens = re.split(r"[ -]", phrase)
        while tokens and tokens[-1].lower() in CONNECTORS:
            tokens.pop()
        while tokens and tokens[0].lower() in CONNECTORS - {"a"}:
            tokens.pop(0)
        if not tokens:
            continue
        start = match.start() + phrase.lower().find(tokens[0].lower())
        end = start + len(" ".join(tokens)) if " " in phrase else start + len("-".join(tokens))
        end = min(end, match.end())
        core = sentence[start:end]
        if core[:1].isupper() and NAME_BEFORE_RE.search(sentence, 0, start):
            continue  # "League Two", "Formula One": a number inside a name
        if core.lower() in {"a", "un", "une", "one", "et", "and"}:
            # A lone article counts only before a scale word ("un million", "a billion").
            after = sentence[end:]
            if not re.match(SPACE + SCALE_RE, after) or core.lower() in {"et", "and"}:
                continue
            value = Decimal(1)
        else:
            try:
                value = Decimal(text2num(core.lower().replace("a ", "one "), language))
            except (ValueError, TypeError):
                continue
        result.append(Numeral(value, start, end, NumberStyle(spelled=True)))
    return result


def scale_after(
    sentence: str, position: int, language: str, *, money: bool = False
) -> tuple[Decimal, int] | None:
    """The scale word right after a numeral ("milliards", "bn", "M€"), and where it ends."""
    match = re.compile(SPACE + r"?(" + SCALE_RE + r")").match(sentence, position)
    if not match:
        return None
    word = match.group(1)
    lowered = word.lower()
    if len(word) == 1:
        # A single letter is a scale only in money: glued ("$3m") or before a currency ("50 M€").
        glued = match.start(1) == position
        currency_next = re.match(SPACE + r"?" + CURRENCY_AFTER, sentence[match.end() :])
        if not money or not (glued or currency_next):
            return None
        if lowered == "b" and language == "fr":
            return None
    if lowered in ("billion", "billions") and language == "en":
        return ENGLISH_BILLION, match.end()
    if lowered == "mille" and language == "en":
        return None
    scale = SCALES.get(lowered)
    return (scale, match.end()) if scale is not None else None
