"""The foreground as arrays: the structure by hand, and every number equal to the loop and the full LCA.

The array path (the default) must give every contribution and total of the exchange-by-exchange
loop on the same cached scores and of the reference path (one bw2calc LCA of foreground and
background together), to 1e-9 relative, for all twelve examples; the contributions still add up to
the totals (calculate's identity check runs on every path).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from footprint.data import inventory
from footprint.data import project as fp_project
from footprint.engine import calculate, foreground, system
from footprint.engine.system import Flow, ForegroundProcess, ProductSystem
from footprint.inputs.activity import load_activity
from footprint.inputs.categories import all_categories
from footprint.inputs.rule import load_rule

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*/activity-2025.yaml"))
REL = 1e-9


def _flow(process: str, kind: str, target: str, amount: float, unit: str = "kg") -> Flow:
    return Flow(process=process, kind=kind, target=target, amount=amount, unit=unit, label=f"{kind} {target}",
                field="x", dqr=None, primary=True)


def _toy() -> ProductSystem:
    """Two processes: 'refine' makes 2 kg and takes 3 kg of 'mine' output; 'mine' makes 4 kg.

    refine: 10 kWh of dataset E, 0.5 kg CO2; mine: 8 kWh of E, 2 kg of dataset D, 1 kg CO2.
    Declared 1 kg of refine.  Scaling: s_refine = 1/2 = 0.5; mine must supply 3 * 0.5 = 1.5 kg,
    s_mine = 1.5 / 4 = 0.375.  Scaled amounts: E 5 (refine) and 3 (mine), CO2 0.25 and 0.375, D 0.75.
    """
    refine = ForegroundProcess("refine", "Refining", "refining", "oxide", 2.0, True, ["g"],
                               flows=[_flow("refine", "intermediate", "mine", 3.0),
                                      _flow("refine", "background", "E", 10.0, "kWh"),
                                      _flow("refine", "biosphere", "co2", 0.5)])
    mine = ForegroundProcess("mine", "Mining", "extraction", "ore", 4.0, True, ["a"],
                             flows=[_flow("mine", "background", "E", 8.0, "kWh"),
                                    _flow("mine", "background", "D", 2.0),
                                    _flow("mine", "biosphere", "co2", 1.0)])
    return ProductSystem(rule=None, activity=None, processes=[refine, mine], reference="refine",  # type: ignore
                         declared_amount=1.0)


def test_the_arrays_of_a_hand_built_foreground():
    fg = foreground.build(_toy())
    assert fg.processes == ["refine", "mine"] and fg.reference == 0
    np.testing.assert_array_equal(fg.technosphere.toarray(), [[2.0, 0.0], [-3.0, 4.0]])
    np.testing.assert_array_equal(fg.amounts, [10.0, 0.5, 8.0, 2.0, 1.0])
    np.testing.assert_array_equal(fg.process, [0, 0, 1, 1, 1])  # the column of each exchange's process
    assert fg.datasets == ["E", "D"] and fg.flows == ["co2"] and fg.declarations == []
    assert [(p, f.target) for p, f in fg.index] == [("refine", "E"), ("refine", "co2"), ("mine", "E"), ("mine", "D"),
                                                   ("mine", "co2")]
    np.testing.assert_array_equal(fg.block_matrix("background").toarray(), [[10.0, 8.0], [0.0, 2.0]])
    np.testing.assert_allclose(fg.supply(), [0.5, 0.375], rtol=1e-15)
    # unit scores: E 0.7 and 0.1 in two categories, D 2.0 and 1.0, CO2 1.0 and 0.0
    u = np.array([[0.7, 0.1], [1.0, 0.0], [0.7, 0.1], [2.0, 1.0], [1.0, 0.0]])
    v = fg.contributions(u)
    # by hand: E refine 5 * 0.7 = 3.5, CO2 0.25, E mine 3 * 0.7 = 2.1, D 0.75 * 2 = 1.5, CO2 0.375 -> 7.725
    np.testing.assert_allclose(v[:, 0], [3.5, 0.25, 2.1, 1.5, 0.375], rtol=1e-15)
    np.testing.assert_allclose(v.sum(axis=0), [7.725, 0.5 + 0.3 + 0.75], rtol=1e-15)


def test_many_sets_of_numbers_are_solved_at_once_as_one_by_one():
    """uncertainty.scaling (Monte Carlo's batched solve): N technosphere vectors = N separate solves.

    Deterministic numbers by hand: T = [[2, 0], [-3, 4]], demand (1, 0): 2 s0 = 1 -> s0 = 0.5;
    -3 s0 + 4 s1 = 0 -> s1 = 1.5 / 4 = 0.375 (fg.supply() above).
    """
    from footprint.engine import uncertainty

    fg = foreground.build(_toy())
    np.testing.assert_allclose(uncertainty.scaling(fg, fg.technosphere.data[None, :])[0], [0.5, 0.375], rtol=1e-15)
    rng = np.random.default_rng(1)
    tech = fg.technosphere.data * rng.uniform(0.9, 1.1, (50, fg.technosphere.nnz))
    together = uncertainty.scaling(fg, tech)
    assert together.shape == (50, 2)
    for k in (0, 17, 49):
        matrix = sparse.csc_matrix((tech[k], fg.technosphere.indices, fg.technosphere.indptr), shape=(2, 2))
        np.testing.assert_allclose(together[k], np.linalg.solve(matrix.toarray(), fg.demand()), rtol=1e-12)


def test_a_large_foreground_is_solved_sparse_with_the_dense_answer():
    """A chain of 1,000 processes, each taking 1.01 kg of the next: s_k = 1.01^k (dense LU would be O(n^3))."""
    n = 1000
    processes = [ForegroundProcess(f"p{k}", f"p{k}", "refining", "x", 1.0, True, ["g"],
                                   flows=([_flow(f"p{k}", "intermediate", f"p{k + 1}", 1.01)] if k + 1 < n else [])
                                   + [_flow(f"p{k}", "biosphere", "co2", 1.0)]) for k in range(n)]
    fg = foreground.build(ProductSystem(rule=None, activity=None, processes=processes, reference="p0",  # type: ignore
                                        declared_amount=1.0))
    assert len(fg.processes) > foreground.DENSE_LIMIT
    expected = 1.01 ** np.arange(n)
    np.testing.assert_allclose(fg.supply(), expected, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.solve(fg.technosphere.toarray(), fg.demand()), expected, rtol=1e-10)


def _systems():
    bd = fp_project.brightway()[0]
    catalogue = inventory.load_catalogue()
    flows = inventory.biosphere_index(bd)
    return [(path.parent.name, system.build(load_rule(path.parent.name), load_activity(path), catalogue, flows))
            for path in EXAMPLES]


def _close(a: float, b: float, scale: float = 0.0) -> bool:
    """Equal to 1e-9 relative; ``scale`` (the category's largest contribution) bounds solver noise around 0."""
    return abs(a - b) <= REL * max(abs(a), abs(b)) + 1e-13 * scale + 1e-300


def test_the_array_path_equals_the_loop_and_the_full_lca_for_all_twelve_examples(project):
    assert len(EXAMPLES) == 12
    categories = list(all_categories())
    for name, product_system in _systems():
        arrays = calculate.calculate(product_system, categories)
        old = calculate.calculate(product_system, categories, loop=True)
        full = calculate.calculate(product_system, categories, reference=True)
        largest = {c.id: max((abs(i.value) for i in arrays.items[c.id]), default=0.0) for c in categories}
        for other, label in ((old, "loop"), (full, "full LCA")):
            assert len(arrays.rows) == len(other.rows), (name, label)
            for mine, theirs in zip(arrays.rows, other.rows):
                assert mine[:6] == theirs[:6] and mine[7] == theirs[7], (name, label, mine, theirs)
                assert _close(mine[6], theirs[6], largest[mine[0]]), (name, label, mine, theirs)
            for category in categories:
                assert _close(arrays.totals[category.id], other.totals[category.id], largest[category.id]), \
                    (name, label, category.id)
                assert arrays.recycled.get(category.id, {}).keys() == other.recycled.get(category.id, {}).keys()
            for process, scale in other.scales.items():
                assert _close(arrays.scales[process], scale), (name, label, process)
        for category in categories:  # the identity: contributions add up to the total
            summed = sum(item.value for item in arrays.items[category.id])
            assert summed == pytest.approx(arrays.totals[category.id], rel=1e-9, abs=1e-12)


def test_the_table_and_the_sums_by_stage_agree_with_pandas(project):
    """Result.by sums the rows without pandas; the DataFrame (built on demand) gives the same sums."""
    name, product_system = _systems()[10]
    result = calculate.calculate(product_system, list(all_categories()))
    grouped = result.table.groupby(["category", "stage"])["value"].sum()
    for (category, stage), value in grouped.items():
        assert result.by(category, "stage")[stage] == pytest.approx(float(value), rel=1e-12, abs=1e-300)


def test_many_systems_scored_together_equal_each_alone(project):
    """calculate_many stacks every exchange of the twelve examples into one product: same numbers as alone."""
    categories = list(all_categories())
    systems = _systems()
    together = calculate.calculate_many([s for _name, s in systems], categories)
    for (name, product_system), result in zip(systems, together):
        alone = calculate.calculate(product_system, categories)
        assert not isinstance(result, Exception), (name, result)
        assert result.rows == alone.rows, name
        assert result.totals == alone.totals, name


def test_a_system_that_cannot_be_computed_fails_alone(project):
    categories = list(all_categories())[:3]
    systems = [s for _name, s in _systems()[:3]]
    broken = _toy()  # its datasets E and D exist in no background
    together = calculate.calculate_many([systems[0], broken, systems[2]], categories)
    assert isinstance(together[1], Exception)
    assert together[0].rows == calculate.calculate(systems[0], categories).rows
    assert together[2].rows == calculate.calculate(systems[2], categories).rows
