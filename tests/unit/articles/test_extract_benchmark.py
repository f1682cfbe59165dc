"""A few real pages of the ScrapingHub benchmark (shared evaluation data, when present)."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import trafilatura

from readtoearn.articles import text as textlib
from readtoearn.articles.extract import extract_article

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "extraction"
PAGES = 12

pytestmark = pytest.mark.skipif(
    not (DATA / "ground-truth.json").is_file(),
    reason=f"benchmark pages not available at {DATA} (shared evaluation data, not in the repo)",
)


def f1(true: str, pred: str) -> float:
    a, b = Counter(re.findall(r"\w+", true)), Counter(re.findall(r"\w+", pred))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(b.values()), common / sum(a.values())
    return 2 * precision * recall / (precision + recall)


def test_our_body_f1_matches_trafilatura_on_real_pages() -> None:
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    ours, theirs = [], []
    for key in sorted(truth)[:PAGES]:
        page = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        expected = truth[key]["articleBody"]
        draft = extract_article(page, truth[key].get("url"))
        body = textlib.text_of(textlib.sanitise_html(draft.html))
        ours.append(f1(expected, "\n".join([draft.lead, *draft.key_points, body])))
        theirs.append(f1(expected, trafilatura.extract(page) or ""))
    mean_ours, mean_theirs = sum(ours) / PAGES, sum(theirs) / PAGES
    assert mean_ours > 0.9
    assert mean_ours >= mean_theirs - 0.01
