"""How often lockstep fires on simulated people, and how often it catches a simulated farm.

The lockstep rules were written against the stealth browser farm (tests/browser), never against
these simulations; seed 1 was looked at while comparing rules, seeds 2 and 3 never were.

People: the same 24-paragraph article, started within a minute of each other, at 180-320 words a
minute with a person's jitter, a beat every 11-13 s, three paragraphs ahead on screen, inputs
and depth as a browser reports them. A farm: one script's scroll steps (2-5 % of the article every
1.3 s) applied to two browsers at once, whose 5 s beats fall at different phases.
"""

from __future__ import annotations

import random

from readtoearn.reading.signals import Feature, similarity

PARAGRAPHS, WORDS, THRESHOLD = 24, 25, 0.85


def person(rng: random.Random) -> list[Feature]:
    at = rng.uniform(0, 60)
    pace = rng.uniform(180, 320)
    read = 0.0
    shown = 0
    beats: list[Feature] = []
    while shown < PARAGRAPHS or len(beats) < 4:
        gap = rng.uniform(11, 13)
        at += gap
        read += gap / 60 * pace * rng.uniform(0.9, 1.1)
        visible = min(PARAGRAPHS, int(read // WORDS) + 3)
        new, shown = max(0, visible - shown), max(shown, visible)
        depth = min(1.0, visible / PARAGRAPHS * rng.uniform(0.93, 0.99))
        inputs = rng.randint(1, 12) + rng.randint(0, 20)
        beats.append(Feature(new, depth, inputs, gap if beats else 0.0, at))
    return beats


def browser(steps: list[float], phase: float) -> list[Feature]:
    moves, depth = [], 0.0
    for i, step in enumerate(steps):
        depth = min(1.0, depth + step)
        moves.append((1000.0 + 1.3 * i, depth))
    beats: list[Feature] = []
    at, seen = 1000.0 + phase, 0
    while True:
        now = max((d for t, d in moves if t <= at), default=0.0)
        visible = round(now * PARAGRAPHS)
        new, seen = max(0, visible - seen), max(seen, visible)
        beats.append(Feature(new, round(now, 4), 7, 5.0 if beats else 0.0, at))
        at += 5.0
        if now >= 1.0 and len(beats) >= 4:
            return beats


def rates(seed: int, pairs: int = 1500, farms: int = 300) -> tuple[float, float]:
    rng = random.Random(seed)
    honest = sum(similarity(person(rng), person(rng)) >= THRESHOLD for _ in range(pairs))
    caught = 0
    for _ in range(farms):
        steps = [rng.choice([0.02, 0.03, 0.04, 0.05]) for _ in range(40)]
        a, b = browser(steps, rng.uniform(0, 5)), browser(steps, rng.uniform(0, 5))
        caught += similarity(a, b) >= THRESHOLD
    return honest / pairs, caught / farms


def test_on_held_out_seeds_few_people_and_most_farms_read_in_lockstep() -> None:
    for seed in (2, 3):
        honest, caught = rates(seed)
        # Measured: seeds 2 and 3, 5.7 % of honest pairs and every farm pair.
        assert honest <= 0.08, (seed, honest)
        assert caught >= 0.95, (seed, caught)
