"""Sentence splitting on the cases that trip common splitters, in French and English."""

from __future__ import annotations

import pytest

from readtoearn.summaries.sentences import sentences_of, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Altman a confirmé la levée. Elle atteint 50 Mds $ selon lui.",
            ["M. Altman a confirmé la levée.", "Elle atteint 50 Mds $ selon lui."],
        ),
        (
            "Le P.-D.G. d'OpenAI a parlé. Puis il est parti.",
            ["Le P.-D.G. d'OpenAI a parlé.", "Puis il est parti."],
        ),
        (
            "Il a dit « C'est historique. » Puis il est parti.",
            ["Il a dit « C'est historique. »", "Puis il est parti."],
        ),
        (
            "« Quoi ? » a-t-il lancé. Mme Dupont a souri.",
            ["« Quoi ? » a-t-il lancé.", "Mme Dupont a souri."],
        ),
        (
            "Voir l'art. 3 du texte. Environ 16 000 postes et 7,5 % des effectifs.",
            ["Voir l'art. 3 du texte.", "Environ 16 000 postes et 7,5 % des effectifs."],
        ),
        (
            "Le texte est prêt.Le vote a lieu mardi.",
            ["Le texte est prêt.", "Le vote a lieu mardi."],
        ),
    ],
)
def test_french(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "fr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Altman said the U.S. firm raised $50bn. It employs about 14,000 people.",
            ["Mr. Altman said the U.S. firm raised $50bn.", "It employs about 14,000 people."],
        ),
        (
            'Prices rose 7.5% in 2015. "We are done." Dr. Smith left at 5 p.m. on Monday.',
            ["Prices rose 7.5% in 2015.", '"We are done."', "Dr. Smith left at 5 p.m. on Monday."],
        ),
        (
            "J. K. Rowling wrote it. Was it good? Yes!",
            ["J. K. Rowling wrote it.", "Was it good?", "Yes!"],
        ),
        (
            '"What are you going to do? I could have you fired," he said. Then he left.',
            ['"What are you going to do? I could have you fired," he said.', "Then he left."],
        ),
    ],
)
def test_english(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "en") == expected


def test_paragraphs_always_end_a_sentence_and_are_numbered() -> None:
    found = sentences_of("A first paragraph without a stop\n\nA second one. And more.", "en")
    assert [(s.text, s.paragraph, s.index) for s in found] == [
        ("A first paragraph without a stop", 0, 0),
        ("A second one.", 1, 1),
        ("And more.", 1, 2),
    ]


def test_sentences_are_verbatim_slices() -> None:
    text = "Le groupe « X » a 3 ans. M. Y l'a dit… Vraiment ? Oui ! Fin (selon lui)."
    for sentence in split_sentences(text, "fr"):
        assert sentence in text
