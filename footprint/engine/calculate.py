"""The calculation: the producer's foreground on top of the background, through Brightway.

The producer's foreground never enters the Brightway SQLite project: a
declaration writes nothing to the project (two users can declare at once
without the lost-update problem of concurrent Brightway writes) and the
background stays byte-identical between declarations.

Contributions: each foreground exchange is credited with its scaled amount
times the cradle-to-gate score of what it points at.  The scores come from
footprint.engine.solvers: by default from bw2calc's background matrices solved once
and cached, or (``reference=True``) from one bw2calc LCA of foreground and
background together, in which case the items are checked against
``lca.score``.  Two kinds of item lie outside the Brightway matrices and are
added explicitly: inputs whose burden is a supplier's declaration (declared
value per kg times the amount), and the recycled-content adjustment of the
Circular Footprint Formula, booked as its own line "recycled content" in the
recycling stage (not on any process, so it cannot distort the Data Needs
Matrix).  The items always add up to the total.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from footprint.data.inventory import BACKGROUND_DB, BIOSPHERE_DB
from footprint.data.project import background_version, brightway
from footprint.engine import allocation, exact, solvers
from footprint.engine.solvers import node_ids
from footprint.engine.system import Flow, ProductSystem
from footprint.errors import ActivityDataError
from footprint.inputs import units
from footprint.inputs.categories import RECYCLED_CONTENT_ID, Category, all_categories, coverage_category

RESULT_COLUMNS = ["category", "stage", "process", "item", "kind", "target", "value", "unit"]


class Item(NamedTuple):
    """One foreground exchange's contribution to one category (a named tuple: made by the thousand)."""

    flow: Flow
    stage: str
    value: float


class Items(dict):
    """category id -> its Items, each category's list built on first use.

    A declaration reads the items of its few declared categories (quality, Data Needs
    Matrix); building them for every category was a fifth of the calculation.
    """

    def __init__(self, result: "Result"):
        super().__init__()
        # the parts of the result it reads, not the result: a reference back would make every
        # result a reference cycle, left for the cyclic garbage collector instead of freed at once
        self._column, self._flows, self._stages = result._column, result.flows, result.stages
        self._matrix, self._extra = result.matrix, result.extra

    def __missing__(self, category: str) -> list[Item]:
        if category not in self._column:
            raise KeyError(category)
        items = list(map(Item._make, zip(self._flows, self._stages, self._matrix[:, self._column[category]].tolist())))
        if category in self._extra:
            items.append(self._extra[category])
        dict.__setitem__(self, category, items)
        return items

    def __contains__(self, category: object) -> bool:
        return category in self._column

    def get(self, category, default=None):
        return self[category] if category in self else default

    def __iter__(self):
        return iter(self._column)

    def __len__(self) -> int:
        return len(self._column)

    def keys(self):
        return self._column.keys()

    def values(self):
        return [self[category] for category in self]

    def items(self):
        return [(category, self[category]) for category in self]


@dataclass
class Result:
    """Characterised results per declared unit, with every contribution kept.

    The contributions are ``matrix`` (exchanges x categories; exchange e is ``flows[e]`` of a
    process in stage ``stages[e]``) plus, per category, the recycled-content line in ``extra``.
    ``items``, ``rows`` (the canonical result table as tuples, RESULT_COLUMNS) and ``table`` (the
    same as a pandas DataFrame) are built from them on first use: a declaration reads the rows
    of its declared categories only, and never needs pandas.
    """

    system: ProductSystem
    categories: list[Category]
    totals: dict[str, float]
    flows: list[Flow] = field(repr=False)
    stages: list[str] = field(repr=False)
    matrix: np.ndarray = field(repr=False)
    extra: dict[str, Item] = field(default_factory=dict)  # category -> the recycled-content line
    recycled: dict[str, dict] = field(default_factory=dict)  # category -> Erec, Ev, adjustment, applied
    scales: dict[str, float] = field(default_factory=dict)  # process id -> scaling to one declared unit
    material: "MaterialFlows | None" = None  # recycled and virgin material per declared unit (secondary route)

    def __post_init__(self) -> None:
        self._column = {category.id: k for k, category in enumerate(self.categories)}
        self.items: dict[str, list[Item]] = Items(self)

    def values_of(self, category_id: str) -> np.ndarray:
        """The contributions of ``flows`` to one category (its matrix column; the recycled-content
        line, if any, is ``extra[category_id]``)."""
        return self.matrix[:, self._column[category_id]]

    def rows_of(self, category_id: str) -> list[tuple]:
        """The result table's rows of one category (RESULT_COLUMNS), the recycled-content line last."""
        category = self.categories[self._column[category_id]]
        values = self.matrix[:, self._column[category_id]].tolist()
        rows = [(category_id, stage, flow.process, flow.label, flow.kind, flow.target, value, category.unit)
                for flow, stage, value in zip(self.flows, self.stages, values)]
        item = self.extra.get(category_id)
        if item is not None:
            rows.append((category_id, item.stage, item.flow.process, item.flow.label, item.flow.kind,
                         item.flow.target, item.value, category.unit))
        return rows

    @property
    def rows(self) -> list[tuple]:
        """The whole result table as tuples (RESULT_COLUMNS), category by category."""
        return [row for category in self.categories for row in self.rows_of(category.id)]

    @property
    def table(self):
        """The result table as a pandas DataFrame (RESULT_COLUMNS), built once on first use."""
        cached = self.__dict__.get("_table")
        if cached is None:
            import pandas as pd

            cached = self.__dict__["_table"] = pd.DataFrame(self.rows, columns=RESULT_COLUMNS)
        return cached

    def by(self, category_id: str, column: str) -> dict[str, float]:
        """Sum of contributions per stage or per process, exactly (every category's at first use)."""
        cache = self.__dict__.setdefault("_by_cache", {})
        key = (category_id, column)
        if key not in cache:
            if category_id not in self._column:
                raise KeyError(category_id)
            self._sum_by(column, cache)
        return dict(cache[key])

    def _sum_by(self, column: str, cache: dict) -> None:
        """Fill ``cache`` with every category's sums per group of ``column``: one grouped sum for all categories.

        Bin (k, g) = k * groups + g gathers category k's rows of group g, and the recycled-content line of
        category k in its group; each bin is summed exactly (exact.by_group), so a stage's or a process's
        sum is the same whatever order the producer wrote its inputs in (np.bincount, before, added them
        in row order: another order moved the last bits).
        """
        names, codes = self._groups(column)
        names, index = list(names), {name: position for position, name in enumerate(names)}
        lines = []  # (category column, group of the recycled-content line, its value)
        for k, category in enumerate(self.categories):
            item = self.extra.get(category.id)
            if item is not None:
                group = item.stage if column == "stage" else item.flow.process
                lines.append((k, index.setdefault(group, len(names)), item.value))
                if len(index) > len(names):
                    names.append(group)
        size, count = len(names), len(self.categories)
        bins = (np.arange(count, dtype=np.int64)[:, None] * size + codes[None, :]).ravel()
        values = np.asarray(self.matrix, dtype=float).T.ravel()
        if lines:
            bins = np.concatenate([bins, np.array([k * size + g for k, g, _v in lines], dtype=np.int64)])
            values = np.concatenate([values, np.array([v for _k, _g, v in lines], dtype=float)])
        sums, = exact.by_group(bins, count * size, values)
        present = exact.counts(bins, count * size)
        for k, category in enumerate(self.categories):
            row = slice(k * size, (k + 1) * size)
            cache[(category.id, column)] = {name: total for name, total, found in zip(names, sums[row], present[row])
                                            if found}

    def _groups(self, column: str) -> tuple[list[str], np.ndarray]:
        cache = self.__dict__.setdefault("_group_cache", {})
        if column not in cache:
            if column not in ("stage", "process"):
                raise KeyError(column)
            keys = self.stages if column == "stage" else [flow.process for flow in self.flows]
            index: dict[str, int] = {}
            codes = np.array([index.setdefault(key, len(index)) for key in keys], dtype=np.int64)
            cache[column] = (list(index), codes)
        return cache[column]




@dataclass
class MaterialFlows:
    """Recycled and virgin material per declared unit, from the foreground's flows.

    Rm is the recycled material the Erec processes deliver (their outlets' output,
    less virgin material blended in within them); Vm the virgin material of the
    rule's virgin input kinds anywhere in the system.  R1 = Rm / (Rm + Vm).
    """

    recycled_kg: float
    virgin_kg: float
    stage: str

    @property
    def r1(self) -> float:
        total = self.recycled_kg + self.virgin_kg
        return self.recycled_kg / total if total > 0 else 0.0


def _max_node_id() -> int:
    from bw2data.backends import ActivityDataset as AD
    from peewee import fn

    return int(AD.select(fn.MAX(AD.id)).scalar() or 0)


def foreground_datapackage(system: ProductSystem, background_ids: dict[str, int], biosphere_ids: dict[str, int],
                           first_id: int):
    """The foreground as a bw_processing datapackage; ids above every id in the project."""
    import bw_processing as bwp

    ids = {process.id: first_id + index for index, process in enumerate(system.processes)}
    tech_idx, tech_val, tech_flip, bio_idx, bio_val = [], [], [], [], []
    for process in system.processes:
        col = ids[process.id]
        tech_idx.append((col, col))
        tech_val.append(process.output)
        tech_flip.append(False)
        for flow in process.flows:
            if flow.kind == "upstream":
                continue  # a supplier's declared value, added as an explicit contribution in calculate()
            if flow.kind == "biosphere":
                bio_idx.append((biosphere_ids[flow.target], col))
                bio_val.append(flow.amount)
                continue
            row = ids[flow.target] if flow.kind == "intermediate" else background_ids[flow.target]
            tech_idx.append((row, col))
            tech_val.append(flow.amount)
            tech_flip.append(True)
    package = bwp.create_datapackage(sum_intra_duplicates=True, sum_inter_duplicates=False)
    package.add_persistent_vector(matrix="technosphere_matrix", name="foreground-technosphere",
                                  indices_array=np.array(tech_idx, dtype=bwp.INDICES_DTYPE),
                                  data_array=np.array(tech_val, dtype=float),
                                  flip_array=np.array(tech_flip, dtype=bool))
    if bio_idx:
        package.add_persistent_vector(matrix="biosphere_matrix", name="foreground-biosphere",
                                      indices_array=np.array(bio_idx, dtype=bwp.INDICES_DTYPE),
                                      data_array=np.array(bio_val, dtype=float))
    return package, ids


def background_node_ids(background: str | list[str] | tuple[str, ...],
                        codes: set[str] | None = None, version: str | None = None) -> dict[str, int]:
    """Ids of background nodes (all, or ``codes``): the first database by code, further ones 'database::code'.

    Several databases lets an imported database (ecoinvent, USLCI, ...) stand in for
    some inputs while the rest keep footprint's open datasets (footprint.data.background).
    A declaration asks only for the codes it uses: an imported database has ~20,000.
    """
    names = [background] if isinstance(background, str) else list(background)
    ids: dict[str, int] = {}
    for position, name in enumerate(names):
        prefix = "" if position == 0 else f"{name}::"
        wanted = None if codes is None else {c[len(prefix):] for c in codes if c.startswith(prefix)}
        for code, node in node_ids(name, wanted, version).items():
            ids[prefix + code] = node
    return ids


def calculate(system: ProductSystem, categories: list[Category] | None = None,
              background: str | list[str] | tuple[str, ...] = BACKGROUND_DB, *, reference: bool = False,
              loop: bool = False) -> Result:
    """Characterised results of the declared unit for each category, split to foreground items.

    By default the foreground is solved as arrays (footprint.engine.foreground) on the cached
    background scores (footprint.engine.solvers.CachedBackground).  ``reference=True`` solves
    foreground and background together in one bw2calc LCA instead and checks the items against
    ``lca.score``; ``loop=True`` runs the cached scores through the exchange-by-exchange loop the
    reference path uses.  All three give the same numbers (tests/test_foreground.py).
    """
    brightway()
    version = background_version()  # one identity for the whole calculation: every cache is keyed on it
    categories = list(categories or all_categories())
    used = {flow.target for process in system.processes for flow in process.flows if flow.kind == "background"}
    if system.recycled is not None and system.recycled.virgin_dataset:
        used.add(system.recycled.virgin_dataset)
    background_ids = background_node_ids(background, used, version)
    databases = [background] if isinstance(background, str) else list(background)
    emitted = {flow.target for process in system.processes for flow in process.flows if flow.kind == "biosphere"}
    biosphere_ids = node_ids(BIOSPHERE_DB, emitted, version)
    if reference:
        package, fg_ids = foreground_datapackage(system, background_ids, biosphere_ids, _max_node_id() + 1)
        solver = solvers.FullLCA(system, categories, databases, background_ids, biosphere_ids, package, fg_ids,
                                 version)
        return _calculate_loop(system, categories, solver)
    cached = solvers.CachedBackground(system, categories, databases, background_ids, biosphere_ids, version)
    if loop:
        return _calculate_loop(system, categories, cached)
    return _calculate_arrays(system, categories, cached)


def calculate_many(systems: list[ProductSystem], categories: list[Category] | None = None,
                   background: str | list[str] | tuple[str, ...] = BACKGROUND_DB) -> list[Result | Exception]:
    """Many product systems on one background, scored together: one gather of unit scores, one product.

    Each foreground is solved on its own (small); the exchanges of all of them are stacked and
    multiplied by their unit scores in one product, then split back into one Result per system,
    equal to ``calculate`` of each (tests/test_foreground.py).  A system that cannot be computed
    gets its exception in its place; the others are not affected.
    """
    from footprint.engine import foreground

    brightway()
    version = background_version()
    categories = list(categories or all_categories())
    used: set[str] = set()
    emitted: set[str] = set()
    for system in systems:
        for process in system.processes:
            for flow in process.flows:
                if flow.kind == "background":
                    used.add(flow.target)
                elif flow.kind == "biosphere":
                    emitted.add(flow.target)
        if system.recycled is not None and system.recycled.virgin_dataset:
            used.add(system.recycled.virgin_dataset)
    databases = [background] if isinstance(background, str) else list(background)
    cached = solvers.CachedBackground(None, categories, databases, background_node_ids(background, used, version),
                                      node_ids(BIOSPHERE_DB, emitted, version), version)
    built: list[tuple[ProductSystem, object, np.ndarray] | Exception] = []
    for system in systems:
        try:
            fg = foreground.build(system)
            built.append((system, fg, fg.supply()))
        except Exception as exc:  # noqa: BLE001 - one system's problem is that system's outcome
            built.append(exc)
    good = [entry for entry in built if not isinstance(entry, Exception)]
    try:
        stacked = foreground.stack([fg for _system, fg, _supply in good])
        unit = cached.unit_scores(stacked, categories)  # one gather for every exchange of every system
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = np.concatenate([supply[fg.process] * fg.amounts for _system, fg, supply in good]) if good \
                else np.zeros(0)
        with np.errstate(over="ignore", invalid="ignore"):  # refused per system below, named
            matrix = scaled[:, None] * unit  # one product
    except Exception:  # noqa: BLE001 - find which system fails by computing them one by one
        return [entry if isinstance(entry, Exception) else _one(entry[0], categories, background)
                for entry in built]
    results: list[Result | Exception] = []
    start = 0
    for entry in built:
        if isinstance(entry, Exception):
            results.append(entry)
            continue
        system, fg, supply = entry
        rows = slice(start, start + len(fg.amounts))
        start = rows.stop
        try:
            _check_finite(system, categories, fg, supply, unit[rows], matrix[rows])
            results.append(_result(system, categories, [flow for _p, flow in fg.index],
                                   [fg.stages[c] for c in fg.process.tolist()], matrix[rows],
                                   dict(zip(fg.processes, supply.tolist())), {c.id: None for c in categories},
                                   cached))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
    return results


def _one(system: ProductSystem, categories: list[Category], background) -> Result | Exception:
    try:
        return calculate(system, categories, background)
    except Exception as exc:  # noqa: BLE001
        return exc


def _exchanges(system: ProductSystem) -> tuple[list[Flow], list[str]]:
    """Every exchange that leaves the foreground, process by process (the rows of the result), and its stage."""
    flows, stages = [], []
    for process in system.processes:
        for flow in process.flows:
            if flow.kind != "intermediate":
                flows.append(flow)
                stages.append(process.stage)
    return flows, stages


def _calculate_loop(system: ProductSystem, categories: list[Category], solver: "solvers.Solver") -> Result:
    """Exchange by exchange, category by category: the reference path's way (and the check of the arrays)."""
    flows, stages = _exchanges(system)
    matrix = np.zeros((len(flows), len(categories)))
    scales: dict[str, float] = {}
    scores: dict[str, float | None] = {}
    for k, category in enumerate(categories):
        solver.select(category)
        if not scales:
            scales = {process.id: float(solver.scale(process.id)) for process in system.processes}
        row = 0
        for process in system.processes:
            scale = solver.scale(process.id)
            for flow in process.flows:
                if flow.kind == "intermediate":
                    continue
                if flow.kind == "upstream":
                    per_kg = flow.upstream.per_kg(category.id)
                    per_unit = (per_kg or 0.0) * units.convert(1.0, flow.unit, "kg")
                elif flow.kind == "background":
                    per_unit = solver.background_score(flow.target)
                else:
                    per_unit = solver.characterisation(flow.target)
                value = float(scale * flow.amount * per_unit)
                if not math.isfinite(value):
                    raise _not_finite(system, category.id, value, flow, scale, per_unit)
                matrix[row, k] = value
                row += 1
        scores[category.id] = solver.lca_score()
    return _result(system, categories, flows, stages, matrix, scales, scores, solver)


def _calculate_arrays(system: ProductSystem, categories: list[Category], cached: "solvers.CachedBackground"
                      ) -> Result:
    """The foreground as arrays: one solve, one product for every exchange and category."""
    from footprint.engine import foreground

    fg = foreground.build(system)
    supply = fg.supply()
    unit = cached.unit_scores(fg, categories)
    matrix = fg.contributions(unit, supply)
    _check_finite(system, categories, fg, supply, unit, matrix)
    stages = [fg.stages[column] for column in fg.process.tolist()]
    flows = [flow for _process, flow in fg.index]
    scales = dict(zip(fg.processes, supply.tolist()))
    return _result(system, categories, flows, stages, matrix, scales, {c.id: None for c in categories}, cached)


def _check_finite(system: ProductSystem, categories: list[Category], fg, supply: np.ndarray, unit: np.ndarray,
                  matrix: np.ndarray) -> None:
    """Refuse a contribution that is not a finite number, naming the first input that drove it there."""
    if matrix.size and not np.isfinite(matrix).all():
        e, k = (int(i) for i in np.argwhere(~np.isfinite(matrix))[0])
        flow = fg.index[e][1]
        raise _not_finite(system, categories[k].id, float(matrix[e, k]), flow, float(supply[fg.process[e]]),
                          float(unit[e, k]))


def _result(system: ProductSystem, categories: list[Category], flows: list[Flow], stages: list[str],
            matrix: np.ndarray, scales: dict[str, float], scores: dict[str, float | None],
            solver: "solvers.Solver") -> Result:
    """Totals, the CFF line and the identity checks, whichever way the contributions were computed.

    Per category: the items inside Brightway's matrices must add up to the LCA score (reference
    path); the total is the exact sum of all items (suppliers' values and the recycled-content line included).
    """
    material = material_flows(system, scales) if system.recycled is not None and categories else None
    upstream_rows = np.array([flow.kind == "upstream" for flow in flows], dtype=bool)
    totals: dict[str, float] = {}
    extra: dict[str, Item] = {}
    recycled: dict[str, dict] = {}
    # category by category as rows, each contiguous: one gather for all categories instead of two each
    by_category = np.ascontiguousarray(matrix.T)
    inside = by_category[:, ~upstream_rows]
    finite = np.isfinite(by_category).all(axis=1).tolist()
    rows = by_category.tolist()
    for k, category in enumerate(categories):
        score = scores[category.id]
        if score is not None:  # the reference path: the items inside Brightway's matrices against its LCA score
            in_matrices = float(inside[k].sum())
            if not math.isclose(in_matrices, score, rel_tol=1e-8, abs_tol=1e-12 * max(1.0, abs(score))):
                raise RuntimeError(f"contributions of {category.id} ({in_matrices}) do not add up to the LCA score "
                                   f"({score})")
        values = rows[k]
        if system.recycled is not None:
            solver.select(category)
            category_items = list(map(Item._make, zip(flows, stages, rows[k])))
            item, recycled[category.id] = _recycled_item(system, category.id, category_items, material, solver)
            if item is not None:
                extra[category.id] = item
                values = values + [item.value]
        # the total is the exact sum of its items (exact.total): the same bits whatever order the producer wrote
        # the inputs in (a pairwise sum in row order moved the last bits), and the items add up to it by definition
        total = exact.total(values) if finite[k] else math.nan
        if not math.isfinite(total):  # finite items can still overflow when summed
            everyone = flows + ([extra[category.id].flow] if category.id in extra else [])
            largest = max(range(len(values)), key=lambda i: abs(values[i]) if math.isfinite(values[i]) else math.inf)
            raise _not_finite(system, category.id, total, everyone[largest], None, None)
        totals[category.id] = total
    return Result(system=system, categories=categories, totals=totals, flows=flows, stages=stages, matrix=matrix,
                  extra=extra, recycled=recycled, scales=scales, material=material)


def _not_finite(system: ProductSystem, category: str, value: float, flow: Flow, scale: float | None,
                per_unit: float | None) -> ActivityDataError:
    """A result that is not a finite number, blamed on the input whose amount drove it there.

    Finite inputs can still overflow once scaled to the declared unit (a production of 1e-300 t)
    or summed (two contributions of 1e308): the declaration would carry inf or nan.
    """
    how = (f"{flow.amount:g} {flow.unit} scaled by {scale:g} to the declared unit, times {per_unit:g} per unit"
           if scale is not None else "the sum of the contributions overflows; the largest comes from this input")
    path = system.activity.path if system.activity is not None else None
    return ActivityDataError(f"the {category} result is not a finite number ({value}): {how}", file=path,
                             field=flow.field or None, value=flow.amount,
                             expected="amounts (and the production amount they are divided by) of realistic size")


def _kg(amount: float, unit: str, what: str, field_name: str) -> float:
    """A virgin-material amount in kg; a virgin input counted in another unit cannot enter R1."""
    from footprint.errors import RuleError, UnitError

    try:
        return units.convert(amount, unit, "kg")
    except UnitError:
        raise RuleError(f"virgin input kind '{what}' is not counted in a unit of mass", field=field_name, value=unit,
                        expected="an input kind whose dataset or declaration is per kg") from None


def material_flows(system: ProductSystem, scales: dict[str, float]) -> MaterialFlows:
    """Rm and Vm per declared unit (see MaterialFlows); raise when the Erec processes deliver nothing."""
    from footprint.errors import ActivityDataError, RuleError

    rc = system.recycled
    loaded = system.rule
    present = {p.id: p for p in system.processes}
    missing = [pid for pid in rc.erec_processes if pid not in present]
    if missing:
        raise ActivityDataError(f"the recycling process '{missing[0]}' (Erec) has no activity data",
                                file=system.activity.path, field=f"processes.{missing[0]}",
                                expected="company data for every process the rule names in "
                                         "recycled_content.erec_processes")
    erec = set(rc.erec_processes)
    virgin_kinds = set(rc.virgin_input_kinds)
    fed = {flow.target for pid in erec for flow in present[pid].flows if flow.kind == "intermediate"}
    outlets = [pid for pid in rc.erec_processes if pid not in fed]
    # each sum exact (exact.total): the virgin lines summed in file order moved R1's flows and the CFF line's
    # Rm in their last bits when the producer listed the same inputs in another order
    produced = exact.total([scales[pid] * units.convert(present[pid].output, loaded.rule.process(pid).product.unit,
                                                        "kg") for pid in outlets])
    virgin_in_erec_terms: list[float] = []
    virgin_terms: list[float] = []
    for process in system.processes:
        # virgin material blended in within an Erec process goes whole into its main product, the recycled
        # material counted in 'produced': its flow is not allocated (system.build), so a co-product (hydrogen
        # processing's nickel scrap) takes no part of its mass out of Rm's subtraction and of R1
        for flow in process.flows:
            if flow.input_kind in virgin_kinds and flow.kind in ("background", "upstream"):
                kg = scales[process.id] * _kg(flow.amount, flow.unit, flow.input_kind,
                                                      "recycled_content.virgin_input_kinds")
                virgin_terms.append(kg)
                if process.id in erec:
                    virgin_in_erec_terms.append(kg)
    virgin_in_erec, virgin_total = exact.total(virgin_in_erec_terms), exact.total(virgin_terms)
    recycled_kg = produced - virgin_in_erec
    if recycled_kg <= 0:
        raise RuleError("the recycling processes (Erec) deliver no recycled material", file=loaded.path,
                        field="recycled_content.erec_processes", value=", ".join(rc.erec_processes),
                        expected="the processes that turn scrap into the recycled material")
    flows = MaterialFlows(recycled_kg=recycled_kg, virgin_kg=virgin_total,
                          stage=loaded.rule.stage_of(rc.erec_processes[0]).id)
    tolerance = loaded.rule.mass_balance_tolerance
    if abs(flows.r1 - rc.R1) > tolerance + 1e-12:
        raise ActivityDataError(
            f"recycled content R1 = {rc.R1:g} does not match the material flows: {recycled_kg:.4g} kg recycled "
            f"and {virgin_total:.4g} kg virgin material per declared unit give R1 = {flows.r1:.4f}",
            file=system.activity.path, field="recycled_content.R1", value=rc.R1,
            expected=f"R1 within {tolerance:g} of {flows.r1:.4f}, or the virgin material as inputs of the rule's "
                     f"virgin input kinds ({', '.join(rc.virgin_input_kinds) or 'none defined'})")
    _r1_edges(rc.R1, flows, system.activity.path)
    return flows


def _r1_edges(stated: float, flows: MaterialFlows, path) -> None:
    """A stated R1 of exactly 1 or 0 is a claim the flows must bear out exactly, not within the tolerance.

    Why: R1 is declared as the producer states it (the report, the PACT extension), checked against the
    flows within the rule's mass-balance tolerance (0.05).  R1 = 1 ("all recycled") beside a virgin NdPr
    top-up of 5 t in 124.7 t of feed (flows: 1.197 kg recycled and 0.05 kg virgin per kg, R1 = 0.960)
    was declared as 100 % recycled content, exit 0, while the footprint counted the virgin metal; R1 = 0
    ("nothing recycled") beside recycled material the Erec processes deliver, likewise.  A share between
    the two may differ from the flows' within the tolerance (feed records and product masses differ).
    """
    from footprint.errors import ActivityDataError

    if stated >= 1.0 and flows.virgin_kg > 0:
        problem = (f"recycled content R1 = 1 states that no virgin material was used, but the flows hold "
                   f"{flows.virgin_kg:.4g} kg virgin material per declared unit beside {flows.recycled_kg:.4g} kg "
                   f"recycled (R1 = {flows.r1:.4f})")
    elif stated <= 0.0 and flows.recycled_kg > 0:
        problem = (f"recycled content R1 = 0 states that nothing recycled was used, but the recycling processes "
                   f"deliver {flows.recycled_kg:.4g} kg recycled material per declared unit (R1 = {flows.r1:.4f})")
    else:
        return
    raise ActivityDataError(problem, file=path, field="recycled_content.R1", value=stated,
                            expected=f"the recycled share the feed records give (the flows: {flows.r1:.4f})")


def _virgin_burden(system: ProductSystem, category: str, solver: "solvers.Solver") -> float | None:
    """Ev per kg of recycled material in one category, or None where the source gives no value."""
    rc = system.recycled
    if rc.virgin_dataset is not None:
        if coverage_category(category) not in rc.virgin_coverage:
            return None
        return solver.background_score(rc.virgin_dataset) * rc.virgin_amount
    if rc.virgin_declaration is not None:
        per_kg = rc.virgin_declaration.per_kg(category)
        return None if per_kg is None else per_kg * units.convert(rc.virgin_amount, rc.virgin_unit, "kg")
    return None


def _recycled_item(system: ProductSystem, category: str, category_items: list[Item], material: MaterialFlows,
                   solver: "solvers.Solver") -> tuple[Item | None, dict]:
    """The recycled-content line: (1-A)·(Rm·Ev·Qsin/Qp - Erec) per declared unit (zero under cut-off).

    The foreground already holds the cut-off picture: the Erec processes with their own
    burden (Erec per declared unit = Rm·Erec per kg), virgin inputs in full, later
    processes in full.  The CFF's material term for the recycled share, Rm·(A·Erec +
    (1-A)·Ev·Qsin/Qp), differs from the Rm·Erec already counted by this line.  Where the
    Ev source gives no value for the category the line is left out and the category is
    partial (Ev = 0 would be a false credit).
    """
    rc = system.recycled
    e_rec_total = math.fsum(item.value for item in category_items if rc.in_erec(item.flow))
    summary: dict = {"Erec": e_rec_total / material.recycled_kg, "Erec_per_declared_unit": e_rec_total,
                     "recycled_kg": material.recycled_kg}
    if rc.method != "cff":
        summary.update({"Ev": None, "adjustment": 0.0, "applied": True})
        return None, summary
    e_v = _virgin_burden(system, category, solver)
    summary["Ev"] = e_v
    if e_v is None:
        summary.update({"adjustment": None, "applied": False})
        return None, summary
    value = allocation.cff_adjustment(e_rec_total, e_v, material.recycled_kg, rc.A, rc.Qsin_Qp)
    summary.update({"adjustment": value, "applied": True})
    label = (f"recycled content: Circular Footprint Formula (A={rc.A:g}, Qsin/Qp={rc.Qsin_Qp:g}, "
             f"{material.recycled_kg:.4g} kg recycled material; Ev from {rc.virgin_label})")
    flow = Flow(RECYCLED_CONTENT_ID, "recycled-content", rc.virgin_dataset or rc.virgin_declaration.id,
                material.recycled_kg, "kg", label, "recycled_content", _line_dqr(rc), rc.primary, rc.source,
                upstream=rc.virgin_declaration)
    return Item(flow=flow, stage=material.stage, value=value), summary


def _line_dqr(rc) -> "DQR":
    """The recycled-content line's DQR: the producer's, averaged with an imported Ev dataset's as its entry states it.

    Why: a library Ev dataset's DQR is averaged in by quality.item_criteria (which knows the library only); an
    imported one (a mapping replaced the rule's Ev dataset) is averaged here the way engine.mapping averages a
    mapped input's, taken as published (not re-scored: Ev stands for the market's virgin material).
    """
    from footprint.inputs.dqr import DQR

    if rc.virgin_imported is None or rc.virgin_dqr is None:
        return rc.dqr
    return DQR(**{k: (getattr(rc.dqr, k) + getattr(rc.virgin_dqr, k)) / 2 for k in ("TeR", "GeR", "TiR", "P")})

