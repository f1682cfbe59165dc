"""A figure's hedges and subject: only from its own phrase, and none rather than a doubtful one."""

from __future__ import annotations

import pytest

from readtoearn.summaries.figures import Hedge, figures_in_sentence


def by_text(sentence: str, language: str, names: frozenset[str] | None = None) -> dict:
    return {f.text: f for f in figures_in_sentence(sentence, language, names=names)}


# --- hedges ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "language", "text", "hedges"),
    [
        # A modal that governs the figure, before it or right after it.
        ("Les prix pourraient augmenter de 15 % l'an prochain.", "fr", "15 %", (Hedge.COULD,)),
        ("The deal could be worth as much as £500m.", "en", "£500m", (Hedge.UP_TO, Hedge.COULD)),
        ("Près de 16 000 postes pourraient disparaître.", "fr", "16 000 postes",
         (Hedge.ABOUT, Hedge.COULD)),
        ("The club would pay around £8m for him.", "en", "£8m", (Hedge.ABOUT, Hedge.COULD)),
        # A modal that governs something else: the life of the patients, another clause.
        ("Ce traitement pourrait changer la vie des 20.000 patients du pays.", "fr",
         "20.000 patients", ()),
        ("The plan could change the lives of 5,000 families.", "en", "5,000 families", ()),
        ("Il pourrait pleuvoir demain, et 200 personnes sont attendues.", "fr",
         "200 personnes", ()),
        ("It may rain. 300 people came anyway.", "en", "300 people", ()),
        # Forecasts, plans and reported speech are no modal of the closed list.
        ("Des orages sont à prévoir avec des rafales de 100 km/h.", "fr", "100 km/h", ()),
        ("Forecasters expected 30 mm of rain.", "en", "30 mm", ()),
        ("Le ministre serait prêt à verser 300 euros.", "fr", "300 euros", ()),
        ("The council plans 40 new homes.", "en", "40 new homes", ()),
        # "Just" and "à peine" say "only", not "less than".
        ("The club paid just £3m for him.", "en", "£3m", ()),
        ("Il a payé à peine 30 euros.", "fr", "30 euros", ()),
        # A hedge word is the figure's only when it stands right before it (or a determiner).
        ("Près de 86 % des 50.500 écoles rouvrent.", "fr", "50.500 écoles", ()),
        ("Près de 86 % des 50.500 écoles rouvrent.", "fr", "86 %", (Hedge.ABOUT,)),
        ("Il en reste quelques 165 exemplaires.", "fr", "165 exemplaires", (Hedge.ABOUT,)),
    ],
)  # fmt: skip
def test_hedges_come_from_the_figures_own_phrase(sentence, language, text, hedges) -> None:
    assert by_text(sentence, language)[text].hedges == hedges


# --- subjects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "language", "text"),
    [
        # The figure is another verb's: an infinitive, a participle between.
        ("La France a refusé d'accueillir quarante migrants arrivés lundi.", "fr",
         "quarante migrants"),
        ("Radio Nova a diffusé une étude menée sur 300 patients.", "fr", "300 patients"),
        ("Mata arranged to pay two assassins.", "en", "two assassins"),
        # A medium that reveals or publishes is a source.
        ("Radio Nova a révélé les 300 contrats.", "fr", "300 contrats"),
        # The figure belongs to another noun or name.
        ("Leeds were one of six clubs to win twice.", "en", "six clubs"),
        ("Jean Dupont doit recevoir les 40 membres du Conseil.", "fr", "40 membres"),
        ("La Banque a vendu 300 actions de Renault.", "fr", "300 actions"),
        # Two names joined: neither is sure.
        ("Jones and Smith would buy a 40 per cent stake.", "en", "40 per cent"),
        ("New York, Ohio and Kansas gained 300 households.", "en", "300 households"),
        # Not a name: an indefinite article, an adjective after it, a preposition before it.
        ("Une PME emploie 30 salariés.", "fr", "30 salariés"),
        ("L'Amérique latine totalise 25.000 décès.", "fr", "25.000 décès"),
        ("Depuis la Révolution de 1979, le pays compte 20 partis.", "fr", "20 partis"),
        # A subordinate clause has its own subject.
        ("Martin worked with Cole when he earned £5m.", "en", "£5m"),
    ],
)  # fmt: skip
def test_no_subject_rather_than_a_doubtful_one(sentence, language, text) -> None:
    found = by_text(sentence, language)
    assert found[text].subject is None, found[text]


def test_a_glued_sentence_gives_no_subject_to_the_next() -> None:
    # The splitter left "(...) 3 %.Sondage réalisé": "Sondage" opens a sentence, it is no name.
    sentence = "La hausse atteint 3 %.Sondage réalisé auprès de 1.000 personnes."
    found = by_text(sentence, "fr", names=frozenset({"Sondage"}) - {"Sondage"})
    assert found["1.000 personnes"].subject is None


@pytest.mark.parametrize(
    ("sentence", "language", "text", "subject"),
    [
        ("La Russie compte 7.478 morts.", "fr", "7.478 morts", "Russie"),
        ("TÜV a réalisé treize contrôles en 2009.", "fr", "treize contrôles", "TÜV"),
        ("Twitch was bought by Amazon for a reported $970 million.", "en", "$970 million",
         "Twitch"),
        ("Tomasz has been showing his trips to his 10,000 followers.", "en",
         "10,000 followers", "Tomasz"),
        ("The board says Apple's $3bn deal was signed.", "en", "$3bn", "Apple"),
        ("Après les Etats-Unis (54.971).Le Mexique a déploré 25.000 morts.", "fr",
         "25.000 morts", "Mexique"),
    ],
)  # fmt: skip
def test_the_clause_subject_is_shown_when_it_is_sure(sentence, language, text, subject) -> None:
    names = frozenset({"TÜV", "Tomasz", "Russie", "Mexique", "Twitch", "Apple"})
    assert by_text(sentence, language, names)[text].subject == subject
