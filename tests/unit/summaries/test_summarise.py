"""The built-in summariser: verbatim sentences, 2-3 of them, 2-3 bullets, no repeats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readtoearn.summaries.sentences import split_sentences
from readtoearn.summaries.summarise import HashingEncoder, lead, summarise_text
from tests.unit.summaries.articles import ENGLISH, FRENCH

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def check(text: str, language: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    summary = summarise_text(text, language, **kwargs)
    sentences = set(split_sentences(text, language))
    assert 2 <= len(summary.sentences) <= 3
    assert 2 <= len(summary.in_brief) <= 3
    assert set(summary.sentences) <= sentences, "a summary sentence the article does not have"
    assert set(summary.in_brief) <= sentences
    assert len(set(summary.sentences)) == len(summary.sentences)
    # In the article's order.
    order = split_sentences(text, language)
    positions = [order.index(s) for s in summary.sentences]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("text", "language"), [(FRENCH, "fr"), (ENGLISH, "en")])
def test_summary_is_made_of_the_articles_sentences(text: str, language: str) -> None:
    check(text, language)


@pytest.mark.parametrize(("text", "language"), [(FRENCH, "fr"), (ENGLISH, "en")])
def test_the_offline_fallback_encoder_works_too(text: str, language: str) -> None:
    check(text, language, encoder=HashingEncoder())


def test_a_repeated_sentence_is_picked_once() -> None:
    repeated = "OpenAI could raise up to $50bn in the fourth quarter of 2026, sources said."
    text = "\n\n".join(
        [
            repeated,
            repeated,
            "Microsoft has invested $13bn in the company since 2019 and plans more.",
            "Amazon will cut about 14,000 jobs in October 2025 across its offices.",
        ]
    )
    summary = summarise_text(text, "en")
    assert summary.sentences.count(repeated) == 1


def test_a_tiny_article_still_gets_a_summary() -> None:
    summary = summarise_text("Short. Very short.", "en")
    assert summary.sentences == ["Short.", "Very short."]


def test_lead_baseline_skips_datelines() -> None:
    sentences = [
        "By . AP .",
        "The first real sentence has enough words in it.",
        "A second one is also long enough.",
    ]
    assert lead(sentences, 1) == ["The first real sentence has enough words in it."]


@pytest.mark.parametrize(("folder", "language"), [("orangesum", "fr"), ("cnndm", "en")])
def test_dev_articles_give_verbatim_summaries(folder: str, language: str) -> None:
    path = DATA / folder / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (only the team's workspace has it)")
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(next(handle)) for _ in range(10)]
    for row in rows:
        check(row["text"], language)


def test_a_heading_is_never_part_of_a_summary() -> None:
    # The demo's first article opened its generated summary with its first sub-heading.
    text = (
        "Un tour de table hors normes\n\n"
        "La scène se répète désormais tous les six mois, mais les montants changent d'échelle. "
        "Selon trois personnes proches des discussions, le laboratoire lèverait 40 milliards.\n\n"
        "Une valorisation qui donne le vertige\n\n"
        "Les investisseurs attendent la fin de l'année pour juger la croissance de l'entreprise."
    )
    summary = summarise_text(text, "fr", encoder=HashingEncoder())
    for heading in ("Un tour de table hors normes", "Une valorisation qui donne le vertige"):
        assert all(heading not in sentence for sentence in summary.sentences + summary.in_brief)
    assert summary.sentences[0].startswith("La scène se répète")
