"""Article-body F1 of our extraction against trafilatura's default, on the ScrapingHub pages.

Usage: .venv/bin/python bench/extraction.py [--limit N] [--data DIR] [--show-worst K]

Scoring: precision and recall over word tokens (a bag of tokens; --ngram 4 scores 4-token
shingles, the benchmark's own default), computed per page with the counts normalised by the
page's total, averaged over pages, and F1 from the averaged precision and recall, as the
article-extraction-benchmark does. Our text is what we store: lead, key points and body.
The last line is exactly `f1 ours=0.xxx trafilatura=0.xxx`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura

from readtoearn.articles import text as textlib
from readtoearn.articles.extract import extract_article
from readtoearn.errors import ReadToEarnError

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    if n == 1:
        return Counter((t,) for t in tokens)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def page_counts(true: str, pred: str, n: int) -> tuple[float, float, float]:
    """True positives, false positives, false negatives, normalised to sum to one."""
    a, b = shingles(true, n), shingles(pred, n)
    tp = sum((a & b).values())
    fp = sum((b - a).values())
    fn = sum((a - b).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def f1_of(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precisions, recalls = [], []
    for tp, fp, fn in counts:
        if tp + fp > 0:
            precisions.append(1.0 if fp == fn == 0 else tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(1.0 if fp == fn == 0 else tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ours(page: bytes, url: str | None) -> str:
    try:
        draft = extract_article(page, url)
    except ReadToEarnError:
        return ""
    body = textlib.text_of(textlib.sanitise_html(draft.html))
    return "\n\n".join([draft.lead, *draft.key_points, body])


def theirs(page: bytes) -> str:
    return trafilatura.extract(page) or ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--ngram", type=int, default=1, help="1 = bag of tokens (default)")
    parser.add_argument("--show-worst", type=int, default=0, help="list the K pages we lose most")
    args = parser.parse_args()

    truth_file = args.data / "ground-truth.json"
    if not truth_file.is_file() or not (args.data / "html").is_dir():
        print(
            f"no benchmark data at {args.data} (needs ground-truth.json and html/*.html.gz); "
            "pass --data DIR",
            file=sys.stderr,
        )
        return 2
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    keys = sorted(truth)
    if args.limit:
        keys = keys[: args.limit]

    ours_counts, theirs_counts, gaps = [], [], []
    timings = {"ours": 0.0, "trafilatura": 0.0}
    for key in keys:
        path = args.data / "html" / f"{key}.html.gz"
        page = gzip.decompress(path.read_bytes())
        expected = truth[key].get("articleBody", "")
        started = time.perf_counter()
        mine = ours(page, truth[key].get("url"))
        timings["ours"] += time.perf_counter() - started
        started = time.perf_counter()
        baseline = theirs(page)
        timings["trafilatura"] += time.perf_counter() - started
        ours_counts.append(page_counts(expected, mine, args.ngram))
        theirs_counts.append(page_counts(expected, baseline, args.ngram))
        gaps.append((ours_counts[-1][0] - theirs_counts[-1][0], key))

    for name, counts in (("ours", ours_counts), ("trafilatura", theirs_counts)):
        p, r, f = f1_of(counts)
        per_page = 1000 * timings[name] / max(1, len(keys))
        print(f"{name:<12} precision={p:.3f} recall={r:.3f} f1={f:.3f} ({per_page:.0f} ms/page)")
    for gap, key in sorted(gaps)[: args.show_worst]:
        print(f"worst {gap:+.3f} {key}")
    print(f"pages={len(keys)} ngram={args.ngram}")
    print(f"f1 ours={f1_of(ours_counts)[2]:.3f} trafilatura={f1_of(theirs_counts)[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
