"""Two ways to get the numbers a declaration needs from Brightway; both must agree.

Every contribution is (scaling of a foreground process) x (amount of one of its
exchanges) x (score per unit of what the exchange points at).  The background
is the same for every declaration, so ``CachedBackground`` takes the cradle-to-gate
score of every background product from footprint.data.scores (solved once per
background snapshot: set-up stores them in the snapshot) and solves only the small
foreground per declaration.  ``FullLCA`` lays the foreground over the background
and solves the whole system with bw2calc every time: the reference path, which
verify recomputes by.  What it reads of the background (the datapackages, bw2calc's
characterisation matrices) is kept by footprint.engine.reference_inputs, apart from
anything the fast path keeps.
"""
from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np

from footprint._io import quiet_stdout
from footprint.data import scores as _scores
from footprint.data.project import background_version, brightway
from footprint.engine import exact
from footprint.engine.system import ProductSystem
from footprint.inputs.categories import Category


class Solver(Protocol):
    """What calculate() asks of a solver, category by category."""

    def select(self, category: Category) -> None: ...
    def scale(self, process_id: str) -> float: ...
    def background_score(self, code: str) -> float: ...
    def characterisation(self, biosphere_code: str) -> float: ...
    def lca_score(self) -> float | None: ...


def node_ids(database: str, codes: set[str] | None = None, version: str | None = None) -> dict[str, int]:
    """code → integer node id for one database, or only for ``codes`` (those that exist).

    The whole map is read once per database and background version (one query) and kept
    in memory; a declaration then looks its dozen codes up.
    """
    from footprint.data import warm
    from footprint.data.project import background_version

    every = warm.cached(version or background_version(), ("node-ids", database), lambda: _read_node_ids(database))
    if codes is None:
        return dict(every)
    return {code: every[code] for code in codes if code in every}


def _read_node_ids(database: str) -> dict[str, int]:
    from bw2data.backends import ActivityDataset as AD

    return dict(AD.select(AD.code, AD.id).where(AD.database == database).tuples())


def adjoint_solve(technosphere, rhs: np.ndarray) -> np.ndarray:
    """A^T X = RHS with one factorisation (footprint.data.scores.adjoint_solve, bw2calc's factorized)."""
    return _scores.adjoint_solve(brightway()[1], technosphere, rhs)


class FullLCA:
    """The reference path: foreground + background in one bw2calc LCA, solved per declaration."""

    def __init__(self, system: ProductSystem, categories: list[Category], databases: list[str],
                 background_ids: dict[str, int], biosphere_ids: dict[str, int], package, fg_ids: dict[str, int],
                 version: str | None = None):
        from footprint.engine import reference_inputs as kept

        _bd, bc, _bi = brightway()
        version = version or background_version()
        self.background_ids, self.biosphere_ids, self.fg_ids = background_ids, biosphere_ids, fg_ids
        with quiet_stdout(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "all values in characterization matrix are zero"
            # the background's and the methods' datapackages read once per snapshot while their files stay
            # the same (reference_inputs); the foreground's is this declaration's own
            packages = [*(kept.database_package(name, version) for name in databases), package,
                        kept.method_package(categories[0].method, version)]
            self.lca = bc.LCA({fg_ids[system.reference]: system.demand}, data_objs=packages)
            self.lca.lci()
            self.scores: dict[str, float] = {}
            self.cfs: dict[str, np.ndarray] = {}
            direct = []
            for category in categories:  # each method once: its score, its CFs, its direct emissions
                kept.characterise(self.lca, category.method, version)  # bw2calc's matrix for this biosphere index
                self.lca.lcia_calculation()
                self.scores[category.id] = float(self.lca.score)
                self.cfs[category.id] = self.lca.characterization_matrix.diagonal()
                direct.append(_scores.direct_scores(self.lca))
        upstream = adjoint_solve(self.lca.technosphere_matrix, np.column_stack(direct))  # one factorisation
        self.upstream_by = {category.id: upstream[:, k] for k, category in enumerate(categories)}
        self.current = categories[0].id
        self.upstream = self.upstream_by[self.current]
        self.cf = self.cfs[self.current]

    def select(self, category: Category) -> None:
        self.current = category.id
        self.cf = self.cfs[category.id]
        self.upstream = self.upstream_by[category.id]

    def scale(self, process_id: str) -> float:
        return float(self.lca.supply_array[self.lca.dicts.activity[self.fg_ids[process_id]]])

    def background_score(self, code: str) -> float:
        return float(self.upstream[self.lca.dicts.product[self.background_ids[code]]])

    def characterisation(self, biosphere_code: str) -> float:
        index = self.lca.dicts.biosphere.get(self.biosphere_ids[biosphere_code])
        return float(self.cf[index]) if index is not None else 0.0

    def lca_score(self) -> float | None:
        return self.scores[self.current]


def background_scores(databases: list[str], categories: list[Category]) -> tuple[dict[int, int], np.ndarray]:
    """(product id -> row, rows x categories matrix of cradle-to-gate scores per unit) of the bound snapshot."""
    found = _background(databases, categories)
    return found.rows, found.scores


def _background(databases: list[str], categories: list[Category], version: str | None = None
                ) -> _scores.BackgroundScores:
    """The scores of the bound snapshot, kept in memory under its version (a scratch copy's changes too)."""
    return _scores.scores_for(version or background_version(), list(databases), list(categories))


def characterisation_factors(category: Category) -> dict[int, float]:
    """Biosphere node id -> CF of one method, from the processed arrays bw2calc uses (float32)."""
    return _scores.characterisation_factors(brightway()[0], category.method)


class CachedBackground:
    """The fast path: cached background scores; the foreground solved small (here, or as arrays)."""

    def __init__(self, system: ProductSystem, categories: list[Category], databases: list[str],
                 background_ids: dict[str, int], biosphere_ids: dict[str, int], version: str | None = None):
        self.background_ids, self.biosphere_ids = background_ids, biosphere_ids
        found = _background(databases, categories, version)
        self.rows, self.scores, factors = found.rows, found.scores, found.factors
        self.factor_rows, self.factor_table = found.factor_table()
        self.column = {category.id: index for index, category in enumerate(categories)}
        self.factors = {category.id: table for category, table in zip(categories, factors)}
        self.categories = categories
        self.system = system
        self.current: Category | None = None
        self.cf: dict[int, float] = {}

    @property
    def supply(self) -> dict[str, float]:
        """Scaling per process (a dense solve of the small foreground), for the exchange-by-exchange loop."""
        if "_supply" not in self.__dict__:
            order = {process.id: index for index, process in enumerate(self.system.processes)}
            matrix = np.zeros((len(order), len(order)))
            terms: dict[tuple[int, int], list[float]] = {}  # each entry summed exactly, as foreground.build does
            for process in self.system.processes:
                column = order[process.id]
                terms.setdefault((column, column), []).append(process.output)
                for flow in process.flows:
                    if flow.kind == "intermediate":
                        terms.setdefault((order[flow.target], column), []).append(-flow.amount)
            for (row, column), values in terms.items():
                matrix[row, column] = exact.total(values)
            demand = np.zeros(len(order))
            demand[order[self.system.reference]] = self.system.demand
            supply = np.linalg.solve(matrix, demand)
            self.__dict__["_supply"] = {pid: float(supply[index]) for pid, index in order.items()}
        return self.__dict__["_supply"]

    def select(self, category: Category) -> None:
        self.current = category
        self.cf = self.factors[category.id]

    def scale(self, process_id: str) -> float:
        return self.supply[process_id]

    def background_score(self, code: str) -> float:
        return float(self.scores[self.rows[self.background_ids[code]], self.column[self.current.id]])

    def characterisation(self, biosphere_code: str) -> float:
        return self.cf.get(self.biosphere_ids[biosphere_code], 0.0)

    def lca_score(self) -> float | None:
        return None  # no independent score: the items are the calculation

    def unit_scores(self, fg, categories: list[Category]) -> np.ndarray:
        """u (exchanges x categories): the score per unit of what each exchange of ``fg`` points at.

        Background: the dataset's cradle-to-gate score; biosphere: the flow's CF (0 where the
        method has none); upstream: the supplier's value per kg (0 where it gave none; quality
        reports the gap) times kg per unit of the exchange.  One table per block, then one
        gather by the exchanges' target rows.
        """
        columns = [self.column[c.id] for c in categories]
        result = np.zeros((len(fg.amounts), len(categories)))
        blocks = fg.block
        if len(fg.datasets):
            rows = np.array([self.rows[self.background_ids[code]] for code in fg.datasets], dtype=np.int64)
            table = self.scores[np.ix_(rows, columns)]
            chosen = blocks == 0
            result[chosen] = table[fg.target[chosen]]
        if len(fg.flows):
            ids = [self.biosphere_ids[code] for code in fg.flows]
            at = np.array([self.factor_rows.get(node, -1) for node in ids], dtype=np.int64)  # -1: no CF anywhere
            table = self.factor_table[np.ix_(at, columns)]
            chosen = blocks == 1
            result[chosen] = table[fg.target[chosen]]
        if len(fg.declarations):
            table = np.array([[(d.per_kg(c.id) or 0.0) for c in categories] for d in fg.declarations], dtype=float)
            chosen = blocks == 2
            result[chosen] = table[fg.target[chosen]] * fg.kg_per_unit[chosen][:, None]
        return result
