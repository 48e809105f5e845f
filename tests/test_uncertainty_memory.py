"""A Monte Carlo that cannot fit in memory is refused before it starts (not killed half-way by the kernel).

The whole run is one set of matrices (N rows), so memory grows linearly with N: about 11 kB per
iteration for the NdPr oxide example, so 1,000,000 iterations need some 11 GB.  The bound
``peak_bytes_per_iteration`` is checked here against tracemalloc's measured peak (numpy reports its
allocations to tracemalloc), and the refusal end to end with a small "available memory".
"""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.engine import uncertainty

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = [("ndpr-oxide", REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"),
            ("lithium-carbonate-brine", REPO / "examples" / "lithium-carbonate-brine" / "activity-2025.yaml")]


@pytest.mark.parametrize("rule,data", EXAMPLES, ids=[rule for rule, _ in EXAMPLES])
def test_the_memory_bound_lies_above_the_measured_peak(project, monkeypatch, rule, data):
    seen: dict[str, int] = {}
    real = uncertainty.check_memory

    def spy(iterations, per_iteration, available=None):
        seen["per_iteration"] = per_iteration
        return real(iterations, per_iteration, available)

    monkeypatch.setattr(uncertainty, "check_memory", spy)
    footprint.declare(rule, data)  # warm caches first: the peak below is the Monte Carlo's own
    iterations = 2000
    tracemalloc.start()
    try:
        footprint.declare(rule, data, uncertainty=iterations, seed=7)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    measured = peak / iterations
    # an upper bound (a refusal never happens where the run would fit) that is not wildly loose
    assert measured <= seen["per_iteration"] <= 2 * measured, (measured, seen["per_iteration"])


def test_check_memory_names_the_largest_n_that_fits(monkeypatch):
    # 10 kB per iteration, 1 GiB available: 1,000,000 iterations need 10,000,000,000 B = 9.3 GiB;
    # 2**30 // 10,000 = 107,374 iterations fit
    with pytest.raises(uncertainty.UncertaintyError) as caught:
        uncertainty.check_memory(1_000_000, 10_000, available=2 ** 30)
    message = str(caught.value)
    assert "9.3 GiB" in message and "1.0 GiB are available" in message and "107,374" in message
    uncertainty.check_memory(107_374, 10_000, available=2 ** 30)  # exactly what fits is accepted
    monkeypatch.setattr(uncertainty, "available_memory", lambda: None)
    uncertainty.check_memory(10 ** 6, 10 ** 9)  # where MemAvailable cannot be read (not Linux): no check


def test_declare_refuses_a_monte_carlo_larger_than_memory_with_exit_2(project, monkeypatch, tmp_path):
    monkeypatch.setattr(uncertainty, "available_memory", lambda: 8 * 2 ** 20)  # 8 MiB
    rule, data = EXAMPLES[0]
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli.main, ["declare", rule, str(data), "-o", str(out), "--uncertainty", "100000",
                                           "--seed", "1"])
    assert result.exit_code == 2, result.output
    assert "needs about" in result.output and "--uncertainty" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # nothing written
    # a run that fits goes ahead as before
    ok = CliRunner().invoke(cli.main, ["declare", rule, str(data), "-o", str(out), "--uncertainty", "200",
                                       "--seed", "1"])
    assert ok.exit_code == 0, ok.output


def test_fewer_than_a_thousand_iterations_are_declared_with_a_warning(project):
    # with N = 100 each 2.5 % tail rests on 2.5 draws: the percentiles are allowed but flagged
    rule, data = EXAMPLES[0]
    few = footprint.declare(rule, data, uncertainty=100, seed=3)
    enough = footprint.declare(rule, data, uncertainty=1000, seed=3)
    assert any(w.startswith("uncertainty: 100 Monte Carlo iterations") for w in few["data_quality"]["warnings"])
    assert not any(w.startswith("uncertainty:") for w in enough["data_quality"]["warnings"])


# ------------------------------------------------------------------ memory: shared by a batch's workers

def _check_memory_in_worker(chunk, _context):
    """A pool task: each row is a number of iterations of 1 MiB each against 1 GiB free."""
    out = []
    for iterations in chunk:
        try:
            uncertainty.check_memory(iterations, 2 ** 20, available=2 ** 30)
            out.append("fits")
        except uncertainty.UncertaintyError as exc:
            out.append(str(exc))
    return out


def test_each_batch_worker_counts_on_its_share_of_the_free_memory():
    """Before: each of ``--workers N`` checked its Monte Carlo against all of MemAvailable, so two workers of
    600 MiB each passed against 1 GiB free (1.2 GiB together).  Now each counts on MemAvailable / N."""
    from footprint.market import pool

    if not pool.available():
        pytest.skip("no fork on this system")
    uncertainty.check_memory(600, 2 ** 20, available=2 ** 30)  # alone: 600 MiB of 1,024 fit
    answers: list = []
    pool.run_pool([[600], [600], [500]], _check_memory_in_worker, None, 2,
                  lambda chunk, outcomes, failure: answers.append((chunk, outcomes, failure)))
    assert [failure for _c, _o, failure in answers] == [None, None, None]
    refused, _again, fits = (outcomes[0] for _c, outcomes, _f in answers)
    assert "shared by 2 worker processes running at once (0.5 GiB each)" in refused, refused
    assert "at most about 512 iterations per worker" in refused and "fewer --workers" in refused
    assert fits == "fits"  # 500 MiB of a 512 MiB share
    assert pool.running_at_once() == 1  # the submitting process keeps its whole view


def _check_memory_on_dask(rows, _context):
    """A batch task: each row's number is a count of iterations of 1 MiB each against 1 GiB free."""
    from footprint.market.batch import Outcome

    outcomes = []
    for row in rows:
        try:
            uncertainty.check_memory(row.number * 100, 2 ** 20, available=2 ** 30)
            outcomes.append(Outcome(row.number, "ok", "fits", None))
        except uncertainty.UncertaintyError as exc:
            outcomes.append(Outcome(row.number, "error", str(exc), None))
    return outcomes


def test_a_dask_local_clusters_workers_share_the_free_memory_too():
    """Before: ``--scheduler local --workers 2`` started two processes that each took all of MemAvailable."""
    pytest.importorskip("distributed")
    import sys

    import cloudpickle

    from footprint.market import batch

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import the test module
    seen: dict[int, str] = {}
    batch.run([batch.Row(6, rule="r", data="d"), batch.Row(5, rule="r", data="d")], _check_memory_on_dask, None,
              scheduler="local", workers=2, chunk_size=1, on_outcome=lambda o: seen.__setitem__(o.row, o.message))
    assert "shared by 2 worker processes" in seen[6], seen  # 600 MiB of a 512 MiB share
    assert seen[5] == "fits"
