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

import numpy as np
import pandas as pd

from footprint.data.inventory import BACKGROUND_DB, BIOSPHERE_DB
from footprint.data.project import brightway
from footprint.engine import allocation, solvers
from footprint.engine.solvers import node_ids
from footprint.engine.system import Flow, ProductSystem
from footprint.errors import ActivityDataError
from footprint.inputs import units
from footprint.inputs.categories import Category, all_categories, coverage_category

RESULT_COLUMNS = ["category", "stage", "process", "item", "kind", "target", "value", "unit"]


@dataclass
class Item:
    """One foreground exchange's contribution to one category."""

    flow: Flow
    stage: str
    value: float


@dataclass
class Result:
    """Characterised results per declared unit, with every contribution kept."""

    system: ProductSystem
    categories: list[Category]
    totals: dict[str, float]
    items: dict[str, list[Item]]
    table: pd.DataFrame = field(repr=False)
    recycled: dict[str, dict] = field(default_factory=dict)  # category -> Erec, Ev, adjustment, applied
    scales: dict[str, float] = field(default_factory=dict)  # process id -> scaling to one declared unit
    material: "MaterialFlows | None" = None  # recycled and virgin material per declared unit (secondary route)

    def by(self, category_id: str, column: str) -> dict[str, float]:
        """Sum of contributions per stage or per process (grouped once per column, then looked up)."""
        cache = self.__dict__.setdefault("_by_cache", {})
        if column not in cache:
            grouped = self.table.groupby(["category", column], sort=False)["value"].sum()
            table: dict[str, dict[str, float]] = {}
            for (category, key), value in grouped.items():
                table.setdefault(category, {})[key] = float(value)
            cache[column] = table
        return dict(cache[column].get(category_id, {}))


#: The process id and label of the recycled-content line (CFF adjustment) in the result table.
RECYCLED_CONTENT_ID = "recycled-content"


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
                        codes: set[str] | None = None) -> dict[str, int]:
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
        for code, node in node_ids(name, wanted).items():
            ids[prefix + code] = node
    return ids


def calculate(system: ProductSystem, categories: list[Category] | None = None,
              background: str | list[str] | tuple[str, ...] = BACKGROUND_DB, *, reference: bool = False) -> Result:
    """Characterised results of the declared unit for each category, split to foreground items.

    By default the background's scores come from the on-disk cache (footprint.engine.solvers.
    CachedBackground); ``reference=True`` solves foreground and background together in one
    bw2calc LCA instead and checks the items against ``lca.score``.  Both give the same numbers.
    """
    brightway()
    categories = list(categories or all_categories())
    used = {flow.target for process in system.processes for flow in process.flows if flow.kind == "background"}
    if system.recycled is not None and system.recycled.virgin_dataset:
        used.add(system.recycled.virgin_dataset)
    background_ids = background_node_ids(background, used)
    databases = [background] if isinstance(background, str) else list(background)
    emitted = {flow.target for process in system.processes for flow in process.flows if flow.kind == "biosphere"}
    biosphere_ids = node_ids(BIOSPHERE_DB, emitted)
    solver: solvers.Solver
    if reference:
        package, fg_ids = foreground_datapackage(system, background_ids, biosphere_ids, _max_node_id() + 1)
        solver = solvers.FullLCA(system, categories, databases, background_ids, biosphere_ids, package, fg_ids)
    else:
        solver = solvers.CachedBackground(system, categories, databases, background_ids, biosphere_ids)
    stage_of = {p.id: p.stage for p in system.processes}
    totals: dict[str, float] = {}
    items: dict[str, list[Item]] = {}
    recycled: dict[str, dict] = {}
    rows: list[tuple] = []
    scales: dict[str, float] = {}
    material: MaterialFlows | None = None
    for category in categories:
        solver.select(category)
        if not scales:
            scales = {process.id: float(solver.scale(process.id)) for process in system.processes}
            material = material_flows(system, scales) if system.recycled is not None else None
        category_items: list[Item] = []
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
                category_items.append(Item(flow=flow, stage=stage_of[process.id], value=value))
                rows.append((category.id, stage_of[process.id], process.id, flow.label, flow.kind, flow.target,
                             value, category.unit))
        in_matrices = sum(item.value for item in category_items if item.flow.kind != "upstream")
        score = solver.lca_score()
        if score is not None and not math.isclose(in_matrices, score, rel_tol=1e-8,
                                                   abs_tol=1e-12 * max(1.0, abs(score))):
            raise RuntimeError(f"contributions of {category.id} ({in_matrices}) do not add up to the LCA score "
                               f"({score})")
        total = in_matrices + sum(item.value for item in category_items if item.flow.kind == "upstream")
        if system.recycled is not None:
            item, recycled[category.id] = _recycled_item(system, category.id, category_items, material, solver)
            if item is not None:
                category_items.append(item)
                rows.append((category.id, item.stage, item.flow.process, item.flow.label, item.flow.kind,
                             item.flow.target, item.value, category.unit))
                total += item.value
        summed = sum(item.value for item in category_items)
        if not (math.isfinite(summed) and math.isfinite(total)):
            largest = max(category_items, key=lambda item: abs(item.value) if math.isfinite(item.value) else math.inf)
            raise _not_finite(system, category.id, summed if not math.isfinite(summed) else total, largest.flow,
                              None, None)
        if not math.isclose(summed, total, rel_tol=1e-8, abs_tol=1e-12 * max(1.0, abs(total))):
            raise RuntimeError(f"contributions of {category.id} ({summed}) do not add up to the total ({total})")
        totals[category.id] = total
        items[category.id] = category_items
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    return Result(system=system, categories=categories, totals=totals, items=items, table=table,
                  recycled=recycled, scales=scales, material=material)


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
    produced = 0.0
    for pid in outlets:
        rp = loaded.rule.process(pid)
        produced += scales[pid] * units.convert(present[pid].output, rp.product.unit, "kg")
    virgin_in_erec = virgin_total = 0.0
    for process in system.processes:
        for flow in process.flows:
            if flow.input_kind in virgin_kinds and flow.kind in ("background", "upstream"):
                kg = scales[process.id] * _kg(flow.amount, flow.unit, flow.input_kind,
                                              "recycled_content.virgin_input_kinds")
                virgin_total += kg
                if process.id in erec:
                    virgin_in_erec += kg
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
    return flows


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
    erec = set(rc.erec_processes)
    virgin_kinds = set(rc.virgin_input_kinds)
    e_rec_total = math.fsum(item.value for item in category_items
                            if item.flow.process in erec and item.flow.input_kind not in virgin_kinds)
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
                material.recycled_kg, "kg", label, "recycled_content", rc.dqr, rc.primary, rc.source,
                upstream=rc.virgin_declaration)
    return Item(flow=flow, stage=material.stage, value=value), summary
