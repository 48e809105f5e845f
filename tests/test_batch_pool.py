"""The local process pool (``workers=N``): byte for byte the serial run, in order, through a killed worker.

A pooled batch must give every row the outcome the serial run gives it (the same declaration
bytes, the same refusal message), in the same order, write the same files, and survive a
worker that dies holding a chunk without losing or repeating a row.
"""
from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import footprint
from footprint.market import batch, pool
from tests.test_batch import CREATED, EXAMPLE, EXAMPLES, _rows


def _as_bytes(outcomes) -> list[tuple]:
    """Everything a caller sees of each outcome, the declaration as its exact JSON text."""
    return [(o.row, o.status, o.message, o.output,
             json.dumps(o.document, sort_keys=True, ensure_ascii=False) if o.document else None) for o in outcomes]


def _mixed_rows(tmp_path: Path) -> list:
    """The twelve examples four times (some are refused for coverage gaps) and three rows that are wrong."""
    rows = _rows() * 4
    rows.insert(5, ("ndpr-oxide", tmp_path / "missing.yaml"))
    rows.insert(17, ("no-such-rule", EXAMPLES[0]))
    rows.insert(20, {"rule": "ndpr-oxide", "data": EXAMPLE["ndpr-oxide"], "allocaton": "mass"})
    return rows


def test_a_pooled_declare_many_equals_the_serial_one_byte_for_byte_errors_and_order_included(project, tmp_path):
    rows = _mixed_rows(tmp_path)
    assert len(rows) >= pool.POOL_FROM  # else the pool would not be used
    serial = footprint.declare_many(rows, created=CREATED)
    pooled = footprint.declare_many(rows, created=CREATED, workers=2)
    assert _as_bytes(pooled) == _as_bytes(serial)
    assert [o.row for o in pooled] == list(range(1, len(rows) + 1))
    statuses = [o.status for o in pooled]
    assert statuses[5] == statuses[17] == statuses[20] == "error" and statuses.count("ok") >= 8


def test_a_pooled_batch_declare_writes_the_serial_run_s_files_and_error_report(project, tmp_path):
    lines = [f"{rule},{data},out/{n}-{rule}.json" for n, (rule, data) in enumerate(_rows() * 4)]
    lines.insert(3, "ndpr-oxide,nowhere.yaml,out/x.json")
    texts = {}
    for name, workers in (("serial", None), ("pooled", 2)):
        where = tmp_path / name
        where.mkdir()
        manifest = where / "manifest.csv"
        manifest.write_text("rule,data,output\n" + "\n".join(lines) + "\n")
        summary = footprint.batch_declare(manifest, workers=workers, created=CREATED)
        assert summary.scheduler == ("2 worker processes on this machine" if workers else "this process")
        texts[name] = {p.relative_to(where).as_posix(): p.read_bytes() for p in sorted(where.rglob("*.json"))}
        texts[name]["errors.csv"] = summary.errors_csv().replace(str(where), "DIR").encode()
    assert len(texts["serial"]) >= 9
    assert texts["pooled"] == texts["serial"]


def test_a_short_batch_stays_in_this_process():
    def task(rows, context):
        return [batch.Outcome(row.number, "ok", str(os.getpid())) for row in rows]

    rows = [batch.Row(n, "r", "d") for n in range(1, pool.POOL_FROM)]
    summary = batch.run(rows, task, workers=2)
    assert summary.scheduler == f"this process (fewer than {pool.POOL_FROM} rows)"
    assert {o.message for o in summary.outcomes} == {str(os.getpid())}
    longer = batch.run(rows + [batch.Row(pool.POOL_FROM, "r", "d")], task, workers=2)
    assert longer.scheduler == "2 worker processes on this machine"
    assert str(os.getpid()) not in {o.message for o in longer.outcomes}  # computed in the workers
    assert gc.isenabled()  # the collector, paused while the pool ran, is back


def _collector_state(rows, context):
    return [batch.Outcome(row.number, "ok", f"{gc.isenabled()} {gc.get_freeze_count() > 0}") for row in rows]


def test_workers_collect_garbage_with_the_inherited_heap_frozen():
    """The submitting process pauses its collector while the pool runs; a worker must not inherit the pause."""
    rows = [batch.Row(n, "r", "d") for n in range(1, pool.POOL_FROM + 1)]
    assert {o.message for o in batch.run(rows, _collector_state, workers=2).outcomes} == {"True True"}


def _task_killed_once(rows, context):
    """Answers each row with the worker's pid, except that the first worker to get row 3 dies holding it."""
    marker = Path(context["marker"])
    if any(row.number == 3 for row in rows) and not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)
    return [batch.Outcome(row.number, "ok", "", row.output) for row in rows]


def _task_killed_always(rows, context):
    if any(row.number == 7 for row in rows):
        os._exit(1)  # this chunk kills every worker that takes it
    return [batch.Outcome(row.number, "ok", "", row.output) for row in rows]


def test_a_killed_worker_loses_no_row_and_repeats_none(tmp_path):
    count = pool.POOL_FROM + 10  # enough rows for the pool (a dying task in this process would end the tests)
    rows = [batch.Row(n, "r", "d", output=f"o{n}.json") for n in range(1, count + 1)]
    arrived: list[int] = []
    summary = batch.run(rows, _task_killed_once, {"marker": str(tmp_path / "killed")}, workers=2, chunk_size=2,
                        on_outcome=lambda o: arrived.append(o.row))
    assert (tmp_path / "killed").exists()  # a worker did die holding row 3
    assert sorted(arrived) == list(range(1, count + 1))  # every row once: none lost, none twice
    assert summary.ok and [o.row for o in summary.outcomes] == list(range(1, count + 1))


def test_a_chunk_that_kills_every_worker_is_reported_and_the_others_run():
    rows = [batch.Row(n, "r", "d") for n in range(1, pool.POOL_FROM + 11)]
    summary = batch.run(rows, _task_killed_always, workers=2, chunk_size=3)
    assert summary.scheduler == "2 worker processes on this machine"
    failed = [o.row for o in summary.outcomes if not o.ok]
    assert failed == [7, 8, 9]  # the chunk holding row 7, nothing else
    assert all("worker process died" in o.message for o in summary.outcomes if not o.ok)
    assert summary.count("ok") == len(rows) - 3


def _task_killed_after_a_later_chunk(rows, context):
    """As _task_killed_once, but the worker holding row 3 dies only once row 5's chunk has been answered."""
    import time

    marker, later = Path(context["marker"]), Path(context["later"])
    if any(row.number == 3 for row in rows) and not marker.exists():
        deadline = time.monotonic() + 10
        while not later.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # row 5's answer reaches the submitting process
        marker.write_text(str(os.getpid()))
        os._exit(1)
    if any(row.number == 5 for row in rows):
        later.write_text("")
    return [batch.Outcome(row.number, "ok", "", row.output) for row in rows]


def test_a_killed_worker_does_not_reorder_the_rows(tmp_path):
    """The chunk that died was run again after every later chunk had been handed on: row 5 was written and
    registered before row 3, so the register kept row 5's declaration of a facility and period where the
    serial run keeps row 3's.  Now the rows reach the caller in order through a dead worker too."""
    count = pool.POOL_FROM + 10
    rows = [batch.Row(n, "r", "d", output=f"o{n}.json") for n in range(1, count + 1)]
    arrived: list[int] = []
    context = {"marker": str(tmp_path / "killed"), "later": str(tmp_path / "row-5-answered")}
    summary = batch.run(rows, _task_killed_after_a_later_chunk, context, workers=2, chunk_size=2,
                        on_outcome=lambda o: arrived.append(o.row))
    assert (tmp_path / "killed").exists() and (tmp_path / "row-5-answered").exists()
    assert arrived == list(range(1, count + 1))
    assert summary.ok


def _task_slow(rows, context):
    import time

    time.sleep(1.0)
    return [batch.Outcome(row.number, "ok", "", row.output) for row in rows]


def test_an_interrupted_pool_stops_its_workers_instead_of_computing_every_queued_chunk():
    """Ctrl-C or a SIGTERM (raised as footprint.errors.Terminated) in the submitting process: leaving the pool
    waited for every queued chunk to be computed (here 20 one-second chunks on 2 workers, ~10 s), answers no
    one would write.  Now the queued chunks are cancelled and the workers ended."""
    import time

    import pytest

    rows = [batch.Row(n, "r", "d") for n in range(1, 41)]
    chunks = [rows[i:i + 2] for i in range(0, 40, 2)]

    def interrupt(_chunk, _outcomes, _failure):
        raise KeyboardInterrupt

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        pool.run_pool(chunks, _task_slow, {}, 2, interrupt)
    assert time.perf_counter() - started < 5.0
