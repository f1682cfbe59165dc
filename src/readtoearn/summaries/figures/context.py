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
    word_list,
)


def hedges_of(sentence: str, start: int, end: int, language: str, kind: Kind) -> tuple[Hedge, ...]:
    if kind == Kind.DATE:
        return ()  # a date is when something happens; a doubt is about the thing, not the date
    # In a range ("environ 80 à 100 km/h", "about 25 to 30 people") the hedge is the range's.
    range_start = RANGE_BEFORE_RE.search(sentence[:start])
    if range_start:
        start = range_start.start()
    before = sentence[max(0, start - 40) : start]
    hedges: list[Hedge] = []
    for pattern, hedge in HEDGE_PATTERNS[language]:
        if re.search(r"(?:^|\W)(?:" + pattern + r")" + SPACE + r"*(?:\S+" + SPACE + r")?$",
                     before, flags=re.IGNORECASE):  # fmt: skip
            hedges.append(hedge)
            break
    clause = re.split(r"[;:–—(]|\s-\s", sentence[:start])[-1]
    # "could raise $50bn" or "16 000 postes pourraient suivre": the modal before, or right after.
    after = " ".join(sentence[end:].split()[:3])
    if re.search(MODALS[language], clause, flags=re.IGNORECASE) or re.search(
        MODALS[language], after, flags=re.IGNORECASE
    ):
        hedges.append(Hedge.COULD)
    return tuple(hedges)


RANGE_BEFORE_RE = re.compile(
    r"\d[\d.,\u00a0\u202f]*" + SPACE + r"*(?:à|a|to|or|ou|-|–)" + SPACE + r"*$"
)

PROPER_RE = re.compile(
    r"(?:(?:M\.|Mme|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)" + SPACE + r")?"
    r"[A-ZÀ-Ý][\w'’&.-]*(?:"
    + SPACE
    + r"(?:(?:de|du|des|of|la|le|von|van|d['’])"
    + SPACE
    + r")?[A-ZÀ-Ý][\w'’&.-]*)*"
)


# Words that put a name in a prepositional phrase (a place, a source, a partner), not the subject.
PREPOSITIONS = frozenset(
    word_list(
        "à au aux en dans de du des d sur sous par pour avec vers chez selon entre contre après "
        "avant depuis près in at on from by with to into for of near across according via than "
        "after before since under over between against among"
    )
)
# Capitalised words that open a sentence without naming anyone or anything.
NOT_NAMES = frozenset(word_list("sa son ses leur leurs mon ma mes cela ceci ça ce"))
# A name followed by one of these is a speaker or a source, not what the figure is about.
ATTRIBUTION_RE = re.compile(
    r"^[\s,]*(?:said|says|told|reported|reports|added|explained|wrote|tweeted|according|"
    r"a\s+(?:indiqué|déclaré|affirmé|expliqué|précisé|annoncé|souligné|rapporté|assuré|estimé)|"
    r"indique|déclare|affirme|explique|précise|annonce|souligne|rapporte|assure|estime|"
    r"commented|comments|a\s+commenté|commente|"
    r"selon|cité)\b",
    re.IGNORECASE,
)
CLAUSE_BREAK_RE = re.compile(
    r"[,;:–—«»“”\"()]|\s-\s|\b(?:which|who|whom|whose|that|qui|que|qu['’]|dont|où)\b",
    re.IGNORECASE,
)
DEMONYM_RE = re.compile(r"(?:ese|ian|ians|ish|ais|aises|ois|oises|iens|iennes|ains|aines)$")
# How far before a figure its subject may be, in words.
MAX_SUBJECT_DISTANCE = 30


def subject_of(
    sentence: str, start: int, end: int, known: frozenset[str] | None = None
) -> str | None:
    """The proper name the figure is about, or None when no name is surely it: the last name
    before the figure that is not in a prepositional phrase, a speaker, a nationality or on the
    other side of a quotation mark."""
    chosen = None
    for match in PROPER_RE.finditer(sentence):
        if match.end() > start:
            break
        name = re.sub(r"^(?:[LlDdCcJjNnSs]|[Qq]u)['’]", "", match.group().rstrip(".'’-"))
        words = name.split()
        while words and words[0].lower().strip("'’") in FUNCTION_WORDS | NOT_NAMES:
            words.pop(0)
        first_word = bool(words) and match.group().split()[0] == words[0]
        while words and words[-1].lower().strip("'’") in FUNCTION_WORDS | NOT_NAMES:
            words.pop()  # "Records Cette vague": a glued heading and a determiner
        at_start = not sentence[: match.start()].strip(" «“\"'(—–-")
        if at_start and first_word and len(words) == 1 and (known is None or words[0] not in known):
            continue  # a sentence's first word, capitalised only for being first
        if not words or not words[0][:1].isupper():
            continue  # "L'entreprise": an elided article before a common noun
        first = words[0].lower()
        if first in FUNCTION_WORDS or first in SCALES or first in CURRENCY_WORDS:
            continue
        if re.fullmatch(r"[TQH]\d", words[0]) or any(c.isdigit() for c in name):
            continue
        if len(words) == 1 and DEMONYM_RE.search(words[0].lower()):
            continue  # "Chinese", "Français": a nationality, not who the figure is about
        if _in_prepositional_phrase(sentence[: match.start()]):
            continue
        if ATTRIBUTION_RE.match(sentence[match.end() : match.end() + 30]):
            continue
        between = sentence[match.end() : start]
        if len(between.split()) > MAX_SUBJECT_DISTANCE or CLAUSE_BREAK_RE.search(between):
            continue  # another clause (a comma, a dash, a quotation, "which") may change it
        if re.match(r"\s+[a-z]+(?:ers|ors)\b", sentence[match.end() :]):
            continue  # "Twitter followers": the name qualifies a noun
        # "the United States' 35% tax rate", "Apple's $3bn": the figure belongs to the name.
        possessive = not between.strip(" '’s\u00a0") and re.search(
            r"['’]s?" + SPACE + r"*$", sentence[match.start() : start]
        )
        if not possessive and not _opens_clause(sentence, match.start(), match.end()):
            continue  # only the clause's own subject is sure enough
        chosen = " ".join(words)
    return chosen


# The word after a clause's subject: an auxiliary or a conjugated verb, by its ending.
VERB_AFTER_RE = re.compile(
    SPACE + r"+(?:has|have|had|is|are|was|were|will|would|can|could|may|might|must|should|did|does|"
    r"[a-z]+(?:s|ed)|a|ont|avait|avaient|est|sont|était|étaient|sera|seront|va|vont|n['’]|ne|"
    r"s['’]|se|[a-zà-ÿ]+(?:e|es|ent|ait|aient|it|ra|ront|é))\b"
)
LEADING_WORDS = frozenset(word_list("le la les l the a an un une et and mais but quant c est"))


def _opens_clause(sentence: str, start: int, end: int) -> bool:
    """A name that begins its clause and is followed by its verb: the clause's subject."""
    clause = re.split(r"[,;:–—«»“”\"().]|\s-\s", sentence[:start])[-1]
    for word in re.findall(r"[\w'’]+", clause):
        bare = word.lower().strip("'’")
        if bare not in LEADING_WORDS and not word[:1].isupper():
            return False
    return bool(VERB_AFTER_RE.match(sentence, end))


def _in_prepositional_phrase(before: str) -> bool:
    """A preposition among the few words before a name, within its comma-delimited phrase."""
    phrase = re.split(r"[,;:()«»“”\"—–]", before)[-1]
    words = [w.lower().strip("'’") for w in re.findall(r"[\w'’]+", phrase)][-4:]
    for word in words:
        bare = re.sub(r"^(?:[ld]|qu)['’]", "", word)
        if word in PREPOSITIONS or (bare != word and word[:1] in "d"):
            return True
    return False


def clean_value(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent ("5E+10" -> 50000000000)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal
