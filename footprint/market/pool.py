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
* a worker that dies (killed, out of memory) breaks the pool; the first chunk whose answer had
  not arrived runs again alone on a fresh pool (``RETRIES`` + 1 times, then its rows are reported
  as errors), then the chunks after it, still in order (a killed worker never reorders rows), and
  the caller keeps the first outcome of a row, so no row is lost or duplicated;
* workers only compute: outputs are written by the submitting process (atomically, by the
  caller's ``accept``), so a killed worker never leaves a half-written file.

Only the ``fork`` start method is used: ``spawn`` would re-import Brightway and re-open the
snapshot in every worker (seconds), which no batch of declarations here amortises.  Where
fork is unavailable the batch runs in this process.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

from footprint._at_once import AT_ONCE_ENV, running_at_once  # noqa: F401  (set per worker below)

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


def _worker_started(running: int = 1) -> None:
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

    from footprint._at_once import set_running_at_once

    set_running_at_once(running)  # this worker's own copy (forked): see footprint._at_once
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
    """run_pool's loop, with this process's collector paused; chunks are handed on in submission order.

    Why paused: this process only unpickles the workers' answers (tens of thousands of
    containers per chunk) and hands them on.  With the collector running, those allocations
    trigger full collections that walk the whole warm heap (about 90 ms each, measured):
    in a 240-row batch that was a fifth of the wall time, taken from the cores the workers
    need.  The answers are plain trees (no reference cycles), so reference counting frees
    them at once either way; anything cyclic the caller makes is collected once it resumes.

    Why in order even through a dead worker: the caller writes and registers as chunks are
    handed on, and what the register keeps of two rows of one facility and period is the first
    one's.  Chunks that died were run again after every later chunk had been handed on, so a
    killed worker put row 3 after row 5 (the register kept row 5's declaration, unlike the
    serial run).  Now the first chunk without an answer runs again alone, in a fresh pool
    (alone, a death is its own: it is reported after ``RETRIES`` more, and a chunk that was
    only caught in another's death is not), and the chunks after it run again after it: their
    answers, if any came, are dropped rather than held, so a crash never piles documents up here.
    """
    context_fork = multiprocessing.get_context("fork")
    while pending:
        broken_at = None
        running = min(workers, len(pending))
        with ProcessPoolExecutor(max_workers=running, mp_context=context_fork,
                                 initializer=_worker_started, initargs=(running,)) as executor:
            futures: list[tuple[Sequence[Any], Future]] = [(chunk, executor.submit(task, chunk, context))
                                                          for chunk in pending]
            try:
                for position, (chunk, future) in enumerate(futures):  # submission order, as the serial run's
                    try:
                        outcomes = future.result()
                    except BrokenProcessPool:
                        broken_at = position
                        break
                    except Exception as exc:  # noqa: BLE001 - the task itself failed: this chunk's rows, not the run
                        accept_chunk(chunk, None, _failure(exc))
                        continue
                    accept_chunk(chunk, outcomes, None)
            except BaseException:
                # Ctrl-C or a kill (SIGTERM, footprint.errors.Terminated): leaving the block waited for every
                # queued chunk to be computed, answers no one would write; the workers are stopped instead
                _stop(executor)
                raise
            if broken_at is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        if broken_at is None:
            return
        first = pending[broken_at]
        accept_chunk(first, *_run_alone(first, task, context, context_fork))
        pending = pending[broken_at + 1:]


def _stop(executor: ProcessPoolExecutor) -> None:
    """Cancel the chunks not started and end the workers (SIGTERM: each dies of it, see _io.interrupt_on_termination).

    ``_processes`` is the executor's own table of its workers (CPython 3.8 to 3.13); without it only
    the cancelling is done and the chunks already queued are computed before the run ends.
    """
    executor.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:200]


def _run_alone(chunk: Sequence[Any], task: Callable, context: Any, context_fork) -> tuple[list | None, str | None]:
    """(outcomes, None) of ``chunk`` run in a pool of its own, or (None, why) after ``RETRIES`` + 1 deaths."""
    for _attempt in range(RETRIES + 1):
        with ProcessPoolExecutor(max_workers=1, mp_context=context_fork, initializer=_worker_started) as executor:
            try:
                return executor.submit(task, chunk, context).result(), None
            except BrokenProcessPool:
                continue
            except Exception as exc:  # noqa: BLE001 - the task itself failed: this chunk's rows, not the run
                return None, _failure(exc)
    return None, f"a worker process died computing this chunk ({RETRIES + 1} attempts alone)"
