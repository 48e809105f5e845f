"""Applying a background mapping to a built product system (the producer's side of footprint.data.background).

The mapping file is resolved in the background wing (input kind or dataset code ->
imported dataset); here the flows of one product system are retargeted to those
datasets, with amounts converted to the dataset's unit and the DQR combined the way
engine.quality combines a datum's and a dataset's scores (the dataset's GeR re-scored for the
facility from its location first, as a library dataset's is).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from footprint.data.background import BackgroundMapping, MappingError, Target
from footprint.data.inventory import Gap
from footprint.data.inventory import Catalogue
from footprint.engine.system import ProductSystem
from footprint.errors import FootprintError
from footprint.inputs import units
from footprint.inputs.categories import RECYCLED_CONTENT_ID, all_categories, coverage_category
from footprint.inputs.dqr import DQR


def _kind_of(flow) -> str | None:
    label = flow.label or ""
    return label[len("transport, "):] if label.startswith("transport, ") else label


def check_keys(mapping: BackgroundMapping, system: ProductSystem, catalogue: Catalogue) -> None:
    """Every mapping key must name an input kind of the rule or a dataset code of the library.

    A key that matches nothing (a typo: ``hydrochloric-acd``) can map nothing in any
    product system of the rule: refused, with the nearest names.  A real kind or dataset
    code this product system happens not to use is not an error (one file serves a
    portfolio); map_system records it under ``not_applied``.
    """
    import difflib

    kinds = sorted(system.rule.rule.input_kinds)
    for key in [*mapping.kinds, *mapping.codes]:
        if key in mapping.codes:
            if key in catalogue.datasets:
                continue
            pool, what = sorted(catalogue.datasets), "a dataset code of the library"
        else:
            if key in system.rule.rule.input_kinds:
                continue
            pool, what = kinds, f"an input kind of rule {system.rule.rule.id}"
        close = difflib.get_close_matches(key, pool, n=3, cutoff=0.5)
        raise MappingError("this key matches no input kind of the rule and no dataset code", file=mapping.path,
                           field=f"map.{key}", value=key,
                           expected=what + (f"; nearest: {', '.join(close)}" if close else
                                            f" ({', '.join(pool[:12])}{', ...' if len(pool) > 12 else ''})"))


def _same_place(flow, target, key: str, system: ProductSystem, mapping: BackgroundMapping,
                catalogue: Catalogue) -> None:
    """A grid may be replaced only by a grid of where the facility draws power (engine.grid.location_problem):
    a mapping entry naming another country's market put its mix in the location-based rule's place, exit 0.
    The replaced dataset's own geography is allowed too (the rule's world fallback by an imported GLO)."""
    from footprint.engine import grid

    replaced = catalogue.datasets[flow.target]
    if replaced.kind != "electricity":
        return
    problem = grid.location_problem(target.location, system.activity.data.declarant, replaced.geography)
    if problem:
        raise MappingError(problem, file=mapping.path, field=f"map.{key}", value=f"{target.name} [{target.location}]",
                           expected=f"an imported grid of the facility's country or region (it replaces "
                                    f"{replaced.code}, {replaced.geography})")


#: why an entry of the mapping file took no input of this product system (provenance ``not_applied``)
UNUSED_KIND = "no input of this product system of this kind draws on a footprint dataset"
UNUSED_CODE = "no input of this product system uses this footprint dataset"


def apply_mapping(system: ProductSystem, mapping: BackgroundMapping, catalogue: Catalogue) -> ProductSystem:
    """Retarget mapped background flows (see map_system); the product system only."""
    return map_system(system, mapping, catalogue)[0]


def map_system(system: ProductSystem, mapping: BackgroundMapping,
               catalogue: Catalogue) -> tuple[ProductSystem, dict[str, Any]]:
    """Retarget mapped background flows to the imported datasets, converting amounts to their unit.

    A footprint dataset code in the mapping wins over the input kind, so a user can
    replace one regional grid without replacing all electricity.  Keys that match
    nothing are refused first (check_keys).

    Returns the system and the mapping's provenance: which entries were applied to which
    inputs, and which entries of the file this product system did not use (a mapping file
    shared by many product systems names kinds and datasets a given one never draws on; a
    declaration listing those as applied would tell a reviewer an input came from the
    imported database when it did not).
    """
    from footprint.engine.quality import facility_context, imported_in_context

    check_keys(mapping, system, catalogue)
    context = facility_context(system)  # where the imported datasets are used: their GeR re-scored for it
    # id(new flow) -> (entry key, kind, input replaced, the flow: held so that its id is not reused)
    applied: dict[int, tuple[str, str, dict[str, str], Any]] = {}
    targets: dict[int, Target] = {}  # id(new flow) -> the imported dataset it points at
    for process in system.processes:
        flows = []
        for flow in process.flows:
            target = None
            if flow.kind == "background" and flow.target in catalogue.datasets:
                target = mapping.target(flow.target, _kind_of(flow))
            if target is None:
                flows.append(flow)
                continue
            key = flow.target if flow.target in mapping.codes else _kind_of(flow)
            _same_place(flow, target, key, system, mapping, catalogue)
            try:
                amount = units.convert(flow.amount, flow.unit, units.pint_expression(target.unit))
            except FootprintError:
                raise MappingError(f"unit of the mapped dataset does not fit the input ({flow.unit})",
                                   file=mapping.path, field=f"map.{key}", value=f"{target.name}: {target.unit}",
                                   expected=f"a dataset whose unit converts from {flow.unit}") from None
            dqr = flow.dqr
            if target.dqr is not None:  # the same rule as quality.item_criteria: datum and dataset averaged
                # the dataset's criteria where it is used (GeR by its location, never better than the entry's)
                dataset = imported_in_context(target.dqr, target.location, context)[0]
                own = flow.dqr.model_dump() if flow.dqr else dataset
                dqr = DQR(**{k: (own[k] + dataset[k]) / 2 for k in ("TeR", "GeR", "TiR", "P")})
            else:
                note = (f"background dataset {target.database}: '{target.name}' has no DQR in the mapping "
                        f"{mapping.path.name}; its contributions are rated on the activity datum alone")
                if note not in system.notes:
                    system.notes.append(note)
            mapped = replace(flow, target=target.key, amount=amount, unit=target.unit, dqr=dqr)
            replaced = {"process": process.id, "input": flow.field, "label": flow.label, "replaced": flow.target}
            applied[id(mapped)] = (str(key), _kind_of(flow) or "", replaced, mapped)
            targets[id(mapped)] = target
            flows.append(mapped)
        remapped = {flow.field for flow in flows if flow.kind == "background" and flow.target not in catalogue.datasets}
        # a grid replaced by an imported dataset brings its own scope: drop the upstream chain added for the old one
        process.flows = [flow for flow in flows if flow.completes is None or flow.completes not in remapped]
    inputs: dict[str, list[dict[str, str]]] = {}
    taken_by: dict[str, set[str]] = {}  # input kind -> the dataset-code entries applied to inputs of it
    imported: dict[str, tuple[str, DQR | None, str]] = {}  # key -> label, the entry's dqr, the location
    for process in system.processes:  # only flows still in the system: a dropped one was not applied to
        for flow in process.flows:
            if id(flow) in applied:
                key, kind, where, _flow = applied[id(flow)]
                inputs.setdefault(key, []).append(where)
                if key in mapping.codes:
                    taken_by.setdefault(kind, set()).add(key)
                target = targets[id(flow)]  # checked against the rule's secondary limit (quality.assess)
                imported[target.key] = (f"{target.database}: '{target.name}'", target.dqr, target.location)
    virgin = _map_virgin(system, mapping, catalogue, applied, targets)
    _note_declared_ev(system, applied, targets)
    if virgin is not None:  # Ev of the CFF now reads the imported dataset: recorded as one more use of its entry
        key, target, use = virgin
        inputs.setdefault(key, []).append(use)
        imported[target.key] = (f"{target.database}: '{target.name}'", target.dqr, target.location)
    system.imported = imported
    # what each imported dataset used gives a value for (its score) and what its entries state it misses: read once
    # here; Ev's line is applied where the score gives a value, a category counts it complete only where nothing
    # is stated missing
    readings = imported_coverage(imported, mapping)
    system.imported_coverage = {key: reading.complete for key, reading in readings.items()}
    system.imported_readings = readings  # quality.assess and the coverage command read the stated gaps here
    _note_score_reading(system, readings, mapping)
    if virgin is not None:  # as a library Ev: applied where it gives a value, stated gaps or not (numbers unchanged)
        system.recycled = replace(system.recycled, virgin_coverage=readings[virgin[1].key].scored)
    return system, _provenance(mapping, inputs, taken_by)


#: the field an entry's use as the CFF's Ev names in ``applied`` (the rule's field: Ev is no activity datum)
VIRGIN_FIELD = "recycled_content.virgin.dataset"


def _map_virgin(system: ProductSystem, mapping: BackgroundMapping, catalogue: Catalogue,
                applied: dict[int, tuple[str, str, dict[str, str], Any]], targets: dict[int, Target]
                ) -> tuple[str, Target, dict[str, str]] | None:
    """Point the CFF's Ev at the imported dataset that replaces the rule's virgin-material dataset, if one does.

    Why: Ev is the burden of the virgin material the declaration uses.  A mapping entry that replaced
    the rule's Ev dataset (``recycled_content.virgin.dataset``) retargeted the virgin material bought, but
    the CFF's Ev still read the library dataset, so one declaration mixed two virgin burdens (the top-up
    from the imported database, Ev from the library), exit 0.  The Ev dataset is replaced

    * by a dataset-code entry naming it (such an entry replaces that dataset wherever it is used), or
    * by the one imported dataset that replaced it on every input of the rule's virgin input kinds that
      drew on it (a kind entry for the virgin material bought), or
    * by a kind entry for a virgin input kind whose rule default dataset is the Ev dataset, whether or not
      an input of that kind is bought: the entry says what the user's virgin material is.  With recycled
      content R1 = 1 nothing virgin is bought, yet Ev stays in the formula's R1 term ((1-A)·Ev·Qsin/Qp);
      such an entry used to be listed as not applied and Ev read the library dataset the user had mapped
      away (2.44 instead of 2.164768 kg CO2e/kg in tests/test_cff_mapping.py, exit 0).

    Two entries putting different imported datasets in its place, or virgin inputs drawing on it partly
    from the library and partly from an import, leave no single virgin burden: refused, never a pick.
    Ev is then scored from the imported dataset in the same snapshot and by the same solver as every
    other flow (calculate reads ``virgin_dataset``); its amount is converted to the dataset's unit, which
    must be a unit of mass (refused otherwise, naming the entry).  Returns (entry key, target, the use
    recorded under the entry's ``inputs``) or None where the mapping leaves Ev as it was.
    """
    rc = system.recycled
    if rc is None or rc.virgin_dataset is None or rc.virgin_dataset not in catalogue.datasets:
        return None
    replaced = rc.virgin_dataset
    virgin_kinds = set(rc.virgin_input_kinds)
    if replaced in mapping.codes:
        key, target = replaced, mapping.codes[replaced]
    else:
        found: dict[str, tuple[str, Target]] = {}  # target key -> (entry key, target)
        unmapped: list[str] = []  # virgin inputs still drawing on the library's Ev dataset
        for process in system.processes:
            for flow in process.flows:
                if flow.kind != "background" or flow.input_kind not in virgin_kinds:
                    continue
                if id(flow) in applied and applied[id(flow)][2]["replaced"] == replaced:
                    target = targets[id(flow)]
                    found.setdefault(target.key, (applied[id(flow)][0], target))
                elif flow.target == replaced:
                    unmapped.append(flow.field)
        kinds = system.rule.rule.input_kinds
        for kind in sorted(virgin_kinds & set(mapping.kinds)):  # the user's word for the virgin material
            spec = kinds.get(kind)
            if spec is not None and spec.dataset == replaced:
                found.setdefault(mapping.kinds[kind].key, (kind, mapping.kinds[kind]))
        if not found:
            return None
        entries = sorted({entry for entry, _target in found.values()})
        if len(found) > 1 or unmapped:
            problem = ("the virgin material the rule's Ev stands for would come from "
                       + (f"{len(found)} different imported datasets" if len(found) > 1 else
                          f"an imported dataset for some inputs and from {replaced} for others ({', '.join(unmapped)})"))
            raise MappingError(problem + ", so the Circular Footprint Formula would have no single virgin burden",
                               file=mapping.path, field=f"map.{entries[0]}", value=", ".join(entries),
                               expected=f"one entry replacing {replaced} (the rule's recycled_content.virgin.dataset) "
                                        "for every virgin input, e.g. a dataset-code entry for it")
        key, target = next(iter(found.values()))
    try:
        amount = units.convert(rc.virgin_amount, rc.virgin_unit, units.pint_expression(target.unit))
        units.convert(1.0, units.pint_expression(target.unit), "kg")
    except FootprintError:
        raise MappingError(f"the imported dataset replacing the rule's virgin-material dataset {replaced} (Ev of the "
                           f"Circular Footprint Formula) is not counted in a unit of mass", file=mapping.path,
                           field=f"map.{key}", value=f"{target.name}: {target.unit}",
                           expected=f"a dataset per unit of mass (Ev is {rc.virgin_amount:g} {rc.virgin_unit} of "
                                    "virgin material per kg of recycled material)") from None
    # virgin_coverage: set by map_system from imported_coverage, the one reading of what an imported dataset covers
    system.recycled = replace(rc, virgin_dataset=target.key, virgin_unit=target.unit, virgin_amount=amount,
                              virgin_coverage=(), virgin_dqr=target.dqr,
                              virgin_imported={**BackgroundMapping.entry(target), "replaced": replaced,
                                               "mapping_entry": str(key)})
    if target.dqr is None:
        note = (f"background dataset {target.database}: '{target.name}' has no DQR in the mapping "
                f"{mapping.path.name}; the recycled-content line (Ev) is rated on the producer's recycled-content "
                "data alone")
        if note not in system.notes:
            system.notes.append(note)
    use = {"process": RECYCLED_CONTENT_ID, "input": VIRGIN_FIELD, "label": "Ev (Circular Footprint Formula)",
           "replaced": replaced}
    return str(key), target, use


def _note_declared_ev(system: ProductSystem, applied: dict[int, tuple[str, str, dict[str, str], Any]],
                      targets: dict[int, Target]) -> None:
    """Say so when the virgin material bought comes from an imported dataset while Ev stays the rule's declaration.

    Why: a rule may name a supplier's declaration as the CFF's Ev (``recycled_content.virgin.declaration``);
    a mapping retargets datasets only, so Ev stays that declaration by design (methodology.md 2.6: the
    CFF's parameters are the rule-set's choice, and a producer's mapping must not lower the
    (1-A)·Ev·Qsin/Qp term by their own choice).  The declaration then had two sources of virgin burden,
    the imported dataset for the virgin material bought and the rule's declaration for Ev, and said
    nothing of it.  One note per imported dataset (with its entry and the inputs it took), in the
    system's notes (data_quality.warnings): built here, on the one path declare, batch and verify share.
    """
    rc = system.recycled
    if rc is None or rc.virgin_declaration is None:
        return
    virgin_kinds = set(rc.virgin_input_kinds)
    bought: dict[tuple[str, str], list[str]] = {}  # (entry key, imported dataset) -> the inputs it took
    for process in system.processes:
        for flow in process.flows:
            if id(flow) in applied and flow.input_kind in virgin_kinds:
                target = targets[id(flow)]
                label = f"{target.database}: '{target.name}'"
                bought.setdefault((applied[id(flow)][0], label), []).append(flow.field)
    declaration = rc.virgin_declaration
    for (key, label), fields in sorted(bought.items()):
        note = (f"recycled content: the virgin material bought ({', '.join(fields)}) comes from imported dataset "
                f"{label} (mapping entry {key}), while Ev of the Circular Footprint Formula stays the rule's "
                f"declaration {declaration.id} ({declaration.product}, {declaration.declarant}; "
                "recycled_content.virgin.declaration): the formula's parameters are the rule's, a mapping does "
                "not change them")
        if note not in system.notes:
            system.notes.append(note)


@dataclass(frozen=True)
class ImportedCoverage:
    """What one imported dataset gives a value for (its score) and what its mapping entries state it misses.

    Why two parts: a library dataset's coverage is the catalogue's (the flows it carries a factor for, narrowed
    by the gaps its file states); an imported dataset has no catalogue entry, so its own scores say where it
    gives a value, and its mapping entries' ``gaps`` say where that value is known to be incomplete.  A
    statement only narrows the score reading: a zero score is "none" whatever is stated.
    """

    key: str
    label: str  # "imported dataset DATABASE: 'NAME'", as the declaration names it
    scored: tuple[str, ...]  # coverage categories its cradle-to-gate score is not zero in
    gaps: tuple[Gap, ...] = ()  # stated by its mapping entries
    entries: tuple[str, ...] = ()  # the mapping entries pointing at it

    def gaps_for(self, category: str) -> list[Gap]:
        return [gap for gap in self.gaps if gap.applies_to(category)]

    def status(self, category: str) -> str:
        if category not in self.scored:
            return "none"
        return "partial" if self.gaps_for(category) else "complete"

    @property
    def complete(self) -> tuple[str, ...]:
        """The categories a declared category's coverage counts it complete in (quality.assess)."""
        return tuple(c for c in self.scored if not self.gaps_for(c))

    def explanation(self, category: str) -> str:
        """Why it is complete, partial or none in ``category`` (the coverage command's line)."""
        stated = "; ".join(f"missing {gap.flows} ({gap.reason})" for gap in self.gaps_for(category))
        if category not in self.scored:
            return ("its cradle-to-gate score is zero in this category" +
                    (f"; its mapping entry states: {stated}" if stated else
                     f" (read from its score: {SCORE_ONLY})"))
        if stated:
            return f"its mapping entry states: {stated} (its cradle-to-gate score is not zero in this category)"
        return f"its cradle-to-gate score is not zero in this category (read from its score: {SCORE_ONLY})"

    def missing(self, categories) -> list[dict]:
        """data_quality.partial_coverage's ``missing`` over ``categories``: the stated gaps (as a library dataset's
        are listed), then the categories its score is zero in that no gap names."""
        found = [{"categories": [c for c in categories if gap.applies_to(c)] or list(gap.categories),
                  "flows": gap.flows, "reason": gap.reason} for gap in self.gaps]
        zero = [c for c in categories if c not in self.scored and not self.gaps_for(c)]
        if zero:
            found.append({"categories": zero, "flows": IMPORTED_ZERO_FLOWS,
                          "reason": "read from the imported dataset's own score (it has no stated gaps)"
                          if not self.gaps else "read from the imported dataset's own score (no gap states them)"})
        return found


#: an imported dataset whose mapping entries state no ``gaps``: its coverage is its score's alone
SCORE_ONLY = "its mapping entry states no gaps"
#: what an imported dataset is missing in a category its score is zero in (quality.IMPORTED_ZERO)
IMPORTED_ZERO_FLOWS = "its cradle-to-gate score is zero in these categories"


def imported_coverage(imported: dict[str, tuple], mapping: BackgroundMapping) -> dict[str, ImportedCoverage]:
    """Per imported dataset used (``system.imported``: key -> (label, dqr, location)): where its cradle-to-gate
    score is not zero, and the gaps its mapping entries state.

    Why: two uses read this one answer: the CFF's Ev line is applied only where an imported Ev gives a value
    (``scored``: Ev = 0 would credit the recycled material with its Erec), and a declared category's coverage
    counts an imported dataset complete where it gives a value and no entry states a gap (``complete``;
    quality.assess; before, a user-built import with only fossil CO2 read "complete" for climate change, exit 0,
    and its entry could not say otherwise).  Read here, once per mapped product system, from the same scores on
    every path (declare, batch, verify by either solver), so what is covered never depends on the path's
    floating-point noise.
    """
    if not imported:
        return {}
    from footprint.data.inventory import BACKGROUND_DB
    from footprint.data.project import background_version
    from footprint.engine.calculate import background_node_ids
    from footprint.engine.solvers import background_scores

    version = background_version()
    databases = [BACKGROUND_DB, *mapping.databases]
    nodes = background_node_ids(databases, set(imported), version)
    categories = list(all_categories())
    rows, scores = background_scores(databases, categories)
    found = {}
    for key in sorted(imported):
        values = scores[rows[nodes[key]]]
        scored = tuple(sorted({coverage_category(c.id) for c, value in zip(categories, values) if value != 0.0}))
        found[key] = ImportedCoverage(key=key, label=f"imported dataset {imported[key][0]}", scored=scored,
                                      gaps=tuple(mapping.gaps.get(key, ())), entries=tuple(mapping.entries_of(key)))
    return found


def readings_of(system: ProductSystem, used: set[str]) -> list[ImportedCoverage]:
    """The imported datasets ``used`` of a mapped product system, sorted by label (as quality.imported_sources)."""
    readings = system.imported_readings
    return sorted((reading for key, reading in readings.items() if key in used), key=lambda r: (r.label, r.key))


def imported_partial(system: ProductSystem, used: set[str], categories) -> list[dict]:
    """data_quality.partial_coverage's rows for the imported datasets used that are not complete in every one of
    ``categories`` (the headline ones): covers, and what is missing, stated (with its reason) or read from a zero
    score."""
    headline = set(categories)
    return [{"dataset": reading.label, "covers": list(reading.complete), "screening": False,
             "missing": reading.missing(categories)}
            for reading in readings_of(system, used) if not headline.issubset(reading.complete)]


def _note_score_reading(system: ProductSystem, readings: dict[str, ImportedCoverage],
                        mapping: BackgroundMapping) -> None:
    """Say, per imported dataset whose entries state no gaps, that its coverage rests on its score alone.

    Why: such a dataset counts as complete in every category its score is not zero in; a user-built partial
    import (fossil CO2 only) then reads "complete" for climate change.  The declaration named the imported
    datasets only where their score was zero; where it counted them complete, nothing said on what ground.
    """
    for key, reading in sorted(readings.items()):
        if reading.gaps or not reading.scored:
            continue
        entries = ", ".join(f"map.{entry}" for entry in reading.entries) or "its entry"
        note = (f"coverage of {reading.label} rests on its cradle-to-gate score alone: counted complete in every "
                f"category its score is not zero in ({', '.join(reading.scored)}); {SCORE_ONLY} "
                f"({mapping.path.name}: {entries}; state what it misses under 'gaps')")
        if note not in system.notes:
            system.notes.append(note)


def _provenance(mapping: BackgroundMapping, inputs: dict[str, list[dict[str, str]]],
                taken_by: dict[str, set[str]]) -> dict[str, Any]:
    """``applied`` (entry -> dataset and the inputs it replaced) and ``not_applied`` (entry -> dataset and why)."""
    applied, not_applied = {}, {}
    for key, target in sorted({**mapping.kinds, **mapping.codes}.items()):
        entry = mapping.entry(target)
        if key in inputs:
            applied[key] = {**entry, "inputs": inputs[key]}
        elif key in mapping.codes:
            not_applied[key] = {**entry, "reason": UNUSED_CODE}
        elif taken_by.get(key):  # the kind's inputs exist, but dataset-code entries took every one of them
            not_applied[key] = {**entry, "reason": "every input of this kind is mapped by a dataset-code entry "
                                                   f"({', '.join(sorted(taken_by[key]))})"}
        else:
            not_applied[key] = {**entry, "reason": UNUSED_KIND}
    from footprint.paths import provenance_path  # one name per file, as the activity data's (issue 14)

    return {"path": provenance_path(mapping.path), "sha256": mapping.sha256, "applied": applied,
            "not_applied": not_applied}
