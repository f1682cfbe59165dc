"""Sentence splitting for French and English news text, written for the summariser.

A rule-based splitter: a boundary is a terminator (. ! ? …), optionally followed by closing
quotes or brackets, then whitespace, then something that can start a sentence. Abbreviations
("M. Altman", "Mr.", "art. 3"), initials ("J. K."), capital acronyms ("P.-D.G.", "U.S.") and
French spaced quotes ("« C'est fait. » Puis") are handled. It is several times faster than
pysbd on English and right on the cases pysbd gets wrong (see tests/unit/summaries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string (easier to read and edit)."""
    return frozenset(text.split())


# Words that end with a period without ending the sentence (compared lower-cased, no period).
ABBREVIATIONS_COMMON = _words(
    "dr prof st ste jr sr mgr gen gov sen rep lt col capt sgt cmdr adm insp supt "
    "cf vs vol no nos fig figs approx ca op ed eds dept univ ave av bd blvd"
)
ABBREVIATIONS_FR = _words("m mm mme mmes mlle mlles me pr art p pp chap env hab éd réf tél av j.-c")
ABBREVIATIONS_EN = _words("mr mrs ms messrs mt ft jan feb mar apr jun jul aug sep sept oct nov dec")

TERMINATOR_RE = re.compile(
    r"""(?P<end>[.!?…]+|\.\.\.)          # the terminator
        (?P<close>(?:[»”"’)\]]|\s[»”])*)      # closing quotes or brackets, French spacing allowed
        (?P<space>\s*)                   # spaces (missing ones are checked below)
        (?=(?P<next>[«“"‘(\[—–-]?\s?[^\W_]))  # something that can start a sentence
    """,
    re.VERBOSE,
)
WORD_BEFORE_RE = re.compile(r"([^\s«“\"(\[]+)$")
# A quotation longer than this is not kept whole (it may be a missing closing mark).
MAX_QUOTE_CHARS = 600
QUOTE_PAIRS = (("«", "»"), ("“", "”"))
PARAGRAPH_RE = re.compile(r"\n\s*\n|\n")


@dataclass(frozen=True)
class Sentence:
    """A sentence, its paragraph and its position in the article (both from 0)."""

    text: str
    paragraph: int
    index: int


def split_sentences(text: str, language: str = "en") -> list[str]:
    """The sentences of a text, in order; each is a verbatim slice of the text, trimmed.

    The last texts split are remembered: the summary, the key figures and the quiz of an article
    all ask for its sentences, and they are split once."""
    return list(_split_once(text, language))


@lru_cache(maxsize=64)
def _split_once(text: str, language: str) -> tuple[str, ...]:
    return tuple(s.text for s in sentences_of(text, language))


def sentences_of(text: str, language: str = "en") -> list[Sentence]:
    """The sentences of a text with their paragraph numbers; line breaks always end one."""
    result: list[Sentence] = []
    paragraphs = [p.strip() for p in PARAGRAPH_RE.split(text) if p.strip()]
    for number, paragraph in enumerate(paragraphs):
        for piece in _split_paragraph(paragraph, language):
            result.append(Sentence(text=piece, paragraph=number, index=len(result)))
    return result


def _split_paragraph(paragraph: str, language: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    quotes = _quotations(paragraph)
    for match in TERMINATOR_RE.finditer(paragraph):
        cut = match.start("space")
        if any(left < cut < right for left, right in quotes):
            continue  # a quotation of several sentences stays whole
        if not _is_boundary(paragraph, match, language):
            continue
        piece = paragraph[start:cut].strip()
        if piece:
            pieces.append(piece)
        start = match.end("space")
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def _quotations(paragraph: str) -> list[tuple[int, int]]:
    """Spans (open, close) of the quotations in a paragraph, short enough to keep whole."""
    spans = []
    for opening, closing in QUOTE_PAIRS:
        for match in re.finditer(
            re.escape(opening) + "[^" + opening + closing + "]*" + re.escape(closing), paragraph
        ):
            spans.append((match.start(), match.end() - 1))
    straight = [i for i, char in enumerate(paragraph) if char == '"']
    if len(straight) % 2 == 0:
        spans.extend(zip(straight[::2], straight[1::2], strict=True))
    return [(a, b) for a, b in spans if b - a <= MAX_QUOTE_CHARS]


def _is_boundary(paragraph: str, match: re.Match[str], language: str) -> bool:
    following = match.group("next").lstrip('«“"‘([—–- ')
    if not following[:1] or following[:1].islower():
        return False
    end = match.group("end")
    if not match.group("space"):
        # "bureau.HOLLANDE": a glued sentence, but "Hotels.com" or "3.5" are not.
        glued = WORD_BEFORE_RE.search(
            paragraph[max(0, match.start("end") - 40) : match.start("end")]
        )
        word = glued.group(1) if glued else ""
        return (
            len(word) >= 3
            and word[-2:].isalpha()
            and word[-1].islower()
            and following[:1].isupper()
        )
    if end != "." or match.group("close"):
        # "?", "!", "…" or a period closed by a quote: a sentence ends when a capital follows.
        return True
    before = WORD_BEFORE_RE.search(paragraph[max(0, match.start("end") - 40) : match.start("end")])
    word = before.group(1) if before else ""
    return not _holds_period(word, language)


def _holds_period(word: str, language: str) -> bool:
    """True when "word." is an abbreviation or an initial rather than a sentence end."""
    if not word:
        return False
    bare = re.sub(r"^(?:[a-z]|qu)['’]", "", word.lower().rstrip("."))  # "l'art." -> "art"
    if bare in ABBREVIATIONS_COMMON:
        return True
    if language == "fr" and bare in ABBREVIATIONS_FR:
        return True
    if language != "fr" and bare in ABBREVIATIONS_EN:
        return True
    # A lone capital is an initial ("J. K. Rowling", "M. Altman" in any language).
    if len(word) == 1 and word.isupper():
        return True
    # Capital acronyms with inner periods ("P.-D.G", "U.S", "S.A") hold the period.
    if "." in word and re.fullmatch(r"(?:[A-Z][a-z]?\.-?)+[A-Z][a-z]?", word):
        return True
    # Lower-case dotted forms: "e.g", "i.e" hold; "a.m" / "p.m" end a sentence before a capital.
    return bare in ("e.g", "i.e", "c.-à-d", "c.à.d")
