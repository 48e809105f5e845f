"""The foreground of a product system as arrays: what a declaration solves, and what Monte Carlo samples.

A product system of ``n`` processes with ``m`` exchanges that leave the foreground becomes:

``technosphere``  T, n x n, scipy.sparse CSC
    production on the diagonal, minus the intermediate inputs (row = the process supplying,
    column = the process consuming): the matrix Brightway would build for the foreground.
exchanges         ``amounts`` (m) and ``process`` (m): one entry per (process, flow) exchange, its
    amount and the column of its process (the rows of an m x n matrix X with one entry each).
    Rows come in three blocks by what the exchange points at, each with its own target index:
    ``background`` (rows into ``datasets``: secondary datasets and imported datasets),
    ``biosphere`` (rows into ``flows``: elementary flows emitted directly) and ``upstream``
    (rows into ``declarations``: suppliers' declarations, per kg).  ``index[e]`` is the
    (process id, Flow) of row e, ``block[e]`` its block and ``target[e]`` its row in the block's
    target list.

A declaration of the declared amount d at the reference process r is then

    s = T^-1 (d e_r)                         (scaling of every process; one solve)
    v[e, c] = s[process(e)] * amount(e) * u[e, c]

where u[e, c] is the score per unit of what exchange e points at in category c (cradle-to-gate
score of the dataset, CF of the flow, the supplier's value per unit; see ``unit_scores`` in
footprint.engine.solvers).  v[e, c] is the contribution of exchange e; the totals are the column
sums.  Nothing here knows Brightway or the categories: the structure is fixed per product system.

Monte Carlo (issue 13) samples the *numbers* of exactly these arrays: footprint.engine.uncertainty
takes a matrix of technosphere values (N x nnz of T, in ``technosphere.data`` order) and of
exchange amounts (N x m) and solves all N iterations at once (``scaling``, one batched dense
solve; ``contributions``).  Many declarations scored
together (footprint.engine.calculate.calculate_many) stack their exchange blocks the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from footprint.engine import exact
from footprint.engine.system import Flow, ProductSystem
from footprint.inputs import units

BLOCKS = ("background", "biosphere", "upstream")
#: Above this many processes the foreground is solved as a sparse system (dense LU is O(n^3)).
DENSE_LIMIT = 300


@dataclass
class Foreground:
    """One product system as arrays (see the module docstring for the structure)."""

    processes: list[str]
    stages: list[str]
    reference: int
    declared_amount: float  # the declared unit in the reference product's unit (ProductSystem.demand)
    technosphere: sparse.csc_matrix
    amounts: np.ndarray  # (m,) amount of each exchange, in its target's unit
    process: np.ndarray  # (m,) column of the exchange's process
    block: np.ndarray  # (m,) 0 background, 1 biosphere, 2 upstream (BLOCKS)
    target: np.ndarray  # (m,) row in the block's target list
    index: list[tuple[str, Flow]]  # (process id, flow) of each exchange
    datasets: list[str]  # background block targets (dataset codes; imported ones as 'database::code')
    flows: list[str]  # biosphere block targets (biosphere3 codes)
    declarations: list  # upstream block targets (footprint.inputs.upstream.UpstreamDeclaration)
    kg_per_unit: np.ndarray  # (m,) for upstream exchanges: kg per unit of the amount (values are per kg); else 1

    def block_matrix(self, name: str) -> sparse.csr_matrix:
        """B (targets x n) of one block: the exchanges summed per target, as Brightway's B matrix would hold them."""
        code = BLOCKS.index(name)
        rows = self.block == code
        size = (len(self.datasets), len(self.flows), len(self.declarations))[code]
        return sparse.csr_matrix((self.amounts[rows], (self.target[rows], self.process[rows])),
                                 shape=(size, len(self.processes)))

    def demand(self) -> np.ndarray:
        vector = np.zeros(len(self.processes))
        vector[self.reference] = self.declared_amount
        return vector

    def supply(self, technosphere: sparse.spmatrix | None = None) -> np.ndarray:
        """s = T^-1 (declared amount at the reference): dense for small foregrounds, sparse above DENSE_LIMIT."""
        matrix = self.technosphere if technosphere is None else technosphere
        if matrix.shape[0] <= DENSE_LIMIT:
            return np.linalg.solve(matrix.toarray(), self.demand())
        from scipy.sparse.linalg import spsolve

        return np.atleast_1d(spsolve(sparse.csc_matrix(matrix), self.demand()))

    def contributions(self, unit_scores: np.ndarray, supply: np.ndarray | None = None) -> np.ndarray:
        """v (m x categories): s[process(e)] * amount(e) * u[e, c] (the order of the reference loop's product)."""
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is refused by the caller, named
            scaled = (self.supply() if supply is None else supply)[self.process] * self.amounts
            return scaled[:, None] * unit_scores


def build(system: ProductSystem) -> Foreground:
    """The arrays of ``system`` (processes in the system's order; exchanges grouped by process, once)."""
    order = {process.id: column for column, process in enumerate(system.processes)}
    n = len(order)
    indptr, indices, values = [0], [], []  # T in CSC form, built column by column (no COO conversion)
    amounts, process, block, target, index, kg = [], [], [], [], [], []
    targets: tuple[dict, dict, dict] = ({}, {}, {})
    declarations: list = []
    for column, fg in enumerate(system.processes):
        # row -> its terms; a row given twice is summed, as Brightway does, exactly (exact.total): two 'from' lines
        # of one process summed in file order moved the scaling, so every result, in its last bits
        entries: dict[int, list[float]] = {column: [fg.output]}
        for flow in fg.flows:
            if flow.kind == "intermediate":
                entries.setdefault(order[flow.target], []).append(-flow.amount)
                continue
            code = BLOCKS.index(flow.kind)
            key = flow.target if code != 2 else flow.upstream.content_sha256  # one target per declaration
            known = targets[code]
            if key not in known:
                known[key] = len(known)
                if code == 2:
                    declarations.append(flow.upstream)
            amounts.append(flow.amount)
            process.append(column)
            block.append(code)
            target.append(known[key])
            index.append((fg.id, flow))
            kg.append(units.convert(1.0, flow.unit, "kg") if code == 2 else 1.0)
        for row in sorted(entries):
            terms = entries[row]
            indices.append(row)
            # one term is its own exact sum (math.fsum([x]) is x, -0.0 as 0.0 as x + 0.0 gives): no call per row
            values.append(terms[0] + 0.0 if len(terms) == 1 else exact.total(terms))
        indptr.append(len(indices))
    technosphere = sparse.csc_matrix((np.array(values, dtype=float), np.array(indices, dtype=np.int32),
                                      np.array(indptr, dtype=np.int32)), shape=(n, n))
    return Foreground(processes=list(order), stages=[p.stage for p in system.processes],
                      reference=order[system.reference], declared_amount=system.demand,
                      technosphere=technosphere, amounts=np.array(amounts, dtype=float),
                      process=np.array(process, dtype=np.int64), block=np.array(block, dtype=np.int8),
                      target=np.array(target, dtype=np.int64), index=index, datasets=list(targets[0]),
                      flows=list(targets[1]), declarations=declarations, kg_per_unit=np.array(kg, dtype=float))


def stack(foregrounds: list[Foreground]) -> Foreground:
    """Many foregrounds as one: block-diagonal technosphere, exchange rows one after another.

    Scoring the stack (``unit_scores`` of the solver, then one product) scores every foreground's
    exchanges at once; each foreground's rows are its own, in order, so the result splits back.
    The stack has no single reference: solve each foreground alone (``supply``).
    """
    datasets: dict[str, int] = {}
    flows: dict[str, int] = {}
    declarations: dict[str, int] = {}
    declared: list = []
    targets = []
    for fg in foregrounds:
        remap = (np.array([datasets.setdefault(code, len(datasets)) for code in fg.datasets], dtype=np.int64),
                 np.array([flows.setdefault(code, len(flows)) for code in fg.flows], dtype=np.int64),
                 np.array([declarations.setdefault(d.content_sha256, len(declarations)) for d in fg.declarations],
                          dtype=np.int64))
        for d in fg.declarations:
            if declarations[d.content_sha256] == len(declared):
                declared.append(d)
        target = fg.target.copy()
        for code in range(3):
            chosen = fg.block == code
            if chosen.any():
                target[chosen] = remap[code][fg.target[chosen]]
        targets.append(target)
    offsets = np.cumsum([0] + [len(fg.processes) for fg in foregrounds])
    empty = np.zeros(0)
    return Foreground(
        processes=[p for fg in foregrounds for p in fg.processes], stages=[s for fg in foregrounds for s in fg.stages],
        reference=0, declared_amount=0.0,
        technosphere=sparse.block_diag([fg.technosphere for fg in foregrounds], format="csc") if foregrounds
        else sparse.csc_matrix((0, 0)),
        amounts=np.concatenate([fg.amounts for fg in foregrounds]) if foregrounds else empty,
        process=np.concatenate([fg.process + offset for fg, offset in zip(foregrounds, offsets)]) if foregrounds
        else np.zeros(0, dtype=np.int64),
        block=np.concatenate([fg.block for fg in foregrounds]) if foregrounds else np.zeros(0, dtype=np.int8),
        target=np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64),
        index=[entry for fg in foregrounds for entry in fg.index], datasets=list(datasets), flows=list(flows),
        declarations=declared, kg_per_unit=np.concatenate([fg.kg_per_unit for fg in foregrounds]) if foregrounds
        else empty)
