"""What a read must do and what it earns: the operator's rules, the points, the read's state."""

from __future__ import annotations

import uuid
from typing import Any

from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.reading.models import Read
from readtoearn.reading.rules import (
    ReadState,
    Reason,
    Rules,
    points_for,
    required_active_seconds,
    required_paragraphs,
)

_RULES: dict[int, tuple[Settings, Rules]] = {}


def rules_of(settings: Settings) -> Rules:
    """The reading rules as the operator configured them (made once per settings object)."""
    cached = _RULES.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    if len(_RULES) >= 64:
        _RULES.clear()
    rules = Rules(
        max_wpm=settings.reading_max_wpm,
        max_screen_wpm=settings.reading_max_screen_wpm,
        min_paragraph_ratio=settings.reading_min_paragraph_ratio,
        min_beats=settings.reading_min_beats,
        beat_interval_s=settings.beat_interval_s,
    )
    _RULES[id(settings)] = (settings, rules)
    return rules


def reward_key(reader_id: uuid.UUID, article_id: uuid.UUID) -> str:
    """The key that lets a reader be rewarded once per article."""
    return f"{reader_id}:{article_id}"


def points_of(article: Article, settings: Settings) -> int:
    """The points a read of this article earns."""
    return points_for(
        settings.points_per_read,
        article.reading_minutes,
        scale_by_time=settings.points_scale_by_time,
    )


def requirements(article: Article, settings: Settings) -> dict[str, Any]:
    """What a reader must do to earn this article's points (shown by the tracker)."""
    rules = rules_of(settings)
    return {
        "active_seconds": required_active_seconds(article.word_count, rules),
        "paragraphs": article.paragraph_count,
        "min_paragraphs": required_paragraphs(article.paragraph_count, rules),
        "min_beats": rules.min_beats,
        "points": points_of(article, settings),
    }


def state_of(read: Read, article: Article) -> ReadState:
    """A read's row as the plain values the rules judge."""
    return ReadState(
        words=article.word_count,
        paragraphs=article.paragraph_count,
        active_ms=read.active_ms,
        beats_credited=read.beats_credited,
        beats_total=read.beats_total,
        paragraphs_seen=len(read.paragraphs_seen),
        last_paragraph_seen=article.paragraph_count - 1 in set(read.paragraphs_seen),
        scroll_max=read.scroll_max,
        flags=frozenset(Reason(f) for f in read.flags),
    )
