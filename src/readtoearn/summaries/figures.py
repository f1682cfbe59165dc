"""Key figures: money, counts, percentages and dates found in French and English sentences.

Our own extractor, because the number parsers on PyPI read French scale words badly: each
figure keeps the words as written ("jusqu'à 50 milliards de dollars"), a normalised value
(50000000000 USD), its hedge ("up_to"), its subject when the sentence makes it clear, and the
sentence it came from. Spelled-out numbers are read with text2num; display goes through Babel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any

from readtoearn.summaries.sentences import split_sentences


def _words(text: str) -> list[str]:
    """A word list written as one string (easier to read and edit)."""
    return text.split()


class Kind(StrEnum):
    MONEY = "money"
    COUNT = "count"
    PERCENT = "percent"
    DATE = "date"


class Hedge(StrEnum):
    UP_TO = "up_to"
    ABOUT = "about"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    LESS_THAN = "less_than"
    COULD = "could"


@dataclass(frozen=True)
class NumberStyle:
    """How a numeral was written, so a distractor can be written the same way."""

    thousands: str = ""  # "", " ", ",", "."  (the separator seen, if any)
    decimal: str = "."  # "." or ","
    decimals: int = 0
    spelled: bool = False


@dataclass(frozen=True)
class Figure:
    """One key figure of an article."""

    kind: Kind
    text: str  # the figure as written, without its hedge ("50 milliards de dollars")
    value: Decimal  # normalised: 50000000000 for money and counts, 7.5 for 7.5 %, year for dates
    unit: str  # currency code, the thing counted, "%", or the date precision (year/quarter/...)
    sentence: str
    sentence_index: int
    start: int  # offsets of `text` in `sentence`
    end: int
    hedges: tuple[Hedge, ...] = ()
    subject: str | None = None
    period: str | None = None  # ISO-like date: "2025-10", "2026-Q4", "2026-H1", "2015"
    # How to write a value like this one: the numeral's span in `text`, its scale and style.
    number_start: int = 0
    number_end: int = 0
    scale: Decimal = Decimal(1)
    style: NumberStyle = field(default_factory=NumberStyle)

    @property
    def hedge(self) -> Hedge | None:
        return self.hedges[0] if self.hedges else None

    @property
    def key(self) -> tuple[str, str, str]:
        """Same figure, same meaning: used to drop repeats."""
        return (self.kind, str(self.value.normalize()), self.period or self.unit)


# --- vocabulary -------------------------------------------------------------------------------

SPACE = r"[ \u00a0\u202f]"
NUM = (
    r"(?<![\w.,])(?:\d{1,3}(?:(?:[ \u00a0\u202f](?=\d{3}\b)|,(?=\d{3}\b)|\.(?=\d{3}\b))\d{3})+"
    r"|\d+)(?:[.,]\d+)?(?![\d])"
)
SCALES: dict[str, Decimal] = {
    # French
    "mille": Decimal(10) ** 3,
    "millier": Decimal(10) ** 3,
    "milliers": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "millions": Decimal(10) ** 6,
    "milliard": Decimal(10) ** 9,
    "milliards": Decimal(10) ** 9,
    "md": Decimal(10) ** 9,
    "mds": Decimal(10) ** 9,
    "mrd": Decimal(10) ** 9,
    "mrds": Decimal(10) ** 9,
    "billion": Decimal(10) ** 12,  # French "billion"; English is handled below
    "billions": Decimal(10) ** 12,
    # English
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "mln": Decimal(10) ** 6,
    "bn": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "trillions": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
    "tr": Decimal(10) ** 12,
}
ENGLISH_BILLION = Decimal(10) ** 9
SCALE_RE = (
    r"(?:milliards?|millions?|milliers|millier|mille|billions?|trillions?|thousand|Mds|Mrds?|Md|Mn|"
    r"mln|bn|tn|M|m|[kK]|B|b)(?![\w])"
)
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₿": "BTC"}
CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "livre": "GBP",
    "livres": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "yuans": "CNY",
    "franc": "CHF",
    "francs": "CHF",
    "bitcoin": "BTC",
    "bitcoins": "BTC",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "chf": "CHF",
    "jpy": "JPY",
    "cny": "CNY",
    "btc": "BTC",
}
CURRENCY_AFTER = (
    r"(?:(?:de |d'|d’|of )?(?:dollars?(?: américains| US)?|euros?|livres?(?: sterling)?|"
    r"pounds?(?: sterling)?|yens?|yuans?|francs?(?: suisses)?|bitcoins?)\b|"
    r"(?:\$US|US\$|\$|€|£|¥|USD|EUR|GBP|CHF|JPY|CNY|BTC)(?![\w]))"
)
CURRENCY_BEFORE = r"(?:US\$|\$|€|£|¥|(?:USD|EUR|GBP|CHF|JPY|CNY)" + SPACE + r"?)"
PERCENT_AFTER = r"(?:%|pour" + SPACE + r"?cent|percent|per" + SPACE + r"cent)(?![\w])"

NUMBER_WORDS = {
    "fr": _words(
        "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize "
        "quatorze quinze seize dix-sept dix-huit dix-neuf vingt vingts trente quarante "
        "cinquante soixante soixante-dix quatre-vingt quatre-vingts quatre-vingt-dix "
        "cent cents mille et"
    ),
    "en": _words(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty "
        "sixty seventy eighty ninety hundred thousand and a"
    ),
}
CONNECTORS = {"et", "and", "a"}


def _spelled_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(
        r"(?<![\w-])(?:" + alternatives + r")(?:[ -](?:" + alternatives + r"))*(?![\w-])",
        flags=re.IGNORECASE,
    )


SPELLED_RE = {language: _spelled_pattern(words) for language, words in NUMBER_WORDS.items()}

MONTHS = {
    "fr": _words(
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ),
    "en": _words(
        "January February March April May June July August September October November December"
    ),
}
ORDINALS = {
    "fr": {"premier": 1, "1er": 1, "deuxième": 2, "second": 2, "2e": 2, "troisième": 3, "3e": 3,
           "quatrième": 4, "4e": 4, "dernier": 4},
    "en": {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
           "4th": 4, "final": 4, "last": 4},
}  # fmt: skip

HEDGE_PATTERNS: dict[str, list[tuple[str, Hedge]]] = {
    "fr": [
        (r"jusqu['’]?(?:à|a)", Hedge.UP_TO),
        (r"environ|près de|presque|quelque|autour de|approximativement|une? bonne", Hedge.ABOUT),
        (r"au moins|au minimum|pas moins de", Hedge.AT_LEAST),
        (r"plus de|au-delà de|davantage que|supérieure? à", Hedge.MORE_THAN),
        (r"moins de|inférieure? à|à peine", Hedge.LESS_THAN),
    ],
    "en": [
        (r"up to|as much as|as many as|as high as", Hedge.UP_TO),
        (
            r"about|around|roughly|nearly|almost|approximately|some|an estimated|close to",
            Hedge.ABOUT,
        ),
        (r"at least|no fewer than|no less than", Hedge.AT_LEAST),
        (r"more than|over|above|upwards of|in excess of", Hedge.MORE_THAN),
        (r"less than|fewer than|under|below|just", Hedge.LESS_THAN),
    ],
}
MODALS = {
    "fr": r"\b(?:pourrai(?:t|ent)|pourra(?:it|ient|ient)?|devrai(?:t|ent)|serai(?:t|ent)|"
    r"aurai(?:t|ent)|envisag\w+|prévoi\w+|estim\w+|selon)\b",
    "en": r"\b(?:could|may|might|would|should|expected|plans?|planned|estimated?|projected)\b",
}
# Capitalised words that begin sentences without naming anyone.
FUNCTION_WORDS = frozenset(
    _words(
        "le la les l un une des du de d ce cet cette ces il elle ils elles on nous vous je en "
        "au aux selon mais et pour par dans sur avec depuis après avant lors si alors ainsi "
        "cependant pourtant enfin désormais aujourd hui c est the a an this that these those "
        "he she it they we you i in on at for by with from after before since as but and so "
        "yet according however meanwhile while when if its his her their our last next "
        "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
        "vendredi samedi dimanche près entre seulement parmi durant pendant sans sous vers "
        "chez contre comme quand où plus moins très tout tous toute toutes aussi encore déjà "
        "there here now then also still just only even now today yesterday tomorrow once "
        "both each every all some many most other such what which who why how am pm"
    )
) | {m.lower() for names in MONTHS.values() for m in names}
# Words after a number that are not a thing counted.
NOT_COUNTED = frozenset(
    _words(
        "et and ou or à a de d du des of to the le la les en in h heures heure ans an years "
        "year ème e er th st nd rd fois times au aux dans sur pour par avec sans sous chez "
        "entre vers autres autre more other others than plus moins fewer less per pour cent "
        "percent ou who which that qui que dont were was are is have has had ont sont est"
    )
) | {m.lower() for names in MONTHS.values() for m in names}
MONTH_NAMES = tuple(m.lower() for names in MONTHS.values() for m in names)
PARTICIPLE_RE = re.compile(r"(?:é|ée|ant)$")  # singular: after two or more, French nouns take -s
FRENCH_ADJECTIVES_BEFORE = frozenset(
    _words(
        "premier premiers première premières dernier derniers dernière dernières grand grands "
        "grande grandes petit petits petite petites nouveau nouveaux nouvelle nouvelles "
        "principaux principales seuls seules jeunes vrais autres bons bonnes gros grosses"
    )
)
ADJECTIVE_END_RE = re.compile(r"(?:al|ous|ive|ful|ic|ing|ed|an|ese|ish|ern|ary|less|new|old)$")
COUNT_NOUN_RE = re.compile(r"(?:de |d['’]|of )?([^\W\d_][\w'’-]*)")


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
    """Capitalised words seen inside sentences: names, unlike a sentence's first word."""
    names = set()
    lower = set()
    for sentence in sentences:
        for match in re.finditer(r"(?<=[\w,;:)] )[A-ZÀ-Ý][\w&.-]+", sentence):
            names.add(match.group().rstrip("."))
        lower.update(re.findall(r"\b[a-zà-ÿ][\w-]*", sentence))
    # A first word is a name too when the text never writes it in lower case ("Amazon will").
    for sentence in sentences:
        first = re.match(r"[«“\"'(\s]*([A-ZÀ-Ý][\w&-]+)", sentence)
        if first:
            word = first.group(1)
            if (
                word.lower() not in lower
                and word.lower() not in FUNCTION_WORDS
                and not (re.search(r"(?:ant|ent|é|ée|és|ées|ing|ed|ly)$", word))
            ):
                names.add(word)
    return frozenset(names)


def figures_in_sentence(
    sentence: str, language: str, index: int = 0, *, names: frozenset[str] | None = None
) -> list[Figure]:
    """The figures of one sentence, left to right, without overlaps."""
    lang = "fr" if language == "fr" else "en"
    taken: list[tuple[int, int]] = []
    figures: list[Figure] = []
    numerals = _numerals(sentence, lang)
    finders = (
        lambda: _dates(sentence, lang, index),
        lambda: _money(sentence, lang, index, numerals),
        lambda: _percents(sentence, lang, index, numerals),
        lambda: _counts(sentence, lang, index, numerals),
    )
    for finder in finders:
        for figure in finder():
            if any(figure.start < end and start < figure.end for start, end in taken):
                continue
            taken.append((figure.start, figure.end))
            figures.append(figure)
    figures.sort(key=lambda f: f.start)
    return [
        replace(
            f,
            hedges=_hedges(sentence, f.start, f.end, lang, f.kind),
            subject=_subject(sentence, f.start, f.end, names),
        )
        for f in figures
    ]


# --- numbers ----------------------------------------------------------------------------------


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


def _numerals(sentence: str, language: str) -> list[Numeral]:
    """Digit numerals and spelled-out ones ("seize mille", "two hundred")."""
    result = []
    for match in re.finditer(NUM, sentence):
        parsed = parse_number(match.group(), language)
        if parsed:
            result.append(Numeral(parsed[0], match.start(), match.end(), parsed[1]))
    result.extend(_spelled(sentence, language))
    result.sort(key=lambda n: n.start)
    return result


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


def _scale_after(
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


# --- finders ----------------------------------------------------------------------------------


def _money(sentence: str, language: str, index: int, numerals: list[Numeral]) -> list[Figure]:
    figures = []
    for numeral in numerals:
        before = sentence[max(0, numeral.start - 4) : numeral.start]
        symbol = re.search(CURRENCY_BEFORE + r"$", before)
        scale_info = _scale_after(sentence, numeral.end, language, money=True)
        scale, after_scale = scale_info if scale_info else (Decimal(1), numeral.end)
        currency = None
        start, end = numeral.start, after_scale
        if symbol:
            currency = _currency_code(symbol.group().strip())
            start = numeral.start - len(before) + symbol.start()
            # "$50bn" may still be followed by "US$"; nothing more to read.
        else:
            tail = re.compile(SPACE + r"?" + CURRENCY_AFTER).match(sentence, after_scale)
            if tail:
                currency = _currency_code(tail.group())
                end = tail.end()
        if currency is None:
            continue
        if scale_info is None and numeral.style.spelled and numeral.value < 2:
            continue
        figures.append(
            Figure(
                kind=Kind.MONEY,
                text=sentence[start:end],
                value=_clean(numeral.value * scale),
                unit=currency,
                sentence=sentence,
                sentence_index=index,
                start=start,
                end=end,
                number_start=numeral.start - start,
                number_end=numeral.end - start,
                scale=scale,
                style=numeral.style,
            )
        )
    return figures


def _currency_code(token: str) -> str:
    token = token.strip()
    for symbol, code in (("$US", "USD"), ("US$", "USD")):
        if symbol in token:
            return code
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in token:
            return code
    words = re.findall(r"[^\W\d_]+", token.lower())
    for word in reversed(words):
        if word in CURRENCY_WORDS:
            return CURRENCY_WORDS[word]
    return "XXX"


def _percents(sentence: str, language: str, index: int, numerals: list[Numeral]) -> list[Figure]:
    figures = []
    for numeral in numerals:
        match = re.compile(SPACE + r"?" + PERCENT_AFTER).match(sentence, numeral.end)
        if not match:
            continue
        figures.append(
            Figure(
                kind=Kind.PERCENT,
                text=sentence[numeral.start : match.end()],
                value=_clean(numeral.value),
                unit="%",
                sentence=sentence,
                sentence_index=index,
                start=numeral.start,
                end=match.end(),
                number_start=0,
                number_end=numeral.end - numeral.start,
                style=numeral.style,
            )
        )
    return figures


def _counts(sentence: str, language: str, index: int, numerals: list[Numeral]) -> list[Figure]:
    figures = []
    for numeral in numerals:
        if not numeral.style.spelled and _looks_like_year(numeral):
            continue
        scale_info = _scale_after(sentence, numeral.end, language)
        scale, position = scale_info if scale_info else (Decimal(1), numeral.end)
        match = re.compile(SPACE + COUNT_NOUN_RE.pattern).match(sentence, position)
        if not match:
            continue
        noun = match.group(1)
        lowered = noun.lower()
        if lowered in NOT_COUNTED or lowered in FUNCTION_WORDS or noun[:1].isupper():
            continue
        if any(lowered.startswith(m) for m in MONTH_NAMES) or PARTICIPLE_RE.search(lowered):
            continue  # "24 févrierLe" (glued text), "50 fixé", "19 nécessitant"
        end = match.end()
        if language == "fr" and lowered in FRENCH_ADJECTIVES_BEFORE:
            # "deux grandes villes", "trois premiers mois": the noun follows the adjective.
            more = re.compile(SPACE + r"([a-zà-ÿ][\w'’-]*)").match(sentence, end)
            if not more or more.group(1) in NOT_COUNTED:
                continue
            noun = f"{noun} {more.group(1)}"
            end = more.end()
        if language == "en" and ADJECTIVE_END_RE.search(noun):
            # "six nautical miles": an English adjective comes before the thing counted.
            more = re.compile(SPACE + r"([a-z][\w'’-]*)").match(sentence, end)
            if more and more.group(1) not in NOT_COUNTED:
                noun = f"{noun} {more.group(1)}"
                end = more.end()
        if numeral.style.spelled and numeral.value * scale < 2:
            continue
        value = _clean(numeral.value * scale)
        if value < 2 and scale == 1:
            continue
        figures.append(
            Figure(
                kind=Kind.COUNT,
                text=sentence[numeral.start : end],
                value=value,
                unit=noun,
                sentence=sentence,
                sentence_index=index,
                start=numeral.start,
                end=end,
                number_start=0,
                number_end=numeral.end - numeral.start,
                scale=scale,
                style=numeral.style,
            )
        )
    return figures


def _looks_like_year(numeral: Numeral) -> bool:
    return (
        not numeral.style.thousands
        and numeral.style.decimals == 0
        and 1800 <= numeral.value <= 2100
        and numeral.value == numeral.value.to_integral_value()
    )


def _dates(sentence: str, language: str, index: int) -> list[Figure]:
    figures: list[Figure] = []
    for pattern, precision in _date_patterns(language):
        for match in pattern.finditer(sentence):
            if any(match.start() < f.end and f.start < match.end() for f in figures):
                continue
            period, unit = _period(match, precision, language)
            if period is None:
                continue
            start = match.start("year") if precision == "year" else match.start()
            end = match.end()
            text = sentence[start:end]
            if text.lower().startswith("the "):
                start += 4
                text = text[4:]
            year_start = match.start("year") - start
            figures.append(
                Figure(
                    kind=Kind.DATE,
                    text=text,
                    value=Decimal(match.group("year")),
                    unit=unit,
                    period=period,
                    sentence=sentence,
                    sentence_index=index,
                    start=start,
                    end=end,
                    number_start=year_start,
                    number_end=year_start + 4,
                )
            )
    return figures


@cache
def _date_patterns(language: str) -> list[tuple[re.Pattern[str], str]]:
    months = MONTHS[language]
    month_re = "|".join(months)
    ordinal_re = "|".join(sorted(map(re.escape, ORDINALS[language]), key=len, reverse=True))
    year = r"(?P<year>(?:18|19|20)\d\d)(?!\d)"
    if language == "fr":
        patterns = [
            (
                r"(?P<q>"
                + ordinal_re
                + r")"
                + SPACE
                + r"trimestre(?:"
                + SPACE
                + r"(?:de"
                + SPACE
                + r")?"
                + year
                + r")",
                "quarter",
            ),
            (r"\b[TQ](?P<qn>[1-4])" + SPACE + year, "quarter"),
            (
                r"(?P<q>premier|second|deuxième|1er|2e)"
                + SPACE
                + r"semestre(?:"
                + SPACE
                + r"(?:de"
                + SPACE
                + r")?"
                + year
                + r")",
                "half",
            ),
            (
                r"(?:(?P<day>\d{1,2}|1er)"
                + SPACE
                + r")?(?P<month>"
                + month_re
                + r")"
                + SPACE
                + year,
                "month",
            ),
            (
                r"\b(?i:en|depuis|dès|fin|début|mi-|d'ici|d’ici|avant|après|de)" + SPACE + year,
                "year",
            ),
        ]
    else:
        patterns = [
            (r"(?:the" + SPACE + r")?(?P<q>" + ordinal_re + r")" + SPACE + r"quarter(?:" + SPACE
             + r"of)?" + SPACE + year, "quarter"),
            (r"\bQ(?P<qn>[1-4])" + SPACE + year, "quarter"),
            (r"(?:the" + SPACE + r")?(?P<q>first|second|1st|2nd)" + SPACE + r"half" + SPACE
             + r"of" + SPACE + year, "half"),
            (r"(?P<month>" + month_re + r")" + SPACE + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?,?"
             + SPACE + year, "month"),
            (r"(?:(?P<day>\d{1,2})" + SPACE + r")?(?P<month>" + month_re + r")" + r",?" + SPACE
             + year, "month"),
            (r"\b(?i:in|since|by|until|from|before|after|during|of|early|late|mid-)"
             + SPACE + year, "year"),
        ]  # fmt: skip
    return [
        (re.compile(pattern, flags=0 if precision == "year" else re.IGNORECASE), precision)
        for pattern, precision in patterns
    ]


def _period(match: re.Match[str], precision: str, language: str) -> tuple[str | None, str]:
    groups = match.groupdict()
    year = groups["year"]
    if precision == "quarter":
        quarter = int(groups["qn"]) if groups.get("qn") else ORDINALS[language][groups["q"].lower()]
        return f"{year}-Q{quarter}", "quarter"
    if precision == "half":
        half = ORDINALS[language][groups["q"].lower()]
        return f"{year}-H{half}", "half"
    if precision == "month":
        names = [m.lower() for m in MONTHS[language]]
        month = names.index(groups["month"].lower()) + 1
        day = groups.get("day")
        if day:
            number = 1 if day == "1er" else int(day)
            if not 1 <= number <= 31:
                return None, ""
            return f"{year}-{month:02d}-{number:02d}", "day"
        return f"{year}-{month:02d}", "month"
    return year, "year"


# --- context ----------------------------------------------------------------------------------


def _hedges(sentence: str, start: int, end: int, language: str, kind: Kind) -> tuple[Hedge, ...]:
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


def _subject(
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


def _clean(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent ("5E+10" -> 50000000000)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal


# --- storage and display ----------------------------------------------------------------------


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
