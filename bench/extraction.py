"""Article-body F1 of our extraction against trafilatura's default, in-sample and cross-validated.

Usage: .venv/bin/python bench/extraction.py [--limit N] [--data DIR] [--folds K] [--show-worst K]

Scoring: precision and recall over word tokens (a bag of tokens; --ngram 4 scores 4-token
shingles), computed per page with the counts normalised by the page's total, averaged over pages,
and F1 from the averaged precision and recall, as the article-extraction-benchmark does. Our text
is what we store: lead, key points and body (captions are printed apart: the benchmark's bodies
have none).

In-sample is the shipped rules on every page. Held-out is a K-fold cross-validation (pages shuffled
with a fixed seed): on each fold's training pages the text-choosing rules (extract/rules.py) are
tuned by coordinate ascent from "all off" (a rule or limit is kept only when it raises the training
F1 by more than --min-gain), then the tuned rules are scored on the fold's held-out pages; the
held-out F1 pools the held-out pages of every fold. Each rule's held-out gain is the held-out F1 of
each fold's tuned rules with that rule on minus off (a limit: as shipped minus its
starting value).
The last line is exactly `f1 ours=0.xxx held_out=0.xxx trafilatura=0.xxx`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import lxml.html
import trafilatura

from readtoearn.articles import text as textlib
from readtoearn.articles.extract import extract_article
from readtoearn.articles.extract.rules import CHOICES, RULES, Rules, with_choice
from readtoearn.errors import ReadToEarnError

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
TOKEN = re.compile(r"\w+")
# Tuned by the cross-validation; the others shape what is stored (lead, key points, captions)
# and are only measured.
TUNED = (
    "mode",
    "drop_landmarks",
    "chrome_classes",
    "chrome_text",
    "disclaimers",
    "short_body_chars",
    "chrome_share",
)
MEASURED = ("lead_class", "key_points", "captions")
# The starting point of the tuning: trafilatura's default mode and none of our text rules.
BARE = Rules(
    mode="default",
    drop_landmarks=False,
    chrome_classes=False,
    chrome_text=False,
    disclaimers=False,
)
Counts = tuple[float, float, float]


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


def ours(page: bytes, url: str | None, rules: Rules = RULES, *, captions: bool = False) -> str:
    """The text we store for a page; the body's captions only when asked: the benchmark's
    article bodies have none (the main image's caption is never scored either)."""
    try:
        draft = extract_article(page, url, rules=rules)
    except ReadToEarnError:
        return ""
    html = textlib.sanitise_html(draft.html)
    if not captions and "<figcaption" in html:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        for caption in list(root.iter("figcaption")):
            caption.drop_tree()
        html = lxml.html.tostring(root, encoding="unicode")
    return "\n\n".join([draft.lead, *draft.key_points, textlib.text_of(html)])


def theirs(page: bytes) -> str:
    return trafilatura.extract(page) or ""


class Scorer:
    """Per-page counts of each set of rules, computed once."""

    def __init__(self, pages: list[tuple[bytes, str | None, str]], ngram: int) -> None:
        self.pages, self.ngram = pages, ngram
        self.cache: dict[Rules, list[Counts]] = {}
        self.seconds: dict[Rules, float] = {}

    def counts(self, rules: Rules) -> list[Counts]:
        if rules not in self.cache:
            started = time.perf_counter()
            self.cache[rules] = [
                page_counts(expected, ours(page, url, rules), self.ngram)
                for page, url, expected in self.pages
            ]
            self.seconds[rules] = time.perf_counter() - started
        return self.cache[rules]

    def f1(self, rules: Rules, indexes: list[int]) -> float:
        counts = self.counts(rules)
        return f1_of([counts[i] for i in indexes])[2]


def tune(score: Callable[[Rules], float], min_gain: float) -> Rules:
    """Coordinate ascent from the bare rules: a change stays only when it raises the score."""
    rules, best = BARE, score(BARE)
    for _ in range(3):
        changed = False
        for name in TUNED:
            for value in CHOICES[name]:
                if getattr(rules, name) == value:
                    continue
                candidate = with_choice(rules, name, value)
                found = score(candidate)
                if found > best + min_gain:
                    rules, best, changed = candidate, found, True
        if not changed:
            break
    return rules


def cross_validate(
    scorer: Scorer, folds: int, seed: int, min_gain: float
) -> tuple[list[Counts], list[Rules], list[list[int]]]:
    order = list(range(len(scorer.pages)))
    random.Random(seed).shuffle(order)
    held = [sorted(order[k::folds]) for k in range(folds)]
    pooled: list[Counts] = [(0.0, 0.0, 0.0)] * len(order)
    chosen = []
    for k in range(folds):
        train = [i for i in order if i not in set(held[k])]
        rules = tune(lambda r, train=train: scorer.f1(r, train), min_gain)  # type: ignore[misc]
        chosen.append(rules)
        counts = scorer.counts(rules)
        for i in held[k]:
            pooled[i] = counts[i]
    return pooled, chosen, held


def on_and_off(name: str) -> tuple[object, object]:
    """A switch on and off; a limit as shipped and as it starts the tuning (or another)."""
    shipped = getattr(RULES, name)
    if isinstance(shipped, bool):
        return True, False
    other = getattr(BARE, name)
    return shipped, other if other != shipped else next(v for v in CHOICES[name] if v != shipped)


def rule_gain(scorer: Scorer, chosen: list[Rules], held: list[list[int]], name: str) -> float:
    """Held-out F1 of each fold's tuned rules with the rule on minus with it off."""
    on, off = on_and_off(name)
    with_rule, without = [], []
    for rules, indexes in zip(chosen, held, strict=True):
        with_rule.extend(scorer.counts(with_choice(rules, name, on))[i] for i in indexes)
        without.extend(scorer.counts(with_choice(rules, name, off))[i] for i in indexes)
    return f1_of(with_rule)[2] - f1_of(without)[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--ngram", type=int, default=1, help="1 = bag of tokens (default)")
    parser.add_argument("--show-worst", type=int, default=0, help="list the K pages we lose most")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--seed", type=int, default=16, help="seed of the pages' shuffle")
    parser.add_argument(
        "--min-gain", type=float, default=0.001, help="training F1 a rule must add to be kept"
    )
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

    pages = []
    for key in keys:
        page = gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes())
        pages.append((page, truth[key].get("url"), truth[key].get("articleBody", "")))
    scorer = Scorer(pages, args.ngram)
    started = time.perf_counter()
    theirs_counts = [page_counts(expected, theirs(page), args.ngram) for page, _, expected in pages]
    theirs_seconds = time.perf_counter() - started
    ours_counts = scorer.counts(RULES)
    everything = list(range(len(pages)))

    pooled, chosen, held = cross_validate(scorer, args.folds, args.seed, args.min_gain)
    theirs_f1 = f1_of(theirs_counts)[2]
    rows = (
        ("ours in-sample", ours_counts, 1000 * scorer.seconds[RULES] / len(pages)),
        (f"ours held-out ({args.folds}-fold)", pooled, None),
        ("trafilatura", theirs_counts, 1000 * theirs_seconds / len(pages)),
    )
    for name, counts, ms in rows:
        p, r, f = f1_of(counts)
        timing = f" ({ms:.0f} ms/page)" if ms is not None else ""
        print(f"{name:<26} precision={p:.3f} recall={r:.3f} f1={f:.3f}{timing}")
    for k, (rules, indexes) in enumerate(zip(chosen, held, strict=True)):
        tuned = {n: v for n, v in asdict(rules).items() if v != getattr(BARE, n)}
        print(
            f"fold {k}: held-out f1={f1_of([pooled[i] for i in indexes])[2]:.3f} "
            f"trafilatura={f1_of([theirs_counts[i] for i in indexes])[2]:.3f} tuned={tuned}"
        )
    for name in (*TUNED, *MEASURED):
        votes = Counter(getattr(rules, name) for rules in chosen)
        shipped = getattr(RULES, name)
        on, off = on_and_off(name)
        in_sample = scorer.f1(with_choice(RULES, name, on), everything) - scorer.f1(
            with_choice(RULES, name, off), everything
        )
        print(
            f"rule {name:<17} shipped={shipped!s:<8} folds={dict(votes)} held-out gain="
            f"{rule_gain(scorer, chosen, held, name):+.4f} in-sample gain={in_sample:+.4f}"
        )
    with_captions = [
        page_counts(expected, ours(page, url, captions=True), args.ngram)
        for page, url, expected in pages
    ]
    print(f"ours in-sample with the body's captions scored too: f1={f1_of(with_captions)[2]:.3f}")
    gaps = sorted(
        (o[0] - t[0], key) for o, t, key in zip(ours_counts, theirs_counts, keys, strict=True)
    )
    for gap, key in gaps[: args.show_worst]:
        print(f"worst {gap:+.3f} {key}")
    print(f"pages={len(keys)} ngram={args.ngram} folds={args.folds} seed={args.seed}")
    print(
        f"f1 ours={f1_of(ours_counts)[2]:.3f} held_out={f1_of(pooled)[2]:.3f} "
        f"trafilatura={theirs_f1:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
