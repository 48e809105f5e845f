"""The cached-background fast path and the full bw2calc LCA give the same numbers (DESIGN: performance shape)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footprint.data import inventory, warm
from footprint.data import project as fp_project
from footprint.engine import calculate, solvers, system
from footprint.inputs.activity import load_activity
from footprint.inputs.categories import all_categories
from footprint.inputs.rule import load_rule

REPO = Path(__file__).resolve().parents[1]
RULES = sorted((REPO / "rules").glob("*.yaml"))


def _system(rule_path: Path):
    bd = fp_project.brightway()[0]
    catalogue = inventory.load_catalogue()
    example = sorted((REPO / "examples" / rule_path.stem).glob("*.yaml"))[0]
    return system.build(load_rule(rule_path), load_activity(example), catalogue, inventory.biosphere_index(bd))


@pytest.mark.parametrize("rule_path", RULES, ids=[p.stem for p in RULES])
def test_cached_background_equals_the_full_lca_for_every_example(project, rule_path):
    product_system = _system(rule_path)
    categories = list(all_categories())
    fast = calculate.calculate(product_system, categories)
    full = calculate.calculate(product_system, categories, reference=True)
    for category in categories:
        # the full LCA's sparse solve leaves round-off such as -2e-16 where the exact value is 0
        noise = 1e-12 * abs(full.totals[category.id]) + 1e-30
        assert fast.totals[category.id] == pytest.approx(full.totals[category.id], rel=1e-9, abs=noise), category.id
        fast_items = [item.value for item in fast.items[category.id]]
        full_items = [item.value for item in full.items[category.id]]
        assert fast_items == pytest.approx(full_items, rel=1e-9, abs=noise), category.id


def test_background_scores_come_from_the_snapshot_and_equal_a_fresh_solve(project, monkeypatch):
    """Set-up stores the scores in the snapshot; a declaration reads them and solves nothing."""
    from footprint.data import scores

    bd, bc, _bi = project
    categories = list(all_categories())
    stored = scores.read_cache(bd, inventory.BACKGROUND_DB)
    assert stored is not None and stored.scores.shape == (len(stored.rows), len(categories))
    fresh = scores.solve(bd, bc, [inventory.BACKGROUND_DB], [c.method for c in categories])
    assert fresh.rows == stored.rows
    assert np.allclose(fresh.scores, stored.scores, rtol=1e-12, atol=0)

    def no_solving(*_args, **_kwargs):
        raise AssertionError("the background was solved again although the snapshot stores its scores")

    monkeypatch.setattr(scores, "solve", no_solving)
    warm.clear()  # nothing kept in memory: the scores must come from the snapshot's file
    subset = categories[3:5]  # a subset is read from the stored columns, in the asked order
    rows, picked = solvers.background_scores([inventory.BACKGROUND_DB], subset)
    assert rows == stored.rows
    assert (picked == stored.scores[:, [3, 4]]).all()


def test_the_grid_dataset_scores_its_transcribed_factor(project):
    """electricity/CN-NM: the MEE 2022 direct CO2 plus the CH4 and N2O of the coal burned, nothing upstream."""
    categories = [c for c in all_categories() if c.id == "climate_change"]
    rows, scores = solvers.background_scores([inventory.BACKGROUND_DB], categories)
    node = solvers.node_ids(inventory.BACKGROUND_DB)["electricity/CN-NM"]
    # 0.6849 kg CO2 (MEE 2022) + CH4 7.23996e-5 kg x 29.8 + N2O 1.08599e-5 kg x 273 (EF 3.1, AR6): the coal burned,
    # 0.6849 / 0.0946 = 7.24 MJ, times the IPCC 2006 defaults 10 and 1.5 kg/TJ; its upstream is not a link (direct scope)
    assert scores[rows[node], 0] == pytest.approx(0.6849 + 7.23996e-5 * 29.8 + 1.08599e-5 * 273, rel=1e-6)


def test_one_factorisation_solves_every_category_as_the_hand_computed_adjoint(project):
    """A = [[1, 0], [-0.5, 1]] (product 1 needs 0.5 of product 2); direct scores per activity
    in category 1 d = (2, 4), in category 2 d = (6, 10).  x = A^-T d: x2 = d2 (product 2 has
    no inputs) and x1 = d1 + 0.5 x2, so category 1: (2 + 2, 4) = (4, 4); category 2: (6 + 5, 10) = (11, 10)."""
    from scipy import sparse

    a = sparse.csr_matrix(np.array([[1.0, 0.0], [-0.5, 1.0]]))
    direct = np.array([[2.0, 6.0], [4.0, 10.0]])
    scores = solvers.adjoint_solve(a, direct)
    assert scores.shape == (2, 2)
    np.testing.assert_allclose(scores, [[4.0, 11.0], [4.0, 10.0]], rtol=1e-12)
    np.testing.assert_allclose(solvers.adjoint_solve(a, direct[:, 0]).ravel(), [4.0, 4.0], rtol=1e-12)


def test_the_reference_path_solves_the_background_once(project, monkeypatch):
    """FullLCA factorises once for all categories (19 solves before) and still sums to lca.score."""
    calls = []
    original = solvers.adjoint_solve
    monkeypatch.setattr(solvers, "adjoint_solve", lambda a, rhs: calls.append(np.shape(rhs)) or original(a, rhs))
    product_system = _system(REPO / "rules" / "ndpr-oxide.yaml")
    result = calculate.calculate(product_system, all_categories(), reference=True)  # checks items vs lca.score
    assert calls == [(calls[0][0], len(all_categories()))]
    assert result.totals["climate_change"] > 0


def test_dense_factor_table_gives_each_methods_own_cf_and_zero_where_none():
    """BackgroundScores.factor_table: one row per characterised node, the dicts' own values, 0 elsewhere.

    Methods m0 = {node 7: 2.5, node 3: -1.0} and m1 = {node 3: 4.0}: rows sorted by node (3, 7);
    node 3 -> (-1.0, 4.0), node 7 -> (2.5, 0.0: m1 has no CF for it); an uncharacterised node
    (row -1, the last) -> (0.0, 0.0), what ``dict.get(node, 0.0)`` gave per method.
    """
    import numpy as np

    from footprint.data.scores import BackgroundScores

    scores = BackgroundScores(rows={}, scores=np.zeros((0, 2)), methods=[("m0",), ("m1",)],
                              factors=[{7: 2.5, 3: -1.0}, {3: 4.0}])
    row, dense = scores.factor_table()
    assert row == {3: 0, 7: 1}
    assert dense[row[3]].tolist() == [-1.0, 4.0]
    assert dense[row[7]].tolist() == [2.5, 0.0]
    assert dense[row.get(99, -1)].tolist() == [0.0, 0.0]
    assert scores.factor_table()[1] is dense  # built once per kept object
