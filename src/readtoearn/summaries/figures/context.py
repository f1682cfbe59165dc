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
    MONTH_WORDS,
    SCALES,
    SPACE,
    word_list,
)

# Words that put a name in a prepositional phrase (a place, a source, a partner), not the subject.
PREPOSITIONS = frozenset(
    word_list(
        "à au aux en dans de du des d sur sous par pour avec vers chez selon entre contre après "
        "avant depuis près in at on from by with to into for of near across according via than "
        "after before since under over between against among"
    )
)


def hedges_of(sentence: str, start: int, end: int, language: str, kind: Kind) -> tuple[Hedge, ...]:
    """The hedges of a figure, from its own phrase only: a word of the closed list right before
    it ("jusqu'à", "about"; a determiner may stand between: "près d'un million"), and "could"
    when a modal governs it (see `_modal_governs`)."""
    if kind == Kind.DATE:
        return ()  # a date is when something happens; a doubt is about the thing, not the date
    # In a range ("environ 80 à 100 km/h", "about 25 to 30 people") the hedge is the range's.
    range_start = RANGE_BEFORE_RE.search(sentence[:start])
    if range_start:
        start = range_start.start()
    before = sentence[max(0, start - 60) : start]
    hedges: list[Hedge] = []
    # Hedges may stack, read from the figure back ("up to nearly 10 feet": up_to and about).
    while len(hedges) < MAX_STACKED_HEDGES:
        found = _hedge_before(before, language)
        if found is None or found[0] in hedges:
            break
        hedges.insert(0, found[0])
        before = before[: found[1]]
    if _modal_governs(sentence, start, end, language):
        hedges.append(Hedge.COULD)
    return tuple(hedges)


MAX_STACKED_HEDGES = 2


def _hedge_before(before: str, language: str) -> tuple[Hedge, int] | None:
    """The hedge word right before a figure (a determiner may stand between), and where it
    begins. "Over" after a verb it belongs to ("handed over £35,000") is no hedge."""
    for pattern, hedge in HEDGE_PATTERNS[language]:
        match = re.search(
            r"(?:^|\W)((?:" + pattern + r"))" + SPACE + r"*" + HEDGE_GAP_RE + r"$",
            before,
            flags=re.IGNORECASE,
        )
        if match is None:
            continue
        if match.group(1).lower() == "over" and PARTICLE_VERB_RE.search(before[: match.start(1)]):
            return None
        return hedge, match.start(1)
    return None


# Verbs whose particle is "over" (hand over, turn over, sign over, fork over): the amount is
# what changes hands, not a lower bound.
PARTICLE_VERB_RE = re.compile(
    r"\b(?:hand|turn|sign|fork|shell|pass|carry|roll|hold)(?:s|ed|ing)?\s+$|\bheld\s+$",
    re.IGNORECASE,
)


# What may stand between a hedge word and its figure: nothing, or an indefinite determiner,
# then a word that adds to an amount ("up to an additional 15 per cent"). Not "the": "over the
# £16m transfer", "about the 300 jobs" are prepositions, not hedges.
HEDGE_GAP_RE = (
    r"(?:(?:un|une|a|an|les|des)" + SPACE + r"+)?"
    r"(?:(?:additional|extra|further|another|supplémentaires?)" + SPACE + r"+)?"
)
# Words between a modal and the figure it governs that are not content words: auxiliaries,
# negation, determiners, prepositions and the hedge words themselves.
MODAL_GAP_WORDS = (
    frozenset(
        word_list(
            "be been being have get être été avoir pas plus ne n not never also even still well "
            "également encore bien même jusqu jusqu'à jusqu’à à a au aux de d du des la le les l "
            "un une en to up as much many high around about nearly almost some over more than less "
            "fewer at least an the additional another extra further environ près presque quelque "
            "autour moins plus"
        )
    )
    | PREPOSITIONS
)
GENITIVE_WORDS = frozenset(word_list("de d des du of"))
# How many content words may stand between a modal and its figure ("could be causing autism
# in up to 10%"; "pourraient changer la vie des 130.000 personnes" has the figure inside a noun).
MAX_MODAL_CONTENT_WORDS = 2
MODAL_BREAK_RE = re.compile(
    r"[,;:–—()«»“”\"]|[.!?]\s|\s-\s|\b(?:qui|que|qu['’]|dont|où|et|ou|mais|which|who|that|and|or|but|"
    r"when|if|si|quand|lorsque)\b",
    re.IGNORECASE,
)


def _modal_governs(sentence: str, start: int, end: int, language: str) -> bool:
    """A modal of the closed list governs the figure: it comes right after the figure ("16 000
    postes pourraient suivre"), or before it in the same clause with at most two content words
    between, the figure not being the complement of a noun of those ("la vie des 130.000")."""
    modal = re.compile(MODALS[language])
    if re.compile(MODAL_AFTER + MODALS[language]).match(sentence, end):
        return True
    found = None
    for match in modal.finditer(sentence[:start]):
        found = match
    if found is None:
        return False
    negated = NEGATION_BEFORE_RE.search(sentence[: found.start()]) or NEGATION_AFTER_RE.match(
        sentence, found.end()
    )
    if negated and POSSIBILITY_RE.fullmatch(found.group()):
        # "ne pourront être utilisés à moins de 10 mètres", "may not exceed": a rule or an
        # impossibility, not a doubt; "ne devrait pas dépasser 50 %" still forecasts.
        return False
    between = sentence[found.end() : start]
    if MODAL_BREAK_RE.search(between):
        return False
    words = [w.lower() for w in re.findall(r"[\w'’]+", between)]
    content = [i for i, w in enumerate(words) if w not in MODAL_GAP_WORDS]
    if len(content) > MAX_MODAL_CONTENT_WORDS:
        return _target_of_the_modal_verb(words, content)
    # "la vie des 130.000": a noun after the verb owns the figure ("augmenter de 15 %" does not).
    owner = len(words) - 2
    owned = bool(words) and words[-1] in GENITIVE_WORDS and owner in content[1:]
    return not owned


# A modal right after the figure, or after its complement ("0.001 percent of it could be").
MODAL_AFTER = r"\s+(?:(?:of|de|des|du)\s+(?:\w+\s+){1,2}?|d['’]\w+\s+)?(?:ne\s+|n['’])?"
POSSIBILITY_RE = re.compile(
    r"pourrai(?:t|ent)|pourr(?:a|ont)|peu(?:t|vent)|pouvant|could|may|might", re.IGNORECASE
)
NEGATION_BEFORE_RE = re.compile(r"(?:\bne|\bn['’])\s*$", re.IGNORECASE)
NEGATION_AFTER_RE = re.compile(r"\s*(?:not\b|n['’]t\b|pas\b)", re.IGNORECASE)
# The words that bring the modal verb's target or change: "could increase exports to $30bn",
# "pourrait porter le déficit à 5 %".
TARGET_WORDS = frozenset(word_list("to by à jusqu jusqu'à jusqu’à"))
MAX_TARGET_CONTENT_WORDS = 6
CLAUSE_WORDS = frozenset(
    word_list("as while since because until before after so comme puisque avant après lorsque")
)


def _target_of_the_modal_verb(words: list[str], content: list[int]) -> bool:
    """The figure is the target of the modal's verb, past its object: the first content word
    is the verb, no other looks like a verb, and "to", "by" or "à" brings the figure."""
    if len(content) > MAX_TARGET_CONTENT_WORDS:
        return False
    trailing = words[content[-1] + 1 :]
    if not any(word in TARGET_WORDS for word in trailing):
        return False
    if any(word in CLAUSE_WORDS for word in words):
        return False  # "could see an influx as temperatures soar to 20C": another clause
    others = [words[i] for i in content[1:]]
    return not any(
        EN_VERB_RE.fullmatch(w) or FR_PARTICIPLE_RE.fullmatch(w) or FR_INFINITIVE_RE.fullmatch(w)
        for w in others
    )


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


# Capitalised words that open a sentence without naming anyone or anything.
NOT_NAMES = frozenset(word_list("sa son ses leur leurs mon ma mes cela ceci ça ce"))
# A name followed by one of these is a speaker or a source, not what the figure is about; a
# forecaster too ("Wall Street predicted $2.52 a share": the figure is another's, expected).
ATTRIBUTION_RE = re.compile(
    r"^[\s,]*(?:said|says|told|reported|reports|added|explained|wrote|tweeted|according|"
    r"predicts?|predicted|forecasts?|forecasted|projects|projected|anticipates?|anticipated|"
    r"expects?|expected|(?:was|were|is|are)\s+expecting|s['’]attendent|s['’]attend|"
    r"tablent|table\s+sur|anticipent|anticipe|prévoit|prévoient|prévoyait|prévoyaient|"
    r"a\s+(?:indiqué|déclaré|affirmé|expliqué|précisé|annoncé|souligné|rapporté|assuré|estimé)|"
    r"indique|déclare|affirme|explique|précise|annonce|souligne|rapporte|assure|estime|"
    r"commented|comments|a\s+commenté|commente|"
    r"revealed|reveals|published|publishes|announced|announces|estimated|estimates|"
    r"a\s+(?:révélé|publié|dévoilé|relevé|mesuré)|révèle|publie|dévoile|relève|mesure|measured|"
    r"selon|cité)\b",
    re.IGNORECASE,
)
CLAUSE_BREAK_RE = re.compile(
    r"[,;:–—«»“”\"()]|\s-\s|\b(?:which|who|whom|whose|that|qui|que|qu['’]|dont|où|"
    r"when|while|whereas|because|although|if|unless|quand|lorsque|lorsqu['’]|parce|puisque|"
    r"tandis|si)\b",
    re.IGNORECASE,
)
DEMONYM_RE = re.compile(r"(?:ese|ian|ians|ish|ais|aises|ois|oises|iens|iennes|ains|aines)$")
# How far before a figure its subject may be, in words.
MAX_SUBJECT_DISTANCE = 30


def subject_of(
    sentence: str,
    start: int,
    end: int,
    known: frozenset[str] | None = None,
    language: str | None = None,
) -> str | None:
    """The proper name the figure is about, or None when no name is surely it: the last name
    before the figure that is not in a prepositional phrase, a speaker, a nationality or on the
    other side of a quotation mark."""
    if _owned_by_another(sentence, start, end):
        return None
    opening = _sentence_start(sentence, start)
    chosen = None
    for match in PROPER_RE.finditer(sentence):
        if match.end() > start:
            break
        if match.start() < opening:
            continue  # a sentence glued to this one ("(19 %).Sondage réalisé")
        name = re.sub(r"^(?:[LlDdCcJjNnSs]|[Qq]u)['’]", "", match.group().rstrip(".'’-"))
        name = re.sub(r"['’]s$", "", name)  # "Apple's $3bn": the name, not its possessive
        words = name.split()
        dropped = []
        while words and words[0].lower().strip("'’") in FUNCTION_WORDS | NOT_NAMES:
            dropped.append(words.pop(0).lower().strip("'’"))
        if any(
            word in PREPOSITIONS or word in INDEFINITE or word in FREE_RELATIVES for word in dropped
        ):
            continue  # "Depuis la Révolution", "Une PME", "Whatever Apple did": not a subject
        if match.start() > opening and sentence[match.start() - 1] in CODE_MARKS:
            continue  # ".DJI", "@Apple", "#Brexit": a code or a handle glued to its mark
        first_word = bool(words) and match.group().split()[0] == words[0]
        while words and words[-1].lower().strip("'’") in FUNCTION_WORDS | NOT_NAMES:
            if _surname(words):
                break  # "Theresa May": a month after a first name is a surname
            words.pop()  # "Records Cette vague": a glued heading and a determiner
        if words and all(word.lower().rstrip(".") in TITLES | TITLE_WORDS for word in words):
            continue  # "Édouard Philippe, Premier ministre depuis 2017": a title, no name
        at_start = not sentence[opening : match.start()].strip(" «“\"'(—–-") or bool(
            re.search(r":" + SPACE + r"*$", sentence[opening : match.start()])
        )  # "(Graphic: Global assets in 2019)": capitalised for opening the clause
        if at_start and first_word and len(words) == 1 and (known is None or words[0] not in known):
            continue  # a sentence's first word, capitalised only for being first
        if not words or not words[0][:1].isupper():
            continue  # "L'entreprise": an elided article before a common noun
        first = words[0].lower()
        if first in FUNCTION_WORDS or first in SCALES or first in CURRENCY_WORDS:
            continue
        if re.fullmatch(r"[TQH]\d", words[0]) or any(c.isdigit() for c in name):
            continue
        if re.search(r"-[a-zà-ÿ]+$", words[-1]):
            continue  # "New York-listed shares", "une société Paris-based": an adjective
        if len(words) == 1 and DEMONYM_RE.search(words[0].lower()):
            continue  # "Chinese", "Français": a nationality, not who the figure is about
        if re.search(r"\b(?:un|une|a|an)" + SPACE + r"+$", sentence[: match.start()], re.I):
            continue  # "une GPA coûte": a name takes no indefinite article
        if DEMONSTRATIVE_BEFORE_RE.search(sentence[: match.start()]) or (
            dropped and dropped[-1] in DEMONSTRATIVES
        ):
            continue  # "Cette ONG", "his United squad": a common noun, or another's
        between = sentence[match.end() : start]
        if GLUED_HEADING_RE.search(between):
            continue  # "doit revoir sa copie Au départ attendue": a heading glued to a sentence
        if APPOSITIVE_PLACE_RE.match(between):
            chosen = " ".join(words)  # "Lebanon, a country of about 4 million people"
            continue
        if _in_prepositional_phrase(sentence[: match.start()]):
            continue
        if ATTRIBUTION_RE.match(sentence[match.end() : match.end() + 30]):
            continue
        if len(between.split()) > MAX_SUBJECT_DISTANCE:
            continue
        if CLAUSE_BREAK_RE.search(between):
            # Another clause (a comma, a dash, a quotation, "which") may change it, but for a
            # relative clause or an apposition about the name itself.
            if _about_the_name(sentence, match.start(), match.end(), start, language):
                chosen = " ".join(words)
            continue
        if re.match(r"\s+(?:[a-z]+(?:ers|ors)|" + PEOPLE_NOUNS + r")\b", sentence[match.end() :]):
            continue  # "Twitter followers", "Justin Bieber fans": the name qualifies a noun
        if FORECASTERS_AFTER_RE.match(sentence, match.end()):
            continue  # "Goldman Sachs economists see 3%": the forecasters' figure, a source's
        # "the United States' 35% tax rate", "Apple's $3bn": the figure belongs to the name.
        possessive = not between.strip(" '’s\u00a0") and re.search(
            r"['’]s?" + SPACE + r"*$", sentence[match.start() : start]
        )
        if not possessive and not _opens_clause(sentence, match.start(), match.end(), language):
            continue  # only the clause's own subject is sure enough
        if not possessive and _another_verb(between, match.end(), sentence):
            continue  # "a refusé de récupérer 19 migrants": the figure is another verb's
        if not possessive and not _verb_governs(between):
            continue  # "Apple has had a place in his heart since 1984"
        if not possessive and _object_is_a_name(between):
            continue  # "Swindon held Gillingham to a 2-2 draw": the figure may be the object's
        chosen = " ".join(words)
    return _bare_name(chosen) if chosen else None


# Titles before a name and common nouns written in capitals after it are not the name.
TITLES = frozenset(
    word_list(
        "former ex late president vice prime minister secretary senator sen rep gov governor "
        "chancellor mayor chairman chairwoman ceo cfo coach judge general "
        "président présidente ministre sénateur sénatrice maire"
    )
)
TITLE_WORDS = frozenset(word_list("premier première prime"))


def _surname(words: list[str]) -> bool:
    """A month or another common word written after a first name is a surname ("Theresa May")."""
    return (
        len(words) >= 2
        and words[-1].lower() in MONTH_WORDS
        and words[-2][:1].isupper()
        and words[-2].lower() not in FUNCTION_WORDS | TITLES | TITLE_WORDS
    )


COMMON_CAPITALS = frozenset(
    word_list("suv suvs ev evs tv pc pcs gpu cpu ssd led oled lcd atm vpn dvd")
)


def _bare_name(name: str) -> str:
    """The name alone: without its owner ("Ford's Mustang Mach E": "Mustang Mach E"), a title
    before it ("Former President Barack Obama") or a common noun after it ("Mach E SUV")."""
    words = name.split()
    owners = [i for i, word in enumerate(words[:-1]) if POSSESSIVE_END_RE.search(word)]
    if owners:
        words = words[owners[-1] + 1 :]
    # "Amazon CEO Jeff Bezos": the person after the role, when a full name follows it.
    roles = [i for i, word in enumerate(words[1:-2], 1) if word.lower().rstrip(".") in TITLES]
    if roles:
        words = words[roles[-1] + 1 :]
    # A first name and a last name must remain: "General Motors", "Vice Media" keep theirs.
    while len(words) > 2 and words[0].lower().rstrip(".") in TITLES and words[1][:1].isupper():
        words.pop(0)
    while len(words) > 2 and words[-1].lower() in COMMON_CAPITALS:  # "Apple TV" is a name
        words.pop()
    return " ".join(words)


POSSESSIVE_END_RE = re.compile(r"(?:['’]s|s['’])$")


# "and Arthur Jackson caught", "mais il a": a second clause with its own subject.
NEW_CLAUSE_RE = re.compile(
    r"\b(?:and|but|or|while|whereas|et|mais|ou|tandis que|alors que)" + SPACE + r"+"
    r"(?:[A-ZÀ-Ý]|(?:he|she|they|it|we|you|i|il|elle|ils|elles|on|nous|vous|je)\b)"
)
# A prepositional phrase of time adds no other thing the figure could belong to.
TIME_WORDS = MONTH_WORDS | frozenset(
    word_list(
        "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
        "vendredi samedi dimanche morning afternoon evening night week weekend month year "
        "season matin soir nuit semaine mois année saison today yesterday"
    )
)
AGENT_WORDS = frozenset(word_list("by par"))


def _verb_governs(between: str) -> bool:
    """The subject's verb governs the figure: no second clause with its own subject stands
    between them, and no prepositional phrase before the figure's own, where the figure could
    attach to another noun or participant ("has had a place in his heart since 1984"); a
    passive's agent ("was bought by Amazon for $970m") and a phrase of time ("in August") are
    none. Genitives ("l'égérie de la chaîne") belong to their noun and count for nothing."""
    if NEW_CLAUSE_RE.search(between):
        return False
    words = [w.lower() for w in re.findall(r"\w+", between)]
    i = 0
    while i < len(words) and (words[i] in AUXILIARIES or words[i].endswith("ly")):
        i += 1
    verb_end = i + 1
    prepositions = [
        j
        for j in range(verb_end, len(words))
        if words[j] in PREPOSITIONS
        and words[j] not in GENITIVE_WORDS | {"à", "au", "aux"}
        and not words[j - 1].isdigit()  # "from 1992 to 1997": the range's link
    ]
    for j in prepositions[:-1]:  # the last one brings the figure
        if j == verb_end and words[j] in AGENT_WORDS:
            continue
        following = [w for w in words[j + 1 : j + 3] if w not in DETERMINERS]
        if following and following[0] in TIME_WORDS:
            continue
        return False
    return True


def _object_is_a_name(between: str) -> bool:
    """The verb's object is another name ("Amazon discounts MacBook models from $700"): the
    figure may measure it rather than the subject."""
    words = re.findall(r"[\w'’&.-]+", between)
    i = 0
    while i < len(words) and (words[i].lower() in AUXILIARIES or words[i].endswith("ly")):
        i += 1
    i += 1  # the verb
    while i < len(words) and words[i].lower().strip("'’") in DETERMINERS:
        i += 1
    return i < len(words) and words[i][:1].isupper()


# People a name may qualify ("Chelsea fans bought 200,000 tickets"): the figure is theirs.
PEOPLE_NOUNS = (
    r"(?:fans|users|students|residents|citizens|troops|soldiers|staff|employees|officials|"
    r"executives|scientists|nurses|patients|athletes|activists|politicians|diplomats|"
    r"authorities|police|parents|families|MPs|chiefs|bosses|pupils|victims|donors|clients)"
)
FORECASTERS_AFTER_RE = re.compile(
    SPACE + r"+(?:analysts?|economists?|strategists?|forecasters?|experts?|estimates?|consensus|"
    r"forecasts?|expectations|projections?|polls?|surveys?)\b",
    re.IGNORECASE,
)
INDEFINITE = frozenset(word_list("un une a an"))
# "Whatever Apple did … in 2016": the clause is the subject, not the name inside it.
FREE_RELATIVES = frozenset(word_list("whatever whoever whichever what"))
CODE_MARKS = frozenset("./@#_")
# A name takes no demonstrative or possessive: "Cette ONG", "his United squad".
DEMONSTRATIVES = frozenset(
    word_list(
        "ce cet cette ces this these those son sa ses leur leurs his her its their our notre nos "
        "mon ma mes my your votre vos"
    )
)
DEMONSTRATIVE_BEFORE_RE = re.compile(
    r"(?:^|[^\w'’])(?:" + "|".join(sorted(DEMONSTRATIVES)) + r")" + SPACE + r"+$", re.IGNORECASE
)
# A capitalised opener right after a lower-case word, with no punctuation between: a heading
# glued to the sentence by the page ("doit revoir sa copie Au départ attendue en 2019").
GLUED_HEADING_RE = re.compile(
    r"[a-zà-ÿ]" + SPACE + r"+(?:Au|Aux|Dans|En|Depuis|Après|Avant|Pour|Selon|Alors|Mais|Et|Il|"
    r"Elle|Ils|Elles|On|Nous|Ce|Cette|Ces|Cet|Le|La|Les|Un|Une|Des|In|At|After|Before|For|But|"
    r"And|He|She|It|They|We|This|These|Those|The|A|An)" + SPACE
)
# "Lebanon, a country of about 4 million people", "L'Autriche, pays de 8,8 millions": the
# figure measures the place the apposition names.
APPOSITIVE_PLACE_RE = re.compile(
    r"," + SPACE + r"*(?:(?:un|une|a|an|the|le|la)" + SPACE + r"+)?(?:(?:small|large|big|"
    r"petit|petite|grand|grande)" + SPACE + r"+)?(?:pays|ville|commune|village|bourg|île|région|"
    r"province|état|country|city|town|village|state|nation|island|region|province)"
    + SPACE
    + r"+(?:de|d['’]|of)"
    + SPACE
    + r"*(?:(?:about|around|some|nearly|almost|roughly|more than|"
    r"over|less than|under|environ|près de|près d['’]|quelque|plus de|moins de)" + SPACE + r"*)?$",
    re.IGNORECASE,
)
# "Sir Michael, who served … from 1992 to 1997": a relative clause about the name.
RELATIVE_AFTER_RE = re.compile(r"," + SPACE + r"*(?:who|qui)(?=" + SPACE + r")", re.IGNORECASE)
# Verbs that report what someone else's figure is: a relative clause of theirs is no subject.
REPORTING_RE = re.compile(
    r"^" + SPACE + r"*(?:said|says|told|warned|believes|believed|thinks|thought|expects|"
    r"expected|predicted|claimed|claims|argued|argues|insisted|noted|added|wrote|estimated|"
    r"estimates|reported|reports|announced|(?:a|avait)" + SPACE + r"+(?:déclaré|affirmé|estimé|"
    r"indiqué|jugé|assuré|annoncé|expliqué|rappelé|souligné|prévenu|précisé|dit)|"
    r"déclare|affirme|estime|indique|juge|assure|annonce|explique|rappelle|souligne|prévient)\b",
    re.IGNORECASE,
)
MAX_APPOSITION_WORDS = 12


def _about_the_name(
    sentence: str, name_start: int, name_end: int, start: int, language: str | None = None
) -> bool:
    """Across a comma, the figure is still about the name in three cases only: in a relative
    clause right after it ("Johnson, who moved … in 2009"), inside an apposition right after
    it ("Henri Guaino, ancien conseiller … entre 2007 et 2012"), or in the clause whose subject
    it is, after an apposition ("L'Autriche, pays de 8,8 millions d'habitants, avait enregistré
    plus de 16.000 infections"). Each part is held to the rules of a clause's subject: no other
    clause, no other verb, no reported speech."""
    relative = RELATIVE_AFTER_RE.match(sentence, name_end)
    if relative:
        rest = sentence[relative.end() : start]
        return (  # "who"/"qui" opens a clause: its verb follows, whatever its form ("ran")
            not CLAUSE_BREAK_RE.search(rest)
            and not REPORTING_RE.match(rest)
            and not ATTRIBUTION_RE.match(rest)
            and not _another_verb(rest, relative.end(), sentence)
            and _verb_governs(rest)
        )
    apposition = re.match(r"," + SPACE + r"*([^,;:()«»“”\"–—]*)", sentence[name_end : start + 1])
    if not apposition:
        return False
    phrase = apposition.group(1)
    if not _apposition(phrase):
        return False
    if not _in_prepositional_phrase(sentence[:name_start]) and not _opens_clause_alone(
        sentence, name_start
    ):
        return False
    after = name_end + apposition.end()
    if after > start:
        # The figure is in the apposition, which a comma closes ("…, a eu").
        closing = re.match(r"[^,;:()«»“”\"–—]*,", sentence[start:])
        return closing is not None and not _another_verb(
            sentence[name_end + 1 : start], name_end, sentence
        )
    if sentence[after : after + 1] != ",":
        return False
    rest = sentence[after + 1 : start]
    return (
        not CLAUSE_BREAK_RE.search(rest)
        and VERB_AFTER.get(language or "", VERB_AFTER_RE).match(sentence, after + 1) is not None
        and not REPORTING_RE.match(rest)
        and not ATTRIBUTION_RE.match(rest)
        and not _another_verb(rest, after + 1, sentence)
        and _verb_governs(rest)
    )


def _apposition(phrase: str) -> bool:
    """A noun phrase set off by commas: it opens with a lower-case word that is neither a
    preposition, a conjunction nor a verb, and holds no verb."""
    words = re.findall(r"[\w'’-]+", phrase)
    if not words or len(words) > MAX_APPOSITION_WORDS or not words[0][:1].islower():
        return False
    first = words[0].lower()
    bare_noun = len(words) > 1 and re.fullmatch(r"(?:de|du|des|d['’]\w+)", words[1].lower())
    if not (first in DETERMINERS or first in APPOSITION_OPENERS or bare_noun):
        return False  # "bought the two": a verb, not an apposition
    if first in PREPOSITIONS or first in AUXILIARIES or first in NOT_APPOSITION:
        return False
    for word in (w.lower() for w in words):
        if word in NOT_VERBS:
            continue
        if EN_VERB_RE.fullmatch(word) or FR_PARTICIPLE_RE.fullmatch(word) or word in AUXILIARIES:
            return False
    return True


# Words that open an apposition without a determiner ("ancien conseiller", "former chief").
APPOSITION_OPENERS = frozenset(
    word_list("ancien ancienne anciens former ex actuel actuelle current futur future")
)
NOT_APPOSITION = frozenset(
    word_list(
        "et and ou or mais but who which that qui que dont où when if si quand however though "
        "elle il ils elles he she they it we nous on alors then also aussi"
    )
)


def _opens_clause_alone(sentence: str, name_start: int) -> bool:
    clause = re.split(r"[,;:–—«»“”\"().]|\s-\s", sentence[:name_start])[-1]
    return all(word.lower().strip("'’") in LEADING_WORDS for word in re.findall(r"[\w'’]+", clause))


def _sentence_start(sentence: str, start: int) -> int:
    """Where the sentence holding the figure begins, when the splitter left two glued together
    ("(54.971).Le Mexique", "jeudi.Sondage")."""
    opening = 0
    for match in GLUED_SENTENCE_RE.finditer(sentence, 0, start):
        opening = match.end()
    return opening


GLUED_SENTENCE_RE = re.compile(r"(?<=[a-zà-ÿ0-9)\"»”%])[.!?]+[\"»”)]*(?=[«\"“]?[A-ZÀ-Ý])")


def _owned_by_another(sentence: str, start: int, end: int) -> bool:
    """The figure belongs to another noun than the clause's subject: "126 responsables de Force
    ouvrière", "one of five teams", "aux deux membres", "la vie des 130.000 personnes", "in the
    Lakers' last 10 games" (a possessive name with words between: "Apple's $3bn" is Apple's),
    "the 2020 primary" (a year between an article and its noun names which one it is)."""
    if OWNER_AFTER_RE.match(sentence, end):
        return True
    if ATTRIBUTIVE_YEAR_RE.fullmatch(sentence, start, end) and (
        ARTICLE_BEFORE_RE.search(sentence[max(0, start - 12) : start])
        and NOUN_AFTER_RE.match(sentence, end)
    ):
        return True
    if POSSESSIVE_OWNER_RE.search(sentence[max(0, start - 40) : start]):
        return True
    return bool(OWNER_BEFORE_RE.search(sentence[max(0, start - 24) : start]))


ATTRIBUTIVE_YEAR_RE = re.compile(r"(?:1[5-9]|20)\d\d")
ARTICLE_BEFORE_RE = re.compile(
    r"(?:^|[^\w'’])(?:the|a|an|le|la|les|l['’])" + SPACE + r"*(?:(?:mid|early|late)-)?$", re.I
)
NOUN_AFTER_RE = re.compile(SPACE + r"+[a-zà-ÿ]")
OWNER_AFTER_RE = re.compile(
    SPACE + r"*(?:de|du|des|of|d['’])" + SPACE + r"*(?:(?:la|le|les|l['’]|the)" + SPACE + r"*)?"
    r"[A-ZÀ-Ý]"
)
POSSESSIVE_OWNER_RE = re.compile(
    r"[A-ZÀ-Ý][\w.-]*(?:['’]s|s['’])" + SPACE + r"+(?:[\w-]+" + SPACE + r"+){1,2}$"
)
OWNER_BEFORE_RE = re.compile(
    r"(?:^|\s)(?:des|aux|of|of" + SPACE + r"+the(?:" + SPACE + r"+(?:first|last|top|other|"
    r"next|only|premiers|premières|derniers|dernières))?)" + SPACE + r"+$"
)
# A verb group after the subject: auxiliaries, modals, clitics and adverbs, then one main verb.
AUXILIARIES = frozenset(
    word_list(
        "has have had is are was were will would can could may might must should did does do be "
        "been being get got also still already just not never then now only "
        "a ont avait avaient avait est sont était étaient sera seront serait seraient va vont "
        "aura auront aurait auraient doit doivent devrait devraient peut peuvent pourrait "
        "pourraient n ne pas plus se s y en lui leur l déjà encore également aussi toujours "
        "bien jamais alors"
    )
)
DETERMINERS = frozenset(
    word_list(
        "a an the his her its their our my your this that these those some le la les l un une "
        "des du de au aux ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes "
        "chaque plusieurs quelques"
    )
)
NOT_VERBS = frozenset(
    word_list(
        "hundred during thing things morning evening king ring spring building bring nothing "
        "something anything everything ceiling wedding ending funding meeting feeling being "
        "red bed need speed seed shed premier dernier janvier février hier mer fer cher "
        "plaisir avenir loisir désir soir"
    )
)
EN_VERB_RE = re.compile(r"[a-z]{2,}(?:ing|ed)$")
FR_PARTICIPLE_RE = re.compile(r"[a-zà-ÿ]{2,}(?:é|ée|és|ées|ant)$")
FR_INFINITIVE_RE = re.compile(r"[a-zà-ÿ]{1,}(?:er|ir|ire|dre|tre|vre|uire|aire)$")


def _another_verb(between: str, name_end: int, sentence: str) -> bool:
    """A second verb between the subject's verb group and the figure (an infinitive, a
    participle, a gerund): the figure is that verb's, and may not be the subject's."""
    # Elisions apart: "d'accueillir" is "d'" and "accueillir".
    words = [w.lower() for w in re.findall(r"\w+(?:-\w+)*", between)]
    i = 0
    while i < len(words) and (words[i] in AUXILIARIES or words[i].endswith("ly")):
        i += 1
    i += 1  # the main verb
    previous = words[i - 1] if 0 < i <= len(words) else ""
    for word in words[i:]:
        if word in NOT_VERBS or word in DETERMINERS:
            previous = word
            continue
        if previous in INFINITIVE_BEFORE and FR_INFINITIVE_RE.fullmatch(word):
            return True  # "a refusé de récupérer", "pour se hisser"
        if previous == "to" and word.isalpha():
            return True  # "arranged to pay two assassins"
        if previous in DETERMINERS:
            previous = word
            continue
        if EN_VERB_RE.fullmatch(word) and previous not in PREPOSITIONS:
            return True  # "arrested", "including"
        if FR_PARTICIPLE_RE.fullmatch(word) and (previous == "en" or previous not in PREPOSITIONS):
            return True  # "une étude menée sur", "lui confiant", "en suivant"
        previous = word
    return False


INFINITIVE_BEFORE = frozenset(word_list("de d à pour sans se s afin"))


# The word after a clause's subject: an auxiliary or a conjugated verb, by its ending.
VERB_AFTER_RE = re.compile(
    SPACE + r"+(?:has|have|had|is|are|was|were|will|would|can|could|may|might|must|should|did|does|"
    r"[a-z]+(?:s|ed)|a|ont|avait|avaient|est|sont|était|étaient|sera|seront|va|vont|n['’]|ne|"
    r"s['’]|se|[a-zà-ÿ]+(?:e|es|ent|ait|aient|it|ra|ront|é))\b"
)
# In English, French endings ("crude", "share") say nothing: a verb after the subject is an
# auxiliary, a form in -s or -ed, or a common irregular past ("ran", "won").
ENGLISH_VERB_AFTER_RE = re.compile(
    SPACE + r"+(?:has|have|had|is|are|was|were|will|would|can|could|may|might|must|should|did|does|"
    r"[a-z]+(?:s|ed)|ran|won|made|took|said|got|paid|sold|bought|hit|cut|set|put|led|fell|rose|"
    r"grew|saw|became|spent|lost|gave|kept|left|held|brought|built|beat|drew|struck|stood|told|"
    r"wrote|sent|met|came|went|found|began|knew|shot|cost|bid|quit|spread|split|swept|threw|"
    r"stole|chose|broke|drove|flew|rode|sank|sang|swam|wore|tore|bore|dug|hung|laid|lent|meant|"
    r"sought|taught|caught|fought|won)\b"
)
VERB_AFTER = {"en": ENGLISH_VERB_AFTER_RE, "fr": VERB_AFTER_RE}
LEADING_WORDS = frozenset(word_list("le la les l the a an un une et and mais but quant c est"))


# Endings of adjectives that follow a name ("L'Amérique latine", "la Banque centrale").
ADJECTIVE_AFTER_RE = re.compile(r"(?:ine|ines|aine|aines|ienne|iennes|ique|iques|ale|ales|elle)$")


def _opens_clause(sentence: str, start: int, end: int, language: str | None = None) -> bool:
    """A name that begins its clause alone (no other name joined to it by "et", "and" or a
    comma) and is followed by its verb: the clause's subject."""
    clause = re.split(r"[,;:–—«»“”\"().]|\s-\s", sentence[:start])[-1]
    for word in re.findall(r"[\w'’]+", clause):
        if word.lower().strip("'’") not in LEADING_WORDS:
            return False  # "Jones and Bannatyne", "Député LR": another word before the name
    verb = VERB_AFTER.get(language or "", VERB_AFTER_RE).match(sentence, end)
    if not verb:
        return False
    word = verb.group().strip().lower().strip("'’")
    if word in AUXILIARIES:
        return True  # "TÜV a réalisé"
    if word in FUNCTION_WORDS or word in DETERMINERS or word in PREPOSITIONS:
        return False  # "Député LR de l'Oise", "X les": no verb
    return not ADJECTIVE_AFTER_RE.search(word)


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
