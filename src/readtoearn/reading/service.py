"""Reads: start, beat, complete. The server decides what was read; the ledger pays for it.

The public face of the reading domain; each part lives in a module of its own: `start` (start
and resume), `beats` (the tracker's hot path), `snapshot` (the live state and its row), `verdict`
(completion, verdict, review), `panel` (the article page's panel and view token), `page` (all
an article page shows), `quiz` (the per-read quiz), `wallet` (the reader's wallet); `rules`
holds the rules, the reasons of a verdict and what each says to readers and operators.
"""

from __future__ import annotations

from readtoearn.reading.beats import (
    Beat,
    BeatResult,
    PreparedBeat,
    accept_beat,
    prepare_beat,
    record_beat,
    record_beat_async,
)
from readtoearn.reading.history import list_credited_read_times
from readtoearn.reading.page import (
    ArticlePage,
    PageFigure,
    ReaderView,
    get_article_page,
    get_pages_version,
    get_reader_part,
    get_reader_view,
)
from readtoearn.reading.panel import Panel, get_panel, view_token_for
from readtoearn.reading.quiz import (
    QuizOutcome,
    answer_quiz,
    answer_quiz_later,
    get_quiz,
    get_quiz_result,
)
from readtoearn.reading.reads import OPEN, owned_read, read_uuid
from readtoearn.reading.rules import explain
from readtoearn.reading.snapshot import NeedsDatabase, flush_idle
from readtoearn.reading.start import Started, start_read
from readtoearn.reading.terms import requirements, rules_of
from readtoearn.reading.verdict import (
    Outcome,
    complete_read,
    complete_read_later,
    record_funding,
    settle_held,
)
from readtoearn.reading.wallet import Wallet, WalletEntry, get_wallet, list_reads

__all__ = [
    "OPEN",
    "ArticlePage",
    "Beat",
    "BeatResult",
    "NeedsDatabase",
    "Outcome",
    "PageFigure",
    "Panel",
    "PreparedBeat",
    "QuizOutcome",
    "ReaderView",
    "Started",
    "Wallet",
    "WalletEntry",
    "accept_beat",
    "answer_quiz",
    "answer_quiz_later",
    "complete_read",
    "complete_read_later",
    "explain",
    "flush_idle",
    "get_article_page",
    "get_pages_version",
    "get_panel",
    "get_quiz",
    "get_quiz_result",
    "get_reader_part",
    "get_reader_view",
    "get_wallet",
    "list_credited_read_times",
    "list_reads",
    "owned_read",
    "prepare_beat",
    "read_uuid",
    "record_beat",
    "record_beat_async",
    "record_funding",
    "requirements",
    "rules_of",
    "settle_held",
    "start_read",
    "view_token_for",
]
