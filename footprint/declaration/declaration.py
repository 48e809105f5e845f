"""The declaration: a result turned into the JSON a customer, verifier or registry reads.

Only characterised results go in (Annex V point 7), and ``results`` holds only
the rule's declared categories; the other computed categories are additional
information in a block of their own.  Schema 2.0 also carries what Annex V asks
a declaration to state: the system boundary, the bill of materials and energy
per declared unit, recycled content per element, the sampling approach, the CRM
list version, why these categories, and a conformity-assessment block a
verifier fills.  The document carries everything needed to recompute it: the
hashes of the rule and activity data, the background snapshot it was computed
on, the content hash of every dataset it used (and of those they draw on) and of
every method, the library versions, and a content hash over the document itself
so an edit after writing can be detected.  Readers accept schema 1.0 documents
too (footprint.inputs.upstream.declared_results / additional_results).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import uuid
from functools import lru_cache
from itertools import repeat
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from footprint.declaration import resources
from footprint.data.methods import METHOD_IMPLEMENTATION, METHOD_NAME, METHOD_VERSION
from footprint.engine import exact
from footprint.errors import UnitError
from footprint.inputs import units
from footprint.inputs.categories import RECYCLED_CONTENT_ID
from footprint.inputs.rule import content_sha256 as rule_content_sha256
from footprint.inputs.upstream import SENSITIVITY_NOTE
from footprint.inputs.upstream import (  # one hash for writing and for reading back
    canonical_json,
    content_hash,
)
from footprint.paths import schemas_dir

if TYPE_CHECKING:  # reading, hashing and checking a declaration needs no engine (no pandas, no Brightway)
    from footprint.data.inventory import Catalogue
    from footprint.data.project import Snapshot
    from footprint.engine.calculate import Result
    from footprint.engine.quality import Quality

SCHEMA_VERSION = "2.0"
READ_VERSIONS = ("1.0", "2.0")  # declarations of these versions are read (reports, exports, market, inputs)
ID_NAMESPACE = uuid.UUID("6f1d8a52-31c1-4b7e-9a55-6f6f74707269")
LIBRARIES = ("footprint", "bw2data", "bw2calc", "bw2io", "bw_processing", "numpy", "scipy", "pint", "pandas",
             "pydantic")


@lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process: importlib.metadata parses ten METADATA files (a tenth of a declaration)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    # the version number names a release, not the code: every checkout of this project says 0.1.0, so a
    # reviewer whose recomputation differs could not tell another engine from another input
    from footprint.paths import code_digest

    versions["footprint_code_sha256"] = code_digest()
    return tuple(versions.items())


def library_versions() -> dict[str, str]:
    return dict(_installed_versions())


def _relative(path: Path) -> str:
    """The name provenance gives an input file (footprint.paths.provenance_path: one name per file)."""
    from footprint.paths import provenance_path

    return provenance_path(path)


def _method_block(methods_sha256: str, extension: dict[str, Any]) -> dict[str, Any]:
    """The method identity: EF version, bundled implementation, and footprint's CF extension by hash."""
    return {"name": METHOD_NAME, "version": METHOD_VERSION,
            "implementation": f"{METHOD_IMPLEMENTATION} + {extension['id']} {extension['version']} "
                              f"(sha256 {extension['sha256'][:12]})",
            "cf_sha256": methods_sha256, "extensions": [extension]}


def _output(amount: float, unit: str) -> dict[str, Any]:
    """A process's output for the declaration: in kg when the rule counts the product by mass (``t`` too).

    ``output`` is in the rule's product unit; writing it as ``output_kg`` unconverted declared a
    process counted in t a thousand times too small.  A product counted otherwise keeps its unit.
    """
    if unit == "kg":
        return {"output_kg": amount}
    try:
        return {"output_kg": units.convert(amount, unit, "kg")}
    except UnitError:
        return {"output": amount, "output_unit": unit}

def _own_datasets(catalogue: Catalogue, used) -> dict[str, Any]:
    """``own``: the datasets used, or drawn on by those used (``used_sha256``'s keys), that come from the user's
    inventories, not the bundled library (else nothing).  An own grid drawing on an own fuel chain moves the
    numbers through both, so both are named (only the one used directly was).

    Why: a dataset a user adds under FOOTPRINT_HOME/inventories (a province's grid the library lacks,
    found through the rule's ``electricity/{region}``) was listed among the used datasets exactly like
    a library one, so a reviewer could not tell that a number rested on a file only this user has.
    """
    if not catalogue.roots:
        return {}
    library = catalogue.roots[0]
    own = sorted(code for code in used if code in catalogue.files and not _is_under(catalogue.files[code], library))
    return {"own": own} if own else {}


def _is_under(path: Path, folder: Path) -> bool:
    """``path.is_relative_to(folder)`` for POSIX paths, read off their (cached) parts.

    Why: pathlib's is_relative_to parses ``folder`` again and builds a relative path per call,
    a tenth of a millisecond per declaration for a dozen datasets; the catalogue's paths keep
    their parts between declarations.  The same answer: on POSIX the parts compare exactly
    (no case folding, no drive), and a folder with no parts ('.') holds every relative path,
    as relative_to decides (tests/test_speed_paths.py compares the two).
    """
    if os.name != "posix":
        return path.is_relative_to(folder)
    parts = folder.parts
    if not parts:
        return not path.is_absolute()
    return path.parts[:len(parts)] == parts


def _sensitivity_block(system, loaded) -> dict[str, Any]:
    """``sensitivity`` when ``--allocation`` moved any process off the rule's own method (else nothing).

    Why: the rule's ``allocation.options`` are for sensitivity runs, yet such a document looked like
    any declaration: ndpr-oxide with ``--allocation mass`` (7.58 kg CO2-Eq/kg instead of 46.56) was
    registered with ``market add``, could be classed and exported to PACT, exit 0.  The record makes
    the run say what it is, and those commands refuse it (``sensitivity_problem``).
    """
    own = {rp.id: rp.allocation.method for _stage, rp in loaded.rule.processes() if rp.allocation}
    moved = {p.id: {"method": p.allocation.method, "rule_method": own.get(p.id)}
             for p in system.processes if p.allocation and p.allocation.method != own.get(p.id)}
    if not moved:
        return {}
    return {"sensitivity": {"allocation": system.allocation_method_override, "processes": moved,
                            "note": SENSITIVITY_NOTE + ": the market register, performance classes and PACT "
                                                       "exports refuse it"}}


def legacy_mapping(record: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping provenance in the form written before ``applied``/``not_applied``: every entry under ``entries``.

    That form listed every entry of the file, whether this product system used it or
    not.  The declaration id is still taken over it: it holds the file's hash and what
    each entry resolved to, which (with the rule and the activity data, also in the id)
    decide what was applied, so equal inputs keep the id they had.  verify folds a
    recomputation into it to compare with a declaration written in that form.
    """
    if "applied" not in record and "not_applied" not in record:
        return dict(record)
    strip = ("inputs", "reason")
    entries = {**(record.get("applied") or {}), **(record.get("not_applied") or {})}
    folded = {k: v for k, v in record.items() if k not in ("applied", "not_applied")}
    folded["entries"] = {key: {k: v for k, v in entry.items() if k not in strip}
                         for key, entry in sorted(entries.items())}
    return folded


def build(result: Result, quality: Quality, catalogue: Catalogue, *, snapshot: Snapshot,
          background: str, created: dt.datetime | None = None,
          background_info: dict | None = None, uncertainty: dict | None = None,
          id_version: str | None = None) -> dict[str, Any]:
    """The declaration document (a plain dict, valid against schemas/declaration.schema.json).

    ``snapshot`` is the background version the result was computed on (its id, and the
    content hashes of the datasets and methods the result used, go into the provenance).
    ``uncertainty`` is a Monte Carlo block (footprint.engine.uncertainty.MonteCarlo.block); its
    seed goes into ``provenance.seed``.  The declared values stay the deterministic ones.
    ``id_version``: the footprint version the id mixes in, where not this one (verify recomputes the
    id of a declaration that records another footprint version under that version, so its id is
    compared exactly rather than let go as "explained by the version").
    """
    system = result.system
    loaded = system.rule
    rule = loaded.rule
    activity = system.activity
    data = activity.data
    declared = set(rule.impact_categories.declared)
    supplementary = set(rule.impact_categories.supplementary)  # beside EF 3.1, named as what they are
    declared |= supplementary
    from footprint._time import as_utc, utc_now

    # recorded in UTC ('Z'), whatever zone a caller's created= is in: '2026-01-01T05:00:00+14:00' read as made on
    # 1 January, while every check counts the UTC day (31 December); a naive one was written without a zone
    created = as_utc(created) if created else utc_now().replace(microsecond=0)
    versions = library_versions()
    methods_sha256 = str(snapshot.inputs.get("methods_sha256", ""))
    used = system.datasets_used()
    used_sha256 = snapshot.datasets_sha256(used)
    methods_used = {c.id: {"method": " | ".join(c.method), "sha256": snapshot.method_sha256(c.method)}
                    for c in result.categories}
    # the id names what the numbers rest on: the datasets and methods used, not the whole library
    # an --allocation that moved no process off the rule's own method is no input (the same numbers, the same
    # declaration): in the id it made a document verify, which cannot know it was given, never reproduced
    override = system.allocation_method_override if _sensitivity_block(system, loaded) else ""
    identity = "|".join([loaded.sha256, activity.sha256, canonical_json(used_sha256), canonical_json(methods_used),
                         methods_sha256, override or "",
                         versions["footprint"] if id_version is None else id_version])
    if background_info:  # an imported background database changes the numbers, so the identity too
        # what was used, not where the mapping file lay or when a database was imported
        mapping = {k: v for k, v in legacy_mapping(background_info.get("mapping") or {}).items() if k != "path"}
        # ... nor what an imported database holds (its content_sha256, recorded since and compared by verify): the
        # ids of declarations made before it stay what they were, the source hash and the numbers name them
        imported = [{k: v for k, v in db.items() if k not in ("imported", "content_sha256")}
                    for db in background_info.get("imported") or []]
        identity += "|" + canonical_json({**background_info, "mapping": mapping, "imported": imported})
    suppliers = system.upstream_declarations()
    if suppliers:  # a supplier's declaration is an input too: a different one gives a different id
        identity += "|" + "|".join(s.content_sha256 for s in suppliers)
    results, additional = [], []
    process_ids = [p.id for p in system.processes]  # once, not per category (20 categories x 1,000 processes)
    # each rule process's product unit, read once (rule.process(id) per process went through pydantic's
    # private-attribute lookup each time)
    product_units = {rp.id: rp.product.unit for _stage, rp in rule.processes()}
    for category in result.categories:
        by_stage = result.by(category.id, "stage")
        by_process = result.by(category.id, "process")
        processes = dict(zip(process_ids, map(by_process.get, process_ids, repeat(0.0))))
        if RECYCLED_CONTENT_ID in by_process:  # the CFF line: its own entry, so the split adds up
            processes[RECYCLED_CONTENT_ID] = by_process[RECYCLED_CONTENT_ID]
        entry = {
            "category": category.id,
            "label": category.label,
            "indicator": category.indicator,
            "unit": category.unit,
            "value": result.totals[category.id],
            **({"supplementary": True} if category.supplementary else {}),  # declared beside EF 3.1
            "coverage": quality.coverage.get(category.id, "complete"),
            "by_stage": {stage.id: by_stage.get(stage.id, 0.0) for stage in rule.stages},
            "by_process": processes,
        }
        note = quality.coverage_note(category.id)
        if note:
            entry["coverage_note"] = note
        (results if category.id in declared else additional).append(entry)
    order = list(rule.impact_categories.declared) + list(rule.impact_categories.supplementary)
    results.sort(key=lambda r: order.index(r["category"]))  # EF 3.1 categories first, supplementary after
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, identity)}",
        "rule": {"id": rule.id, "version": rule.version, "title": rule.title, "status": rule.status,
                 "sha256": loaded.sha256, "validity": _validity(rule), "crm_list_version": rule.crm_list_version},
        "declared_unit": {"amount": rule.declared_unit.amount, "unit": rule.declared_unit.unit,
                          "product": rule.declared_unit.product, "chemical_form": rule.declared_unit.chemical_form,
                          "grade": rule.declared_unit.grade},
        "declarant": data.declarant.model_dump(exclude_none=True),
        "period": {"start": data.period.start.isoformat(), "end": data.period.end.isoformat()},
        "route": rule.route,
        "method": _method_block(methods_sha256, snapshot.manifest.get("extension") or
                                snapshot.extension().describe()),
        "stages": [{"id": stage.id, "label": stage.label} for stage in rule.stages],
        "processes": [{"id": p.id, "name": p.name, "stage": p.stage, "annex_v": p.annex_v,
                       "company_specific": p.company_specific, **_output(p.output, product_units[p.id])}
                      for p in system.processes],
        "system_boundary": _boundary(rule),
        "impact_categories": {"declared": list(rule.impact_categories.declared),
                              **({"supplementary": list(rule.impact_categories.supplementary)}
                                 if rule.impact_categories.supplementary else {}),  # not EF 3.1, listed after it
                              "rationale": rule.impact_categories.rationale,
                              "selection": "hotspot analysis of the rule author (Annex V point 5); climate change "
                                           "always (Art. 31)"},
        "results": results,
        "additional_information": {
            "note": "Other impact categories computed with the same model, for information only: they are not "
                    "part of the declaration (the rule declares " + ", ".join(rule.impact_categories.declared)
                    + ").",
            "results": additional,
        },
        "bill_of_materials": bill_of_materials(result, catalogue),
        "contributions": [
            {"category": category, "stage": stage, "process": process, "item": item, "kind": kind,
             "dataset": target if kind == "background" else None, "value": value, "unit": unit}
            for computed in result.categories if computed.id in declared
            for category, stage, process, item, kind, target, value, unit in result.rows_of(computed.id)
        ],
        "data_quality": {
            "basis": quality.basis,
            "dqr": quality.dqr,
            "level": quality.level,
            "criteria": quality.criteria,
            "by_category": quality.by_category,
            "primary_data_share": quality.primary_data_share,
            "primary_data_share_basis": "climate_change",
            "rescored_datasets": quality.rescored,
            "by_process": quality.by_process,
            "partial_coverage": quality.partial_coverage,
            "warnings": quality.warnings,
        },
        "allocation": [
            {"process": p.id, "method": p.allocation.method, "main_product": p.allocation.main_product,
             "main_share": p.allocation.main_share,
             "products": [{"name": name, "share": share} for name, share in p.allocation.shares.items()],
             "basis": p.allocation.basis}
            for p in system.processes if p.allocation
        ],
        **_sensitivity_block(system, loaded),
        "recycled_content": _recycled_block(result, declared),
        "cut_off": {"threshold": rule.cut_off.threshold, "basis": rule.cut_off.basis,
                    "excluded": system.exclusions},
        "sampling": {"allowed": rule.sampling.allowed, "approach": rule.sampling.note or
                     ("sampling allowed by the rule" if rule.sampling.allowed else
                      "no sampling: one declaration per facility and reporting period")},
        "conformity_assessment": {"module": rule.conformity_assessment.module,
                                  "note": rule.conformity_assessment.note, "status": "not verified",
                                  "body": None, "certificate_id": None, "date": None},
        "provenance": {
            "activity_data": {"path": _relative(activity.path), "sha256": activity.sha256},
            # content_sha256: what the rule says, prose aside (rule.content_sha256): a buyer reading this as a
            # supplier's declaration compares it with the library's rule of the same id and version
            "rule": {"path": _relative(loaded.path), "sha256": loaded.sha256,
                     "content_sha256": rule_content_sha256(loaded)},
            "snapshot": snapshot.describe(),
            "inventories": {"sha256": catalogue.sha256, "datasets": len(catalogue.datasets), "used": sorted(used),
                            "used_sha256": used_sha256, **_own_datasets(catalogue, used_sha256)},
            "methods": methods_used,
            "background": {"database": background, "sha256": catalogue.sha256, **(background_info or {})},
            "libraries": versions,
            "seed": uncertainty["seed"] if uncertainty else None,
            **({"upstream_declarations": [_supplier_provenance(s) for s in suppliers]} if suppliers else {}),
            "created": created.isoformat().replace("+00:00", "Z"),
        },
    }
    minerals = resources.block(result)  # the EF 3.1 rare-earth gap and the crustal scarcity indicator
    if minerals is not None:
        document["mineral_resources"] = minerals
    nuclides = resources.radionuclide_block(result)  # releases EF 3.1 ionising radiation does not count (Th-232)
    if nuclides is not None:
        document["radionuclides"] = nuclides
    if uncertainty:
        document["uncertainty"] = uncertainty
    document["content_sha256"] = content_hash(document)
    return document


def _supplier_provenance(supplier) -> dict[str, Any]:
    record = supplier.provenance()
    record["path"] = _relative(supplier.path)
    return record


def _validity(rule) -> dict[str, Any]:
    first, last = rule.validity.accepted_periods()
    spans = rule.validity.reporting_periods
    length = {"length_months": spans.length_months, "length_tolerance_days": spans.length_tolerance_days} \
        if spans is not None and spans.length_months is not None else {}  # absent under rules without a length
    return {"from": rule.validity.from_.isoformat(), "until": rule.validity.until.isoformat(),
            "reporting_periods": {"from": first.isoformat(), "until": last.isoformat(), **length}}


def _boundary(rule) -> dict[str, Any]:
    """Annex V point 4: cradle-to-gate over the rule's stages; use and end of life are excluded."""
    stages = [stage.label for stage in rule.stages]
    return {"type": "cradle-to-gate", "stages": [stage.id for stage in rule.stages],
            "excluded": ["use stage", "end-of-life stage"],
            "statement": f"Cradle-to-gate: {', '.join(stages).lower()} ({rule.route} route, Annex V point 4) up to "
                         f"the gate of the facility making the declared product; the use and end-of-life stages are "
                         f"excluded, and so are the items listed under cut_off.excluded."}


def bill_of_materials(result: Result, catalogue: Catalogue) -> dict[str, Any]:
    """Inputs by kind and electricity by source per declared unit (Annex V point 6: a change needs a new calculation).

    Amounts are the foreground's, scaled to one declared unit and allocated to the declared
    product (co-products carry the rest); internal flows between the rule's processes are left
    out, because they are not bought.
    """
    system = result.system
    scales = result.scales
    inputs: dict[tuple, dict] = {}
    listed: dict[tuple, set[str]] = {}  # per input row: the processes in its list (a list scan grew as the square)
    electricity: dict[str, dict] = {}
    # each row's amounts, summed exactly at the end (exact.total): added in file order, the same inputs listed in
    # another order declared another last bit
    terms: dict[int, list[float]] = {}
    emissions: list[dict] = []
    for process in system.processes:
        scale = scales.get(process.id, 0.0)
        for flow in process.flows:
            amount = scale * flow.amount
            if flow.kind == "biosphere":
                emissions.append({"process": process.id, "flow": flow.label.rsplit(" (", 1)[0],
                                  "compartment": flow.compartment, "chosen_by": flow.compartment_choice,
                                  "amount": amount, "unit": flow.unit})
                continue
            if flow.kind not in ("background", "upstream"):
                continue
            dataset = catalogue.datasets.get(flow.target) if flow.kind == "background" else None
            if dataset is not None and dataset.kind == "electricity":
                row = electricity.setdefault(flow.target, {
                    "dataset": flow.target, "name": dataset.name, "geography": dataset.geography,
                    "year": dataset.year, "amount": 0.0, "unit": flow.unit, "renewable_share": None,
                    "renewable_share_note": "not stated by the dataset"})
                terms.setdefault(id(row), []).append(amount)
                continue
            key = (flow.input_kind or flow.label, flow.target)
            row = inputs.setdefault(key, {
                "kind": flow.input_kind or flow.label,
                **({"dataset": flow.target} if flow.kind == "background" else
                   {"declaration": flow.target, "supplier": flow.upstream.declarant if flow.upstream else None}),
                "amount": 0.0, "unit": flow.unit, "processes": []})
            terms.setdefault(id(row), []).append(amount)
            seen = listed.setdefault(key, set())
            if process.id not in seen:
                seen.add(process.id)
                row["processes"].append(process.id)
    for row in [*inputs.values(), *electricity.values()]:
        row["amount"] = exact.total(terms.get(id(row), []))
    total_kwh = exact.total([amount for row in electricity.values() for amount in terms.get(id(row), [])])
    for row in electricity.values():
        row["share"] = row["amount"] / total_kwh if total_kwh else 0.0
    declared = system.rule.rule.declared_unit
    return {"per": f"{declared.amount:g} {declared.unit} {declared.product}",
            "allocated": "amounts allocated to the declared product where a process has co-products",
            "inputs": sorted(inputs.values(), key=lambda r: (r["kind"], r.get("dataset") or r.get("declaration"))),
            "electricity": sorted(electricity.values(), key=lambda r: (-r["amount"], r["dataset"])),
            "direct_emissions": emissions}


def _recycled_block(result: Result, declared: set[str]) -> dict[str, Any]:
    """The recycled-content method with its parameters, R1 (overall and per element) and Erec/Ev per category."""
    rule = result.system.rule.rule
    recycled = result.system.recycled
    if recycled is None:
        return {"method": rule.recycled_content.method}
    material = result.material
    block: dict[str, Any] = {
        "method": recycled.method,
        "R1": recycled.R1,
        "R1_from_flows": material.r1 if material else None,
        "recycled_material_kg": material.recycled_kg if material else None,
        "virgin_material_kg": material.virgin_kg if material else None,
        "by_element": dict(recycled.by_element),
        "elements_not_stated": [e for e in recycled.elements_asked if e not in recycled.by_element],
        "source": recycled.source,
        "erec_processes": list(recycled.erec_processes),
        "virgin_input_kinds": list(recycled.virgin_input_kinds),
    }
    if recycled.has_virgin:
        virgin: dict[str, Any] = ({"dataset": recycled.virgin_dataset} if recycled.virgin_dataset else
                                  {"declaration": recycled.virgin_declaration.id,
                                   "content_sha256": recycled.virgin_declaration.content_sha256})
        if recycled.virgin_imported is not None:  # a mapping entry replaced the rule's Ev dataset: Ev is read there
            virgin["imported"] = dict(recycled.virgin_imported)
        virgin.update({"amount_per_kg_recycled": recycled.virgin_amount, "unit": recycled.virgin_unit,
                       "basis": recycled.virgin_basis})
        block["virgin"] = virgin
    if recycled.method == "cff":
        block.update({"A": recycled.A, "Qsin_Qp": recycled.Qsin_Qp,
                      "formula": "(1-R1)*Ev + R1*(A*Erec + (1-A)*Ev*Qsin/Qp); virgin inputs and later processes "
                                 "in full; line 'recycled content' = (1-A)*(Rm*Ev*Qsin/Qp - Rm*Erec)"})
    else:
        block["formula"] = "(1-R1)*Ev + R1*Erec (virgin inputs and recycling processes as they are)"
    block["by_category"] = {category: summary for category, summary in result.recycled.items()
                            if category in declared}
    return block


def schema() -> dict:
    return json.loads((schemas_dir() / "declaration.schema.json").read_text())


@lru_cache(maxsize=1)
def _validator():
    """The schema's validator, built once: checking the schema itself costs 0.1 s, a quarter of a declaration."""
    from jsonschema.validators import validator_for

    published = schema()
    cls = validator_for(published)
    cls.check_schema(published)
    return cls(published)


@lru_cache(maxsize=1)
def _compiled():
    """The compiled schema check (footprint._schema_check), once per process."""
    from footprint import _schema_check

    return _schema_check.compiled()


def validate(document: dict) -> None:
    """Raise jsonschema.ValidationError if the document breaks the published schema (a bug, not user input).

    The compiled check runs first; only a document it refuses goes to jsonschema, which then
    names the error (and has the last word: a refusal it does not confirm is not raised).
    """
    compiled = _compiled()
    if compiled is not None:
        check, refused = compiled
        try:
            check(document)
            return
        except refused:
            pass
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))  # what jsonschema.validate raises
    if error is not None:
        raise error


def to_json(document: dict) -> str:
    """The declaration as written to disk; NaN or Infinity (never valid JSON) cannot be written."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
