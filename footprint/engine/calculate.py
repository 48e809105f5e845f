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
Circular Footprint Formula (or cut-off).  The items always add up to the total.
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
    recycled: dict[str, dict] = field(default_factory=dict)  # category -> Erec, Ev, value, applied

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
    for category in categories:
        solver.select(category)
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
            item, recycled[category.id] = _recycled_item(system, category.id, total, solver, stage_of)
            if item is not None:
                category_items.append(item)
                rows.append((category.id, item.stage, item.flow.process, item.flow.label, item.flow.kind,
                             item.flow.target, item.value, category.unit))
                total += item.value
        summed = sum(item.value for item in category_items)
        if not math.isclose(summed, total, rel_tol=1e-8, abs_tol=1e-12 * max(1.0, abs(total))):
            raise RuntimeError(f"contributions of {category.id} ({summed}) do not add up to the total ({total})")
        totals[category.id] = total
        items[category.id] = category_items
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    return Result(system=system, categories=categories, totals=totals, items=items, table=table,
                  recycled=recycled)


def _recycled_item(system: ProductSystem, category: str, e_rec: float, solver: "solvers.Solver",
                   stage_of: dict[str, str]) -> tuple[Item | None, dict]:
    """The recycled-content adjustment as one explicit item: CFF (or cut-off) value minus Erec.

    Erec is the engine's result for the product system (the recycling stage) per
    declared unit; Ev is the virgin material's burden per declared unit from the
    rule's dataset or declaration.  When the Ev source does not cover a category,
    the formula is not applied there (Ev = 0 would be a false credit) and the
    category is reported as partial.
    """
    rc = system.recycled
    if rc.virgin_dataset is not None:
        e_v: float | None = None
        if coverage_category(category) in rc.virgin_coverage:
            per_unit = solver.background_score(rc.virgin_dataset)
            e_v = per_unit * units.convert(system.declared_amount, "kg", rc.virgin_unit)
    else:
        per_kg = rc.virgin_declaration.per_kg(category)
        e_v = None if per_kg is None else per_kg * system.declared_amount
    ev_weight = (1.0 - rc.R1) + rc.R1 * (1.0 - rc.A) * rc.Qsin_Qp  # Ev's coefficient in the formula
    if e_v is None and ev_weight == 0.0:
        e_v = 0.0  # cut-off with R1 = 1: Ev does not enter, so a missing Ev value is no gap
    summary = {"Erec": e_rec, "Ev": e_v, "applied": e_v is not None}
    if e_v is None:
        summary["value"] = e_rec
        return None, summary
    value = allocation.recycled_content_burden(rc.method, e_rec, e_v, rc.R1, rc.A, rc.Qsin_Qp)
    summary["value"] = value
    if rc.method == "cff":
        label = (f"recycled content, Circular Footprint Formula (A={rc.A:g}, R1={rc.R1:g}, "
                 f"Qsin/Qp={rc.Qsin_Qp:g}; Ev from {rc.virgin_label})")
    else:
        label = f"recycled content, cut-off (R1={rc.R1:g}; virgin share from {rc.virgin_label})"
    flow = Flow(system.reference, "recycled-content", rc.virgin_dataset or rc.virgin_declaration.id, rc.R1, "",
                label, "recycled_content", rc.dqr, rc.primary, rc.source)
    return Item(flow=flow, stage=stage_of[system.reference], value=value - e_rec), summary

