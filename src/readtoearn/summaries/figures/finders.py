"""Finders of each kind of figure in one sentence: money, percentages, counts, dates."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from readtoearn.summaries.figures.context import PREPOSITIONS, clean_value
from readtoearn.summaries.figures.model import Figure, Kind, NumberStyle
from readtoearn.summaries.figures.numbers import Numeral, scale_after
from readtoearn.summaries.figures.vocabulary import (
    ADJECTIVE_END_RE,
    COUNTRY_DOLLARS,
    CURRENCY_AFTER,
    CURRENCY_BEFORE,
    CURRENCY_PREFIXES,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    FRENCH_ADJECTIVES_BEFORE,
    FUNCTION_WORDS,
    MONTH_ABBREVIATIONS,
    MONTH_NAMES,
    MONTHS,
    NOT_COUNTED,
    ORDINALS,
    PARTICIPLE_RE,
    PERCENT_AFTER,
    SPACE,
    word_list,
)


def money_figures(
    sentence: str, language: str, index: int, numerals: list[Numeral]
) -> list[Figure]:
    figures = []
    for position, numeral in enumerate(numerals):
        symbol = CURRENCY_BEFORE_RE.search(sentence, max(0, numeral.start - 5), numeral.start)
        scale_info = scale_after(sentence, numeral.end, language, money=True)
        scale, after_scale = scale_info if scale_info else (Decimal(1), numeral.end)
        currency = None
        start, end = numeral.start, after_scale
        if symbol:
            currency = _currency_code(symbol.group().strip())
            start = symbol.start()
            # "$50bn" may still be followed by "US$"; nothing more to read.
            following = _range_next(sentence, numerals, position) if not scale_info else None
            following_scale = following and scale_after(
                sentence, following.end, language, money=True
            )
            if following_scale:
                scale = following_scale[0]  # "$40-50 billion": the first takes the last's scale
        elif opened := _range_opened_by_symbol(sentence, numerals, position):
            currency = opened  # "$40-50 billion": the last takes the first's currency
        else:
            tail = re.compile(SPACE + r"?" + CURRENCY_AFTER).match(sentence, after_scale)
            if tail:
                currency = _currency_code(tail.group())
                end = tail.end()
            elif not numeral.style.spelled:
                # The first number of a range shares the last one's scale and currency ("10
                # to 15 million dollars", "entre 3.000 et 5.000 euros").
                shared = _range_currency(sentence, language, numerals, position)
                if shared is not None:
                    currency, shared_scale = shared
                    scale = scale if scale_info else shared_scale
        if currency is None:
            continue
        if scale_info is None and numeral.style.spelled and numeral.value < 2:
            continue
        figures.append(
            Figure(
                kind=Kind.MONEY,
                text=sentence[start:end],
                value=clean_value(numeral.value * scale),
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
    for match in SCALE_ADJECTIVE_RE.finditer(sentence) if language == "en" else ():
        # "a billion-dollar deal": the scale alone, as an adjective of its currency.
        figures.append(
            Figure(
                kind=Kind.MONEY,
                text=match.group(),
                value=clean_value(ENGLISH_SCALE_WORDS[match.group(1).lower()]),
                unit=CURRENCY_WORDS[match.group(2).lower()],
                sentence=sentence,
                sentence_index=index,
                start=match.start(),
                end=match.end(),
                number_start=0,
                number_end=len(match.group(1)),
                scale=ENGLISH_SCALE_WORDS[match.group(1).lower()],
                style=NumberStyle(spelled=True),
            )
        )
    return figures


SCALE_ADJECTIVE_RE = re.compile(
    r"(?<![\w-])(million|billion|trillion)-(dollar|euro|pound)(?![\w-])", re.IGNORECASE
)
ENGLISH_SCALE_WORDS = {
    "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9, "trillion": Decimal(10) ** 12,
}  # fmt: skip


CURRENCY_BEFORE_RE = re.compile(CURRENCY_BEFORE + r"$")


def _range_currency(
    sentence: str, language: str, numerals: list[Numeral], position: int
) -> tuple[str, Decimal] | None:
    following = _range_next(sentence, numerals, position)
    if following is None:
        return None
    scale_info = scale_after(sentence, following.end, language, money=True)
    scale, after = scale_info if scale_info else (Decimal(1), following.end)
    tail = re.compile(SPACE + r"?" + CURRENCY_AFTER).match(sentence, after)
    return (_currency_code(tail.group()), scale) if tail else None


def _range_opened_by_symbol(sentence: str, numerals: list[Numeral], position: int) -> str | None:
    """The currency of a range's first number, written as a symbol before it ("$40-50")."""
    if position == 0 or _range_next(sentence, numerals, position - 1) is None:
        return None
    first = numerals[position - 1]
    symbol = CURRENCY_BEFORE_RE.search(sentence, max(0, first.start - 5), first.start)
    return _currency_code(symbol.group().strip()) if symbol else None


def _currency_code(token: str) -> str:
    token = token.strip()
    for prefix, code in CURRENCY_PREFIXES.items():
        if token == prefix:
            return code
    for symbol, code in (("$US", "USD"), ("US$", "USD")):
        if symbol in token:
            return code
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in token:
            return code
    lowered = token.lower()
    if "dollar" in lowered:
        for country, code in COUNTRY_DOLLARS.items():
            if country in lowered:
                return code
    words = re.findall(r"[^\W\d_]+", lowered)
    for word in reversed(words):
        if word in CURRENCY_WORDS:
            return CURRENCY_WORDS[word]
    return "XXX"


def percent_figures(
    sentence: str, language: str, index: int, numerals: list[Numeral]
) -> list[Figure]:
    figures = []
    percent_after = re.compile(SPACE + r"?" + PERCENT_AFTER)
    for position, numeral in enumerate(numerals):
        match = percent_after.match(sentence, numeral.end)
        end = match.end() if match else numeral.end
        if not match:
            # The first number of a range shares the last one's sign ("10 to 15 per cent").
            following = _range_next(sentence, numerals, position)
            if following is None or not percent_after.match(sentence, following.end):
                continue
        figures.append(
            Figure(
                kind=Kind.PERCENT,
                text=sentence[numeral.start : end],
                value=clean_value(numeral.value),
                unit="%",
                sentence=sentence,
                sentence_index=index,
                start=numeral.start,
                end=end,
                number_start=0,
                number_end=numeral.end - numeral.start,
                style=numeral.style,
            )
        )
    return figures


def _range_next(sentence: str, numerals: list[Numeral], position: int) -> Numeral | None:
    """The next number when this one opens a range with it ("10 to 15", "entre 2 et 3")."""
    if position + 1 >= len(numerals):
        return None
    numeral, following = numerals[position], numerals[position + 1]
    link = RANGE_LINK_RE.fullmatch(sentence, numeral.end, following.start)
    if not link or SCORE_BEFORE_RE.search(sentence, 0, numeral.start):
        return None  # "won 3-2 and 40%": a score
    if re.search(r"\b(?:and|et)\b", link.group(), re.IGNORECASE) and not BETWEEN_BEFORE_RE.search(
        sentence, 0, numeral.start
    ):
        return None  # "and" joins a range only after "between", "entre"
    return following


SCORE_BEFORE_RE = re.compile(r"\d" + SPACE + r"*[-–]" + SPACE + r"*$")
BETWEEN_BEFORE_RE = re.compile(r"\b(?:between|entre)" + SPACE + r"+$", re.IGNORECASE)


def count_figures(
    sentence: str, language: str, index: int, numerals: list[Numeral]
) -> list[Figure]:
    figures = []
    for position, numeral in enumerate(numerals):
        if not numeral.style.spelled and _inside_a_name(sentence, numeral.start):
            continue
        counted = _counted(sentence, language, numerals, position)
        if counted is None:
            continue
        noun, end, scale = counted
        if numeral.style.spelled and numeral.value * scale < 2:
            continue
        if VAGUE_THOUSAND_RE.match(sentence, numeral.start):
            continue  # "un millier de marins" is vague, like "une centaine de"
        if _in_a_score(sentence, numeral) and SCORE_NOUNS & set(noun.lower().split()):
            continue  # "a 2-2 draw"
        value = clean_value(numeral.value * scale)
        measured = numeral.style.decimals > 0 and (
            UNIT_RE.fullmatch(noun) or GLUED_UNIT_RE.fullmatch(noun) or noun.startswith("°")
        )
        if value < 2 and scale == 1 and not measured:
            continue  # a count is of two or more, but "1.64 GW" is a measure
        start = numeral.start
        if noun.lower() in TEMPERATURE_UNITS and MINUS_BEFORE_RE.search(sentence[:start]):
            value, start = -value, start - 1  # "-5 degrés": below zero
        figures.append(
            Figure(
                kind=Kind.COUNT,
                text=sentence[start:end],
                value=value,
                unit=noun,
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


# A number right after a name ("Thunderbolt 3", "Wi-Fi 6", "Flight 370", "Europe 1") or a noun
# that numbers things ("type 2 diabetes", "phase 3 trials", "chapter 11") is part of a name.
NAME_WORD_BEFORE_RE = re.compile(
    r"(?<![\w'’.-])([A-ZÀ-Ý][\w'’.-]*|[a-z]{1,4}[A-Z][\w'’.-]*)" + SPACE + r"$"  # also "iPhone 11"
)
NUMBERING_NOUN_BEFORE_RE = re.compile(
    r"(?<![\w-])(?:type|group|level|phase|stage|category|grade|version|season|episode|chapter|article|"
    r"number|no\.|tier|series|generation|gen|model|round|route|gate|platform|terminal|channel|"
    r"flight|track|page|section|catégorie|niveau|saison|épisode|chapitre|numéro|n°|"
    r"génération|modèle|tour|ligne|voie|porte|chaîne|groupe|étape|phase)" + SPACE + r"$",
    re.IGNORECASE,
)


def _inside_a_name(sentence: str, start: int) -> bool:
    offset = max(0, start - 40)
    before = sentence[offset:start]
    name = NAME_WORD_BEFORE_RE.search(before)
    if name is not None:
        word = name.group(1).lower()
        opens = not sentence[: offset + name.start(1)].strip(" «“\"'(—–-")
        if opens or word in FUNCTION_WORDS or word in HEDGE_OPENERS:
            return False  # "About 8 pears", "Les 27 pays": the sentence's first word, a hedge
        # Not "WeWork's 12,000 employees", "BPA-free 5-gallon bottles".
        return not (POSSESSIVE_END_RE.search(word) or LOWER_COMPOUND_RE.search(name.group(1)))
    return NUMBERING_NOUN_BEFORE_RE.search(before) is not None


VAGUE_THOUSAND_RE = re.compile(r"(?i:un)" + SPACE + r"+millier\b")
SCORE_NOUNS = frozenset(
    word_list(
        "draw draws win wins victory defeat loss lead tie nul victoire défaite score "
        "outsiders outsider favourites favourite favorites favorite shot odds"  # "5000-1 outsiders"
    )
)


def _in_a_score(sentence: str, numeral: Numeral) -> bool:
    return bool(
        SCORE_BEFORE_RE.search(sentence, 0, numeral.start)
        or re.match(SPACE + r"*[-–]" + SPACE + r"*\d", sentence[numeral.end :])
    )


POSSESSIVE_END_RE = re.compile(r"(?:['’]s|s['’])$")
LOWER_COMPOUND_RE = re.compile(r"-[a-zà-ÿ]")


HEDGE_OPENERS = frozenset(
    word_list(
        "about around nearly almost some over under only just roughly approximately more less "
        "fewer up environ près presque quelque plus moins seulement jusqu'à jusqu’à"
    )
)
TEMPERATURE_UNITS = frozenset({"degrés", "degré", "degrees", "°c", "c", "°f"})
MINUS_BEFORE_RE = re.compile(r"(?:^|[\s(])[-−]$")
# Between two numbers of a range or a list that share the noun after the last one ("entre 15
# et 20 étoiles", "80 à 100 km/h", "about 25 to 30 people", "cinquante, soixante-dix ou
# quatre-vingt couples").
RANGE_LINK_RE = re.compile(SPACE + r"*(?:et|à|ou|or|to|and|-|–)" + SPACE + r"*", re.IGNORECASE)
LIST_LINK_RE = re.compile(r"," + SPACE + r"*")
OUT_OF_RE = re.compile(SPACE + r"+out" + SPACE + r"+of" + SPACE + r"+")  # eight out of ten firms


def _counted(
    sentence: str, language: str, numerals: list[Numeral], position: int, *, listed: bool = False
) -> tuple[str, int, Decimal] | None:
    """The thing a numeral counts, where its words end and its scale; for the first numbers of
    a range or a list, the noun of the last one (the figure is then the number alone). In a
    list joined by commas, the last number must be joined by "et", "ou", "and" or "or"."""
    numeral = numerals[position]
    year = not numeral.style.spelled and _looks_like_year(numeral)
    if year and not _range_to_no_year(sentence, numeral.end):
        return None
    scale_info = scale_after(sentence, numeral.end, language)
    scale, after = scale_info if scale_info else (Decimal(1), numeral.end)
    counted = _thing_counted(sentence, after, language)
    if counted is not None:
        return (*counted, scale) if not listed else None
    if scale_info is not None or position + 1 >= len(numerals):
        return None
    following = numerals[position + 1]
    gap = sentence[numeral.end : following.start]
    if RANGE_LINK_RE.fullmatch(gap) or OUT_OF_RE.fullmatch(gap):
        shared = _counted(sentence, language, numerals, position + 1)
    elif LIST_LINK_RE.fullmatch(gap):
        shared = _counted(sentence, language, numerals, position + 1, listed=True)
        if shared is None:
            shared = _listed_last(sentence, language, numerals, position + 1)
    else:
        return None
    if shared is None or shared[0].split()[-1].lower() in CURRENCY_WORDS:
        return None  # "3.000 à 5.000 euros": money, not a count
    return shared[0], numeral.end, shared[2]


def _listed_last(
    sentence: str, language: str, numerals: list[Numeral], position: int
) -> tuple[str, int, Decimal] | None:
    """A number inside a comma list shares its noun only through the list's final range link."""
    if position + 1 >= len(numerals):
        return None
    gap = sentence[numerals[position].end : numerals[position + 1].start]
    if RANGE_LINK_RE.fullmatch(gap) and not re.search(r"-|–|\bà\b|\bto\b", gap):
        return _counted(sentence, language, numerals, position + 1)
    if LIST_LINK_RE.fullmatch(gap):
        return _listed_last(sentence, language, numerals, position + 1)
    return None


# Words that may stand between a number and the thing it counts ("two more deals").
MODIFIERS = frozenset(
    {"more", "other", "new", "extra", "additional", "former", "ex", "autres", "prochains",
     "prochaines", "supplémentaires", "anciens", "anciennes", "nouveaux", "nouvelles"}
)  # fmt: skip
IRREGULAR_PLURALS = frozenset(
    {"people", "men", "women", "children", "police", "staff", "feet", "teeth", "cattle",
     "sheep", "personnel", "livestock", "fish", "aircraft", "troops", "jellyfish", "deer",
     "species"}
)  # fmt: skip
# Units of news and product pages, written after the number (any case: "45 dBa"): lengths,
# areas, masses, volumes, speeds, power and energy, sound, frequencies, data, computing power,
# frame rates, gold, temperatures. A unit names its thing even in the singular ("24 carat
# gold", "10.7 teraflop hardware").
UNIT_RE = re.compile(
    r"(?:km/h|km/heure|km/hr|kmh|mi/h|kph|mph|km²|m²|m³|km2|m2|m3|ha|km|cm|mm|nm|m|kg|mg|g|t|ml|cl|"
    r"w|kw|mw|gw|wh|kwh|mwh|gwh|twh|hp|bhp|ch|cv|rpm|db|dba|hz|khz|mhz|ghz|"
    r"kb|mb|gb|tb|kbps|mbps|gbps|go|mo|to|mah|fps|tflops?|teraflops?|petaflops?|gflops?|"
    r"ft|lbs?|oz|ppm|kcal|°c|°f|carats?|karats?|megapixels?|megawatts?|kilowatts?|gigawatts?|"
    r"watts?|volts?|decibels?|horsepower|mégapixels?|mégawatts?|kilowattheures?)",
    re.IGNORECASE,
)
# French data sizes ("64 Go") and "to" are words in English.
FRENCH_ONLY_UNITS = frozenset({"go", "mo", "to", "ch", "cv"})
NEXT_WORD_RE = re.compile(SPACE + r"+([^\W\d_][\w'’/²-]*)")
# "60 of the companies", "deux de ses accusatrices": a part of a group counts the group's noun.
FIRST_WORD_RE = re.compile(
    SPACE + r"+(?:(?:de|of)" + SPACE + r"+(?:(?:the|its|their|his|her|our|these|those|ses|leurs|"
    r"nos|vos|mes|ces)" + SPACE + r"+)?|d['’])?([^\W\d_][\w'’/²³-]*)"
)
# Degrees written with their sign, glued or not ("33 °C", "95°F", "40ºC").
DEGREES_RE = re.compile(SPACE + r"?[°º]" + SPACE + r"?([CF])\b")
ABBREVIATION_AFTER_RE = re.compile(r"\." + SPACE + r"+[A-Z]")
ANGLE_RE = re.compile(SPACE + r"?[°º](?![\w°])")
# Units glued to their number ("60fps", "128GB", "5GHz", "97kph"), case as written.
GLUED_UNIT_RE = re.compile(
    r"(ft|cm|mm|km/h|km|kg|mg|ml|mph|kph|lbs?|oz|m|°C|C|fps|GB|TB|MB|Go|To|Mo|GHz|MHz|Hz|mAh|"
    r"kWh|MWh|GWh|TWh|kW|MW|GW|W|dBA|dB|hp|bhp|TFLOPS|Mbps|Gbps)\b"
)
# "a 28-member union": a number joined to the singular noun it counts by a hyphen (English).
HYPHEN_NOUN_RE = re.compile(r"-([a-z]{3,})\b(?!-)")
# Peoples counted by their name ("600,000 Syrians", "3,900 Amish", "cinq Saoudiens").
PEOPLE_RE = {
    "en": re.compile(r"[A-Z][a-z]+(?:ians|eans|ans|ese|ish|is|ites)"),
    "fr": re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:iens|iennes|ais|aises|ois|oises|ains|aines|ites)"),
}
EN_VERB_END_RE = re.compile(r"(?:ed|ing)$")
VERB_AFTER_COMPOUND_RE = re.compile(
    SPACE + r"+(?:will|would|is|was|has|had|can|could|may|might|should|does|did)\b"
)
PRODUCT_NAME_AFTER_RE = re.compile(SPACE + r"+(?:[A-Z]|[a-z]{1,4}[A-Z])")  # also "iPad Pro"
# A heading glued to a word ("ansLes"); not "iPads", "eBay".
GLUED_HEADING_RE = re.compile(r"[a-zà-ÿ]{2}[A-ZÀ-Ý]")
ELIDED_ARTICLE_RE = re.compile(r"[ld]['’]")
# Nouns made of a number and "-er": one thing (a shot, a car, a boat, a fish), not a count.
NUMBERED_THING_RE = re.compile(
    r"(?:point|seat|foot|wheel|tim|deck|head|lin|hand|yard|pound|hitt|sid|engin|storey|stor)"
    r"ers?"
)


def _thing_counted(sentence: str, position: int, language: str) -> tuple[str, int] | None:
    """What a number counts: a unit, or a plural noun within the next few words (after a number
    of two or more, the thing counted is plural in both languages)."""
    glued = GLUED_UNIT_RE.match(sentence, position)
    if glued:
        return glued.group(1), glued.end()
    degrees = DEGREES_RE.match(sentence, position)
    if degrees:
        return "°" + degrees.group(1), degrees.end()
    angle = ANGLE_RE.match(sentence, position)
    if angle:
        return "°", angle.end()  # "à environ 45°": an angle
    hyphen = HYPHEN_NOUN_RE.match(sentence, position) if language == "en" else None
    if hyphen:
        noun = hyphen.group(1)
        if noun in NOT_COUNTED or noun in FUNCTION_WORDS or EN_VERB_END_RE.search(noun):
            return None
        if NUMBERED_THING_RE.fullmatch(noun):
            return None  # "a 3-pointer", "a two-seater": one thing named by a number
        if PRODUCT_NAME_AFTER_RE.match(sentence, hyphen.end()):
            return None  # "the 15-inch MacBook Pro": a size inside a product's name
        if VERB_AFTER_COMPOUND_RE.match(sentence, hyphen.end()):
            return None  # "the new 2.0-liter will deliver": the compound names a thing (an engine)
        return noun, hyphen.end()
    words: list[str] = []
    end = position
    for step in range(3 if language == "en" else 2):
        match = (FIRST_WORD_RE if step == 0 else NEXT_WORD_RE).match(sentence, end)
        if not match:
            return None
        word = match.group(1)
        glued = GLUED_HEADING_RE.search(word)
        if glued:
            word = word[: glued.start() + 2]  # "5 ansLes": a heading glued to the word
        word_end = match.start(1) + len(word)
        lowered = word.lower()
        if ELIDED_ARTICLE_RE.match(lowered):
            return None  # "18 de l'US": an article, not a noun counted
        if UNIT_RE.fullmatch(lowered) and not words:
            if len(word) == 1 and ABBREVIATION_AFTER_RE.match(sentence, word_end):
                return None  # "3170 W. County Road": an address, not watts
            if language == "fr" or lowered not in FRENCH_ONLY_UNITS:
                return word, word_end
            return None
        if lowered in MODIFIERS or (language == "fr" and lowered in FRENCH_ADJECTIVES_BEFORE):
            words.append(word)
            end = word_end
            continue
        if lowered in NOT_COUNTED or lowered in FUNCTION_WORDS:
            return None
        if any(lowered.startswith(m) for m in MONTH_NAMES) or PARTICIPLE_RE.search(lowered):
            return None  # "24 févrierLe" (glued text), "50 fixé", "19 nécessitant"
        if language == "en" and EN_VERB_END_RE.search(lowered) and step == 0:
            return None  # "the two travelled"
        if _plural(lowered, language) and not word[:1].isupper():
            return " ".join([*words, word]), word_end
        if PEOPLE_RE[language].fullmatch(word):
            following = NEXT_WORD_RE.match(sentence, word_end)
            noun_after = following and _plural(following.group(1), language)
            if not noun_after:
                return " ".join([*words, word]), word_end  # not "Syrian refugees"
        # An adjective or a name before the noun ("nautical miles", "Instagram followers").
        if language == "en" and (ADJECTIVE_END_RE.search(lowered) or word[:1].isupper()):
            words.append(word)
            end = word_end
            continue
        if language == "en" and "-" in word:
            words.append(word)  # "two-seater armchairs"
            end = word_end
            continue
        if (
            language == "en"
            and NOUN_MODIFIER_RE.fullmatch(word)
            and lowered not in PREPOSITIONS
            and not lowered.endswith("ly")
        ):
            words.append(word)  # a noun before the noun: "250 love letters", "two match points"
            end = word_end
            continue
        return None
    return None


# English puts nouns before the noun they qualify; a lower-case word (no verb form, seen
# above) may stand there when a plural noun follows within the words read.
NOUN_MODIFIER_RE = re.compile(r"[a-z]{3,}")


def _plural(word: str, language: str) -> bool:
    if language == "en" and word in IRREGULAR_PLURALS:
        return True
    if language == "fr" and word.endswith(("s", "x")) and len(word) > 2:
        return not word.endswith(("ont",))
    return language == "en" and word.endswith("s") and not word.endswith("ss") and len(word) > 2


RANGE_END_RE = re.compile(
    SPACE + r"*(?:et|à|and|to|-|–)" + SPACE + r"*(\d[\d.,\u00a0\u202f]*\d|\d)(?![\d])"
)


def _range_to_no_year(sentence: str, position: int) -> bool:
    """The number opens a range whose other end is no year ("entre 2000 et 3000 personnes")."""
    end = RANGE_END_RE.match(sentence, position)
    if end is None:
        return False
    year_start = position - 4
    if re.search(r"\b(?:et|and)\b", end.group(), re.IGNORECASE) and not BETWEEN_BEFORE_RE.search(
        sentence, 0, year_start
    ):
        return False  # "qu'en 2017 et 1.000 de plus": "and" makes a range only after "between"
    digits = re.sub(r"\D", "", end.group(1))
    if int(digits) < 1000:
        return False  # "2012-13", "en 2018 et 1,9 million": a season, another figure
    return not re.fullmatch(r"\d{4}", end.group(1)) or int(digits) > 2100


def _looks_like_year(numeral: Numeral) -> bool:
    return (
        not numeral.style.thousands
        and numeral.style.decimals == 0
        and 1800 <= numeral.value <= 2100
        and numeral.value == numeral.value.to_integral_value()
    )


# "entre 2013 et 2019", "from 1992 to 1997": a year joined to a date found before it.
JOINED_YEAR_RE = re.compile(
    r"(?:\bet|\bà|\band|\bto|-|–)" + SPACE + r"*(?P<year>(?:18|19|20)\d\d)(?!\d)"
)


# "les années 90": a decade written with two digits, the 20th century's.
DECADE_RE = re.compile(r"\bannées" + SPACE + r"(?P<decade>[1-9]0)\b(?![.,]?\d)")


def date_figures(sentence: str, language: str, index: int) -> list[Figure]:
    figures = _dates(sentence, language, index)
    for match in DECADE_RE.finditer(sentence) if language == "fr" else ():
        year = str(1900 + int(match.group("decade")))
        figures.append(
            Figure(
                kind=Kind.DATE,
                text=match.group("decade"),
                value=Decimal(year),
                unit="year",
                period=year,
                sentence=sentence,
                sentence_index=index,
                start=match.start("decade"),
                end=match.end(),
                number_start=0,
                number_end=2,
            )
        )
    for match in JOINED_YEAR_RE.finditer(sentence):
        if not any(f.end <= match.start() for f in figures):
            continue
        if any(match.start("year") < f.end and f.start < match.end() for f in figures):
            continue
        figures.append(
            Figure(
                kind=Kind.DATE,
                text=match.group("year"),
                value=Decimal(match.group("year")),
                unit="year",
                period=match.group("year"),
                sentence=sentence,
                sentence_index=index,
                start=match.start("year"),
                end=match.end(),
                number_start=0,
                number_end=4,
            )
        )
    return sorted(figures, key=lambda f: f.start)


def _dates(sentence: str, language: str, index: int) -> list[Figure]:
    figures: list[Figure] = []
    for pattern, precision in _date_patterns(language):
        for match in pattern.finditer(sentence):
            if any(match.start() < f.end and f.start < match.end() for f in figures):
                continue
            period, unit = _period(match, precision, language)
            if period is None or CURRENCY_NEXT_RE.match(sentence, match.end("year")):
                continue
            if precision == "year" and _range_to_no_year(sentence, match.end("year")):
                continue  # "entre 2000 et 3000 personnes": a count, not a year
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


# A year alone in brackets, or opening a range of years there ("Théodore Monod (1902-2000)").
YEARS_IN_BRACKETS = r"(?=(?:" + SPACE + r"*[-–]" + SPACE + r"*(?:1[0-9]|20)\d\d)?\))"
# A year followed by a currency is an amount ("à hauteur de 2000 euros").
CURRENCY_NEXT_RE = re.compile(SPACE + r"?" + CURRENCY_AFTER)
# A year before 1800, read only where it is surely a date.
OLD_YEAR = r"(?P<year>1[0-7]\d\d)(?![\d])"
HOLIDAYS = {
    "New Year['’]s Day": "01-01", "New Year['’]s Eve": "12-31", "Christmas Day": "12-25",
    "Christmas Eve": "12-24", "Boxing Day": "12-26", "Valentine['’]s Day": "02-14",
    "Halloween": "10-31", "Independence Day": "07-04", "Bastille Day": "07-14",
}  # fmt: skip
HOLIDAY_DAYS = {re.sub(r"\[['’]+\]", "'", k): v for k, v in HOLIDAYS.items()}


@cache
def _date_patterns(language: str) -> list[tuple[re.Pattern[str], str]]:
    abbreviations = sorted(MONTH_ABBREVIATIONS[language], key=len, reverse=True)
    if language == "fr":
        short = "|".join(re.escape(a) for a in abbreviations)
    else:
        short = "|".join(a.capitalize() + r"\.?" for a in abbreviations)
    month_re = "|".join(MONTHS[language]) + r"|(?<!\w)(?:" + short + r")(?!\w)"
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
                r"\b(?i:en|depuis|dès|fin|début|mi-|d'ici|d’ici|avant|après|de|années|entre|sur|"
                r"l['’]année|horizon|exercice|génération|budget|printemps|été|automne|hiver|"
                r"courant|jusqu['’]en)" + SPACE + year,
                "year",
            ),
            (
                r"\b(?i:en|depuis|jusqu['’]en)"
                + SPACE
                + OLD_YEAR
                + r"(?!"
                + SPACE
                + r"*[^\W\d_]+[sx]\b)",
                "year",
            ),
            (r"(?<=\()" + year + YEARS_IN_BRACKETS, "year"),  # "Sula (1973)", "(1902-2000)"
            (
                r"\bjusqu['’]à"
                + SPACE
                + year
                + r"(?!"
                + SPACE
                + r"*[^\W\d_]+[sx]\b)",  # not "jusqu'à 2000 personnes"
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
            (r"(?:(?P<day>\d{1,2})" + SPACE + r")?(?P<month>" + month_re + r")" + r",?(?:" + SPACE
             + r"of)?" + SPACE + year, "month"),
            (r"\b(?i:in|since|by|until|till|from|before|after|during|of|early|late|mid-|between|as|"
             r"into|through|throughout|spring|summer|fall|autumn|winter|fiscal|fiscal year|"
             r"financial year|calendar year|FY)(?:" + SPACE + r"(?i:at least|as early as|"
             r"as late as|no later than|no earlier than|the end of))?" + SPACE + r"?" + year,
             "year"),
            # Before 1800, a year only after a preposition of time ("from 1061 to 1128" may be
            # scores): English writes counts of a thousand or more with a comma ("in 1,500
            # homes"), and French ones that are no plural noun's ("en 1515").
            (r"\b(?i:in|since|until|before|after|during|circa)" + SPACE + OLD_YEAR
             + r"(?![.,]\d)", "year"),
            # Holidays of a fixed day, with their year ("New Year's Day 1941").
            (r"(?P<holiday>" + "|".join(HOLIDAYS) + r")(?:,?" + SPACE + r"of)?,?" + SPACE + year,
             "holiday"),
            (r"(?<=\()" + year + YEARS_IN_BRACKETS, "year"),  # "Sula (1973)", "(1902-2000)"
            # "the 1490s", "the early 1990s": a decade, the year it starts.
            (r"\b(?i:the|early|late|mid-)" + SPACE + r"?(?P<year>1\d\d0|20\d0)s\b", "year"),
            (year + r"(?=['’]s\b)", "year"),  # "2016's Star Trek Beyond"
            # "the government's 2008 plea deal", "her 2011 wedding": a year before its event.
            (r"(?:['’]s|\b(?i:the|a|an|his|her|its|their))" + SPACE + year + r"(?=" + SPACE
             + r"[a-z])", "year"),
        ]  # fmt: skip
    return [
        (re.compile(pattern, flags=0 if precision in ("year", "holiday") else re.IGNORECASE),
         precision)
        for pattern, precision in patterns
    ]  # fmt: skip


def _period(match: re.Match[str], precision: str, language: str) -> tuple[str | None, str]:
    groups = match.groupdict()
    year = groups["year"]
    if precision == "quarter":
        quarter = int(groups["qn"]) if groups.get("qn") else ORDINALS[language][groups["q"].lower()]
        return f"{year}-Q{quarter}", "quarter"
    if precision == "half":
        half = ORDINALS[language][groups["q"].lower()]
        return f"{year}-H{half}", "half"
    if precision == "holiday":
        return f"{year}-{HOLIDAY_DAYS[groups['holiday'].replace('’', chr(39))]}", "day"
    if precision == "month":
        names = [m.lower() for m in MONTHS[language]]
        written = groups["month"].lower()
        if written in names:
            month = names.index(written) + 1
        else:
            month = MONTH_ABBREVIATIONS[language][
                written.rstrip(".") if language == "en" else written
            ]
        day = groups.get("day")
        if day:
            number = 1 if day == "1er" else int(day)
            if not 1 <= number <= 31:
                return None, ""
            return f"{year}-{month:02d}-{number:02d}", "day"
        return f"{year}-{month:02d}", "month"
    return year, "year"
