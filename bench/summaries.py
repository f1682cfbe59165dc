"""ROUGE-1/2/L of the built-in summariser against Lead-2 and Lead-3, and its time per article.

Run: .venv/bin/python bench/summaries.py [--limit N] [--data ../shared/data]
Reads orangesum/dev.jsonl (French) and cnndm/dev.jsonl (English). ROUGE is F1, computed here
with a Unicode-aware tokenizer (lower-cased runs of letters and digits; no stemming), because
the stock rouge-score tokenizer drops accented letters ("économise" -> "conomise").
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from readtoearn.summaries.figures import extract_figures
from readtoearn.summaries.sentences import split_sentences
from readtoearn.summaries.summarise import default_encoder, lead, summarise_sentences

TOKEN_RE = re.compile(r"[^\W_]+")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = (("orangesum", "fr"), ("cnndm", "en"))


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
    words = []
    for row in rows:
        start = time.perf_counter()
        sentences = split_sentences(row["text"], language)
        summary = summarise_sentences(sentences)
        extract_figures(row["text"], language)
        timings.append(time.perf_counter() - start)
        words.append(len(TOKEN_RE.findall(row["text"])))
        systems["ours"].append(rouge(summary.text, row["summary"]))
        systems["lead-2"].append(rouge(" ".join(lead(sentences, 2)), row["summary"]))
        systems["lead-3"].append(rouge(" ".join(lead(sentences, 3)), row["summary"]))
    per_800 = [t / max(w, 1) * 800 * 1000 for t, w in zip(timings, words, strict=True)]
    return {
        "articles": len(rows),
        "scores": {
            name: tuple(100 * statistics.fmean(s[i] for s in values) for i in range(3))
            for name, values in systems.items()
        },
        "ms_per_article": 1000 * statistics.fmean(timings),
        "ms_per_800_words": statistics.fmean(per_800),
        "mean_words": statistics.fmean(words),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="articles per set")
    args = parser.parse_args()
    start = time.perf_counter()
    encoder = default_encoder()
    encoder.encode(["warm up"])
    load_s = time.perf_counter() - start
    print(f"encoder: {encoder.name}, loaded in {load_s:.2f} s")
    print(f"{'set':<14}{'system':<8}{'R-1':>7}{'R-2':>7}{'R-L':>7}")
    for folder, language in SETS:
        path = args.data / folder / "dev.jsonl"
        if not path.exists():
            print(f"{folder}: {path} not found, skipped", file=sys.stderr)
            continue
        result = evaluate(path, language, args.limit)
        label = f"{folder}/{language}"
        for name, (r1, r2, rl) in result["scores"].items():  # type: ignore[attr-defined]
            print(f"{label:<14}{name:<8}{r1:7.2f}{r2:7.2f}{rl:7.2f}")
        print(
            f"{label:<14}time    {result['ms_per_article']:.1f} ms/article "
            f"(mean {result['mean_words']:.0f} words), "
            f"{result['ms_per_800_words']:.1f} ms per 800 words "
            f"(split + summary + key figures; target < 100)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
