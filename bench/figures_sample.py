"""Draw the sentences of a new held-out part of the key-figure set (round 3, part C).

Usage: .venv/bin/python bench/figures_sample.py > /tmp/figures/part-c.jsonl

Sentences are cut by the pipeline's own splitter (an id is `source:article:sentence`, as in
bench/data/figures.jsonl). A sentence is eligible when it is not already in the labelled set, has
at most 60 words, holds a number written in digits, and has either a hedge word among the four
words before a number, or a capitalised word before its first number that is not the sentence's
first word (a name the figure may be about). The drawing is seeded (SEED): OrangeSum articles not
yet in the set, one eligible sentence each; CNN/DM articles (all already in the set), up to two
sentences never used before each. The sentences are printed unlabelled: labels are written by
reading each one, never from the extractor's output.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from readtoearn.summaries.sentences import split_sentences

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"
SEED = 20261206
# Two batches of the same seeded sequence: the first (110 sentences) held 87 figures, fewer
# than the 120 wanted, so the draw went on where it stopped.
BATCHES = ({"orangesum": 60, "cnndm": 50}, {"orangesum": 50, "cnndm": 50})
PER_ARTICLE = {"orangesum": 1, "cnndm": 2}
HEDGE_WORDS = {
    "fr": r"environ|près|presque|quelque|autour|plus|moins|jusqu|au-delà|pourrait|pourraient|"
    r"devrait|devraient|pourra|prévoit|estime|estimé|quasi",
    "en": r"about|around|roughly|nearly|almost|approximately|some|estimated|more|less|fewer|over|"
    r"under|up|least|could|may|might|would|expected|close|just|than",
}
DIGIT_RE = re.compile(r"\d")


def eligible(sentence: str, language: str) -> bool:
    words = sentence.split()
    if len(words) > 60 or not DIGIT_RE.search(sentence):
        return False
    hedge = re.compile(r"\b(?:" + HEDGE_WORDS[language] + r")\b", re.IGNORECASE)
    for match in DIGIT_RE.finditer(sentence):
        if hedge.search(" ".join(sentence[: match.start()].split()[-4:])):
            return True
    first = DIGIT_RE.search(sentence)
    assert first is not None
    before = sentence[: first.start()].split()[1:]
    return any(re.match(r"[«\"“(]?[A-ZÀ-Ý][a-zà-ÿ]", word) for word in before)


def draw(
    folder: str,
    language: str,
    rng: random.Random,
    used: set[str],
    used_sentences: set[str],
    used_articles: set[str],
) -> Iterator[dict[str, object]]:
    """Eligible sentences of one source, in the seeded order, as unlabelled rows."""
    texts = [json.loads(line)["text"] for line in (SHARED / folder / "dev.jsonl").open()]
    order = list(range(len(texts)))
    rng.shuffle(order)
    for number in order:
        article = f"{folder}:{number}"
        if folder == "orangesum" and article in used_articles:
            continue
        sentences = split_sentences(texts[number], language)
        candidates = [
            (index, s)
            for index, s in enumerate(sentences)
            if f"{article}:{index}" not in used
            and s not in used_sentences
            and eligible(s, language)
        ]
        for index, sentence in rng.sample(candidates, min(PER_ARTICLE[folder], len(candidates))):
            yield {"id": f"{article}:{index}", "language": language, "split": "held-out-c",
                   "sentence": sentence, "figures": []}  # fmt: skip


def main() -> int:
    rows = [
        json.loads(line)
        for line in (HERE / "data" / "figures.jsonl").open(encoding="utf-8")
        if line.strip() and json.loads(line)["split"] != "held-out-c"
    ]
    used = {str(row["id"]) for row in rows}
    used_sentences = {str(row["sentence"]) for row in rows}
    used_articles = {key.rsplit(":", 1)[0] for key in used}
    rng = random.Random(SEED)
    sources = {
        folder: draw(folder, language, rng, used, used_sentences, used_articles)
        for folder, language in (("orangesum", "fr"), ("cnndm", "en"))
    }
    for batch in BATCHES:
        for folder, wanted in batch.items():
            for row in itertools.islice(sources[folder], wanted):
                print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
