"""Two ways to get the numbers a declaration needs from Brightway; both must agree.

Every contribution is (scaling of a foreground process) x (amount of one of its
exchanges) x (score per unit of what the exchange points at).  The background
is the same for every declaration, so ``CachedBackground`` takes the cradle-to-gate
score of every background product from footprint.data.scores (solved once per
background snapshot: set-up stores them in the snapshot) and solves only the small
foreground per declaration.  ``FullLCA`` lays the foreground over the background
and solves the whole system with bw2calc every time: the reference path, kept
so a test can prove both give the same numbers.
"""
from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np

from footprint._io import quiet_stdout
from footprint.data import scores as _scores
from footprint.data.project import bound_snapshot, brightway
from footprint.engine.system import ProductSystem
from footprint.inputs.categories import Category


class Solver(Protocol):
    """What calculate() asks of a solver, category by category."""

    def select(self, category: Category) -> None: ...
    def scale(self, process_id: str) -> float: ...
    def background_score(self, code: str) -> float: ...
    def characterisation(self, biosphere_code: str) -> float: ...
    def lca_score(self) -> float | None: ...


def node_ids(database: str, codes: set[str] | None = None) -> dict[str, int]:
    """code → integer node id for one database (one query), or only for ``codes``.

    A foreground names a dozen of biosphere3's 4,709 flows; reading them all took a
    sixth of a declaration.
    """
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.code, AD.id).where(AD.database == database)
    if codes is not None:
        query = query.where(AD.code.in_(sorted(codes)))
    return {row.code: row.id for row in query}


def _adjoint_scores(lca) -> np.ndarray:
    """Cradle-to-gate score per unit of every product: x = A^-T (c^T B)^T (one sparse solve)."""
    from scipy.sparse.linalg import spsolve

    direct = np.asarray((lca.characterization_matrix @ lca.biosphere_matrix).sum(axis=0)).ravel()
    return np.atleast_1d(spsolve(lca.technosphere_matrix.T.tocsc(), direct))


def _method_package(category: Category):
    return _scores.method_package(brightway()[0], category.method)


class FullLCA:
    """The reference path: foreground + background in one bw2calc LCA, solved per declaration."""

    def __init__(self, system: ProductSystem, categories: list[Category], databases: list[str],
                 background_ids: dict[str, int], biosphere_ids: dict[str, int], package, fg_ids: dict[str, int]):
        bd, bc, _bi = brightway()
        self.background_ids, self.biosphere_ids, self.fg_ids = background_ids, biosphere_ids, fg_ids
        with quiet_stdout(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "all values in characterization matrix are zero"
            packages = [*(bd.Database(name).datapackage() for name in databases), package,
                        _method_package(categories[0])]
            self.lca = bc.LCA({fg_ids[system.reference]: system.declared_amount}, data_objs=packages)
            self.lca.lci()
        self.upstream = np.zeros(0)
        self.cf = np.zeros(0)

    def select(self, category: Category) -> None:
        with quiet_stdout(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.lca.switch_method([_method_package(category)])
            self.lca.lcia_calculation()
        self.cf = self.lca.characterization_matrix.diagonal()
        self.upstream = _adjoint_scores(self.lca)

    def scale(self, process_id: str) -> float:
        return float(self.lca.supply_array[self.lca.dicts.activity[self.fg_ids[process_id]]])

    def background_score(self, code: str) -> float:
        return float(self.upstream[self.lca.dicts.product[self.background_ids[code]]])

    def characterisation(self, biosphere_code: str) -> float:
        index = self.lca.dicts.biosphere.get(self.biosphere_ids[biosphere_code])
        return float(self.cf[index]) if index is not None else 0.0

    def lca_score(self) -> float | None:
        return float(self.lca.score)


def background_scores(databases: list[str], categories: list[Category]) -> tuple[dict[int, int], np.ndarray]:
    """(product id -> row, rows x categories matrix of cradle-to-gate scores per unit) of the bound snapshot."""
    found = _background(databases, categories)
    return found.rows, found.scores


def _background(databases: list[str], categories: list[Category]) -> _scores.BackgroundScores:
    brightway()
    return _scores.scores_for(bound_snapshot().id, list(databases), list(categories))


def characterisation_factors(category: Category) -> dict[int, float]:
    """Biosphere node id -> CF of one method, from the processed arrays bw2calc uses (float32)."""
    return _scores.characterisation_factors(brightway()[0], category.method)


class CachedBackground:
    """The fast path: cached background scores, and the foreground solved as a small dense system."""

    def __init__(self, system: ProductSystem, categories: list[Category], databases: list[str],
                 background_ids: dict[str, int], biosphere_ids: dict[str, int]):
        self.background_ids, self.biosphere_ids = background_ids, biosphere_ids
        found = _background(databases, categories)
        self.rows, self.scores, factors = found.rows, found.scores, found.factors
        self.column = {category.id: index for index, category in enumerate(categories)}
        self.factors = {category.id: table for category, table in zip(categories, factors)}
        self.categories = categories
        order = {process.id: index for index, process in enumerate(system.processes)}
        matrix = np.zeros((len(order), len(order)))
        for process in system.processes:
            column = order[process.id]
            matrix[column, column] += process.output
            for flow in process.flows:
                if flow.kind == "intermediate":
                    matrix[order[flow.target], column] -= flow.amount
        demand = np.zeros(len(order))
        demand[order[system.reference]] = system.declared_amount
        supply = np.linalg.solve(matrix, demand)
        self.supply = {pid: float(supply[index]) for pid, index in order.items()}
        self.current: Category | None = None
        self.cf: dict[int, float] = {}

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
