"""The heavy half of `readtoearn import`, on every core: worker processes extract each article
and compute its summary, "In brief" and key figures; the command's own process stores the
results in their original order, one transaction per article, as it does on one core. A worker
takes a few articles at a time and encodes their sentences together (`summarise_many`: the same
vectors, bit for bit, as one article at a time, so the same summaries).

Nothing in a worker touches the database: a worker that fails or dies leaves nothing written. A
worker's summary is only a suggestion: it is stored when the saved article has exactly the text
and language it was computed from (`summaries.service.ReadySummary.fits`), computed again in the
command's process otherwise. Items that cannot be sent to a process (a source that failed to
read) are loaded in the command's process. When the pool breaks (a worker killed), the remaining
items are imported in the command's process and a line on stderr says so.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from readtoearn.articles import text as textlib
from readtoearn.articles.importer import Importer, ImportItem, ImportOutcome
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.articles.service import MIN_WORDS, content_hash, detect_language
from readtoearn.config import Settings
from readtoearn.summaries.service import ReadySummary, ready_summaries, version_key
from readtoearn.summaries.summarise import default_encoder, warm_up

log = logging.getLogger(__name__)
# With no --workers and no setting, a pool only pays for itself from this many articles on
# (processes to start, items and results sent between them).
AUTO_POOL_MIN_ITEMS = 8
# Articles a worker prepares at once (their sentences encoded together: 5-10 % less
# encoder time than one by one, measured with bench/summaries.py).
ARTICLES_PER_TASK = 8
# Tasks handed to the pool ahead of the one being stored, per worker.
TASKS_AHEAD_PER_WORKER = 2
# What a worker sends back for an item: its draft (or why there is none) and its summary.
Prepared = tuple[ArticleDraft | ImportOutcome, ReadySummary | None]


@dataclass
class Loaded:
    """An item's draft (or why there is none), and its summary when a worker computed it."""

    item: ImportItem
    draft: ArticleDraft | ImportOutcome
    ready: ReadySummary | None = None


def worker_count(flag: int | None, setting: int, items: int) -> int:
    """The processes to use: the flag, else the setting, else one per core for a big import."""
    wanted = flag if flag is not None else setting
    if wanted == 0:
        wanted = (os.cpu_count() or 1) if items >= AUTO_POOL_MIN_ITEMS else 1
    return max(1, min(wanted, items))


def loaded_items(
    importer: Importer,
    items: Iterable[ImportItem],
    workers: int,
    *,
    warn: Callable[[str], None],
    summarised: frozenset[int] = frozenset(),
) -> Generator[Loaded, None, None]:
    """Each item loaded (and summarised, in a pool), in the order given. `summarised`: the
    versions already summarised (`summaries.service.summarised_versions`), which workers skip."""
    if workers <= 1:
        for item in items:
            yield Loaded(item, importer.load(item))
        return
    with _Pool(importer, workers, warn, summarised) as pool:
        yield from pool.run(items)


class _Pool:
    def __init__(
        self,
        importer: Importer,
        workers: int,
        warn: Callable[[str], None],
        summarised: frozenset[int],
    ) -> None:
        self.importer = importer
        self.warn = warn
        self.workers = workers
        # Fork where the platform has it: the workers start with the modules already imported.
        # The pool is made before any thread of ours (the progress bar's) exists.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        if context.get_start_method() == "fork":
            # Loaded once, here: the forked workers share its ~150 MB of weights (copy on
            # write) instead of each loading its own.
            warm_up(default_encoder())
        self.executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(importer.settings, summarised),
        )
        # Start the workers now (a fork pool starts them all on the first task).
        self.executor.submit(os.getpid)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            # On Ctrl-C or an error: drop what has not started, wait for what has (one task of
            # a few articles each at most), so no process is left behind.
            self.executor.shutdown(wait=True, cancel_futures=True)

    def run(self, items: Iterable[ImportItem]) -> Iterator[Loaded]:
        window: deque[tuple[ImportItem, Future[list[Prepared | None]] | None, int]] = deque()
        ahead = self.workers * TASKS_AHEAD_PER_WORKER * ARTICLES_PER_TASK
        for task in _tasks(items, ARTICLES_PER_TASK, self.workers):
            window.extend(self._submit(task))
            while len(window) > ahead:
                yield self._result(*window.popleft())
        while window:
            yield self._result(*window.popleft())

    def _submit(
        self, task: list[ImportItem]
    ) -> list[tuple[ImportItem, Future[list[Prepared | None]] | None, int]]:
        """Each item of a task with the future that prepares it and its place in the task's
        answer (no future: loaded here)."""
        sendable = [item for item in task if self.executor is not None and _pickles(item)]
        future = None
        if sendable and self.executor is not None:
            try:
                future = self.executor.submit(_prepare_many, sendable)
            except BrokenProcessPool as exc:
                self._broken(exc)
        places = {id(item): place for place, item in enumerate(sendable)} if future else {}
        return [(item, future, places.get(id(item), -1)) for item in task]

    def _result(
        self, item: ImportItem, future: Future[list[Prepared | None]] | None, place: int
    ) -> Loaded:
        if future is not None and place >= 0:
            try:
                prepared = future.result()[place]
                if prepared is not None:
                    return Loaded(item, *prepared)
            except BrokenProcessPool as exc:
                self._broken(exc)
            except Exception:  # a worker failing on a task: its items loaded here instead
                log.warning("a worker failed on %s", item.label, exc_info=True)
        return Loaded(item, self.importer.load(item))

    def _broken(self, exc: BaseException) -> None:
        if self.executor is None:
            return
        self.warn(f"the worker processes stopped ({exc}); importing the rest in this process")
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None


def _tasks(items: Iterable[ImportItem], size: int, workers: int) -> Iterator[list[ImportItem]]:
    """The items in tasks of `size`, in order; the last ones (fewer than a task per worker)
    shared out evenly, so that a small import still keeps every worker busy."""
    waiting: list[ImportItem] = []
    for item in items:
        waiting.append(item)
        if len(waiting) >= size * workers:
            yield waiting[:size]
            waiting = waiting[size:]
    share = max(1, -(-len(waiting) // workers))
    for start in range(0, len(waiting), share):
        yield waiting[start : start + share]


def _pickles(item: ImportItem) -> bool:
    try:
        pickle.dumps(item)
    except Exception:  # not for a process (a closure): loaded here instead
        return False
    return True


# --------------------------------------------------------------------------- in the workers

_importer: Importer | None = None
_summarised: frozenset[int] = frozenset()


def _start_worker(settings: Settings, summarised: frozenset[int]) -> None:
    """Ctrl-C is the command's to handle (it stops the pool); the encoder is loaded once (and,
    forked, already is)."""
    global _importer, _summarised
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _importer = Importer(settings)
    _summarised = summarised
    warm_up(default_encoder())


def _prepare_many(items: list[ImportItem]) -> list[Prepared | None]:
    """Each item's draft and summary, the summaries made together; None for an item this
    worker failed on (the command's process loads it)."""
    assert _importer is not None, "the pool's initializer runs first"
    drafts: list[ArticleDraft | ImportOutcome | None] = []
    for item in items:
        try:
            drafts.append(_importer.load(item))
        except Exception:
            log.warning("a worker failed on %s", item.label, exc_info=True)
            drafts.append(None)
    summaries = iter(_summaries_of([d for d in drafts if isinstance(d, ArticleDraft)]))
    return [
        None
        if draft is None
        else (draft, next(summaries) if isinstance(draft, ArticleDraft) else None)
        for draft in drafts
    ]


def _summaries_of(
    drafts: list[ArticleDraft], summarised: frozenset[int] | None = None
) -> list[ReadySummary | None]:
    """Per draft, the summary of the text `save_article` will store (the same steps), or None
    when it will refuse the draft, when this version is already summarised (an article imported
    again), or when the summariser fails; the command's process then looks for it or makes it.
    The sentences of all are encoded together; when that fails, one by one, so that an odd text
    costs only its own summary."""
    inputs = [_summary_input(draft, summarised) for draft in drafts]
    wanted = [i for i in inputs if i is not None]
    made: Iterator[ReadySummary | None]
    try:
        made = iter(ready_summaries(wanted))
    except Exception:
        made = iter([_ready_or_none(i) for i in wanted])
    return [None if i is None else next(made) for i in inputs]


def _summary_input(
    draft: ArticleDraft, summarised: frozenset[int] | None
) -> tuple[str, str] | None:
    """The text and language `save_article` will store, or None when no summary is wanted."""
    try:
        title = textlib.normalise_space(draft.title)
        text = textlib.text_of(textlib.sanitise_html(draft.html))
        if not title or textlib.count_words(text) < MIN_WORDS:
            return None
        known = _summarised if summarised is None else summarised
        if known and version_key(content_hash(title, text)) in known:
            return None
        return text, detect_language(f"{title}\n{text}", draft.language)
    except Exception:
        return None


def _ready_or_none(wanted: tuple[str, str]) -> ReadySummary | None:
    try:
        return ready_summaries([wanted])[0]
    except Exception:
        return None
