"""The heavy half of `readtoearn import`, on every core: worker processes extract each article
and compute its summary, "In brief" and key figures; the command's own process stores the
results in their original order, one transaction per article, as it does on one core.

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
from readtoearn.summaries.service import ReadySummary, ready_summary, version_key
from readtoearn.summaries.summarise import default_encoder

log = logging.getLogger(__name__)
# With no --workers and no setting, a pool only pays for itself from this many articles on
# (processes to start, items and results sent between them).
AUTO_POOL_MIN_ITEMS = 8
# Items handed to the pool ahead of the one being stored, per worker.
AHEAD_PER_WORKER = 4
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
            default_encoder().encode(["warm up"])
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
            # On Ctrl-C or an error: drop what has not started, wait for what has (one article
            # each at most), so no process is left behind.
            self.executor.shutdown(wait=True, cancel_futures=True)

    def run(self, items: Iterable[ImportItem]) -> Iterator[Loaded]:
        window: deque[tuple[ImportItem, Future[Prepared] | None]] = deque()
        ahead = self.workers * AHEAD_PER_WORKER
        for item in items:
            window.append((item, self._submit(item)))
            while len(window) > ahead:
                yield self._result(*window.popleft())
        while window:
            yield self._result(*window.popleft())

    def _submit(self, item: ImportItem) -> Future[Prepared] | None:
        if self.executor is None:
            return None
        try:
            pickle.dumps(item)
        except Exception:  # not for a process (a closure): loaded here instead
            return None
        try:
            return self.executor.submit(_prepare, item)
        except BrokenProcessPool as exc:
            self._broken(exc)
            return None

    def _result(self, item: ImportItem, future: Future[Prepared] | None) -> Loaded:
        if future is not None:
            try:
                return Loaded(item, *future.result())
            except BrokenProcessPool as exc:
                self._broken(exc)
            except Exception:  # a worker failing on one item: loaded here instead
                log.warning("a worker failed on %s", item.label, exc_info=True)
        return Loaded(item, self.importer.load(item))

    def _broken(self, exc: BaseException) -> None:
        if self.executor is None:
            return
        self.warn(f"the worker processes stopped ({exc}); importing the rest in this process")
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None


# --------------------------------------------------------------------------- in the workers

_importer: Importer | None = None
_summarised: frozenset[int] = frozenset()


def _start_worker(settings: Settings, summarised: frozenset[int]) -> None:
    """Ctrl-C is the command's to handle (it stops the pool); the encoder is loaded once."""
    global _importer, _summarised
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _importer = Importer(settings)
    _summarised = summarised
    default_encoder().encode(["warm up"])


def _prepare(item: ImportItem) -> Prepared:
    assert _importer is not None, "the pool's initializer runs first"
    draft = _importer.load(item)
    if isinstance(draft, ImportOutcome):
        return draft, None
    return draft, _summary_of(draft)


def _summary_of(
    draft: ArticleDraft, summarised: frozenset[int] | None = None
) -> ReadySummary | None:
    """The summary of the text `save_article` will store (the same steps), or None when it
    will refuse the draft, when this version is already summarised (an article imported
    again), or when the summariser fails; the command's process then looks for it or makes it."""
    try:
        title = textlib.normalise_space(draft.title)
        text = textlib.text_of(textlib.sanitise_html(draft.html))
        if not title or textlib.count_words(text) < MIN_WORDS:
            return None
        known = _summarised if summarised is None else summarised
        if known and version_key(content_hash(title, text)) in known:
            return None
        language = detect_language(f"{title}\n{text}", draft.language)
        return ready_summary(text, language)
    except Exception:
        return None
