"""The words and patterns of figures in French and English: scales, currencies, spelled-out
numbers, months, hedges, and the words that are not a thing counted."""

from __future__ import annotations

import re
from decimal import Decimal

from readtoearn.summaries.figures.model import Hedge


def word_list(text: str) -> list[str]:
    """A word list written as one string (easier to read and edit)."""
    return text.split()


SPACE = r"[ \u00a0\u202f\u2009]"
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
    "demi-million": Decimal(5) * 10**5,  # "un demi-million de personnes"
    "demi-milliard": Decimal(5) * 10**8,
    "billion": Decimal(10) ** 12,  # French "billion"; English is handled below
    "billions": Decimal(10) ** 12,
    # English
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "mln": Decimal(10) ** 6,
    "bn": Decimal(10) ** 9,
    "bln": Decimal(10) ** 9,
    "trln": Decimal(10) ** 12,
    "b": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "trillions": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
    "tr": Decimal(10) ** 12,
    # South Asian scales ("Rs 300 crore", "2 lakh people").
    "lakh": Decimal(10) ** 5,
    "lakhs": Decimal(10) ** 5,
    "crore": Decimal(10) ** 7,
    "crores": Decimal(10) ** 7,
}
ENGLISH_BILLION = Decimal(10) ** 9
SCALE_RE = (
    r"(?:demi-million|demi-milliard|milliards?|millions?|milliers|millier|mille|billions?|trillions?|thousand|lakhs?|crores?|"
    r"Mds|Mrds?|Md|Mn|"
    r"mln|bln|trln|bn|tn|M|m|[kK]|B|b)(?![\w])"
)
CURRENCY_SYMBOLS = {
    "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₿": "BTC", "₹": "INR", "₩": "KRW", "₽": "RUB",
}  # fmt: skip
# Prefixes written before an amount, longest first: a dollar of another country, rupees.
CURRENCY_PREFIXES = {
    "US$": "USD", "$US": "USD", "CA$": "CAD", "C$": "CAD", "AU$": "AUD", "A$": "AUD",
    "HK$": "HKD", "NZ$": "NZD", "S$": "SGD", "R$": "BRL", "Rs.": "INR", "Rs": "INR",
}  # fmt: skip
# ISO codes read before or after an amount ("USD 5m", "300 CHF"), always in capitals.
CURRENCY_CODES = word_list(
    "USD EUR GBP CHF JPY CNY BTC INR CAD AUD HKD NZD SGD BRL KRW RUB SEK NOK DKK ZAR MXN AED"
)
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
    "renminbi": "CNY",
    "franc": "CHF",
    "francs": "CHF",
    "bitcoin": "BTC",
    "bitcoins": "BTC",
    "rupee": "INR",
    "rupees": "INR",
    "roupie": "INR",
    "roupies": "INR",
    "rouble": "RUB",
    "roubles": "RUB",
    "ruble": "RUB",
    "rubles": "RUB",
} | {code.lower(): code for code in CURRENCY_CODES}
_CODES_RE = "|".join(CURRENCY_CODES)
# Dollars of other countries, written out ("88 billion Hong Kong dollars", "dollars canadiens").
COUNTRY_DOLLARS = {
    "hong kong": "HKD", "canadian": "CAD", "canadiens": "CAD", "australian": "AUD",
    "australiens": "AUD", "new zealand": "NZD", "néo-zélandais": "NZD", "singapore": "SGD",
    "singapour": "SGD", "taiwan": "TWD", "de hong kong": "HKD",
}  # fmt: skip
_COUNTRY_BEFORE = r"(?:Hong Kong|Canadian|Australian|New Zealand|Singapore|Taiwan)"
_COUNTRY_AFTER = r"(?:canadiens|australiens|néo-zélandais|de Singapour|de Hong Kong)"
# Currency words in any case ("49.95 Euro"), then symbols and codes.
CURRENCY_AFTER = (
    r"(?:(?:de |d'|d’|of )?(?:"
    + _COUNTRY_BEFORE
    + r" )?(?i:dollars?(?: américains| US| "
    + _COUNTRY_AFTER
    + r")?|euros?|livres?(?: sterling)?|"
    r"pounds?(?: sterling)?|yens?|yuans?|renminbi|francs?(?: suisses)?|bitcoins?|rupees?|"
    r"roupies?|roubles?|rubles?)\b|"
    r"(?:\$US|US\$|\$|€|£|¥|₹|₩|₽|" + _CODES_RE + r")(?![\w]))"
)
CURRENCY_BEFORE = (
    r"(?:(?<![\w$])(?:"
    + "|".join(re.escape(prefix) for prefix in CURRENCY_PREFIXES)
    + r")"
    + SPACE
    + r"?|\$|€|£|¥|₹|₩|₽|(?<![\w])(?:"
    + _CODES_RE
    + r")"
    + SPACE
    + r"?)"
)
PERCENT_AFTER = r"(?:%|pour" + SPACE + r"?cent|percent|per" + SPACE + r"cent|pct)(?![\w])"

NUMBER_WORDS = {
    "fr": word_list(
        "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize "
        "quatorze quinze seize dix-sept dix-huit dix-neuf vingt vingts trente quarante "
        "cinquante soixante soixante-dix quatre-vingt quatre-vingts quatre-vingt-dix "
        "cent cents mille et"
    ),
    "en": word_list(
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
    "fr": word_list(
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ),
    "en": word_list(
        "January February March April May June July August September October November December"
    ),
}
# Every month name above, in lower case, in order and as a set.
MONTH_NAMES = tuple(m.lower() for names in MONTHS.values() for m in names)
MONTH_WORDS = frozenset(MONTH_NAMES)
# Abbreviated months, with the number of their month ("Nov. 18, 2019", "janv. 2020"). French
# abbreviations take their dot ("sept" alone is seven); English ones may drop it ("Sept 2019").
MONTH_ABBREVIATIONS = {
    "fr": {"janv.": 1, "févr.": 2, "fév.": 2, "avr.": 4, "juil.": 7, "sept.": 9, "oct.": 10,
           "nov.": 11, "déc.": 12},
    "en": {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "sept": 9, "oct": 10, "nov": 11, "dec": 12},
}  # fmt: skip
ORDINALS = {
    "fr": {"premier": 1, "1er": 1, "deuxième": 2, "second": 2, "2e": 2, "troisième": 3, "3e": 3,
           "quatrième": 4, "4e": 4, "dernier": 4},
    "en": {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
           "4th": 4, "final": 4, "last": 4},
}  # fmt: skip

HEDGE_PATTERNS: dict[str, list[tuple[str, Hedge]]] = {
    "fr": [
        # "Pas plus de", "au plus", a cap: a ceiling, before "plus de" is read as "more than".
        (
            r"jusqu['’]?(?:à|a)|pas dépasser|pas plus de|pas plus d['’]|tout au plus|au plus|"
            r"au maximum|montant maxim(?:al|um) de|plafond de|plafonnée?s? à",
            Hedge.UP_TO,
        ),
        (
            r"environ|près de|près d['’]|presque|quelques?|autour de|approximativement|une? bonne",
            Hedge.ABOUT,
        ),
        (r"au moins|au minimum|pas moins de|pas moins d['’]", Hedge.AT_LEAST),
        (r"plus de|plus d['’]|au-delà de|davantage que|supérieure? à", Hedge.MORE_THAN),
        (r"moins de|moins d['’]|inférieure? à", Hedge.LESS_THAN),
    ],
    "en": [
        # "No more than", "at most": a ceiling, before "more than" is read. Not "a maximum
        # of": "hit a maximum of 89 degrees" is the peak itself.
        (
            r"up to|as much as|as many as|as high as|not exceed|no more than|not more than|"
            r"at most|capped at|a cap of",
            Hedge.UP_TO,
        ),
        (
            r"about|around|roughly|nearly|near|almost|approximately|some|an estimated|close to|"
            r"circa|just short of|just shy of|more like",  # "just short of": not "less than"
            Hedge.ABOUT,
        ),
        (r"at least|no fewer than|no less than", Hedge.AT_LEAST),
        (r"more than|over|above|upwards of|in excess of", Hedge.MORE_THAN),
        (r"less than|fewer than|under|below|shy of", Hedge.LESS_THAN),
    ],
}
# A closed list of modals: "could" is shown only when one of them governs the figure (see
# context.py). Reported speech ("serait", "aurait"), plans and forecasts ("prévoit", "expected")
# are no doubt about the number itself. "Selon" (according to) names a source, not a doubt.
MODALS = {
    "fr": r"\b(?:pourrai(?:t|ent)|pourr(?:a|ont)|peu(?:t|vent)|pouvant|devrai(?:t|ent))\b",
    "en": r"\b(?:could|may|might|would|should)\b",
}
# Capitalised words that begin sentences without naming anyone.
FUNCTION_WORDS = MONTH_WORDS | frozenset(
    word_list(
        "le la les l un une des du de d ce cet cette ces il elle ils elles on nous vous je en "
        "au aux selon mais et pour par dans sur avec depuis après avant lors si alors ainsi "
        "cependant pourtant enfin désormais aujourd hui c est the a an this that these those "
        "he she it they we you i in on at for by with from after before since as but and so "
        "yet according however meanwhile while when if its his her their our last next "
        "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
        "vendredi samedi dimanche près entre seulement parmi durant pendant sans sous vers "
        "chez contre comme quand où plus moins très tout tous toute toutes aussi encore déjà "
        "there here now then also still just only even now today yesterday tomorrow once "
        "both each every all some many most other such what which who why how am pm whatever "
        "whenever wherever whoever whichever"
    )
)
# Words after a number that are not a thing counted.
NOT_COUNTED = MONTH_WORDS | frozenset(
    word_list(
        "et and ou or à a de d du des of to the le la les en in h heures heure ans an years "
        "year ème e er th st nd rd fois times au aux dans sur pour par avec sans sous chez "
        # Durations are not key figures (ages, sentences, delays): docs/quality.md.
        "années année jours jour semaines semaine mois décennies décennie siècles siècle "
        "minutes minute secondes seconde days day weeks week months month decades decade "
        "centuries century hours hour seconds second "
        "entre vers autres autre more other others ones than plus moins fewer less per pour cent "
        "percent ou who which that qui que dont were was are is have has had ont sont est"
    )
)
PARTICIPLE_RE = re.compile(r"(?:é|ée|ant)$")  # singular: after two or more, French nouns take -s
FRENCH_ADJECTIVES_BEFORE = frozenset(
    word_list(
        "premier premiers première premières dernier derniers dernière dernières grand grands "
        "grande grandes petit petits petite petites nouveau nouveaux nouvelle nouvelles "
        "principaux principales seuls seules jeunes vrais autres bons bonnes gros grosses"
    )
)
ADJECTIVE_END_RE = re.compile(
    r"(?:al|ous|ive|ful|ic|ing|ed|an|ese|ish|ern|ary|less|new|old|ly)$"  # "monthly visitors"
)
COUNT_NOUN_RE = re.compile(r"(?:de |d['’]|of )?([^\W\d_][\w'’-]*)")
