"""Two ways to get the numbers a declaration needs from Brightway; both must agree.

Every contribution is (scaling of a foreground process) x (amount of one of its
exchanges) x (score per unit of what the exchange points at).  The background
is the same for every declaration, so ``CachedBackground`` solves it once per
background version and method with bw2calc's matrices, keeps the cradle-to-gate
score of every background product on disk, and solves only the small
foreground per declaration.  ``FullLCA`` lays the foreground over the background
and solves the whole system with bw2calc every time: the reference path, kept
so a test can prove both give the same numbers.
"""
from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np

from footprint._io import quiet_stdout
from footprint.data.project import brightway
from footprint.engine.system import ProductSystem
from footprint.inputs.categories import Category

CACHE_DIR = "footprint-cache"
CACHE_FORMAT = b"scores+cfs/2"  # part of the cache key: bump when the stored arrays change


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
    bd = brightway()[0]
    return bd.Method(category.method).datapackage()


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


def _file_digest(path: Path, digest) -> None:
    digest.update(path.name.encode())
    digest.update(path.read_bytes())


def background_key(databases: list[str], categories: list[Category]) -> str:
    """Hash of exactly the processed arrays the scores come from (databases and methods)."""
    bd = brightway()[0]
    digest = hashlib.sha256(CACHE_FORMAT)
    for name in databases:
        _file_digest(Path(bd.Database(name).filepath_processed()), digest)
    for category in categories:
        _file_digest(Path(bd.Method(category.method).filepath_processed()), digest)
    return digest.hexdigest()


def background_scores(databases: list[str], categories: list[Category]) -> tuple[dict[int, int], np.ndarray]:
    """(product id -> row, rows x categories matrix of cradle-to-gate scores per unit), cached on disk."""
    rows, scores, _factors = _background_cache(databases, categories)
    return rows, scores


def _background_cache(databases: list[str], categories: list[Category]
                      ) -> tuple[dict[int, int], np.ndarray, list[dict[int, float]]]:
    """Scores per background product and the CFs per category, computed once per background and methods.

    One factorisation of the background's technosphere matrix serves every category.
    """
    bd, bc, _bi = brightway()
    cache = Path(bd.projects.dir) / CACHE_DIR / f"scores-{background_key(databases, categories)}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            ids, scores = stored["ids"], stored["scores"]
            factors = [dict(zip(stored[f"cf_ids_{k}"].tolist(), stored[f"cf_values_{k}"].tolist()))
                       for k in range(len(categories))]
        return {int(node): row for row, node in enumerate(ids)}, scores, factors
    from scipy.sparse.linalg import factorized

    first = next(iter(node_ids(databases[0]).values()))
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        packages = [*(bd.Database(name).datapackage() for name in databases), _method_package(categories[0])]
        lca = bc.LCA({first: 1.0}, data_objs=packages)
        lca.load_lci_data()
        lca.load_lcia_data()
        solve = factorized(lca.technosphere_matrix.T.tocsc())
        columns = []
        for category in categories:
            lca.switch_method([_method_package(category)])
            direct = np.asarray((lca.characterization_matrix @ lca.biosphere_matrix).sum(axis=0)).ravel()
            columns.append(np.atleast_1d(solve(direct)))
    ids = np.array(sorted(lca.dicts.product, key=lca.dicts.product.get), dtype=np.int64)
    scores = np.column_stack(columns) if columns else np.zeros((len(ids), 0))
    factors = [characterisation_factors(category) for category in categories]
    arrays: dict[str, np.ndarray] = {}
    for k, table in enumerate(factors):
        arrays[f"cf_ids_{k}"] = np.array(list(table), dtype=np.int64)
        arrays[f"cf_values_{k}"] = np.array(list(table.values()), dtype=float)
    cache.parent.mkdir(parents=True, exist_ok=True)
    import os
    import tempfile

    handle, tmp = tempfile.mkstemp(prefix=".scores-", suffix=".npz", dir=cache.parent)  # unique: declarations
    with os.fdopen(handle, "wb") as stream:                                               # may run in parallel
        np.savez(stream, ids=ids, scores=scores, **arrays)
    os.replace(tmp, cache)
    return {int(node): row for row, node in enumerate(ids)}, scores, factors


def characterisation_factors(category: Category) -> dict[int, float]:
    """Biosphere node id -> CF of one method, read from the same processed arrays bw2calc uses.

    Brightway stores processed CFs as float32; reading them here (not the float64
    source rows) keeps the fast path equal to the full LCA, digit for digit.
    """
    package = _method_package(category)
    indices = values = None
    for resource, array in zip(package.resources, package.data):
        if resource.get("matrix") != "characterization_matrix":
            continue
        if resource.get("kind") == "indices":
            indices = array
        elif resource.get("kind") == "data":
            values = array
    factors: dict[int, float] = {}
    if indices is None or values is None:
        return factors
    for flow, value in zip(indices["row"].tolist(), values.tolist()):
        factors[flow] = factors.get(flow, 0.0) + float(value)
    return factors


class CachedBackground:
    """The fast path: cached background scores, and the foreground solved as a small dense system."""

    def __init__(self, system: ProductSystem, categories: list[Category], databases: list[str],
                 background_ids: dict[str, int], biosphere_ids: dict[str, int]):
        self.background_ids, self.biosphere_ids = background_ids, biosphere_ids
        self.rows, self.scores, factors = _background_cache(databases, categories)
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
