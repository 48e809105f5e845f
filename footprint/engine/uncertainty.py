"""Monte Carlo over a declaration: every iteration drawn and solved at once, as arrays.

What is uncertain (README "Uncertainty"):

* every foreground amount (inputs, transport legs, emissions, flows between the
  rule's processes): the producer's distribution, else the pedigree lognormal of
  the datum's DQR scores (footprint.data.pedigree);
* every exchange of footprint's own secondary datasets that a used dataset rests
  on (also through their inputs): the distribution the dataset file states, else
  the pedigree lognormal of the dataset's DQR; the datasets' cradle-to-gate scores
  are re-solved for every iteration over that small background;
* suppliers' declared values: their own Monte Carlo percentiles where the
  supplier ran one, else a pedigree lognormal of their DQR criteria;
* the recycled-content (CFF) line: Erec from the sampled recycling processes,
  Ev from the sampled virgin dataset or supplier, Rm from the sampled flows.

Reference flows (process outputs, co-products), allocation shares, A and Qsin/Qp
and characterisation factors are fixed.  Datasets of imported databases keep
their deterministic score (their exchanges' distributions are not propagated).

Correlation: an input is one column of random numbers, used wherever it
appears (a dataset used by three processes and as Ev has one sampled score per
iteration).  The deterministic declared value stays what Annex V declares;
the statistics describe how far it may be off.  Before anything is sampled the
array model is evaluated at the deterministic amounts and must reproduce the
declaration's totals and the cached background scores: a model that drifted
from the calculation is a bug, refused, never a silent wrong percentile.

The foreground enters as arrays (``Foreground``: technosphere matrix and the
exchanges leaving it, the shape of issue 14's footprint.engine.foreground): all
N foregrounds are solved in one batched call over the cached background scores.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy import sparse

from footprint.data import pedigree
from footprint.data.inventory import BACKGROUND_DB, BIOSPHERE_DB, Catalogue
from footprint.engine import foreground as _foreground
from footprint.engine import sampling, solvers
from footprint.engine.foreground import BLOCKS, Foreground
from footprint.engine.calculate import RECYCLED_CONTENT_ID, Result, background_node_ids
from footprint.engine.system import Flow, ProductSystem
from footprint.errors import FootprintError, InventoryError
from footprint.inputs import units
from footprint.inputs.categories import Category, coverage_category
from footprint.inputs.distribution import NEGATIVE_PROBABILITY, TYPE_IDS, Relative
from footprint.inputs.upstream import UpstreamDeclaration

#: 2: lines of one datum share their pedigree draws; 3: contributions to variance only of inputs reaching the
#: category; 4: each input's random numbers from the seed and its identity, not its position (sampling.stream_seed)
MODEL_VERSION = "footprint-uncertainty/4"
PERCENTILES = tuple(float(p) for p in range(101))
TOP_INPUTS = 10
MAX_ITERATIONS = 1_000_000
#: Below this many iterations the 2.5/97.5 % percentiles rest on fewer than 25 draws each side and move
#: visibly from seed to seed; such a run is allowed (a quick look) but the declaration says so.
STABLE_ITERATIONS = 1_000
SENSITIVITY_METHOD = ("squared Spearman rank correlation of each input with the result, normalised to 100 % "
                      "over the inputs (an input's share of the variance it explains, if the inputs act "
                      "independently and monotonically)")



class UncertaintyError(FootprintError):
    """The Monte Carlo cannot run as asked (iterations, seed)."""


def few_iterations_warning(iterations: int) -> str:
    return (f"uncertainty: {iterations:,} Monte Carlo iterations are fewer than {STABLE_ITERATIONS:,}; the 2.5/97.5 % "
            "percentiles, class probabilities and contributions to variance are not stable (use 10,000)")


def wide_distribution_warnings(block: dict[str, Any]) -> list[str]:
    """Warnings for producer-stated lognormals wider than the worst data quality gives.

    ``gsd: 10`` is accepted (a GSD is any number >= 1) but means the amount may be 90 times
    larger or smaller at 95 %: the percentiles then rest on a typo, with exit 0, unless
    someone says so.  Not refused: a very uncertain amount is possible, and its owner can
    keep it after reading the warning.
    """
    warnings = []
    widest = pedigree.widest_gsd()  # every score 5 and the largest basic U of the table in use
    for entry in (block.get("model") or {}).get("foreground") or []:
        spec = entry.get("distribution") or {}
        gsd = spec.get("gsd")
        if spec.get("basis") == "producer" and spec.get("type") == "lognormal" and gsd and gsd > widest:
            warnings.append(
                f"uncertainty: {entry.get('label')} ({entry.get('input')}) states a lognormal with gsd {gsd:.4g}: at "
                f"95 % the amount may be {gsd ** 1.96:.3g} times larger or smaller, wider than the worst data-quality "
                f"scores give (GSD {widest:.3g}); gsd is the geometric standard deviation exp(sigma), not a "
                "percentage (about +-10 % is gsd 1.1)")
    warnings.extend(narrow_distribution_warnings(block))
    return warnings


def narrow_distribution_warnings(block: dict[str, Any]) -> list[str]:
    """Warnings for producer-stated distributions narrower than the pedigree spread of the input's own DQR scores.

    The rule (distribution.Relative.narrower_than_dqr): the stated spread, sigma of ln x for a
    lognormal and sd/amount for a normal, uniform or triangular, below the sigma of the pedigree
    lognormal the same amount's DQR scores give.  Why: a stated distribution replaces the DQR-derived
    one, so ``gsd: 1`` on an amount scored P 4 narrowed the 95 % interval and improved its class
    probabilities with no word said.  Declared, not refused (a measured amount can be known better
    than its scores say), but named with both spreads; the "data quality:" prefix makes ``--strict``
    refuse it, as it refuses DQR scores not demonstrated.  Read from the block's record, so a
    verification recomputes the same warning.
    """
    warnings = []
    for entry in (block.get("model") or {}).get("foreground") or []:
        spec = entry.get("distribution") or {}
        narrower = spec.get("narrower_than_its_dqr")
        if spec.get("basis") != "producer" or not isinstance(narrower, dict):
            continue
        stated = ("gsd {:.4g}, sigma {:.3g}".format(math.exp(narrower["stated_spread"]), narrower["stated_spread"])
                  if spec.get("type") == "lognormal" else f"sd {narrower['stated_spread']:.3g} of the amount")
        warnings.append(
            f"data quality: {entry.get('label')} ({entry.get('input')}) states a {spec.get('type')} distribution "
            f"({stated}) narrower than the pedigree spread of its own DQR scores (GSD {narrower['gsd']:.4g}, sigma "
            f"{narrower['scale']:.3g}; {narrower.get('note', '')}): the stated distribution replaces that spread, "
            "so the 95 % interval and class probabilities are better than its data quality supports; state a "
            "spread at least as wide, better DQR scores if the amount is measured, or leave 'uncertainty' out")
    return warnings


def check_request(iterations: int, seed: int | None) -> None:
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 2 <= iterations <= MAX_ITERATIONS:
        raise UncertaintyError("number of Monte Carlo iterations out of range", field="--uncertainty",
                               value=iterations, expected=f"a whole number from 2 to {MAX_ITERATIONS:,}, e.g. 10000")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63):
        raise UncertaintyError("seed out of range", field="--seed", value=seed,
                               expected="a whole number from 0 to 2**63 - 1")


def peak_bytes_per_iteration(*, inputs: int, exchanges: int, links: int, technosphere: int, datasets: int,
                             background: int, categories: int, stages: int, cyclic: bool) -> int:
    """An upper bound of the Monte Carlo's peak memory per iteration, from the arrays it holds at once.

    All iterations are drawn and evaluated as whole matrices (that is what makes them fast), so
    memory grows linearly with N.  Counted in float64 values, at the peak (``contributions`` and the
    sensitivity ranks): the standard normals and their multipliers (3 x inputs), the per-exchange
    multipliers and amounts (2 x (exchanges + links)), the technosphere copies (2 x its entries), the
    background model's direct and sampled scores and the used datasets' scores (3 x background and
    2 x datasets, per category; a cyclic background adds its batched matrix, background squared),
    the contributions with their per-unit values and the product's temporary (3 x exchanges per
    category), stage sums, and the ranks with argsort's indices (2 x inputs).  Not all of these live
    at once: on the shipped examples the sum is 1.6-1.9 x tracemalloc's measured peak, so it is
    scaled by 0.8, which keeps the bound 1.3-1.5 x above the peak (tests/test_uncertainty_memory.py
    checks measured <= estimate <= 2 x measured).
    """
    floats = (3 * inputs + 2 * (exchanges + links) + 2 * technosphere
              + (3 * background + 2 * datasets) * categories + (background * background if cyclic else 0)
              + 3 * exchanges * categories + (stages + 2) * categories + 2 * inputs)
    return int(floats * 8 * 0.8)


def available_memory() -> int | None:
    """Memory the system can give this process now (MemAvailable), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(iterations: int, per_iteration: int, available: int | None = None) -> None:
    """Refuse a Monte Carlo that cannot fit in memory, before it starts.

    Without this check a large N is killed by the kernel's out-of-memory killer half-way (no
    declaration and no message) or drives the machine into swap for minutes.  The refusal names
    the largest N that fits, so the producer can choose.

    ``available`` (MemAvailable, the machine's) is shared by the processes of a batch that run at
    once (``batch declare/verify --workers N``: footprint._at_once.running_at_once): each counts
    on available / N.  Why: each worker read the same free memory and took it as its own, so four
    workers could together ask for four times what is there.
    """
    from footprint._at_once import running_at_once

    available = available_memory() if available is None else available
    if available is None:
        return
    sharing = running_at_once()
    share = available // sharing
    need = iterations * per_iteration
    if need > share:
        fits = max(2, share // max(per_iteration, 1))
        among = (f", shared by {sharing} worker processes running at once ({share / 2**30:.1f} GiB each)"
                 if sharing > 1 else "")
        raise UncertaintyError(
            f"a Monte Carlo of {iterations:,} iterations needs about {need / 2**30:.1f} GiB of memory for this "
            f"declaration ({per_iteration / 1024:.1f} kB per iteration) and {available / 2**30:.1f} GiB are "
            f"available{among}",
            field="--uncertainty", value=iterations,
            expected=f"at most about {int(fits):,} iterations{' per worker' if sharing > 1 else ''} on this "
                     "machine (10,000 is usually enough for stable 2.5/97.5 % percentiles"
                     f"{'; or fewer --workers' if sharing > 1 else ''})")


# ----------------------------------------------------------------------------- the foreground as arrays

# The shape is footprint.engine.foreground's (the calculation's own arrays): Monte Carlo samples
# the numbers of exactly the arrays a declaration is computed from.
foreground = _foreground.build


def technosphere_inputs(fg: Foreground, system: ProductSystem) -> list[tuple[Flow, int]]:
    """Each intermediate flow with the position of its entry in ``technosphere.data``.

    Two flows between the same processes share one (summed) entry; each is still its
    own random input, and their sampled amounts are summed into that entry.
    """
    order = {pid: i for i, pid in enumerate(fg.processes)}
    matrix = fg.technosphere
    found = []
    for fp in system.processes:
        column = order[fp.id]
        for flow in fp.flows:
            if flow.kind == "intermediate":
                start, stop = matrix.indptr[column], matrix.indptr[column + 1]
                position = start + int(np.flatnonzero(matrix.indices[start:stop] == order[flow.target])[0])
                found.append((flow, position))
    return found


def scaling(fg: Foreground, technosphere_values: np.ndarray) -> np.ndarray:
    """Scaling of every process per iteration (N x n): N small dense systems solved in one batched call.

    ``technosphere_values`` (N x nnz) are the entries of T in ``technosphere.data`` order.
    """
    n = len(fg.processes)
    count = technosphere_values.shape[0]
    matrix = np.zeros((count, n, n))
    columns = np.repeat(np.arange(n), np.diff(fg.technosphere.indptr))
    matrix[:, fg.technosphere.indices, columns] = technosphere_values
    demand = np.zeros((count, n, 1))
    demand[:, fg.reference, 0] = fg.declared_amount
    return np.linalg.solve(matrix, demand)[:, :, 0]


def contributions(fg: Foreground, scale: np.ndarray, amounts: np.ndarray, scores: np.ndarray, factors: np.ndarray,
                  supplier_values: np.ndarray) -> np.ndarray:
    """Contribution of every exchange per iteration and category (N x m x categories).

    v[e, c] = s[process(e)] * amount(e) * u[e, c]; u from ``scores`` (N x datasets x
    categories, cradle-to-gate per unit), ``factors`` (flows x categories) or
    ``supplier_values`` (N x declarations x categories, per kg).
    """
    count, categories = amounts.shape[0], factors.shape[1]
    per_unit = np.zeros((count, len(fg.amounts), categories))
    for code in range(len(BLOCKS)):
        rows = np.flatnonzero(fg.block == code)
        if not rows.size:
            continue
        if code == 0:
            per_unit[:, rows, :] = scores[:, fg.target[rows], :]
        elif code == 1:
            per_unit[:, rows, :] = factors[fg.target[rows], :][None, :, :]
        else:
            per_unit[:, rows, :] = supplier_values[:, fg.target[rows], :] * fg.kg_per_unit[rows][None, :, None]
    return (scale[:, fg.process] * amounts)[:, :, None] * per_unit


# ----------------------------------------------------------------------------- the background as arrays


@dataclass
class BackgroundModel:
    """footprint's datasets a declaration rests on, with every exchange and its distribution.

    Scores per iteration: s_j = sum_b B_bj CF_b + sum_i T_ij s_i over the closure of
    the used datasets (their inputs, and theirs), in dependency order (a cycle is
    solved as a batched linear system instead).  Each exchange names the random
    column it is drawn from (``specs``/``labels`` are per column): a grid's upstream
    fuel chain, linked per kWh wherever the grid is used, moves with that use.
    """

    codes: list[str]
    tech: list[tuple[int, int, float, int]]  # (input dataset, consuming dataset, amount, column)
    bio: list[tuple[int, int, float, int]]  # (biosphere flow, dataset, amount, column)
    specs: list[Relative]  # per random column
    labels: list[str]
    amounts: list[float]  # per random column: the amount of the exchange that owns it
    flows: list[str]  # biosphere flow codes, row order of ``factors``
    columns: dict[tuple[str, int], int] = field(default_factory=dict)  # (dataset, Brightway exchange) -> column
    factors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def scores(self, multipliers: np.ndarray) -> np.ndarray:
        """iterations x datasets x categories; ``multipliers``: iterations x random columns."""
        n, size, categories = multipliers.shape[0], len(self.codes), self.factors.shape[1]
        direct = np.zeros((n, size, categories))
        for flow, column, amount, draw in self.bio:
            cf = self.factors[flow]
            if cf.any():
                direct[:, column, :] += (amount * multipliers[:, draw])[:, None] * cf[None, :]
        order = _dependency_order(size, [(i, j) for i, j, _a, _d in self.tech])
        if order is None:
            matrix = np.zeros((n, size, size))
            diagonal = np.arange(size)
            matrix[:, diagonal, diagonal] = 1.0
            for i, j, amount, draw in self.tech:
                matrix[:, j, i] -= amount * multipliers[:, draw]  # (A^T)[j, i] = -T[i, j]
            return np.linalg.solve(matrix, direct)
        feeds: dict[int, list[int]] = {}
        for e, (_i, j, _a, _d) in enumerate(self.tech):
            feeds.setdefault(j, []).append(e)
        scores = np.zeros_like(direct)
        for j in order:
            scores[:, j, :] = direct[:, j, :]
            for e in feeds.get(j, ()):
                i, _j, amount, draw = self.tech[e]
                scores[:, j, :] += (amount * multipliers[:, draw])[:, None] * scores[:, i, :]
        return scores


def _dependency_order(size: int, edges: list[tuple[int, int]]) -> list[int] | None:
    """Datasets ordered so each comes after its inputs (Kahn); None when the inputs form a cycle."""
    inputs_of: dict[int, set[int]] = {j: set() for j in range(size)}
    users: dict[int, set[int]] = {i: set() for i in range(size)}
    for i, j in edges:
        if i != j:
            inputs_of[j].add(i)
            users[i].add(j)
        else:
            return None
    ready = sorted(j for j in range(size) if not inputs_of[j])
    order: list[int] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for user in sorted(users[node]):
            inputs_of[user].discard(node)
            if not inputs_of[user]:
                ready.append(user)
    return order if len(order) == size else None


#: Relative slack of a range's end against a float32 amount (float32 keeps 24 bits: 6e-8 relative).
FLOAT32_SLACK = 1e-6


def _relative_from_fields(fields: dict, amount: float) -> Relative | None:
    """A Brightway exchange's stats_arrays fields as a multiplier distribution (None: none stated)."""
    kind = fields.get("uncertainty type")
    if kind in (None, 0):
        return None
    if kind == TYPE_IDS["none"] or amount == 0:
        return Relative(TYPE_IDS["none"], basis="dataset")
    if kind == TYPE_IDS["lognormal"]:
        return Relative(kind, scale=float(fields.get("scale") or 0.0), basis="dataset")
    if kind == TYPE_IDS["normal"]:
        return Relative(kind, scale=float(fields.get("scale") or 0.0) / abs(amount), basis="dataset")
    low, high = sorted((float(fields["minimum"]) / amount, float(fields["maximum"]) / amount))
    # ``amount`` is Brightway's float32 copy of the file's number, which the file's range contains (checked as
    # the file is read, inventory.InventoryExchange): a minimum or maximum equal to the amount is off by the
    # float32 rounding here (6e-8 relative; 0.6849 as a triangular's minimum was refused as outside its range)
    if not low - FLOAT32_SLACK <= 1.0 <= high + FLOAT32_SLACK:
        raise ValueError(f"amount {amount:g} outside its range [{fields['minimum']:g}, {fields['maximum']:g}]")
    low, high = min(low, 1.0), max(high, 1.0)
    if kind == TYPE_IDS["uniform"]:
        return Relative(kind, minimum=low, maximum=high, basis="dataset")
    mode = min(high, max(low, float(fields.get("loc", amount)) / amount))
    return Relative(kind, loc=mode, minimum=low, maximum=high, basis="dataset")


def background_model(used: set[str], catalogue: Catalogue, flows_index: dict) -> BackgroundModel:
    """The closure of the used datasets in footprint's own inventories, with their exchanges' distributions.

    The exchanges are those Brightway holds (footprint.data.inventory.to_brightway), so the
    deterministic scores equal the cached ones: each dataset exchange, and after an input of
    a direct-scope grid the grid's upstream chain (drawn with that input).
    """
    from footprint.data.inventory import to_brightway

    closure: list[str] = []
    queue = sorted(code for code in used if code in catalogue.datasets)
    seen = set(queue)
    while queue:
        code = queue.pop(0)
        closure.append(code)
        for other in catalogue.inputs_of(code):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    closure.sort()
    sub = Catalogue(datasets={c: catalogue.datasets[c] for c in closure}, files={c: catalogue.files[c] for c in closure},
                    sha256=catalogue.sha256)
    written = to_brightway(sub, flows_index)
    position = {code: j for j, code in enumerate(closure)}
    model = BackgroundModel(codes=closure, tech=[], bio=[], specs=[], labels=[], amounts=[], flows=[])
    flows: dict[str, int] = {}
    for code in closure:
        dataset = catalogue.datasets[code]
        exchanges = written[(BACKGROUND_DB, code)]["exchanges"]  # [0] is the production exchange
        k = 1
        for index, source in enumerate(dataset.exchanges):
            exchange = exchanges[k]
            amount = float(np.float32(exchange["amount"]))  # as Brightway stores it (the cached scores' basis)
            try:
                spec = _relative_from_fields(exchange, amount)
            except ValueError as exc:
                raise InventoryError(str(exc), file=catalogue.origin(code), field=f"exchanges[{index}].uncertainty",
                                     expected="a distribution whose range contains the amount") from None
            column = len(model.specs)
            model.columns[(code, k)] = column
            if source.type == "technosphere":
                supplier = catalogue.datasets[source.dataset]
                spec = spec or pedigree.lognormal(*pedigree.input_class(supplier.kind == "transport"), dataset.dqr)
                model.tech.append((position[source.dataset], position[code], amount, column))
                model.labels.append(f"{code}: input {source.dataset}")
                if supplier.upstream is not None:  # the grid's fuel chain, written right after it
                    k += 1
                    chain = exchanges[k]
                    model.tech.append((position[chain["input"][1]], position[code],
                                       float(np.float32(chain["amount"])), column))
                    model.columns[(code, k)] = column
            else:
                spec = spec or pedigree.lognormal(*pedigree.emission_class(source.name, source.categories),
                                                  dataset.dqr)
                flow = exchange["input"][1]
                model.bio.append((flows.setdefault(flow, len(flows)), position[code], amount, column))
                model.labels.append(f"{code}: {source.name} ({'::'.join(source.categories)})")
            model.specs.append(spec)
            model.amounts.append(amount)
            k += 1
        if k != len(exchanges):
            raise RuntimeError(f"background model of {code}: {k} of {len(exchanges)} Brightway exchanges matched")
    model.flows = list(flows)
    return model


# ----------------------------------------------------------------------------- inputs and the run


@dataclass(frozen=True)
class RandomInput:
    """One column of random numbers: a foreground amount, a dataset exchange or a supplier's values."""

    id: str
    label: str
    kind: str  # "amount" | "dataset exchange" | "supplier"
    spec: Relative | None  # None: a supplier known by its percentiles
    process: str | None = None
    #: the id of the input whose random numbers this one shares: another line of the same datum, both
    #: with pedigree (DQR-derived) uncertainty (_foreground_inputs says why)
    moves_with: str | None = None
    #: a supplier known by its percentiles: the distribution of a category they do not cover
    otherwise: Relative | None = None
    #: what names the quantity independently of where it is written (sampling.stream_seed); its random
    #: numbers come from the seed and this.  Empty: the id.
    stream: str = ""

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input": self.id, "label": self.label, "kind": self.kind}
        if self.process:
            out["process"] = self.process
        if self.moves_with:
            out["moves_with"] = self.moves_with
        out["distribution"] = self.spec.describe() if self.spec is not None else {
            "type": "percentiles", "basis": "supplier's Monte Carlo (its declaration's uncertainty block)"}
        if self.otherwise is not None:
            out["distribution"]["categories_without_percentiles"] = self.otherwise.describe()
        return out


def supplier_input(supplier: UpstreamDeclaration) -> RandomInput:
    """A supplier's values as one random input: its Monte Carlo's percentiles, else its DQR's pedigree lognormal.

    A supplier's Monte Carlo covers the categories its rule declares; the buyer may declare one the supplier
    only computed (additional information: photochemical ozone formation of an NdPr-metal declaration in
    the recycled magnet's CFF line).  Such a category was sampled as certain, so the buyer's interval
    left out its largest contributor's spread; it takes the pedigree lognormal, drawn with the percentiles.
    """
    label = f"supplier declaration {supplier.id} ({supplier.product}, {supplier.declarant})"
    from footprint.inputs.dqr import DQR

    criteria = supplier.criteria
    dqr = DQR(**{k: min(5.0, max(1.0, float(criteria[k]))) for k in ("TeR", "GeR", "TiR", "P")}) \
        if all(k in criteria for k in ("TeR", "GeR", "TiR", "P")) else None
    spec = pedigree.lognormal(*pedigree.input_class(False), dqr)
    if supplier.quantiles:
        uncovered = [c for c in supplier.values if c not in supplier.quantiles]
        return RandomInput(f"supplier:{supplier.id}", label, "supplier", None, otherwise=spec if uncovered else None,
                           stream=f"supplier\n{supplier.id}")
    return RandomInput(f"supplier:{supplier.id}", label, "supplier", spec, stream=f"supplier\n{supplier.id}")


@dataclass
class Statistics:
    mean: float
    median: float
    sd: float
    p2_5: float
    p97_5: float

    @classmethod
    def of(cls, values: np.ndarray) -> "Statistics":
        low, median, high = np.percentile(values, [2.5, 50.0, 97.5])
        return cls(mean=float(np.mean(values)), median=float(median), sd=float(np.std(values, ddof=1)),
                   p2_5=float(low), p97_5=float(high))

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "median": self.median, "sd": self.sd, "p2_5": self.p2_5, "p97_5": self.p97_5}


@dataclass
class MonteCarlo:
    """Samples and statistics of one Monte Carlo run over a declaration's declared categories."""

    iterations: int
    seed: int
    categories: list[Category]
    values: dict[str, float]  # deterministic (declared) values
    totals: np.ndarray  # iterations x categories
    by_stage: dict[str, np.ndarray]  # stage -> iterations x categories
    inputs: list[RandomInput]
    sensitivity: dict[str, list[dict]]  # category -> inputs ranked by share of variance
    model: dict[str, Any]
    stage_order: list[str] = field(default_factory=list)

    def statistics(self, category: str) -> Statistics:
        return Statistics.of(self.totals[:, self._column(category)])

    def _column(self, category: str) -> int:
        return [c.id for c in self.categories].index(category)

    def block(self) -> dict[str, Any]:
        """The declaration's ``uncertainty`` block."""
        results = []
        for k, category in enumerate(self.categories):
            column = self.totals[:, k]
            entry = {"category": category.id, "unit": category.unit, "value": self.values[category.id],
                     **Statistics.of(column).as_dict(),
                     "quantiles": [float(q) for q in np.percentile(column, PERCENTILES)],
                     "by_stage": {stage: Statistics.of(self.by_stage[stage][:, k]).as_dict()
                                  for stage in self.stage_order},
                     "contribution_to_variance": self.sensitivity[category.id][:TOP_INPUTS]}
            results.append(entry)
        return {
            "method": "Monte Carlo",
            "iterations": self.iterations,
            "seed": self.seed,
            "generator": sampling.GENERATOR,
            "statement": "The declared values are the deterministic results (Annex V); these statistics describe "
                         "their uncertainty and are not part of the declared value.",
            "quantiles": "percentiles 0, 1, ..., 100 of the result (numpy linear interpolation)",
            "sensitivity_method": SENSITIVITY_METHOD,
            "model": self.model,
            "results": results,
        }


def _inputs_hash(inputs: Sequence[RandomInput], background: BackgroundModel) -> str:
    """sha256 of what the draws rest on: each input by its stream identity and distribution, in no order.

    Not by the inputs' ids (activity-data fields, which count lines in the file's order) nor their
    order: the same data written in another order or in the workbook give the same hash.
    """
    rows = []
    for item in inputs:
        row = item.describe()
        row.pop("input")
        row.pop("moves_with", None)
        row["stream"] = item.stream or item.id
        rows.append(row)
    rows.sort(key=lambda row: json.dumps(row, sort_keys=True))
    rows += [{"exchange": label, "amount": amount, "distribution": spec.describe()}
             for label, spec, amount in zip(background.labels, background.specs, background.amounts)]
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _close(a: np.ndarray, b: np.ndarray, rel: float) -> bool:
    scale = np.maximum(np.abs(a), np.abs(b))
    return bool(np.all(np.abs(a - b) <= rel * scale + 1e-300))


def monte_carlo(result: Result, catalogue: Catalogue, flows_index: dict, *, iterations: int, seed: int,
                background: str | list[str] | tuple[str, ...] = BACKGROUND_DB) -> MonteCarlo:
    """Monte Carlo of a calculated result over its rule's declared categories (see the module docstring)."""
    check_request(iterations, seed)
    system = result.system
    declared = list(system.rule.rule.impact_categories.declared)
    categories = [c for c in result.categories if c.id in declared]
    categories.sort(key=lambda c: declared.index(c.id))
    fg = foreground(system)
    links = technosphere_inputs(fg, system)
    rc = system.recycled
    direct = list(fg.datasets)
    if rc is not None and rc.virgin_dataset and rc.virgin_dataset not in direct:
        direct.append(rc.virgin_dataset)
    model = background_model(set(direct), catalogue, flows_index)
    # deterministic scores and factors from the calculation's own solver (the same cache as the declaration)
    databases = [background] if isinstance(background, str) else list(background)
    emitted = set(fg.flows) | set(model.flows)
    background_ids = background_node_ids(background, set(direct) | set(model.codes))
    biosphere_ids = solvers.node_ids(BIOSPHERE_DB, emitted)
    solver = solvers.CachedBackground(system, list(result.categories), databases, background_ids, biosphere_ids)
    fixed = np.zeros((len(direct), len(categories)))
    fg_factors = np.zeros((len(fg.flows), len(categories)))
    model.factors = np.zeros((len(model.flows), len(categories)))
    for k, category in enumerate(categories):
        solver.select(category)
        for d, code in enumerate(direct):
            fixed[d, k] = solver.background_score(code)
        for b, code in enumerate(fg.flows):
            fg_factors[b, k] = solver.characterisation(code)
        for b, code in enumerate(model.flows):
            model.factors[b, k] = solver.characterisation(code)

    # one random input per exchange leaving the foreground, then per flow between the rule's processes; a flow
    # that completes another one (a grid's upstream chain added for the rule's scope) moves with it
    exchange_flows = [flow for _pid, flow in fg.index] + [flow for flow, _position in links]
    fg_inputs, column_of = _foreground_inputs(exchange_flows)
    m = len(fg.amounts)
    link_amounts = np.array([flow.amount for flow, _p in links], dtype=float)
    link_positions = np.array([p for _f, p in links], dtype=np.int64)
    supplier_list = list(fg.declarations)
    if rc is not None and rc.virgin_declaration is not None and all(
            s.content_sha256 != rc.virgin_declaration.content_sha256 for s in supplier_list):
        supplier_list.append(rc.virgin_declaration)
    supplier_inputs = [supplier_input(s) for s in supplier_list]
    bg_inputs = [RandomInput(label, label, "dataset exchange", spec, stream=stream)
                 for label, spec, stream in zip(model.labels, model.specs, _numbered(
                     [f"dataset exchange\n{label}" for label in model.labels]))]
    inputs = fg_inputs + bg_inputs + supplier_inputs
    n_fg, n_bg = len(fg_inputs), len(bg_inputs)

    position = {code: j for j, code in enumerate(model.codes)}
    supplier_kg = [units.convert(s.amount, s.unit, "kg") for s in supplier_list]

    def evaluate(input_mult: np.ndarray, bg_mult: np.ndarray, supplier_values: np.ndarray
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        n = input_mult.shape[0]
        fg_mult = input_mult[:, column_of]  # per exchange, then per intermediate flow
        sampled = model.scores(bg_mult)
        technosphere = np.repeat(fg.technosphere.data[None, :], n, axis=0)
        if links:  # sampled intermediate amounts enter T as -amount; the deterministic ones are in T already
            np.add.at(technosphere, (slice(None), link_positions), -link_amounts * (fg_mult[:, m:] - 1.0))
        scores = np.repeat(fixed[None, :, :], n, axis=0)
        for d, code in enumerate(direct):
            if code in position:
                scores[:, d, :] = sampled[:, position[code], :]
        amounts = fg.amounts[None, :] * fg_mult[:, :m]
        scale = scaling(fg, technosphere)
        values = contributions(fg, scale, amounts, scores[:, :len(fg.datasets), :], fg_factors, supplier_values)
        totals = values.sum(axis=1)
        stages: dict[str, np.ndarray] = {}
        stage_of_exchange = np.array([fg.stages[p] for p in fg.process], dtype=object)
        for stage in dict.fromkeys(fg.stages):
            stages[stage] = values[:, stage_of_exchange == stage, :].sum(axis=1)
        if rc is not None:
            line, stage = _recycled_line(system, fg, amounts, scale, values, scores, direct, supplier_values,
                                         supplier_list, categories)
            if line is not None:
                totals = totals + line
                stages[stage] = stages.get(stage, np.zeros_like(totals)) + line
        return totals, stages, scores

    def supplier_samples(z: np.ndarray | None) -> np.ndarray:
        """Per-kg values of each supplier per iteration (z None: the declared values)."""
        n = 1 if z is None else z.shape[0]
        out = np.zeros((n, len(supplier_list), len(categories)))
        for s, (supplier, item) in enumerate(zip(supplier_list, supplier_inputs)):
            for k, category in enumerate(categories):
                value = supplier.per_kg(category.id)
                if value is None:
                    continue  # as the calculation: no value from the supplier, no contribution
                if z is None:
                    out[:, s, k] = value
                elif item.spec is None and category.id in supplier.quantiles:
                    column = z[:, n_fg + n_bg + s]
                    out[:, s, k] = sampling.from_quantiles(column, np.asarray(supplier.quantiles[category.id])) \
                        / supplier_kg[s]
                else:  # no percentiles: the supplier's pedigree lognormal (for a category its Monte Carlo lacks too)
                    spec = item.spec or item.otherwise or Relative(TYPE_IDS["none"])
                    out[:, s, k] = value * sampling.multipliers([spec], z[:, [n_fg + n_bg + s]])[:, 0]
        return out

    # the array model must give the declaration's numbers at the deterministic amounts
    det_totals, det_stages, det_scores = evaluate(np.ones((1, n_fg)), np.ones((1, n_bg)), supplier_samples(None))
    for k, category in enumerate(categories):
        if not _close(np.array([det_totals[0, k]]), np.array([result.totals[category.id]]), 1e-9):
            raise RuntimeError(f"Monte Carlo model of {category.id} gives {det_totals[0, k]!r} at the deterministic "
                               f"amounts, the declaration {result.totals[category.id]!r}")
    if not _close(det_scores[0], fixed, 1e-7):
        raise RuntimeError("the sampled background model does not reproduce the cached background scores")

    cyclic = _dependency_order(len(model.codes), [(i, j) for i, j, _a, _d in model.tech]) is None
    check_memory(iterations, peak_bytes_per_iteration(
        inputs=len(inputs), exchanges=m, links=len(links), technosphere=len(fg.technosphere.data),
        datasets=len(direct), background=len(model.codes), categories=len(categories),
        stages=len(set(fg.stages)), cyclic=cyclic))
    z = sampling.standard_normals(iterations, [item.stream or item.id for item in inputs], seed)
    _shared_columns(inputs, z)
    fg_mult = sampling.multipliers([i.spec for i in fg_inputs], z[:, :n_fg])
    bg_mult = sampling.multipliers(model.specs, z[:, n_fg:n_fg + n_bg])
    clipped = _normal_draws_below_zero(fg_inputs, fg_mult) + _normal_draws_below_zero(bg_inputs, bg_mult)
    _refuse_sign_flips(fg_inputs, fg_mult)
    _refuse_sign_flips(bg_inputs, bg_mult)
    supplier_values = supplier_samples(z)
    totals, stages, scores = evaluate(fg_mult, bg_mult, supplier_values)
    if not np.all(np.isfinite(totals)):
        raise UncertaintyError("the Monte Carlo gave non-finite results (a sampled foreground could not be solved)",
                               expected="distributions that keep every process's output positive")
    stage_order = [stage.id for stage in system.rule.rule.stages]
    for stage in stage_order:
        stages.setdefault(stage, np.zeros_like(totals))
    reaches = _reaches(system, fg, column_of, inputs, n_fg, n_bg, scores, fg_factors, supplier_values)
    sensitivity = _sensitivity(inputs, z, totals, scores, direct, model, categories, n_fg, n_bg, reaches)
    producer = sum(1 for i in fg_inputs if i.spec.basis == "producer")
    notes = ["reference flows (outputs, co-products), allocation shares, CFF parameters A and Qsin/Qp and "
             "characterisation factors are fixed"]
    if clipped:  # recorded only then: every other run's record is unchanged
        notes.append(f"{clipped:,} draw(s) of normal distributions fell below 0 and were taken as 0 (an amount is "
                     f">= 0; a normal is taken only while P(X < 0) <= {NEGATIVE_PROBABILITY:g})")
    imported = [code for code in direct if code not in catalogue.datasets]
    if imported:
        notes.append(f"{len(imported)} dataset(s) of imported databases keep their deterministic score (their "
                     "exchanges' distributions are not propagated): " + ", ".join(imported))
    model_record = {
        "version": MODEL_VERSION,
        "pedigree": pedigree.table().describe(),
        "inputs_sha256": _inputs_hash(inputs, model),
        "counts": {"foreground_amounts": n_fg, "stated_by_producer": producer, "from_dqr": n_fg - producer,
                   "datasets_sampled": len([c for c in direct if c in model.codes]),
                   "background_datasets": len(model.codes), "background_exchanges": n_bg,
                   "supplier_declarations": len(supplier_inputs)},
        "foreground": [item.describe() for item in fg_inputs],
        "suppliers": [item.describe() for item in supplier_inputs],
        "notes": notes,
    }
    return MonteCarlo(iterations=iterations, seed=seed, categories=categories,
                      values={c.id: result.totals[c.id] for c in categories}, totals=totals, by_stage=stages,
                      inputs=inputs, sensitivity=sensitivity, model=model_record, stage_order=stage_order)


def _normal_draws_below_zero(inputs: Sequence[RandomInput], multipliers: np.ndarray) -> int:
    """Take a normal's draws below 0 as 0, in place; how many there were.

    A normal reaching below 0 with a probability above 1e-6 is refused as its file is read
    (distribution.NEGATIVE_PROBABILITY).  One under that bound still draws below 0 now and then: with
    sd = amount / 4.76, about once in 100 runs of N 10,000.  Refused by the draws (as before), whether
    such a run was declared depended on N and the seed, which the bound exists to end; taken as 0,
    the percentiles move by at most that 1e-6 of probability.  Not for ranges (checked to start at 0
    or above, so they draw nothing below it) nor lognormals (never below 0); nor for a normal past the
    bound that reached the engine without the read's check (a Relative built in code): its draws below
    0 are left for _refuse_sign_flips to refuse, as before the bound.
    """
    from footprint.inputs.distribution import NEGATIVE_PROBABILITY, negative_probability

    count = 0
    for j, item in enumerate(inputs):
        if (item.spec is not None and item.spec.type == TYPE_IDS["normal"]
                and negative_probability(1.0, float(item.spec.scale or 0.0)) <= NEGATIVE_PROBABILITY):
            below = multipliers[:, j] < 0
            if below.any():
                count += int(below.sum())
                multipliers[below, j] = 0.0
    return count


def _refuse_sign_flips(inputs: list[RandomInput], multipliers: np.ndarray) -> None:
    """Refuse a sampled multiplier below 0: the amount would change sign (a negative fuel use, emission).

    A normal distribution with a wide standard deviation, or a range whose minimum has the other
    sign than the amount, draws such values; summed into the percentiles they pull them below
    what any real amount can give, with nothing to show for it.  Lognormal never does.  Both are
    refused as read now (a normal's rare draw under its bound is taken as 0 before this:
    _normal_draws_below_zero), so this guards only a distribution that came past those checks.
    """
    if not multipliers.size:
        return
    flipped = (multipliers < 0).sum(axis=0)
    if not flipped.any():
        return
    j = int(np.argmax(flipped))
    item = inputs[j]
    raise UncertaintyError(
        f"the {item.spec.name} distribution of '{item.id}' ({item.label}) changes the amount's sign in "
        f"{int(flipped[j]):,} of {multipliers.shape[0]:,} iterations (multiplier down to "
        f"{float(multipliers[:, j].min()):.3g})", field=item.id, value=item.spec.describe(),
        expected="a distribution that keeps the amount's sign: a lognormal (gsd), a smaller sd, or a range on "
                 "the amount's side of zero")


def _foreground_inputs(flows: list[Flow]) -> tuple[list[RandomInput], np.ndarray]:
    """The random inputs of the foreground and, per flow, the column of the input it moves with.

    A flow that ``completes`` another (by field) takes that flow's column; ids are the
    activity-data fields, made unique by the flow's label where one field yields several flows.

    Lines of one datum (a process's draw on one target: dataset, elementary flow, supplier's
    declaration, as the DQR ranks them, quality._datum) whose uncertainty comes from the pedigree
    table share one column of random numbers (``moves_with``), each with its own spread.  Why: a
    pedigree spread says how well the data represent the process, which does not shrink by writing
    the datum in more lines; drawn line by line, the demo's coal written as 50 equal lines gave a
    95 % interval of climate change about a third as wide, and better class probabilities, exit 0.
    A producer's own distributions stay independent: each line states its own measurement.

    Each input's ``stream`` names it by what it is, never by where it is written (model 4): a datum by
    process, kind and target; a line with its own numbers by everything it states, equal lines (which
    are interchangeable) numbered.  Why: the columns had been handed out in the lines' order, so the
    same data in another order or in the XLSX workbook gave other percentiles for the same seed.
    """
    inputs: list[RandomInput] = []
    column_of: list[int] = []
    by_field: dict[str, int] = {}
    seen: dict[str, int] = {}
    first_of_datum: dict[tuple[str, str, str], str] = {}
    line_streams: dict[str, int] = {}
    for flow in flows:
        completes = getattr(flow, "completes", None)
        if completes and completes in by_field:
            column_of.append(by_field[completes])
            continue
        ident = flow.field
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:
            ident = f"{flow.field} [{flow.label}]"
        by_field.setdefault(flow.field, len(inputs))
        column_of.append(len(inputs))
        spec = flow.uncertainty or Relative(TYPE_IDS["none"], basis="none")
        leader = None
        if spec.basis == "pedigree" and not spec.is_certain:
            leader = first_of_datum.setdefault((flow.process, flow.kind, flow.target), ident)
            stream = f"datum\n{flow.process}\n{flow.kind}\n{flow.target}"
        else:  # its own numbers: named by everything it states; equal lines (interchangeable) numbered
            stream = "\n".join(["line", flow.process, flow.kind, flow.target, flow.compartment or "",
                                 repr(float(flow.amount)), flow.unit,
                                 json.dumps(spec.describe(), sort_keys=True)])
            line_streams[stream] = line_streams.get(stream, 0) + 1
            stream += f"\n{line_streams[stream]}"
        inputs.append(RandomInput(ident, flow.label, "amount", spec, process=flow.process,
                                  moves_with=leader if leader != ident else None, stream=stream))
    return inputs, np.array(column_of, dtype=np.int64)


def _numbered(streams: list[str]) -> list[str]:
    """Equal stream names told apart by their occurrence (exchanges of a dataset file, in the file's order)."""
    count: dict[str, int] = {}
    out = []
    for stream in streams:
        count[stream] = count.get(stream, 0) + 1
        out.append(f"{stream}\n{count[stream]}")
    return out


def _shared_columns(inputs: Sequence[RandomInput], z: np.ndarray) -> None:
    """Give each input that moves with another (``moves_with``) that input's random numbers, in place."""
    position = {item.id: k for k, item in enumerate(inputs)}
    for k, item in enumerate(inputs):
        if item.moves_with is not None:
            z[:, k] = z[:, position[item.moves_with]]


def _recycled_line(system: ProductSystem, fg: Foreground, amounts: np.ndarray, scale: np.ndarray,
                   values: np.ndarray, scores: np.ndarray, direct: list[str], supplier_values: np.ndarray,
                   suppliers: list[UpstreamDeclaration], categories: list[Category]
                   ) -> tuple[np.ndarray | None, str]:
    """The CFF line per iteration, (1-A)(Rm Ev Qsin/Qp - Erec): Erec, Ev and Rm from the same samples."""
    from footprint.engine.calculate import _kg

    rc = system.recycled
    loaded = system.rule
    stage = loaded.rule.stage_of(rc.erec_processes[0]).id
    if rc.method != "cff":
        return None, stage
    erec = set(rc.erec_processes)
    virgin_kinds = set(rc.virgin_input_kinds)
    index = {pid: i for i, pid in enumerate(fg.processes)}
    fed = {f.target for p in system.processes if p.id in erec for f in p.flows if f.kind == "intermediate"}
    recycled = np.zeros(amounts.shape[0])
    for pid in rc.erec_processes:
        if pid not in fed:
            kg = units.convert(1.0, loaded.rule.process(pid).product.unit, "kg")
            recycled += scale[:, index[pid]] * system.process(pid).output * kg
    erec_mask = np.zeros(len(fg.amounts), dtype=bool)
    # virgin material blended in within an Erec process counts whole (its flow is not allocated, system.build)
    for e, (pid, flow) in enumerate(fg.index):
        if pid in erec and flow.input_kind in virgin_kinds and flow.kind in ("background", "upstream"):
            recycled -= scale[:, fg.process[e]] * amounts[:, e] * _kg(
                1.0, flow.unit, flow.input_kind, "recycled_content.virgin_input_kinds")
        if pid in erec and flow.input_kind not in virgin_kinds:
            erec_mask[e] = True
    e_rec_total = values[:, erec_mask, :].sum(axis=1)
    line = np.zeros((amounts.shape[0], len(categories)))
    for k, category in enumerate(categories):
        if rc.virgin_dataset is not None:
            if coverage_category(category.id) not in rc.virgin_coverage:
                continue
            e_v = scores[:, direct.index(rc.virgin_dataset), k] * rc.virgin_amount
        elif rc.virgin_declaration is not None:
            if rc.virgin_declaration.per_kg(category.id) is None:
                continue
            s = next(i for i, d in enumerate(suppliers) if d.content_sha256 == rc.virgin_declaration.content_sha256)
            e_v = supplier_values[:, s, k] * units.convert(rc.virgin_amount, rc.virgin_unit, "kg")
        else:
            continue
        line[:, k] = (1.0 - rc.A) * (recycled * e_v * rc.Qsin_Qp - e_rec_total[:, k])
    return line, stage


def _ranks(columns: np.ndarray) -> np.ndarray:
    """Centred ranks of each column, returned as rows (inputs x iterations, contiguous for the sort).

    Ties are rare for continuous samples; they are broken by order, which is what a
    constant column would get wrong, so constant columns are excluded by the caller.
    """
    rows = np.ascontiguousarray(columns.T)
    order = np.argsort(rows, axis=1)
    ranks = np.empty(rows.shape, dtype=float)
    np.put_along_axis(ranks, order, np.arange(rows.shape[1], dtype=float)[None, :], axis=1)
    return ranks - (rows.shape[1] - 1) / 2.0


def _spearman(ranked: np.ndarray, output: np.ndarray) -> np.ndarray:
    """Spearman's rank correlation of each ranked input row with the output (0 for a constant output)."""
    if ranked.shape[0] == 0 or np.ptp(output) == 0:
        return np.zeros(ranked.shape[0])
    y = _ranks(output[:, None])[0]
    norm = np.sqrt((ranked * ranked).sum(axis=1)) * math.sqrt(float((y * y).sum()))
    return np.where(norm > 0, (ranked @ y) / np.where(norm > 0, norm, 1.0), 0.0)


def _reaches(system: ProductSystem, fg: Foreground, column_of: np.ndarray, inputs: Sequence[RandomInput],
             n_fg: int, n_bg: int, scores: np.ndarray, fg_factors: np.ndarray, supplier_values: np.ndarray
             ) -> np.ndarray:
    """Which foreground inputs and suppliers can move which category (inputs x categories, booleans).

    Why: the contribution to variance ranked every input against every category, so an input that
    cannot move a category (Radium-226 to water for particulate matter: no characterisation factor)
    got a squared Spearman of about 1/N from sampling noise alone and was named among what drives it
    (0.14 % at N = 3,000; at N = 300, a tenth of the top ten).  An exchange moves category k when its
    value per unit can be non-zero there (a dataset's sampled score, a flow's factor, a supplier's
    sampled value) and its amount is not 0; a flow between the rule's processes scales the processes
    upstream and is kept; so are the exchanges of a recycling (CFF) process, which also enter the
    recycled-content line.  A datum's lines drawn together count for the input they move with.
    """
    m, categories = len(fg.amounts), fg_factors.shape[1]
    per_unit = np.zeros((m, categories), dtype=bool)
    dataset_nonzero = np.any(scores[:, :len(fg.datasets), :] != 0, axis=0)  # datasets x categories
    supplier_nonzero = np.any(supplier_values != 0, axis=0)  # suppliers x categories
    for code, nonzero in ((0, dataset_nonzero), (1, fg_factors != 0), (2, supplier_nonzero)):
        rows = np.flatnonzero(fg.block == code)
        if rows.size:
            per_unit[rows] = nonzero[fg.target[rows]]
    per_unit &= (fg.amounts != 0)[:, None]
    rc = system.recycled
    if rc is not None:
        erec = set(rc.erec_processes)
        per_unit[[pid in erec for pid, _flow in fg.index]] = True
    reaches = np.zeros((len(inputs), categories), dtype=bool)
    np.logical_or.at(reaches, column_of[:m], per_unit)
    reaches[column_of[m:]] = True  # flows between the rule's processes
    position = {item.id: k for k, item in enumerate(inputs)}
    for k, item in enumerate(inputs[:n_fg]):
        if item.moves_with is not None:
            reaches[position[item.moves_with]] |= reaches[k]
    reaches[n_fg + n_bg:] = supplier_nonzero
    return reaches


def _sensitivity(inputs: list[RandomInput], z: np.ndarray, totals: np.ndarray, scores: np.ndarray,
                 direct: list[str], model: BackgroundModel, categories: list[Category], n_fg: int,
                 n_bg: int, reaches: np.ndarray) -> dict[str, list[dict]]:
    """Contribution to variance per input and category: foreground amounts, used datasets, suppliers.

    A dataset counts as one input (its sampled score: its own exchanges and those
    of the datasets it rests on), because which dataset to improve is the question.
    Only inputs that can move the category are ranked for it (``_reaches``).
    """
    # an input moving with another is that datum's: counted once, by the input whose numbers it shares
    fg = [k for k in range(n_fg) if not inputs[k].spec.is_certain and inputs[k].moves_with is None]
    lines_of: dict[str, int] = {}
    for item in inputs[:n_fg]:
        if item.moves_with is not None:
            lines_of[item.moves_with] = lines_of.get(item.moves_with, 0) + 1
    suppliers = list(range(n_fg + n_bg, len(inputs)))
    sampled = [d for d, code in enumerate(direct) if code in model.codes]
    fixed_ranks = _ranks(z[:, fg + suppliers])  # the same for every category
    out: dict[str, list[dict]] = {}
    for k, category in enumerate(categories):
        varying = [d for d in sampled if np.ptp(scores[:, d, k]) > 0]
        kept_fg = [r for r, i in enumerate(fg) if reaches[i, k]]
        kept_suppliers = [r for r, i in enumerate(suppliers) if reaches[i, k]]
        ranked = np.vstack([fixed_ranks[kept_fg], _ranks(scores[:, varying, k]),
                            fixed_ranks[[len(fg) + r for r in kept_suppliers]]])
        rho = _spearman(ranked, totals[:, k])
        weight = rho ** 2
        total = float(weight.sum())
        rows = []
        described = ([inputs[fg[r]] for r in kept_fg] + [("dataset", direct[d]) for d in varying]
                     + [inputs[suppliers[r]] for r in kept_suppliers])
        for item, r, w in zip(described, rho, weight):
            if w <= 0:
                continue
            if isinstance(item, tuple):
                entry = {"input": f"dataset:{item[1]}", "label": f"secondary dataset {item[1]}", "kind": "dataset"}
            else:
                label = item.label
                if lines_of.get(item.id):
                    label += f" (and {lines_of[item.id]} more line(s) of the same datum, drawn with it)"
                entry = {"input": item.id, "label": label, "kind": item.kind}
            entry.update(spearman=float(r), share=float(w / total) if total > 0 else 0.0)
            rows.append(entry)
        rows.sort(key=lambda row: (-row["share"], row["input"]))
        out[category.id] = rows
    return out
