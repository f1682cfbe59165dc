"""Precision and recall of the key-figure extractor, per field, on sentences labelled by hand.

Usage: .venv/bin/python bench/figures.py [--data bench/data/figures.jsonl] [--show-errors]

The labelled set (bench/data/figures.jsonl; how it was made and what counts as a figure: see
docs/quality.md) holds real news sentences from OrangeSum (French) and CNN/DailyMail (English),
each with every key figure a reader would want: its words, kind, value, unit, hedges and subject.
It is split into a tune part (rules were changed looking at it: split "tune"; parts C, D and E,
splits "held-out-c/d/e", each held out in its round (3, 4, 5) and tuned on from the next) and two
held-out parts, only scored: B (split "held-out", round 2) and F (split "held-out-f", round 6:
sentences of the dev sets' human summaries drawn by bench/figures_sample.py, labelled before they
were ever run through the extractor). A predicted figure is matched to the labelled figure whose
words it overlaps most.

- found: the figure is there (overlap), whatever its fields;
- value+unit: kind, value and unit all right (precision over every predicted figure, recall over
  every labelled one);
- hedge: of the figures shown with a hedge, how many have the right ones (precision); of the
  labelled figures with a hedge, how many are shown with it (recall);
- subject: the same for the subject (a subject where the label has none is wrong).

The baseline, run on the same sentences, is a naive reader: every run of digits, the next word as
its unit, no hedge, no subject. The last line pools the held-out parts B and F and is exactly
`held-out value+unit precision=0.xxx recall=0.xxx hedge=0.xxx subject=0.xxx` (hedge and subject:
precisions).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from figures_sample import extraction_texts

from readtoearn.summaries.figures import figures_in_sentence, known_names
from readtoearn.summaries.sentences import split_sentences

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data" / "figures.jsonl"
SHARED = HERE.parents[1] / "shared" / "data"


@dataclass(frozen=True)
class Found:
    """A figure as a reader sees it: where it is and its fields."""

    start: int
    end: int
    kind: str
    value: Decimal
    unit: str
    hedges: frozenset[str]
    subject: str | None


def labelled(row: dict[str, object]) -> list[Found]:
    found = []
    for item in row["figures"]:  # type: ignore[attr-defined]
        found.append(
            Found(
                start=item["start"],
                end=item["start"] + len(item["text"]),
                kind=item["kind"],
                value=Decimal(item["value"]),
                unit=item["unit"],
                hedges=frozenset(item["hedges"]),
                subject=item["subject"],
            )
        )
    return found


def ours(sentence: str, language: str, names: frozenset[str] | None) -> list[Found]:
    return [
        Found(
            start=f.start,
            end=f.end,
            kind=str(f.kind),
            value=f.value,
            unit=f.unit,
            hedges=frozenset(str(h) for h in f.hedges),
            subject=f.subject,
        )
        for f in figures_in_sentence(sentence, language, names=names)
    ]


NAIVE = re.compile(r"\d[\d.,\u202f\u00a0 ]*\d|\d")


def naive(sentence: str, language: str, names: frozenset[str] | None) -> list[Found]:
    """Every number with the word after it: what a reader without rules would get."""
    found = []
    for match in NAIVE.finditer(sentence):
        digits = re.sub(r"\D", "", match.group())
        after = re.match(r"\s*([^\W\d_]+|%)", sentence[match.end() :])
        unit = after.group(1) if after else ""
        kind = "percent" if unit == "%" else "count"
        try:
            value = Decimal(digits)
        except InvalidOperation:
            continue
        found.append(Found(match.start(), match.end(), kind, value, unit, frozenset(), None))
    return found


def same_unit(predicted: Found, truth: Found) -> bool:
    if truth.kind != "count":
        return predicted.unit == truth.unit
    # A count's unit is the thing counted: the labelled noun among the words shown.
    return truth.unit.lower() in re.findall(r"[\w/²°]+", predicted.unit.lower())


def same_subject(predicted: str | None, truth: str | None) -> bool:
    if predicted is None or truth is None:
        return predicted == truth
    a, b = predicted.casefold().split(), truth.casefold().split()
    # "Sarkozy" for "Nicolas Sarkozy" is right; "San Francisco" for "OpenAI" is not.
    return (
        a == b or (len(a) < len(b) and b[-len(a) :] == a) or (len(b) < len(a) and a[-len(b) :] == b)
    )


def match(predicted: list[Found], truth: list[Found]) -> list[tuple[Found | None, Found | None]]:
    """Pairs (predicted, labelled) by largest overlap, one to one; None for the unmatched."""
    pairs = sorted(
        (
            (min(p.end, t.end) - max(p.start, t.start), i, j)
            for i, p in enumerate(predicted)
            for j, t in enumerate(truth)
            if p.start < t.end and t.start < p.end
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_t: set[int] = set()
    result: list[tuple[Found | None, Found | None]] = []
    for _, i, j in pairs:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        result.append((predicted[i], truth[j]))
    result.extend((p, None) for i, p in enumerate(predicted) if i not in used_p)
    result.extend((None, t) for j, t in enumerate(truth) if j not in used_t)
    return result


class Tally:
    """Counts for precision and recall of each field."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(self, field: str, right_p: bool, shown: bool, right_t: bool, expected: bool) -> None:
        c = self.counts[field]
        c[0] += right_p and shown
        c[1] += shown
        c[2] += right_t and expected
        c[3] += expected

    def score(self, field: str) -> tuple[float, float, int, int]:
        c = self.counts[field]
        return (c[0] / c[1] if c[1] else 1.0, c[2] / c[3] if c[3] else 1.0, c[1], c[3])


def evaluate(
    rows: list[dict[str, object]],
    reader: Callable[[str, str, frozenset[str] | None], list[Found]],
    names: dict[str, frozenset[str]],
    errors: list[str] | None = None,
) -> Tally:
    tally = Tally()
    for row in rows:
        sentence, language = str(row["sentence"]), str(row["language"])
        article = str(row["id"]).rsplit(":", 1)[0]
        pairs = match(reader(sentence, language, names.get(article)), labelled(row))
        for p, t in pairs:
            right = p is not None and t is not None
            tally.add("found", right, p is not None, right, t is not None)
            fields = right and p.kind == t.kind and p.value == t.value and same_unit(p, t)  # type: ignore[union-attr]
            tally.add("value+unit", fields, p is not None, fields, t is not None)
            if p is not None and t is not None:
                hedge_ok = p.hedges == t.hedges
                tally.add("hedge", hedge_ok, bool(p.hedges), hedge_ok, bool(t.hedges))
                subject_ok = same_subject(p.subject, t.subject)
                tally.add(
                    "subject", subject_ok, p.subject is not None, subject_ok, t.subject is not None
                )
            if errors is not None and not (
                p is not None
                and t is not None
                and fields
                and p.hedges == t.hedges
                and (p.subject is None or same_subject(p.subject, t.subject))
            ):
                errors.append(f"{row['id']}: ours={_show(p, sentence)} label={_show(t, sentence)}")
    return tally


def _show(found: Found | None, sentence: str) -> str:
    if found is None:
        return "-"
    hedges = ",".join(sorted(found.hedges))
    return (
        f"[{sentence[found.start : found.end]!r} {found.kind} {found.value} {found.unit!r}"
        f"{' ' + hedges if hedges else ''} subject={found.subject!r}]"
    )


def article_names(rows: list[dict[str, object]]) -> dict[str, frozenset[str]]:
    """The known names of each article, as the pipeline computes them from the whole text."""
    wanted = {str(row["id"]).rsplit(":", 1)[0] for row in rows}
    names: dict[str, frozenset[str]] = {}
    if any(key.startswith("extraction:") for key in wanted) and (SHARED / "extraction").is_dir():
        for key, language, body in extraction_texts():
            if f"extraction:{key}" in wanted:
                names[f"extraction:{key}"] = known_names(split_sentences(body, language))
    for folder, language in (("orangesum", "fr"), ("cnndm", "en")):
        path = SHARED / folder / "dev.jsonl"
        if not path.is_file():
            continue
        for number, line in enumerate(path.open(encoding="utf-8")):
            key = f"{folder}:{number}"
            if key in wanted:
                text = json.loads(line)["text"]
                names[key] = known_names(split_sentences(text, language))
    return names


# The parts reported: a name for --show-errors and --only, a title, the splits in the data.
TUNE = ("tune", "held-out-c", "held-out-d", "held-out-e")
PARTS = {
    "tune": ("tune (part A, C since round 4, D since round 5, E since round 6)", TUNE),
    "c": ("part C alone (held out in round 3, tuned on since round 4)", ("held-out-c",)),
    "d": ("part D alone (held out in round 4, tuned on since round 5)", ("held-out-d",)),
    "e": ("part E alone (held out in round 5, tuned on since round 6)", ("held-out-e",)),
    "b": ("held-out B", ("held-out",)),
    "f": ("held-out F", ("held-out-f",)),
}
HELD_OUT = ("held-out", "held-out-f")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-errors", choices=tuple(PARTS), default=None)
    parser.add_argument(
        "--only", choices=tuple(PARTS), default=None, help="score this part alone (no pooled line)"
    )
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"no labelled figures at {args.data}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    names = article_names(rows)
    if not names:
        print("(no ../shared/data: subjects judged without the article's other sentences)")
    print(
        f"{len(rows)} sentences, {sum(len(r['figures']) for r in rows)} labelled figures; "
        f"names from {len(names)} articles"
    )
    for key, (title, splits) in PARTS.items():
        if args.only is not None and key != args.only:
            continue
        part = [r for r in rows if r["split"] in splits]
        errors: list[str] = []
        started = time.perf_counter()
        mine = evaluate(part, ours, names, errors if args.show_errors == key else None)
        ms = 1000 * (time.perf_counter() - started) / max(1, len(part))
        baseline = evaluate(part, naive, names)
        labelled_count = sum(len(r["figures"]) for r in part)
        print(f"\n{title}: {len(part)} sentences, {labelled_count} figures ({ms:.1f} ms/sentence)")
        print(
            f"  {'field':<11}{'precision':>10}{'recall':>8}{'shown':>7}{'labelled':>9}   naive P/R"
        )
        for field in ("found", "value+unit", "hedge", "subject"):
            p, r, shown, expected = mine.score(field)
            bp, br, _, _ = baseline.score(field)
            print(f"  {field:<11}{p:>10.3f}{r:>8.3f}{shown:>7}{expected:>9}   {bp:.3f}/{br:.3f}")
        for line in errors:
            print("  " + line)
    if args.only is not None:
        return 0
    held = evaluate([r for r in rows if r["split"] in HELD_OUT], ours, names)
    print(
        f"\nheld-out B and F together: {sum(1 for r in rows if r['split'] in HELD_OUT)} sentences"
    )
    print(
        f"\nheld-out value+unit precision={held.score('value+unit')[0]:.3f} "
        f"recall={held.score('value+unit')[1]:.3f} hedge={held.score('hedge')[0]:.3f} "
        f"subject={held.score('subject')[0]:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
