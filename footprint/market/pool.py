"""A local process pool for batches: rows in chunks on N forked processes, outcomes back in row order.

Why a pool of its own beside Dask: a declaration takes a few milliseconds, so Dask's
LocalCluster (a second or more to start, a scheduler round trip per chunk) only pays off on
very long runs.  Forked processes start in milliseconds and inherit everything the submitting
process has already loaded (Brightway, the rules, the background snapshot's tables,
copy-on-write), so a batch of a few dozen rows already gains from a second core.

Guarantees, the same as ``batch.run``'s on Dask:

* each chunk's outcomes come back whole (the task never raises for a row's own error), and
  they are handed on in submission order, so a pooled run reports, writes and registers in the
  order of the serial run;
* a worker that dies (killed, out of memory) breaks the pool; every chunk whose answer had not
  arrived is run again on a fresh pool (``RETRIES`` times, then its rows are reported as
  errors), and the caller keeps the first outcome of a row, so no row is lost or duplicated;
* workers only compute: outputs are written by the submitting process (atomically, by the
  caller's ``accept``), so a killed worker never leaves a half-written file.

Only the ``fork`` start method is used: ``spawn`` would re-import Brightway and re-open the
snapshot in every worker (seconds), which no batch of declarations here amortises.  Where
fork is unavailable the batch runs in this process.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

RETRIES = 2  # fresh pools after a worker died; a chunk that kills its worker every time is reported
POOL_FROM = 40  # rows: below this, starting and feeding workers costs more than the second core gains (see README)


def available() -> bool:
    """Whether forked worker processes can be used here (not on Windows; not where fork is absent)."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the OS tells it, else the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def chunk_size(rows: int, workers: int) -> int:
    """About four chunks per worker (balance, little lost on a retry), capped to keep answers small."""
    return max(1, min(50, -(-rows // (workers * 4))))


def _worker_started() -> None:
    """In each new worker: move the inherited heap out of the garbage collector's sight (gc.freeze).

    Why: the worker inherits the submitting process's heap (Brightway, numpy, the snapshot's
    tables: over a million containers).  Every full collection walks all of it, and a chunk
    ends with one (the collector resumes after a batch of declarations): about 30 ms, a
    millisecond per row of a 30-row chunk.  Frozen objects are never collected, which loses
    nothing here: they are the long-lived state the parent keeps alive anyway, and the worker
    exits with the pool.  What the declarations allocate is collected as usual: the collector is
    switched on here, as the submitting process pauses its own while the pool runs (run_pool).
    """
    import gc

    gc.freeze()
    gc.enable()


def run_pool(chunks: Sequence[Sequence[Any]], task: Callable, context: Any, workers: int,
             accept_chunk: Callable[[Sequence[Any], list | None, str | None], None]) -> None:
    """Run ``task(chunk, context)`` for every chunk on ``workers`` forked processes.

    ``accept_chunk(chunk, outcomes, failure)`` is called once per chunk in this process: with
    the task's outcomes, or with ``failure`` (why no outcome came) after the last retry.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()  # why: _run_chunks; restored below whatever happens
    try:
        _run_chunks(list(chunks), task, context, workers, accept_chunk)
    finally:
        if paused:
            gc.enable()


def _run_chunks(pending: list, task: Callable, context: Any, workers: int,
                accept_chunk: Callable[[Sequence[Any], list | None, str | None], None]) -> None:
    """run_pool's loop, with this process's collector paused.

    Why paused: this process only unpickles the workers' answers (tens of thousands of
    containers per chunk) and hands them on.  With the collector running, those allocations
    trigger full collections that walk the whole warm heap (about 90 ms each, measured):
    in a 240-row batch that was a fifth of the wall time, taken from the cores the workers
    need.  The answers are plain trees (no reference cycles), so reference counting frees
    them at once either way; anything cyclic the caller makes is collected once it resumes.
    """
    context_fork = multiprocessing.get_context("fork")
    for _attempt in range(RETRIES + 1):
        broken: list[Sequence[Any]] = []
        with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context_fork,
                                 initializer=_worker_started) as executor:
            futures: list[tuple[Sequence[Any], Future]] = [(chunk, executor.submit(task, chunk, context))
                                                          for chunk in pending]
            for chunk, future in futures:  # submission order: outcomes reach the caller as the serial run's do
                try:
                    outcomes = future.result()
                except BrokenProcessPool:
                    broken.append(chunk)
                    continue
                except Exception as exc:  # noqa: BLE001 - the task itself failed: this chunk's rows, not the run
                    accept_chunk(chunk, None, f"{type(exc).__name__}: {exc}".strip()[:200])
                    continue
                accept_chunk(chunk, outcomes, None)
        if not broken:
            return
        pending = broken
    for chunk in pending:
        accept_chunk(chunk, None, f"a worker process died computing this chunk ({RETRIES + 1} attempts)")
