"""The product system as a Brightway Excel workbook (bw2io ``ExcelImporter`` layout).

An LCA practitioner who receives a declaration wants to open the model in
Activity Browser and recompute it.  The declaration holds results, not the
foreground exchanges, so the workbook is rebuilt from the same inputs (rule,
activity data, inventories) and refused if their hashes differ from the
declaration's provenance: a workbook that does not reproduce the declared
numbers would be worse than none.

Layout (bw2io's template, ``../shared/domain/brightway-notes.md`` §5): a
``Database | name`` row, then per foreground process an ``Activity | name``
block of key/value rows (code, location, unit, reference product, production
amount, stage, ...) followed by ``Exchanges`` and one row per exchange with
name, amount, unit, database, categories, location, type, reference product.
Technosphere exchanges point at the background database
``footprint-inventories`` by name, unit and location exactly as
``footprint.data.inventory.to_brightway`` wrote it; elementary flows point at
biosphere3 by name, categories and unit.  A second sheet (cell A1 ``skip``,
so importers ignore it) records where the workbook came from.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping

from footprint._text import xlsx_append
from footprint.data.inventory import (
    BACKGROUND_DB,
    BIOSPHERE_DB,
    Catalogue,
    brightway_unit,
    dataset_sha256,
    load_catalogue,
)
from footprint.declaration.verify import allocation_override
from footprint.engine.system import ProductSystem, build
from footprint.export._errors import ExportError
from footprint.inputs.activity import load_activity
from footprint.inputs.rule import load_rule

EXCHANGE_HEADER = ("name", "amount", "unit", "database", "categories", "location", "type", "reference product",
                   "comment")


def database_name(document: Mapping[str, Any]) -> str:
    """A foreground database name that says which declaration it reproduces."""
    ident = str(document.get("id", "")).rsplit(":", 1)[-1][:8]
    return f"footprint-{(document.get('rule') or {}).get('id', 'rule')}-{ident}"


def _check(label: str, found: str, declared: Any, path: Any, field: str) -> None:
    if declared and found != declared:
        raise ExportError(f"the {label} differs from the one the declaration was computed from "
                          f"(sha256 {found[:12]}... here, {str(declared)[:12]}... in the declaration)",
                          file=path, field=field,
                          expected="the exact inputs named in the declaration's provenance, so the workbook "
                                   "reproduces the declared numbers")


def rebuild_system(document: Mapping[str, Any], data: str | Path, rule: str | Path | None = None,
                   flows_index: dict | None = None, catalogue: Catalogue | None = None
                   ) -> tuple[ProductSystem, Catalogue]:
    """The declaration's product system, rebuilt from its inputs after checking their hashes."""
    provenance = document.get("provenance") or {}
    loaded = load_rule(rule if rule is not None else (document.get("rule") or {}).get("id", ""))
    _check("rule", loaded.sha256, (document.get("rule") or {}).get("sha256"), loaded.path, "rule.sha256")
    activity = load_activity(data)
    _check("activity data", activity.sha256, (provenance.get("activity_data") or {}).get("sha256"),
           activity.path, "provenance.activity_data.sha256")
    catalogue = catalogue or load_catalogue()
    recorded = (provenance.get("inventories") or {}).get("used_sha256")
    if isinstance(recorded, Mapping):  # the datasets used decide; unrelated datasets added since do not matter
        for code, sha in sorted(recorded.items()):
            found = dataset_sha256(catalogue.datasets[code]) if code in catalogue.datasets else "(absent)"
            _check(f"dataset {code}", found, sha, "inventories/", f"provenance.inventories.used_sha256.{code}")
    else:  # a declaration from before per-dataset hashes: the whole library
        _check("inventory library", catalogue.sha256, (provenance.get("inventories") or {}).get("sha256"),
               "inventories/", "provenance.inventories.sha256")
    if flows_index is None:
        from footprint.data.inventory import biosphere_index
        from footprint.data.project import brightway

        flows_index = biosphere_index(brightway()[0])
    declared_methods = {a.get("process"): a.get("method") for a in document.get("allocation") or []}
    system = build(loaded, activity, catalogue, flows_index,
                   allocation_override=allocation_override(document, loaded))  # as verify recomputes it
    built_methods = {p.id: p.allocation.method for p in system.processes if p.allocation}
    if declared_methods and built_methods != declared_methods:
        raise ExportError("cannot tell which allocation the declaration used", field="allocation",
                          value=sorted(map(str, set(declared_methods.values()))),
                          expected="the rule's own methods, or one allocation method for every process")
    _check_representable(system, document)
    return system, catalogue


def _check_representable(system: ProductSystem, document: Mapping[str, Any]) -> None:
    """Refuse what a Brightway database cannot hold, so the workbook never silently misses part of a score.

    Supplier declarations (characterised per-kg values, not inventories), a non-zero
    recycled-content adjustment (Circular Footprint Formula, applied after the LCA) and
    imported background databases are outside what this workbook links to.
    """
    for process in system.processes:
        for flow in process.flows:
            if flow.kind == "upstream":
                raise ExportError("an input comes from a supplier's declaration, which has no Brightway dataset; "
                                  "the Excel export covers product systems linked to inventories/ and biosphere3",
                                  file=system.activity.path, field=flow.field, value=flow.label,
                                  expected="a declaration without supplier declarations (use --format pact or csv)")
    recycled = (document.get("recycled_content") or {}).get("by_category") or {}
    for category, entry in recycled.items():
        if not isinstance(entry, Mapping):
            continue
        e_rec, value = entry.get("Erec"), entry.get("value")
        adjustment = entry.get("adjustment")  # schema 2.0: the recycled-content line itself
        if (isinstance(adjustment, (int, float)) and adjustment != 0) or (
                isinstance(e_rec, (int, float)) and isinstance(value, (int, float))
                and abs(value - e_rec) > 1e-9 * max(1.0, abs(e_rec))):
            raise ExportError("the recycled-content adjustment (applied after the LCA) is not zero, so a "
                              "Brightway database alone cannot reproduce the declared score",
                              field=f"recycled_content.by_category.{category}",
                              expected="a declaration without a recycled-content adjustment (use --format pact or csv)")
    imported = ((document.get("provenance") or {}).get("background") or {}).get("imported")
    if imported:
        raise ExportError("the declaration was computed on an imported background database",
                          field="provenance.background.imported",
                          expected="a declaration computed on footprint-inventories only")


def _flow_names(flows_index: Mapping) -> dict[str, tuple[str, str, str]]:
    """biosphere3 code → (name, categories as 'a::b', unit)."""
    return {code: (name, "::".join(categories), unit) for (name, categories), (code, unit) in flows_index.items()}


def workbook_rows(system: ProductSystem, catalogue: Catalogue, flows_index: Mapping,
                  database: str) -> list[list[Any]]:
    """The rows of the importable sheet (a list of lists, so tests can read them without Excel)."""
    declarant = system.activity.data.declarant
    location = declarant.region or declarant.country
    rule = system.rule.rule
    by_id = {p.id: p for p in system.processes}
    flows = _flow_names(flows_index)
    rows: list[list[Any]] = [["Database", database],
                             ["description", f"Foreground of rule {rule.id} {rule.version}; reference process "
                                             f"'{system.reference}' per {system.declared_amount:g} kg"], []]
    for process in system.processes:
        unit = brightway_unit(rule.process(process.id).product.unit)
        rows += [["Activity", process.name],
                 ["code", process.id],
                 ["location", location],
                 ["unit", unit],
                 ["reference product", process.product],
                 ["production amount", process.output],
                 ["type", "process"],
                 ["stage", process.stage],
                 ["annex v", ", ".join(process.annex_v)],
                 ["comment", f"Totals for the reporting period, allocated to {process.product}"
                             + (f" ({process.allocation.method}, share {process.allocation.main_share:.6g})"
                                if process.allocation else "")],
                 ["Exchanges"],
                 list(EXCHANGE_HEADER),
                 [process.name, process.output, unit, database, None, location, "production", process.product,
                  None]]
        for flow in process.flows:
            if flow.kind == "intermediate":
                upstream = by_id[flow.target]
                rows.append([upstream.name, flow.amount, brightway_unit(flow.unit), database, None, location,
                             "technosphere", upstream.product, flow.field])
            elif flow.kind == "background":
                dataset = catalogue.datasets[flow.target]
                rows.append([dataset.name, flow.amount, brightway_unit(dataset.unit), BACKGROUND_DB, None,
                             dataset.geography, "technosphere", dataset.name, f"{flow.field} ({flow.target})"])
            else:
                name, categories, unit_name = flows[flow.target]
                rows.append([name, flow.amount, unit_name, BIOSPHERE_DB, categories, None, "biosphere", None,
                             flow.field])
        rows.append([])
    return rows


def _about_rows(document: Mapping[str, Any], database: str) -> list[list[Any]]:
    provenance = document.get("provenance") or {}
    return [["skip"],
            ["This sheet is ignored by bw2io's ExcelImporter (cell A1 is 'skip')."],
            ["declaration id", document.get("id")],
            ["content sha256", document.get("content_sha256")],
            ["rule", f"{(document.get('rule') or {}).get('id')} {(document.get('rule') or {}).get('version')}"],
            ["rule sha256", (document.get("rule") or {}).get("sha256")],
            ["activity data sha256", (provenance.get("activity_data") or {}).get("sha256")],
            ["inventories sha256", (provenance.get("inventories") or {}).get("sha256")],
            ["foreground database", database],
            ["background database", BACKGROUND_DB + " (footprint setup writes it from inventories/)"],
            ["how to recompute", "bw2io.ExcelImporter(path); apply_strategies(); match_database("
                                 f"'{BACKGROUND_DB}', fields=('name', 'unit', 'location')); match_database("
                                 f"'{BIOSPHERE_DB}', fields=('name', 'categories', 'unit')); write_database(); "
                                 "then an LCA of 1 kg of the reference process with the EF v3.1 methods"],
            *_mineral_rows(document)]


def _mineral_rows(document: Mapping[str, Any]) -> list[list[Any]]:
    """The EF 3.1 rare-earth gap and the crustal scarcity result (the element flows are on the first sheet)."""
    block = document.get("mineral_resources") or {}
    rows = []
    statement = (block.get("ef31_gap") or {}).get("statement")
    if statement:
        rows.append(["EF 3.1 minerals and metals gap", statement])
    csi = block.get("crustal_scarcity") or {}
    if csi.get("value") is not None:
        # with the result's coverage: a partial value is a lower bound, and this row is read without the declaration
        from footprint.inputs.upstream import all_results

        result = next((r for r in all_results(dict(document)) if r.get("category") == "crustal_scarcity"), {})
        coverage = result.get("coverage")
        flag = f" ({coverage}: {result.get('coverage_note') or 'a lower bound'})" if coverage not in (
            None, "complete") else ""
        rows.append(["crustal scarcity (supplementary, not EF 3.1)", f"{csi['value']} {csi.get('unit', '')}{flag}",
                     csi.get("citation", "")])
    nuclides = document.get("radionuclides") or {}
    statement = (nuclides.get("ef31_gap") or {}).get("statement")
    if statement:
        rows.append(["EF 3.1 ionising radiation gap", statement])
    for release in nuclides.get("releases") or []:
        rows.append(["radionuclide released (kBq per declared unit)", f"{release.get('nuclide')} "
                     f"({release.get('compartment')})", release.get("kBq"),
                     "characterised by EF 3.1" if release.get("ef31_characterised") else "NOT characterised by EF 3.1"])
    return rows


def to_xlsx(document: Mapping[str, Any], system: ProductSystem, catalogue: Catalogue, flows_index: Mapping,
            database: str | None = None) -> bytes:
    """The workbook as bytes (openpyxl, which bw2io already depends on)."""
    from openpyxl import Workbook

    database = database or database_name(document)
    book = Workbook()
    sheet = book.active
    sheet.title = "product system"
    for row in workbook_rows(system, catalogue, flows_index, database):
        xlsx_append(sheet, row)  # names from rules and inputs: '=diesel' is text, never a formula
    about = book.create_sheet("about")
    for row in _about_rows(document, database):
        xlsx_append(about, row)
    sheet.column_dimensions["A"].width = 48
    about.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
