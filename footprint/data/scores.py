"""Cradle-to-gate scores of every background product, per LCIA method: solved once per snapshot.

Every declaration multiplies its foreground amounts by the same background scores, so
they are solved once with bw2calc's matrices (one factorisation serves every method)
and kept:

* for footprint's own background (``footprint-inventories``) and every category, set-up
  writes them into the snapshot (``footprint-cache/`` in the Brightway project), so a
  declaration reads them and writes nothing;
* for any other combination (an imported database mapped in, a subset of methods that
  the stored file lacks) they are solved in memory and kept for the life of the process,
  keyed by the snapshot id, the databases and the methods.

The characterisation factors are read from the same processed arrays bw2calc uses
(float32), so the fast path equals the full LCA digit for digit.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from footprint._io import quiet_stdout, write_atomic
from footprint.errors import SetupError
from footprint.inputs.categories import Category

CACHE_DIR = "footprint-cache"
CACHE_FORMAT = "scores+cfs/3"  # stored in the file: bump when the stored arrays change


@dataclass
class BackgroundScores:
    """Scores per background product (rows) and method (columns), and the CFs per method."""

    rows: dict[int, int]  # product node id -> row
    scores: np.ndarray  # rows x methods
    methods: list[tuple[str, ...]]
    factors: list[dict[int, float]]  # biosphere node id -> CF, per method

    def factor_table(self) -> tuple[dict[int, int], np.ndarray]:
        """The CFs as one dense table: (biosphere node id -> row, rows x methods; 0 where a method has
        none), and a last row of zeros for a node no method characterises (``row.get(node, -1)``).

        Built once per kept object (scores_for keeps one per snapshot): a declaration looked each
        of its biosphere flows up in every method's dict (about 20 lookups per flow); now it takes
        one row per flow.  The values are the dicts' own floats, so the same numbers.
        """
        if "_factor_table" not in self.__dict__:
            nodes = sorted({node for table in self.factors for node in table})
            row = {node: k for k, node in enumerate(nodes)}
            dense = np.zeros((len(nodes) + 1, len(self.factors)))
            for column, table in enumerate(self.factors):
                for node, value in table.items():
                    dense[row[node], column] = value
            self.__dict__["_factor_table"] = (row, dense)
        return self.__dict__["_factor_table"]

    def select(self, categories: list[Category]) -> "BackgroundScores | None":
        """The columns of ``categories`` (None if one of their methods is not stored)."""
        column = {method: index for index, method in enumerate(self.methods)}
        if not all(tuple(c.method) in column for c in categories):
            return None
        picked = [column[tuple(c.method)] for c in categories]
        return BackgroundScores(rows=self.rows, scores=self.scores[:, picked],
                                methods=[self.methods[k] for k in picked], factors=[self.factors[k] for k in picked])


def cache_file(bd: ModuleType, database: str) -> Path:
    return Path(bd.projects.dir) / CACHE_DIR / f"scores-{database}.npz"


def method_package(bd: ModuleType, method: tuple[str, ...]):
    return bd.Method(tuple(method)).datapackage()


def characterisation_factors(bd: ModuleType, method: tuple[str, ...]) -> dict[int, float]:
    """Biosphere node id -> CF of one method, read from the processed arrays bw2calc uses."""
    package = method_package(bd, method)
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


def adjoint_solve(bc: ModuleType, technosphere, rhs: np.ndarray) -> np.ndarray:
    """Solve A^T X = RHS for every column of ``rhs`` with one factorisation of A^T.

    bw2calc's ``factorized`` is pypardiso's where it is installed, else scipy's; a
    cradle-to-gate score per unit of every product is x = A^-T (c^T B)^T, and all
    categories share A, so one factorisation serves them all (19 sparse solves took
    2.1 s on a 30,000-process background, one factorisation 0.3 s).
    """
    rhs = np.asarray(rhs, dtype=float).reshape(technosphere.shape[0], -1)
    if rhs.shape[1] == 0:
        return np.zeros((technosphere.shape[1], 0))
    solve = bc.factorized(technosphere.T.tocsc())
    if getattr(bc, "UMFPACK", False):  # UMFPACK's solve takes one right-hand side at a time
        solution = np.column_stack([np.atleast_1d(solve(column)) for column in rhs.T])
    else:
        solution = solve(rhs)
    return np.asarray(solution, dtype=float).reshape(technosphere.shape[1], rhs.shape[1])


def direct_scores(lca) -> np.ndarray:
    """Characterised direct emissions per unit of every activity: (c^T B)^T."""
    return np.asarray((lca.characterization_matrix @ lca.biosphere_matrix).sum(axis=0)).ravel()


def _unsolvable(databases: list[str], why: str) -> SetupError:
    """The error for a background Brightway cannot solve, naming the datasets that make nothing.

    A dataset whose reference amount is 0 leaves an empty column in the technosphere
    matrix; every declaration over that background would otherwise end in a traceback
    (scipy) or in infinite scores (a solver that does not check).
    """
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED

    query = (ED.select(ED.output_database, ED.output_code, ED.data)
             .where((ED.type == "production") & (ED.output_database << databases)).tuples())
    zero = [(db, code) for db, code, data in query if not float((data or {}).get("amount", 1.0))]
    names = [f"{db}: '{name}' [{location}]" for db, code in zero[:5]
             for name, location in AD.select(AD.name, AD.location)
             .where((AD.database == db) & (AD.code == code)).tuples()]
    found = "; ".join(names) + (f" (and {len(zero) - 5} more)" if len(zero) > 5 else "")
    return SetupError(f"the background cannot be solved ({why})", field="reference amount",
                      value=found or None,
                      expected="every dataset with a non-zero reference product amount: fix or re-import "
                               + ", ".join(sorted({db for db, _code in zero} or set(databases))))


def solve(bd: ModuleType, bc: ModuleType, databases: list[str], methods: list[tuple[str, ...]]) -> BackgroundScores:
    """Scores per unit of every background product: x = A^-T (c^T B)^T, one factorisation for all methods."""
    from bw2data.backends import ActivityDataset as AD

    first = AD.select(AD.id).where(AD.database == databases[0]).limit(1).get().id
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "all values in characterization matrix are zero"
        packages = [*(bd.Database(name).datapackage() for name in databases), method_package(bd, methods[0])]
        lca = bc.LCA({first: 1.0}, data_objs=packages)
        lca.load_lci_data()
        lca.load_lcia_data()
        direct = []
        for method in methods:
            lca.switch_method([method_package(bd, method)])
            direct.append(direct_scores(lca))
    ids = np.array(sorted(lca.dicts.product, key=lca.dicts.product.get), dtype=np.int64)
    try:
        scores = (adjoint_solve(bc, lca.technosphere_matrix, np.column_stack(direct)) if direct
                  else np.zeros((len(ids), 0)))
    except RuntimeError as exc:  # scipy: "Factor is exactly singular"
        raise _unsolvable(databases, str(exc)) from None
    if not np.isfinite(scores).all():  # a solver that does not raise on a singular matrix returns inf/nan
        raise _unsolvable(databases, "non-finite scores")
    return BackgroundScores(rows={int(node): row for row, node in enumerate(ids)}, scores=scores,
                            methods=[tuple(m) for m in methods],
                            factors=[characterisation_factors(bd, m) for m in methods])


def write_cache(bd: ModuleType, database: str, computed: BackgroundScores) -> Path:
    """Store the scores of one database in the project being built (set-up only)."""
    path = cache_file(bd, database)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = np.array(sorted(computed.rows, key=computed.rows.get), dtype=np.int64)
    arrays: dict[str, np.ndarray] = {"format": np.array(CACHE_FORMAT), "ids": ids, "scores": computed.scores,
                                     "methods": np.array([" | ".join(m) for m in computed.methods])}
    for k, table in enumerate(computed.factors):
        arrays[f"cf_ids_{k}"] = np.array(list(table), dtype=np.int64)
        arrays[f"cf_values_{k}"] = np.array(list(table.values()), dtype=float)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return write_atomic(path, buffer.getvalue(), force=True)  # flushed, renamed; no temporary left on failure


def read_cache(bd: ModuleType, database: str) -> BackgroundScores | None:
    """The stored scores of one database, or None (no file, or another format)."""
    path = cache_file(bd, database)
    if not path.exists():
        return None
    with np.load(path) as stored:
        if "format" not in stored.files or str(stored["format"]) != CACHE_FORMAT:
            return None
        ids = stored["ids"]
        methods = [tuple(str(m).split(" | ")) for m in stored["methods"]]
        factors = [dict(zip(stored[f"cf_ids_{k}"].tolist(), stored[f"cf_values_{k}"].tolist()))
                   for k in range(len(methods))]
        scores = stored["scores"]
    return BackgroundScores(rows={int(node): row for row, node in enumerate(ids)}, scores=scores, methods=methods,
                            factors=factors)


def scores_for(snapshot_id: str, databases: list[str], categories: list[Category]) -> BackgroundScores:
    """The background scores a declaration needs: from the snapshot's file, else solved once per process.

    Kept in footprint.data.warm's store under the snapshot version, like every other value that
    holds for one background (a new version empties it).
    """
    from footprint.data import warm
    from footprint.data.project import brightway

    methods = [tuple(c.method) for c in categories]

    def build() -> BackgroundScores:
        bd, bc, _bi = brightway()
        found = None
        if len(databases) == 1:
            stored = read_cache(bd, databases[0])
            found = stored.select(categories) if stored is not None else None
        return found if found is not None else solve(bd, bc, list(databases), methods)

    return warm.cached(snapshot_id, ("background-scores", tuple(databases), tuple(methods)), build)
